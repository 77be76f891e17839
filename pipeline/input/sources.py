"""Read a register file into raw text cells: a header and rows, each with its spreadsheet row number.

Everything here is about file formats (encodings, delimiters, Excel quirks); what the cells mean is
the loader's business.
"""

from __future__ import annotations

import csv
import functools
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from ..problems import InputError, Problem


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
    # csv refuses cells over 128 KB by default; let a huge cell through so the loader can name its row and column.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    except csv.Error as exc:
        raise _fail(path, f"this is not a well-formed CSV table ({exc})") from None
    numbered = [(i + 1, tuple(r)) for i, r in enumerate(records)]
    return _split_header(path, numbered, ("id", "project"))


# --- Excel -----------------------------------------------------------------------------------

# An encrypted (password-protected) workbook, or an old .xls, is an OLE container rather than a zip.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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


@dataclass(frozen=True)
class _FormulaTrouble:
    """A formula cell whose result cannot be used: never calculated, or an Excel error."""
    row: int
    column: int  # 0-based
    formula: str
    error: str  # "" when there is no saved result at all


@functools.cache
def _cell_parser():
    """openpyxl's own sheet parser, taught to notice formulas that have no saved result.

    With data_only=True openpyxl returns None both for an empty cell and for a formula that was
    never calculated (files written by scripts, or saved with manual calculation), so the loader
    would silently see a blank. The XML tells them apart, so we look at it while openpyxl parses.
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):  # type: ignore[override]
            cell = super().parse_cell(element)
            formula = element.find(FORMULA_TAG)
            if formula is not None:
                saved = element.find(VALUE_TAG)
                # An empty saved value is a real result only for text formulas (="" style).
                uncached = saved is None or (not saved.text and element.get("t") not in ("str", "s", "inlineStr"))
                if uncached:
                    cell["trouble"] = ""
                elif cell["data_type"] == "e":
                    cell["trouble"] = str(cell["value"])
                cell["formula"] = "=" + formula.text if formula.text else ""  # shared formulas keep their text elsewhere
            return cell

    return Parser


def _sheet_rows(wb, ws) -> tuple[list[tuple[int, tuple[str, ...]]], list[_FormulaTrouble]]:
    """Every non-empty row of a read-only sheet as text cells, plus formulas without a usable value.

    We drive openpyxl's parser ourselves rather than ws.iter_rows(): iter_rows trusts the sheet's
    recorded size, which some programs write wrongly (cutting columns off), and pads every row to
    the widest formatted column.
    """
    parser_class = _cell_parser()
    numbered: list[tuple[int, tuple[str, ...]]] = []
    troubles: list[_FormulaTrouble] = []
    with ws._get_source() as src:  # noqa: SLF001 - the same source openpyxl's iter_rows reads
        parser = parser_class(src, ws._shared_strings, data_only=True, epoch=wb.epoch,  # noqa: SLF001
                              date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)  # noqa: SLF001
        for row_idx, cells in parser.parse():
            if not cells:
                continue
            width = max(c["column"] for c in cells)
            texts = [""] * width
            for c in cells:
                texts[c["column"] - 1] = _cell_text(c["value"])
                if "trouble" in c:
                    troubles.append(_FormulaTrouble(row_idx, c["column"] - 1, c["formula"], c["trouble"]))
            numbered.append((row_idx, tuple(texts)))
    return numbered, troubles


def _has_header(numbered: list[tuple[int, tuple[str, ...]]], hint: tuple[str, ...]) -> bool:
    for _, cells in numbered[:20]:
        names = {c.strip().lower() for c in cells}
        if all(h in names for h in hint):
            return True
    return False


def _read_xlsx(path: Path, sheet: str, header_hint: tuple[str, ...]) -> RawTable:
    if not zipfile.is_zipfile(path):
        with path.open("rb") as fh:
            if fh.read(8) == _OLE_MAGIC:
                raise _fail(path, "this workbook is password-protected or in the old Excel 97-2003 format; "
                                  "open it in Excel and save it without a password as 'Excel Workbook (.xlsx)'")
        raise _fail(path, "this is not an Excel workbook (.xlsx); save the register from Excel as 'Excel Workbook' or as CSV")
    import openpyxl  # imported here: CSV registers never pay for it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise _fail(path, f"this workbook could not be opened ({type(exc).__name__}); re-save it from Excel as .xlsx") from None
    try:
        sheets = wb.worksheets  # worksheets only: chart sheets hold no cells
        if not sheets:
            raise _fail(path, "this workbook has no worksheets; expected a sheet holding the register")
        wanted = sheet.strip().lower()
        named = [ws for ws in sheets if ws.title.strip().lower() == wanted]
        # The named sheet first; failing that, the first sheet whose header looks like a register
        # (the officer may have renamed the sheet or put a notes sheet in front), else the first.
        candidates = named or sheets
        chosen = None
        for ws in candidates:
            try:
                numbered, troubles = _sheet_rows(wb, ws)
            except Exception as exc:  # a damaged sheet part
                raise _fail(path, f"the sheet '{ws.title}' could not be read ({type(exc).__name__}); "
                                  "re-save the workbook from Excel as .xlsx") from None
            if chosen is None:
                chosen = (ws, numbered, troubles)
            if named or _has_header(numbered, header_hint):
                chosen = (ws, numbered, troubles)
                break
    finally:
        wb.close()
    ws, numbered, troubles = chosen
    if not any(any(c.strip() for c in cells) for _, cells in numbered):
        raise _fail(path, f"the sheet '{ws.title}' is empty; expected a header row and one row per service")
    table = _split_header(path, numbered, header_hint)
    _check_formulas(table, troubles)
    return table


def _check_formulas(table: RawTable, troubles: list[_FormulaTrouble]) -> None:
    """Refuse formulas inside the table whose result was never saved or is an Excel error."""
    problems = []
    for t in troubles:
        if t.row <= table.header_row or t.column >= len(table.header):
            continue  # outside the table: a title row, or workings to the right
        column = table.header[t.column].strip() or f"column {t.column + 1}"
        if t.error:
            expected = f"this cell's formula gives the Excel error {t.error}; correct the formula or type the value in"
        else:
            expected = ("this cell's formula has no calculated result saved with it; "
                        "open the file in Excel (or LibreOffice), let it calculate, and save it again - "
                        "or type the value in")
        problems.append(Problem(table.source, t.row, column, t.formula, expected))
    if problems:
        raise InputError(problems)


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
