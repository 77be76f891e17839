"""Read a register file into raw text cells: a header and rows, each with its spreadsheet row number.

Everything here is about file formats (encodings, delimiters, Excel quirks); what the cells mean is
the loader's business.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from .problems import InputError, Problem


@dataclass(frozen=True)
class RawTable:
    source: str
    header: tuple[str, ...]
    header_row: int
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (spreadsheet row, cells)


def _fail(path: Path, expected: str) -> InputError:
    return InputError([Problem(str(path), None, None, "", expected)])


def read_table(path: Path, sheet: str = "Register", header_hint: tuple[str, ...] = ("id", "project")) -> RawTable:
    path = Path(path)
    if not path.exists():
        raise _fail(path, "the register file does not exist; check the --year or --register you gave")
    if path.is_dir():
        raise _fail(path, "this is a folder; expected a register file (.csv or .xlsx)")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, header_hint)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(path)
    raise _fail(path, f"files of type '{suffix}' are not read; save the register as .xlsx (Excel) or .csv")


# --- CSV -------------------------------------------------------------------------------------

def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"PK\x03\x04"):
        raise _fail(path, "this is an Excel workbook with a .csv name; rename it to .xlsx, or save it from Excel as CSV")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(path, "this is an old-style Excel file (.xls); save it from Excel as 'Excel Workbook (.xlsx)' or CSV")
    head = data[:4096]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if controls > max(2, len(head) // 50):
        raise _fail(path, "this file contains binary data; expected a CSV table saved as text (UTF-8)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in Windows-1252; every byte sequence decodes, so check it reads as text.
        text = data.decode("cp1252", errors="replace")
        if text.count("\ufffd") > max(3, len(text) // 100):
            raise _fail(path, "this file is not readable text; expected a CSV table saved as UTF-8") from None
        return text


def _read_csv(path: Path) -> RawTable:
    data = path.read_bytes()
    if not data.strip():
        raise _fail(path, "the file is empty; expected a header row and one row per service")
    text = _decode(path, data)
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        for candidate in (";", "\t"):
            if candidate in first_line:
                delimiter = candidate
                break
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    except csv.Error as exc:
        raise _fail(path, f"this is not a well-formed CSV table ({exc})") from None
    numbered = [(i + 1, tuple(r)) for i, r in enumerate(records)]
    return _split_header(path, numbered, ("id", "project"))


# --- Excel -----------------------------------------------------------------------------------

def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.2f}" if abs(round(value, 2) - value) < 1e-6 else repr(value)
    return str(value)


def _read_xlsx(path: Path, sheet: str, header_hint: tuple[str, ...]) -> RawTable:
    if not zipfile.is_zipfile(path):
        raise _fail(path, "this is not an Excel workbook (.xlsx); save the register from Excel as 'Excel Workbook' or as CSV")
    import openpyxl  # imported here: CSV registers never pay for it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise _fail(path, f"this workbook could not be opened ({type(exc).__name__}); re-save it from Excel as .xlsx") from None
    try:
        names = wb.sheetnames
        match = next((n for n in names if n.strip().lower() == sheet.lower()), None)
        ws = wb[match] if match else wb[names[0]]
        numbered = []
        for idx, row in enumerate(ws.iter_rows(values_only=True), start=1):
            numbered.append((idx, tuple(_cell_text(v) for v in row)))
    finally:
        wb.close()
    if not any(any(c.strip() for c in cells) for _, cells in numbered):
        raise _fail(path, f"the sheet '{ws.title}' is empty; expected a header row and one row per service")
    return _split_header(path, numbered, header_hint)


# --- shared ----------------------------------------------------------------------------------

def _split_header(path: Path, numbered: list[tuple[int, tuple[str, ...]]], hint: tuple[str, ...]) -> RawTable:
    """Find the header: the first row naming the hint columns, else the first non-blank row.

    Officers often put a merged title row or two above the header in Excel.
    """
    nonblank = [(n, cells) for n, cells in numbered if any(c.strip() for c in cells)]
    if not nonblank:
        raise _fail(path, "the file is empty; expected a header row and one row per service")
    header_at = 0
    for i, (_, cells) in enumerate(nonblank[:20]):
        names = {c.strip().lower() for c in cells}
        if all(h in names for h in hint):
            header_at = i
            break
    header_row, header = nonblank[header_at]
    rows = tuple((n, cells) for n, cells in numbered if n > header_row and any(c.strip() for c in cells))
    # Trailing empty header cells come from formatting beyond the table, not from columns.
    trimmed = list(header)
    while trimmed and not trimmed[-1].strip():
        trimmed.pop()
    return RawTable(str(path), tuple(trimmed), header_row, rows)
