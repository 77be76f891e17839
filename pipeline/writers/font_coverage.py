"""Which characters a TrueType font can draw, read from its cmap table (standard library only).

The PDF edition is PDF/UA-1, and Typst refuses to write a PDF/UA file with a character no font can
draw (an emoji or a Chinese name in the register would stop the whole edition). The PDF writer asks
this module which characters the shipped font has, and prints any other as the replacement mark.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=8)
def covered(path: Path) -> frozenset[int]:
    """The code points `path` (a .ttf/.otf file) maps to a glyph."""
    data = Path(path).read_bytes()
    tables = _tables(data)
    if "cmap" not in tables:
        return frozenset()
    base = tables["cmap"]
    count = struct.unpack_from(">H", data, base + 2)[0]
    subtables = []
    for n in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, base + 4 + 8 * n)
        subtables.append((platform, encoding, base + offset))
    # Unicode full repertoire first (format 12), then the Basic Multilingual Plane (format 4).
    for want in ((3, 10), (0, 4), (0, 6), (3, 1), (0, 3), (0, 1), (0, 0)):
        for platform, encoding, at in subtables:
            if (platform, encoding) == want:
                found = _read(data, at)
                if found is not None:
                    return frozenset(found)
    return frozenset()


def _tables(data: bytes) -> dict[str, int]:
    count = struct.unpack_from(">H", data, 4)[0]
    out = {}
    for n in range(count):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * n)
        out[tag.decode("latin-1")] = offset
    return out


def _read(data: bytes, at: int) -> set[int] | None:
    kind = struct.unpack_from(">H", data, at)[0]
    points: set[int] = set()
    if kind == 4:
        segments = struct.unpack_from(">H", data, at + 6)[0] // 2
        ends = struct.unpack_from(f">{segments}H", data, at + 14)
        starts = struct.unpack_from(f">{segments}H", data, at + 16 + 2 * segments)
        deltas = struct.unpack_from(f">{segments}h", data, at + 16 + 4 * segments)
        ranges_at = at + 16 + 6 * segments
        offsets = struct.unpack_from(f">{segments}H", data, ranges_at)
        for k, (start, end, delta, offset) in enumerate(zip(starts, ends, deltas, offsets)):
            for code in range(start, end + 1):
                if code == 0xFFFF:
                    continue
                if offset == 0:
                    glyph = (code + delta) & 0xFFFF
                else:
                    where = ranges_at + 2 * k + offset + 2 * (code - start)
                    glyph = struct.unpack_from(">H", data, where)[0]
                    glyph = (glyph + delta) & 0xFFFF if glyph else 0
                if glyph:
                    points.add(code)
        return points
    if kind == 12:
        groups = struct.unpack_from(">I", data, at + 12)[0]
        for k in range(groups):
            start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * k)
            points.update(range(start, end + 1) if glyph else range(start + 1, end + 1))
        return points
    return None
