"""Draw the Teams app icons with the standard library: `python teams/make_icons.py`.

color.png (192x192): a white ring and bar on the bot's red; outline.png (32x32): the same
shape in white on transparent, as Teams requires of outline icons.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
RED = (164, 0, 15, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)
Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An RGBA PNG, drawn by calling `pixel(x, y)` for every pixel."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def mark(size: int, x: int, y: int) -> bool:
    """A ring with a vertical bar through its centre (a stylised "i" for information)."""
    c = (size - 1) / 2
    r = ((x - c) ** 2 + (y - c) ** 2) ** 0.5
    ring = 0.34 * size <= r <= 0.44 * size
    bar = abs(x - c) <= 0.05 * size and 0.44 * size <= y <= 0.72 * size
    dot = ((x - c) ** 2 + (y - 0.31 * size) ** 2) ** 0.5 <= 0.065 * size
    return ring or bar or dot


def main() -> None:
    (HERE / "color.png").write_bytes(png(192, 192, lambda x, y: WHITE if mark(192, x, y) else RED))
    (HERE / "outline.png").write_bytes(png(32, 32, lambda x, y: WHITE if mark(32, x, y) else CLEAR))


if __name__ == "__main__":
    main()
