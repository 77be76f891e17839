"""Where a chart's print pages live: the one naming rule charts.py writes by and the print writers read by.

A chart too tall to print on half a page (the timeline of a long register) is also drawn as several
shorter images, `<slug>.print-1.png`, `<slug>.print-2.png`, ..., beside `<slug>.png`. The Word and PDF
editions lay those out one after another, so the chart runs on across pages at full size instead of
being shrunk to fit one. The web edition keeps the single whole chart. Kept apart from charts.py so
the writers can read the rule without importing matplotlib.
"""

from __future__ import annotations

import re
from pathlib import Path

_PART = re.compile(r"\.print-(\d+)\.png$")


def print_part_path(png: Path, n: int) -> Path:
    """The n-th print page (from 1) of the chart whose whole image is `png`."""
    png = Path(png)
    return png.with_name(f"{png.stem}.print-{n}.png")


def print_images(png: Path) -> tuple[Path, ...]:
    """The images to print for the chart `png`, in order: its print pages if it has any, else itself."""
    png = Path(png)
    found = []
    if png.parent.is_dir():
        for path in png.parent.glob(f"{glob_escape(png.stem)}.print-*.png"):
            match = _PART.search(path.name)
            if match and path.name == print_part_path(png, int(match.group(1))).name:
                found.append((int(match.group(1)), path))
    found.sort()
    if not found or [n for n, _ in found] != list(range(1, len(found) + 1)):
        return (png,)  # none, or a gap in the numbering: the whole chart is the safe choice
    return tuple(path for _, path in found)


def stale_print_parts(png: Path) -> list[Path]:
    """Every print page file of the chart `png` present, numbered in sequence or not."""
    png = Path(png)
    if not png.parent.is_dir():
        return []
    return [p for p in png.parent.glob(f"{glob_escape(png.stem)}.print-*.png") if _PART.search(p.name)
            and p.name == print_part_path(png, int(_PART.search(p.name).group(1))).name]


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)
