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
    sheet: str = ""  # the worksheet read, for an .xlsx register
    # Merged cell ranges inside the table, as (first row, first column, last row, last column), 1-based:
    # Excel keeps the value in the first cell only, so the others read as blank.
    merged: tuple[tuple[int, int, int, int], ...] = ()


@dataclass(frozen=True)
class ReadLimits:
    """How much one register may hold; beyond this the file is refused before any real work is done."""
    max_bytes: int = 100 * 1024 * 1024  # the CSV file, or the .xlsx once unpacked
    max_rows: int = 100_000
    setting: str = "[limits] in data/config.toml"  # where the officer can raise them


def _fail(path: Path, expected: str, sheet: str = "") -> InputError:
    return InputError([Problem(str(path), None, None, "", expected, sheet=sheet)])


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} GB"  # pragma: no cover


def normalise_name(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", "_").split())


def read_table(path: Path, sheet: str = "Register", header_hint: tuple[str, ...] = ("id", "project"),
               known: tuple[str, ...] = (), limits: ReadLimits = ReadLimits()) -> RawTable:
    """Read a register file's cells. `known` lists the column names a register may have (used to
    tell which delimiter a CSV uses); `limits` bounds the work."""
    path = Path(path)
    if not path.exists():
        raise _fail(path, "the register file does not exist; check the --year or --register you gave")
    if path.is_dir():
        raise _fail(path, "this is a folder; expected a register file (.csv or .xlsx)")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise _fail(path, f"this file is {_size(size)}, more than the {_size(limits.max_bytes)} a register may be "
                          f"({limits.setting}); is it the right file?")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, header_hint, limits)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(path, tuple({*header_hint, *known}), limits)
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


_DELIMITERS = (",", ";", "\t")


def _delimiter(text: str, known: tuple[str, ...]) -> str:
    """The delimiter under which the header names the most known columns.

    Looking only at whether the first line holds a comma fails on a semicolon file whose header
    has a comma in a column name ("notes, comments"); recognising the columns does not.
    """
    head = "\n".join(text.lstrip("\ufeff").splitlines()[:30])
    wanted = {normalise_name(k) for k in known}
    best, best_score = ",", (-1, -1)
    for candidate in _DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(head, newline=""), delimiter=candidate, strict=False))
        except csv.Error:
            continue
        recognised = max((sum(normalise_name(c) in wanted for c in r) for r in rows), default=0)
        first = next((r for r in rows if any(c.strip() for c in r)), [])
        score = (recognised, len(first))
        if score > best_score:
            best, best_score = candidate, score
    return best


def _read_csv(path: Path, known: tuple[str, ...], limits: ReadLimits) -> RawTable:
    data = path.read_bytes()
    if not data.strip():
        raise _fail(path, "the file is empty; expected a header row and one row per service")
    text = _decode(path, data)
    delimiter = _delimiter(text, known)
    # csv refuses cells over 128 KB by default; let a huge cell through so the loader can name its row and column.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[tuple[str, ...]] = []
    spans: list[tuple[int, int]] = []  # the file lines each record was read from
    try:
        before = 0
        for record in reader:
            records.append(tuple(record))
            spans.append((before + 1, reader.line_num))
            before = reader.line_num
            if len(records) > limits.max_rows:
                raise _fail(path, f"this file has more than {limits.max_rows:,} rows, the most a register may have "
                                  f"({limits.setting}); is it the right file?")
    except csv.Error as exc:
        raise _fail(path, f"this is not a well-formed CSV table ({exc})") from None
    numbered = [(i + 1, r) for i, r in enumerate(records)]
    table = _split_header(path, numbered, ("id", "project"))
    _check_quotes(path, text, delimiter, table, spans)
    return table


