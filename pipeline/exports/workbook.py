"""commissioning-exports-<year>.xlsx: the officer's exports as one Excel workbook, a sheet each.

The sheets hold the same rows as the published CSVs (the same row functions make both), typed the way
a spreadsheet should hold them: identifiers, references and registration numbers as text (a company
number 01234567 keeps its zero; text starting with = is never a formula), dates as dates, money as
numbers. Each sheet has a frozen, filterable header and columns sized to their contents. The file is
byte-identical from one build of the same inputs to the next (its times are the edition's date).

Adding a sheet is one declaration in SHEETS: its title, its columns, its rows (both from the analysis
the build passes in) and which columns are dates, money or counts.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from ..writers.reproducible import normalise_zip
from .contracts import columns as contract_columns
from .contracts import contract_row
from .schedule_csv import FORWARD_PLAN_COLUMNS, SCHEDULE_COLUMNS, forward_plan_rows, schedule_rows
from .transparency import contract_lines, registered_numbers, settings

DATE, MONEY, COUNT = "date", "money", "count"  # any other column is text
DATE_FORMAT = "DD/MM/YYYY"
MIN_WIDTH, MAX_WIDTH = 8, 60
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class SheetSpec:
    """One sheet: its title, its header and rows (from the analysis the build passes in: the paper's
    pipeline.paper.compose.PaperInput, which holds the register, settings, schedule and decisions), and
    the columns that are not text."""
    title: str
    columns: Callable[[Any], tuple[str, ...]]
    rows: Callable[[Any], list[list[str]]]
    types: Mapping[str, str] = field(default_factory=dict)  # column title -> DATE, MONEY or COUNT


def _contract_dates(a) -> dict:
    return {r.item.line.id: (r.review_start, r.latest_end) for r in a.review}


# The workbook also gives the supplier's company or charity number on its own, as text: the one place a
# bare 01234567 can be published without a spreadsheet turning it into 1234567.
_REGISTERED = "Supplier Registration Number"
_NUMBER = "Supplier Company or Charity Number"


def _contract_columns(a) -> tuple[str, ...]:
    found = contract_columns(settings(a.config))
    at = found.index(_REGISTERED) + 1
    return (*found[:at], _NUMBER, *found[at:])


def _contract_rows(a) -> list[list[str]]:
    s = settings(a.config)
    dates = _contract_dates(a)
    at = contract_columns(s).index(_REGISTERED) + 1
    rows = []
    for line in contract_lines(a.register, s):
        row = contract_row(line, s, dates)
        number = next(iter(registered_numbers(line.provider_org_id).values()), "")
        rows.append([*row[:at], number, *row[at:]])
    return rows


_UNDERSPEND_COLUMNS = ("by", "fund or priority", "lines", "period", "budget", "spend", "underspend")


def _underspend_rows(a) -> list[list[str]]:
    """The performance return's spend against budget, by fund and by priority: the reported year's outturn
    and, with the paper date inside the edition year, the spend to date and the forecast (pipeline.analysis.
    performance; nothing when the edition has no return)."""
    report = getattr(a, "performance", None)
    if report is None:
        return []
    rows = []
    year = report.year.label
    for by, spend_rows in (("fund", report.by_fund), ("priority", report.by_priority)):
        for r in spend_rows:
            rows.append([by, r.key, str(r.lines), f"{year} outturn", str(r.budget), str(r.spend), str(r.underspend)])
    if report.in_year is not None and report.in_year.quarters:
        label = f"{report.in_year.rule} forecast from the year to {report.in_year.through:%d/%m/%Y}"
        for by, forecast_rows in (("fund", report.in_year.by_fund), ("priority", report.in_year.by_priority)):
            for r in forecast_rows:
                rows.append([by, r.key, str(r.lines), label, str(r.budget), str(r.forecast), str(r.underspend)])
    return rows


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("Forward plan", lambda a: FORWARD_PLAN_COLUMNS, lambda a: forward_plan_rows(a.decisions),
              {"decision_due": DATE, "work_starts": DATE, "about_date": DATE, "latest_end_date": DATE,
               "spend": MONEY}),
    SheetSpec("Review schedule", lambda a: SCHEDULE_COLUMNS, lambda a: schedule_rows(a.items, a.review),
              {"spend": MONEY, "start_date": DATE, "end_date": DATE, "latest_end_date": DATE, "review_start": DATE,
               "decision_due": DATE, "decisions": COUNT}),
    SheetSpec("Contracts register", _contract_columns, _contract_rows,
              {"Value (GBP)": MONEY, "Irrecoverable VAT (GBP)": MONEY, "Start Date": DATE, "End Date": DATE,
               "Review Date": DATE, "Latest End Date (after options)": DATE}),
    SheetSpec("Underspend", lambda a: _UNDERSPEND_COLUMNS, _underspend_rows,
              {"lines": COUNT, "budget": MONEY, "spend": MONEY, "underspend": MONEY}),
)


# --- cells ---------------------------------------------------------------------------------------

def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def _number(text: str) -> Decimal | None:
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def _cell(ws, text: str, kind: str) -> tuple[Any, int]:
    """One cell as its column's type, and how wide it shows. A value that is not of the column's type
    (never expected) is kept as the text it is rather than guessed at."""
    if text == "":
        return None, 0
    if kind == DATE and (day := _date(text)) is not None:
        cell = WriteOnlyCell(ws, value=day)
        cell.number_format = DATE_FORMAT
        return cell, 10
    if kind in (MONEY, COUNT) and (amount := _number(text)) is not None:
        whole = amount == amount.to_integral_value()
        if kind == MONEY:
            cell = WriteOnlyCell(ws, value=int(amount) if whole else amount)
            cell.number_format = "£#,##0" if whole else "£#,##0.00"
            return cell, len(f"£{amount:,.2f}")
        return int(amount) if whole else amount, len(text)
    if not text.startswith(_FORMULA_START):
        return text, len(text)  # a plain str is written as text (01234567 keeps its zero); the quick path
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # not a formula: =SUM(...) stays the text it is
    cell.quotePrefix = True  # and Excel keeps it text if the officer edits the cell
    return cell, len(text)


def _sheet(wb: Workbook, spec: SheetSpec, analysis) -> None:
    # Write-only: a large register's forward plan has some 40,000 rows, written as a stream.
    ws = wb.create_sheet(spec.title)
    headers = spec.columns(analysis)
    kinds = [spec.types.get(h, "text") for h in headers]
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    widths = [len(h) + 3 for h in headers]  # room for the filter button
    rows = []
    for row in spec.rows(analysis):
        cells = []
        for c, (text, kind) in enumerate(zip(row, kinds)):
            cell, width = _cell(ws, str(text), kind)
            cells.append(cell)
            if width > widths[c]:
                widths[c] = width
        rows.append(cells)
    # Widths, the frozen header, the filter and the print settings go before the rows in the file.
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    ws.print_title_rows = "1:1"
    # Printed: landscape, every column across the page width, the header on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    header = []
    for title in headers:
        cell = WriteOnlyCell(ws, value=title)
        cell.data_type = "s"
        cell.font, cell.fill = bold, fill
        header.append(cell)
    ws.append(header)
    for cells in rows:
        ws.append(cells)


_MODIFIED = re.compile(rb"(<dcterms:(?:modified|created)[^>]*>)[^<]*(</dcterms:(?:modified|created)>)")


def write_exports_workbook(path: Path, analysis, sheets: tuple[SheetSpec, ...] = SHEETS) -> None:
    """Every sheet in SHEETS, saved with the edition's date as its time so the bytes repeat."""
    from ..analysis.dates import paper_date

    moment = datetime.combine(paper_date(analysis.edition, analysis.config), datetime.min.time())
    wb = Workbook(write_only=True)
    for spec in sheets:
        _sheet(wb, spec, analysis)
    wb.properties.creator = analysis.config.settings.organisation.name
    wb.properties.title = f"Commissioning Framework {analysis.edition.label}: forward plan, review schedule, contracts"
    wb.properties.created = wb.properties.modified = moment
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()

    def fix_times(name: str, data: bytes) -> bytes:
        # openpyxl stamps the time of saving as 'modified' whatever the properties say.
        return _MODIFIED.sub(lambda m: m.group(1) + stamp + m.group(2), data) if name == "docProps/core.xml" else data

    path.write_bytes(normalise_zip(buffer.getvalue(), moment.timetuple()[:6], fix_times))
