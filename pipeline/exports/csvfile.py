"""CSV files a spreadsheet opens safely: UTF-8 with a BOM, every field quoted, CRLF lines, formula-like
text neutralised.

- The byte order mark: Excel on Windows reads a CSV as UTF-8 only when it starts with one (otherwise as
  the Windows code page, so £ shows as Â£), and LibreOffice Calc's import recognises UTF-8 by it.
- Every field in quotes: Calc's import dialog splits on commas, semicolons and tabs at once unless the
  officer changes it, so an unquoted "victims; witnesses" became two cells and every later column of
  that row moved along. A quoted field is never split.
- Leading zeros cannot be kept by any CSV both Excel and Calc open as text (they read 01234567 as a
  number), so identifiers are published whole (GB-COH-01234567); the exports workbook stores them as text.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Stop a spreadsheet treating a cell as a formula (CSV injection): prefix a quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(path: Path, header: tuple[str, ...], rows: list[list[str]], safe: bool = False) -> None:
    """`safe`: the caller has neutralised the text already (and its negative numbers must stay numbers)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows(rows if safe else [[neutralise(str(v)) for v in row] for row in rows])
    path.write_text(buf.getvalue(), encoding="utf-8-sig", newline="")