def _check_quotes(path: Path, text: str, delimiter: str, table: RawTable, spans: list[tuple[int, int]]) -> None:
    """Refuse a quote that is never closed where it should be: it swallows the rows after it into one cell.

    A cell may hold line breaks (Alt+Enter in Excel), so a multi-line cell alone is no fault; but one whose
    later lines look like register rows (several delimiters), or a quote still open at the end of the
    file, means rows were lost without a word.
    """
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
        unclosed_at_end = False
    except csv.Error as exc:
        unclosed_at_end = "unexpected end of data" in str(exc)
    enough = max(2, (len(table.header) - 1) // 2)
    problems = []
    last_row = table.rows[-1][0] if table.rows else None
    for rownum, cells in table.rows:
        first, last = spans[rownum - 1]
        if first == last:
            continue
        for i, cell in enumerate(cells):
            lines = cell.split("\n")
            swallowed = len(lines) > 1 and any(line.count(delimiter) >= enough for line in lines[1:])
            if swallowed or (unclosed_at_end and rownum == last_row and i == len(cells) - 1 and len(lines) > 1):
                column = table.header[i].strip() if i < len(table.header) and table.header[i].strip() else f"column {i + 1}"
                lost = f"file line {last} was" if first + 1 == last else f"file lines {first + 1} to {last} were"
                problems.append(Problem(
                    str(path), rownum, column, lines[0],
                    f"a quote (\") in this cell is not closed where it should be, so {lost} read into this one "
                    "cell instead of as rows of their own; close the quote or remove it, then save again",
                    line=_first_cell(table, cells)))
                break
    if unclosed_at_end and not problems:
        problems.append(Problem(str(path), last_row, None, "",
                                "a quote (\") opened in this row is never closed, so the rest of the file was read into "
                                "one cell; close the quote or remove it, then save again",
                                line=_first_cell(table, table.rows[-1][1]) if table.rows else ""))
    if problems:
        raise InputError(problems)


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


def _sheet_rows(wb, ws, max_rows: int) -> tuple[list[tuple[int, tuple[str, ...]]], list[_FormulaTrouble],
                                             tuple[tuple[int, int, int, int], ...]]:
    """Every non-empty row of a read-only sheet as text cells, formulas without a usable value, and
    the merged cell ranges.

    We drive openpyxl's parser ourselves rather than ws.iter_rows(): iter_rows trusts the sheet's
    recorded size, which some programs write wrongly (cutting columns off), and pads every row to
    the widest formatted column. Rows beyond max_rows stop the read (_TooManyRows).
    """
    parser_class = _cell_parser()
    numbered: list[tuple[int, tuple[str, ...]]] = []
    troubles: list[_FormulaTrouble] = []
    with ws._get_source() as src:  # noqa: SLF001 - the same source openpyxl's iter_rows reads
        parser = parser_class(src, ws._shared_strings, data_only=True, epoch=wb.epoch,  # noqa: SLF001
                              date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)  # noqa: SLF001
        for row_idx, cells in parser.parse():
            if row_idx > max_rows:
                raise _TooManyRows()
            # Only cells holding something count: a row styled out to column XFD is as wide as its last
            # value, so a sheet costs what its values cost, never its formatted extent.
            held = [c for c in cells if c["value"] is not None or "trouble" in c]
            if not held:
                continue
            width = max(c["column"] for c in held)
            texts = [""] * width
            for c in held:
                texts[c["column"] - 1] = _cell_text(c["value"])
                if "trouble" in c:
                    troubles.append(_FormulaTrouble(row_idx, c["column"] - 1, c["formula"], c["trouble"]))
            numbered.append((row_idx, tuple(texts)))
        merged = []
        for cr in getattr(parser.merged_cells, "mergeCell", None) or ():
            from openpyxl.utils.cell import range_boundaries

            try:
                min_col, min_row, max_col, max_row = range_boundaries(cr.ref)
            except (TypeError, ValueError):
                continue  # a malformed range only loses a hint in messages
            merged.append((min_row, min_col, max_row, max_col))
    return numbered, troubles, tuple(merged)


class _TooManyRows(Exception):
    pass


def _has_header(numbered: list[tuple[int, tuple[str, ...]]], hint: tuple[str, ...]) -> bool:
    for _, cells in numbered[:20]:
        names = {c.strip().lower() for c in cells}
        if all(h in names for h in hint):
            return True
    return False


def _read_xlsx(path: Path, sheet: str, header_hint: tuple[str, ...], limits: ReadLimits) -> RawTable:
    if not zipfile.is_zipfile(path):
        with path.open("rb") as fh:
            if fh.read(8) == _OLE_MAGIC:
                raise _fail(path, "this workbook is password-protected or in the old Excel 97-2003 format; "
                                  "open it in Excel and save it without a password as 'Excel Workbook (.xlsx)'")
        raise _fail(path, "this is not an Excel workbook (.xlsx); save the register from Excel as 'Excel Workbook' or as CSV")
    _check_unpacked_size(path, limits)
    import openpyxl  # imported here: CSV registers never pay for it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise _fail(path, f"this workbook could not be opened ({type(exc).__name__}); re-save it from Excel as .xlsx") from None
    try:
        sheets = wb.worksheets  # worksheets only: chart sheets hold no cells
        if not sheets:
            raise _fail(path, "this workbook has no worksheets; expected a sheet holding the register")
        # Hidden sheets are never read: a stale copy hidden in front of the register must not win.
        visible = [ws for ws in sheets if getattr(ws, "sheet_state", "visible") == "visible"]
        wanted = sheet.strip().lower()
        named = [ws for ws in visible if ws.title.strip().lower() == wanted]
        hidden_named = [ws for ws in sheets if ws not in visible and ws.title.strip().lower() == wanted]
        if not visible:
            raise _fail(path, "every sheet of this workbook is hidden; unhide the register "
                              "(right-click a sheet tab, Unhide) and save again")
        # The named sheet first; failing that, the first sheet whose header looks like a register
        # (the officer may have renamed the sheet or put a notes sheet in front), else the first.
        candidates = named or visible
        chosen = None
        for ws in candidates:
            try:
                numbered, troubles, merged = _sheet_rows(wb, ws, limits.max_rows)
            except _TooManyRows:
                raise _fail(path, f"this sheet has more than {limits.max_rows:,} rows, the most a register may have "
                                  f"({limits.setting}); delete the empty formatted rows below the table, or check "
                                  "it is the right file", ws.title) from None
            except Exception as exc:  # a damaged sheet part
                raise _fail(path, f"the sheet '{ws.title}' could not be read ({type(exc).__name__}); "
                                  "re-save the workbook from Excel as .xlsx") from None
            if chosen is None:
                chosen = (ws, numbered, troubles, merged)
            if named or _has_header(numbered, header_hint):
                chosen = (ws, numbered, troubles, merged)
                break
        else:
            if hidden_named:
                raise _fail(path, f"the sheet '{hidden_named[0].title}' is hidden, and no visible sheet holds a "
                                  "register; unhide it (right-click a sheet tab, Unhide) and save again")
    finally:
        wb.close()
    ws, numbered, troubles, merged = chosen
    if not any(any(c.strip() for c in cells) for _, cells in numbered):
        raise _fail(path, f"the sheet '{ws.title}' is empty; expected a header row and one row per service", ws.title)
    table = _split_header(path, numbered, header_hint, ws.title, merged)
    _check_formulas(table, troubles)
    return table


def _check_unpacked_size(path: Path, limits: ReadLimits) -> None:
    """Refuse a workbook whose parts unpack to more than the limit, before any of it is unpacked.

    Python's zipfile stops reading each part at its recorded size, so the recorded sizes bound the work.
    """
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail(path, f"this workbook could not be opened ({type(exc).__name__}); re-save it from Excel as .xlsx") from None
    total = sum(i.file_size for i in infos)
    if total > limits.max_bytes:
        raise _fail(path, f"this workbook unpacks to {_size(total)}, more than the {_size(limits.max_bytes)} a register "
                          f"may be ({limits.setting}); is it the right file? Delete unused sheets, pictures and "
                          "formatted empty rows, or save the register as CSV")


def _first_cell(table: RawTable, cells: tuple[str, ...]) -> str:
    """The row's id, when the table has an id column, so a message can name the line."""
    names = [normalise_name(h) for h in table.header]
    if "id" in names and names.index("id") < len(cells):
        return " ".join(cells[names.index("id")].split())[:40]
    return ""


def _check_formulas(table: RawTable, troubles: list[_FormulaTrouble]) -> None:
    """Refuse formulas inside the table whose result was never saved or is an Excel error."""
    problems = []
    by_row = dict(table.rows)
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
        problems.append(Problem(table.source, t.row, column, t.formula, expected, sheet=table.sheet,
                                line=_first_cell(table, by_row.get(t.row, ()))))
    if problems:
        raise InputError(problems)


# --- shared ----------------------------------------------------------------------------------

def _split_header(path: Path, numbered: list[tuple[int, tuple[str, ...]]], hint: tuple[str, ...], sheet: str = "",
                  merged: tuple[tuple[int, int, int, int], ...] = ()) -> RawTable:
    """Find the header: the first row naming the hint columns, else the first non-blank row.

    Officers often put a merged title row or two above the header in Excel.
    """
    nonblank = [(n, cells) for n, cells in numbered if any(c.strip() for c in cells)]
    if not nonblank:
        raise _fail(path, "the file is empty; expected a header row and one row per service", sheet)
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
    return RawTable(str(path), tuple(trimmed), header_row, rows, sheet,
                    tuple(m for m in merged if m[2] > header_row))
