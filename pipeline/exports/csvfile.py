"""CSV files a spreadsheet opens safely: UTF-8 with a BOM, CRLF lines, formula-like text neutralised."""

from __future__ import annotations

import csv
import io
from pathlib import Path

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Stop a spreadsheet treating a cell as a formula (CSV injection): prefix a quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[neutralise(str(v)) for v in row] for row in rows])
    # UTF-8 with BOM so Excel on Windows shows £ and accents correctly.
    path.write_text(buf.getvalue(), encoding="utf-8-sig", newline="")
