"""The word-piece table: mapped from its safetensors file, never copied, and refused with the
file's name when it is not a table."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from bot.embedding import EmbeddingUnavailableError, map_table, word_piece_vectors

TABLE = np.arange(12, dtype=np.float16).reshape(4, 3) / 8


def write_safetensors(path: Path, header: dict[str, object], data: bytes) -> Path:
    encoded = json.dumps(header).encode("utf-8")
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + data)
    return path


def table_file(path: Path, **changes: object) -> Path:
    info: dict[str, object] = {
        "dtype": "F16",
        "shape": list(TABLE.shape),
        "data_offsets": [0, TABLE.nbytes],
    }
    info.update(changes)
    header = {"__metadata__": {"format": "np"}, "embedding.weight": info}
    return write_safetensors(path, header, TABLE.tobytes())


def test_a_table_is_read_with_its_values_dtype_and_shape(tmp_path: Path) -> None:
    table = map_table(table_file(tmp_path / "t.safetensors"))

    assert table.dtype == np.float16
    assert np.array_equal(table, TABLE)


def test_a_mapped_table_is_read_only(tmp_path: Path) -> None:
    table = map_table(table_file(tmp_path / "t.safetensors"))

    with pytest.raises(ValueError):
        table[0, 0] = 1.0


def test_the_shipped_table_is_mapped_from_its_file_not_copied() -> None:
    table = word_piece_vectors()._table
    base = table
    while getattr(base, "base", None) is not None:
        base = base.base

    assert not table.flags.writeable
    assert type(base).__name__ == "mmap"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"dtype": "I64"}, "no 2-D float16 or float32 tensor"),
        ({"shape": [4, 3, 1]}, "no 2-D float16 or float32 tensor"),
        ({"shape": [5, 3]}, "does not fit its byte range"),
        ({"data_offsets": [0, TABLE.nbytes + 2]}, "does not fit its byte range"),
    ],
)
def test_a_tensor_that_is_not_a_table_is_refused_naming_the_file(
    tmp_path: Path, changes: dict[str, object], says: str
) -> None:
    path = table_file(tmp_path / "t.safetensors", **changes)

    with pytest.raises(EmbeddingUnavailableError, match=says) as raised:
        map_table(path)
    assert str(path) in str(raised.value)


def test_a_file_without_the_tensor_is_refused(tmp_path: Path) -> None:
    path = write_safetensors(tmp_path / "t.safetensors", {"other": {}}, b"")

    with pytest.raises(EmbeddingUnavailableError, match=r"embedding\.weight"):
        map_table(path)


@pytest.mark.parametrize("content", [b"", b"\x01\x02", struct.pack("<Q", 10**9) + b"{}"])
def test_a_file_too_short_for_its_header_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "t.safetensors"
    path.write_bytes(content)

    with pytest.raises(EmbeddingUnavailableError, match="not a safetensors file"):
        map_table(path)
