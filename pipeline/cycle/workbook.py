"""Write the register as an Excel workbook the officer can edit, and read back without loss.

The workbook has three sheets:
  Register        the lines, one row each, with drop-down lists for the fixed vocabularies;
  How to fill in  what each column means, in plain English;
  Lists           (hidden) the drop-down values, named so the validation rules can refer to them.

The file is byte-for-byte the same each time it is written from the same register, so it can be
committed and compared.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..config import Config
from ..writers.reproducible import normalise_zip
from ..edition import Edition
from ..problems import InputError, Problem
from ..input.load import ACTION_COLUMN
from ..input import columns
from ..input.register import Line, Register

SHEET = "Register"
HELP_SHEET = "How to fill in"
LISTS_SHEET = "Lists"
DATE_FORMAT = "DD/MM/YYYY"
MONEY_FORMAT = "£#,##0"
MONEY_FORMAT_PENCE = "£#,##0.00"  # only where a spend has pence, so they are not hidden
MIN_VALIDATED_ROWS = 1000  # drop-downs reach this far down, so new lines get them too
SPARE_ROWS = 500
MAX_WIDTH = 60  # characters; longer text is still all there, the column just stops growing
MIN_WIDTH = 8
# When no edition is given, properties and zip entries carry this fixed moment instead of "now".
_FALLBACK_MOMENT = datetime(2000, 1, 1)
# Text starting with one of these is a formula to Excel; such text is stored as plain text.
_FORMULA_START = ("=", "+", "-", "@")

_GENERAL_HELP = (
    "One row per commissioned service or grant. Do not change the column headings in the first row.",
    "Add new lines at the bottom of the Register sheet; the drop-down lists are already set up there.",
    "Delete a whole row only when the line should disappear from the register altogether; otherwise "
    "set its status (for example decommissioned).",
    "Columns you add to the right of notes are kept, but the paper does not use them.",
    "The drop-down lists come from data/config.toml. To change a list, change it there, not here.",
    "Save the file as Excel Workbook (.xlsx). The build checks every cell and lists anything it cannot use, "
    "with its row and column.",
)


@dataclass(frozen=True)
class _Cell:
    value: object  # str, Decimal, date or None
    number_format: str | None = None
    text: bool = False  # store as text even if Excel would read it as a formula or number


BACKUP_FOLDER = "backups"


def backup_workbook(path: Path, now: datetime | None = None) -> Path:
    """Copy a workbook about to be replaced to backups/<name>-<date and time>.xlsx beside it.

    `invoke workbook --force` writes the register afresh; the officer's own extra sheets, comments and
    formatting would be lost with the old file, so it is kept, byte for byte, under a dated name."""
    import shutil

    stamp = (now or datetime.now()).strftime("%Y-%m-%d-%H%M%S")
    folder = path.parent / BACKUP_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    backup = folder / f"{path.stem}-{stamp}{path.suffix}"
    n = 2
    while backup.exists():  # two replacements within the same second
        backup = folder / f"{path.stem}-{stamp}-{n}{path.suffix}"
        n += 1
    shutil.copy2(path, backup)
    return backup


def write_workbook(register: Register, config: Config, path: Path, *, edition: Edition | None = None,
                   returns=None) -> None:
    """Write `register` to `path` as an .xlsx workbook for the officer to edit.

    Reading the file back with pipeline.load.load_register gives the same lines. `edition` only fixes
    the date stored in the file's properties; without it a constant date is used, never the clock.
    `returns` (input.performance.Returns) fills the Performance sheet; without it the sheet is empty.
    """
    path = Path(path)
    moment = datetime.combine(edition.start, datetime.min.time()) if edition else _FALLBACK_MOMENT
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    headers = [*columns.names(), *register.extra_columns]
    rows = [_row(line, register.extra_columns) for line in register.lines]
    last_row = max(len(rows) + 1 + SPARE_ROWS, MIN_VALIDATED_ROWS)

    _write_register(ws, headers, rows)
    _write_help(wb.create_sheet(HELP_SHEET), config, register.extra_columns)
    _add_lists(wb, ws, config, headers, last_row)  # last, so the hidden sheet comes after the visible ones
    _add_number_checks(ws, headers, last_row)
    from .performance_sheet import add_performance_sheet

    add_performance_sheet(wb, register, returns, edition, wb[HELP_SHEET])
    wb.active = 0

    props = wb.properties
    props.creator = props.lastModifiedBy = config.settings.organisation.author or ""
    props.title = f"Commissioning register {edition.label}" if edition else "Commissioning register"
    props.created = props.modified = moment
    _save_reproducibly(wb, path, moment)


# --- the Register sheet --------------------------------------------------------------------------

# The number format of each kind of column; "@" keeps "1+1", "2" and ids such as 001 as text.
_FORMATS = {"money": MONEY_FORMAT, "date": DATE_FORMAT, "years": "@", "dates": "@", "id": "@"}


def _row(line: Line, extra_columns: tuple[str, ...]) -> list[_Cell]:
    extra = dict(line.extra)
    return [*(_cell(line, col) for col in columns.TABLE), *(_Cell(extra.get(name, "")) for name in extra_columns)]


def _cell(line: Line, col: columns.Column) -> _Cell:
    value = line.value(col.name)
    if col.kind == "money":
        pence = value is not None and value != value.to_integral_value()
        return _Cell(value, MONEY_FORMAT_PENCE if pence else MONEY_FORMAT)  # pence only where there are some
    if col.kind == "date":
        return _Cell(value, DATE_FORMAT)
    if col.kind in ("id", "years", "dates"):
        # Excel would otherwise add up "1+1", store "2" as a number or read a date out of the text.
        return _Cell(line.text(col.name), None if col.kind == "id" else "@", text=True)
    return _Cell(line.text(col.name))


def _write_register(ws: Worksheet, headers: list[str], rows: list[list[_Cell]]) -> None:
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for c, name in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=c, value=name)
        cell.font = bold
        cell.fill = fill
    widths = [len(h) + 3 for h in headers]  # room for the filter button
    for r, row in enumerate(rows, start=2):
        for c, spec in enumerate(row, start=1):
            _put(ws, r, c, spec)
            widths[c - 1] = max(widths[c - 1], _shown_length(spec))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    # New rows typed below the table get the same formats as the rows above.
    for col in columns.TABLE:
        if col.kind in _FORMATS:
            ws.column_dimensions[get_column_letter(headers.index(col.name) + 1)].number_format = _FORMATS[col.kind]
    ws.freeze_panes = "A2"
    # Printed: landscape, all columns across one page width, header repeated on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"


def _put(ws: Worksheet, r: int, c: int, spec: _Cell) -> None:
    value = spec.value
    if value == "" or value is None:
        value = None
    cell = ws.cell(row=r, column=c)
    if isinstance(value, str):
        cell.value = value
        if spec.text or value.startswith(_FORMULA_START):
            # Assigning text that starts with "=" makes openpyxl write a formula; force plain text,
            # and mark it so Excel keeps it as text if the officer edits the cell.
            cell.data_type = "s"
            cell.quotePrefix = value.startswith(_FORMULA_START)
    elif isinstance(value, (Decimal, date)):
        cell.value = value
    elif value is not None:  # pragma: no cover - Line holds only the types above
        cell.value = str(value)
    if spec.number_format:
        cell.number_format = spec.number_format


def _shown_length(spec: _Cell) -> int:
    value = spec.value
    if value is None or value == "":
        return 0
    if isinstance(value, date):
        return 10
    if isinstance(value, Decimal):
        return len(f"£{value:,.0f}")
    return len(str(value))


# --- drop-downs and checks -----------------------------------------------------------------------

def _add_lists(wb: Workbook, ws: Worksheet, config: Config, headers: list[str], last_row: int) -> None:
    """Drop-down lists drawn from config.vocabulary, kept on a hidden sheet as named ranges.

    Named ranges rather than inline lists: an inline list is limited to 255 characters and breaks
    on values containing commas.
    """
    vocab = config.vocabulary
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    for c, listed in enumerate(columns.listed(), start=1):
        col = listed.name
        values: tuple[str, ...] = getattr(vocab, listed.vocabulary)
        lists.cell(row=1, column=c, value=col).font = Font(bold=True)
        for r, value in enumerate(values, start=2):
            _put(lists, r, c, _Cell(value, text=True))
        letter = get_column_letter(c)
        name = f"list_{col}"
        ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${max(len(values), 1) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)

        target = get_column_letter(headers.index(col) + 1)
        shown = ", ".join(values)
        message = f"Choose from the list: {shown}" if len(shown) < 200 else "Choose a value from the drop-down list"
        dv = DataValidation(
            type="list", formula1=name, allow_blank=True, showDropDown=False,
            showErrorMessage=True, errorStyle="stop", errorTitle=f"Not a {col}"[:32],
            error=f"{message}. The list is set in data/config.toml."[:255],
            showInputMessage=False,
        )
        dv.add(f"{target}2:{target}{last_row}")
        ws.add_data_validation(dv)


def _add_number_checks(ws: Worksheet, headers: list[str], last_row: int) -> None:
    """Excel refuses text in the spend and agreement date columns as it is typed, not only at build time."""
    for col in columns.TABLE:
        if not col.excel_check:
            continue
        letter = get_column_letter(headers.index(col.name) + 1)
        if col.kind == "money":
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                showErrorMessage=True, errorStyle="stop", errorTitle="Not an amount",
                                error="Type the amount in pounds as a number, for example 12345, or leave it blank "
                                      "if the line is not separately costed.")
        else:
            dv = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)",
                                allow_blank=True, showErrorMessage=True, errorStyle="stop", errorTitle="Not a date",
                                error="Type a date such as 31/03/2025, or leave it blank.")
        dv.add(f"{letter}2:{letter}{last_row}")
        ws.add_data_validation(dv)


# --- How to fill in ------------------------------------------------------------------------------

_HELP_WIDTHS = (20, 11, 90)  # characters: column, required?, what to put in it


def _write_help(ws: Worksheet, config: Config, extra_columns: tuple[str, ...]) -> None:
    vocab = config.vocabulary
    choices = {col.name: getattr(vocab, col.vocabulary) for col in columns.listed()}
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.cell(row=1, column=1, value="How to fill in the register").font = Font(bold=True, size=14)
    r = 3
    for text in _GENERAL_HELP:
        ws.cell(row=r, column=1, value=text).alignment = wrap
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
        _fit_height(ws, r, text, sum(_HELP_WIDTHS))
        r += 1
    r += 1
    for c, title in enumerate(("Column", "Required?", "What to put in it"), start=1):
        ws.cell(row=r, column=c, value=title).font = Font(bold=True)
    header_row = r

    rows = [(col.name, "Required" if col.required else "Optional", col.help) for col in columns.TABLE]
    for name in extra_columns:
        if name == ACTION_COLUMN:
            rows.append((name, "Optional", "What to do about this line, written when the new year was started. "
                                           "Do it, then clear the cell. Not used in the paper."))
        else:
            rows.append((name, "Optional", "A column added by the office. It is kept but not used in the paper."))
    for col, required, text in rows:
        r += 1
        if col in choices:
            text += " Allowed: " + ", ".join(choices[col]) + "."
        for c, value in enumerate((col, required, text), start=1):
            _put(ws, r, c, _Cell(value))
            ws.cell(row=r, column=c).alignment = wrap
        _fit_height(ws, r, text, _HELP_WIDTHS[2])
    for c, width in enumerate(_HELP_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _fit_height(ws: Worksheet, row: int, text: str, width: int) -> None:
    # Neither Excel nor LibreOffice grows a row to fit wrapped text written by a program, so we do.
    lines = max(1, -(-len(text) * 11 // (width * 10)))  # about 10 characters to 11 width units, rounded up
    ws.row_dimensions[row].height = 15 * lines


# --- saving --------------------------------------------------------------------------------------

_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _save_reproducibly(wb: Workbook, path: Path, moment: datetime) -> None:
    """Save so the same workbook gives the same bytes: fixed zip entry times and modified date.

    openpyxl stamps the current time on every zip entry and on the 'modified' property while
    saving, so we save into memory and copy the zip with the times replaced. The file is written
    to a temporary name first and then moved into place, so a failure never leaves half a file.
    """
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()

    def fix_modified(name: str, data: bytes) -> bytes:
        if name != "docProps/core.xml":
            return data
        return _MODIFIED.sub(lambda m: m.group(1) + stamp + m.group(2), data)

    fixed = normalise_zip(buffer.getvalue(), moment.timetuple()[:6], fix_modified)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=".xlsx", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(fixed)
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; the workbook is an ordinary file
        os.replace(tmp, path)
    except PermissionError:
        Path(tmp).unlink(missing_ok=True)
        raise InputError([Problem(str(path), None, None, "",
                                  "this file could not be written; if it is open in Excel, close it and try again")]) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
