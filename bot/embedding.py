"""Sentence vectors from static word-piece embeddings, for the matcher's sense of meaning.

Lexical features only see words a topic's examples use; "weather" and "forecast" share no
letters. A sentence vector here is the normalised sum of its word pieces' vectors from
WordLlama's `l2_supercat` 256-dimension table (MIT licence, https://github.com/dleemiller/WordLlama),
token embeddings distilled from large language models. The table and its tokenizer ship inside
the `wordllama` wheel; they are read from there (the table memory-mapped, the tokenizer with
`tokenizers`), never downloaded, and `wordllama` itself is never imported (its import configures
the root logger).

No model runs: a vector is a table look-up and a sum, about 0.1 ms for a question.
"""

from __future__ import annotations

import importlib.util
import json
import struct
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

FloatArray = npt.NDArray[np.float32]

_PACKAGE = "wordllama"
_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
_TENSOR = "embedding.weight"
MAX_TOKENS = 512  # a question is short; a pasted page only blurs its vector


class Embedder(Protocol):
    """Turns texts into unit-length vectors (a zero row for a text with no known pieces)."""

    def embed(self, texts: Sequence[str]) -> FloatArray: ...


class WordPieceVectors:
    """Sentence vectors: the normalised sum of the word-piece vectors of a text."""

    def __init__(self, table: npt.NDArray[np.floating], tokenizer: Tokenizer) -> None:
        self._table = table
        self._tokenizer = tokenizer
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self.dimensions = int(table.shape[1])
        # The bot's two matchers (topics, and the urgency net) embed the same question in turn.
        self._summed = lru_cache(maxsize=256)(self._sum)

    def __reduce__(self) -> Any:
        """The shipped table pickles as a reference to it (loaded once per process), not as
        17 MB of numbers."""
        if self is word_piece_vectors():
            return (word_piece_vectors, ())
        return (WordPieceVectors, (self._table, self._tokenizer))

    @classmethod
    def from_files(cls, weights: Path, tokenizer: Path) -> WordPieceVectors:
        """Map a safetensors table (`embedding.weight`) and read a `tokenizers` JSON file."""
        return cls(map_table(weights), Tokenizer.from_file(str(tokenizer)))

    def embed(self, texts: Sequence[str]) -> FloatArray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        rows = [row for row, text in enumerate(texts) if text.strip()]  # blank: no meaning
        if not rows:
            return out
        for row in rows:
            summed = self._summed(texts[row]) if len(texts) == 1 else self._sum(texts[row])
            if summed is not None:
                out[row] = summed
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def _sum(self, text: str) -> FloatArray | None:
        """The sum of a text's word-piece vectors (None when it has no known piece)."""
        # One text at a time: encode_batch starts a thread pool, and a process that forks after
        # that (a subprocess, a pre-forking server) gets a warning and no parallelism.
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        limit = self._table.shape[0]
        ids = [i for i in encoding.ids if 0 <= i < limit]
        if not ids:
            return None
        summed: FloatArray = self._table[ids].sum(axis=0, dtype=np.float32)
        summed.flags.writeable = False  # cached: shared by every caller
        return summed


class EmbeddingUnavailableError(RuntimeError):
    """The word-piece table is not installed, or is not a table."""


_DTYPES = {"F16": np.float16, "F32": np.float32}


def map_table(path: Path, name: str = _TENSOR) -> npt.NDArray[np.floating]:
    """The 2-D float tensor `name` of a safetensors file, memory-mapped read-only, not copied.

    The format (https://github.com/huggingface/safetensors#format): an 8-byte little-endian
    header length, a JSON header giving each tensor's dtype, shape and byte range, then the
    data. Mapped, the table's pages are shared with every process that maps the file (a reload's
    child, other workers) and only the rows questions use are ever read from disk; loading it
    with the `safetensors` package copied all 16 MB into each process.
    """
    size = path.stat().st_size
    with path.open("rb") as file:
        prefix = file.read(8)
        if len(prefix) < 8 or (length := struct.unpack("<Q", prefix)[0]) > size - 8:
            raise EmbeddingUnavailableError(f"{path}: not a safetensors file (no header)")
        try:
            info = json.loads(file.read(length))[name]
            dtype = np.dtype(_DTYPES[info["dtype"]])
            rows, columns = (int(n) for n in info["shape"])
            begin, end = (int(n) for n in info["data_offsets"])
        except (ValueError, KeyError, TypeError) as error:
            raise EmbeddingUnavailableError(
                f"{path}: no 2-D float16 or float32 tensor {name!r} in its header ({error!r})"
            ) from None
    if end - begin != rows * columns * dtype.itemsize or 8 + length + end > size:
        raise EmbeddingUnavailableError(f"{path}: tensor {name!r} does not fit its byte range")
    return np.asarray(
        np.memmap(path, dtype=dtype, mode="r", offset=8 + length + begin, shape=(rows, columns))
    )


@cache
def word_piece_vectors() -> WordPieceVectors:
    """The shipped table, loaded once per process (about 0.1 s; the 16 MB table is mapped)."""
    spec = importlib.util.find_spec(_PACKAGE)  # finds the package without importing it
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        weights, tokenizer = Path(location) / _WEIGHTS, Path(location) / _TOKENIZER
        if weights.is_file() and tokenizer.is_file():
            return WordPieceVectors.from_files(weights, tokenizer)
    raise EmbeddingUnavailableError(
        f"the {_PACKAGE} package with {_WEIGHTS} is not installed: pip install the project"
    )


__all__ = [
    "Embedder",
    "EmbeddingUnavailableError",
    "WordPieceVectors",
    "map_table",
    "word_piece_vectors",
]
