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

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import xlsx
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
        return date.fromisoformat(text) if _ISO_DAY.fullmatch(text) else None
    except ValueError:
        return None


def _number(text: str) -> Decimal | None:
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _cell(ref: str, text: str, kind: str, styles: xlsx.Styles) -> tuple[str, int]:
    """One cell's XML as its column's type, and how wide it shows. A value that is not of the column's
    type (never expected) is kept as the text it is rather than guessed at."""
    if text == "":
        return "", 0
    if kind == DATE and (day := _date(text)) is not None:
        return xlsx.number_cell(ref, xlsx.date_serial(day), styles.date(DATE_FORMAT)), 10
    if kind in (MONEY, COUNT) and (amount := _number(text)) is not None:
        whole = amount == amount.to_integral_value()
        value = int(amount) if whole else amount
        if kind == MONEY:
            style = styles.number("£#,##0" if whole else "£#,##0.00")
            return xlsx.number_cell(ref, value, style), len(f"£{amount:,.2f}")
        return xlsx.number_cell(ref, value), len(text)
    if not text.startswith(_FORMULA_START):
        return xlsx.text_cell(ref, text), len(text)  # written as text: 01234567 keeps its zero
    # Not a formula: =SUM(...) stays the text it is, and Excel keeps it text if the officer edits the cell.
    return xlsx.text_cell(ref, text, styles.quoted()), len(text)


def _sheet(spec: SheetSpec, analysis, styles: xlsx.Styles) -> xlsx.Sheet:
    headers = spec.columns(analysis)
    kinds = [spec.types.get(h, "text") for h in headers]
    letters = [xlsx.column_letter(c) for c in range(1, len(headers) + 1)]
    widths = [len(h) + 3 for h in headers]  # room for the filter button
    rows = []
    for number, row in enumerate(spec.rows(analysis), start=2):
        cells = []
        for c, (text, kind) in enumerate(zip(row, kinds)):
            cell, width = _cell(f"{letters[c]}{number}", str(text), kind, styles)
            if cell:
                cells.append(cell)
            if width > widths[c]:
                widths[c] = width
        rows.append(xlsx.row_xml(number, cells))
    return xlsx.Sheet(spec.title, tuple(min(max(w + 2, MIN_WIDTH), MAX_WIDTH) for w in widths), tuple(headers),
                      tuple(rows))


def write_exports_workbook(path: Path, analysis, sheets: tuple[SheetSpec, ...] = SHEETS) -> None:
    """Every sheet in SHEETS, saved with the edition's date as its time so the bytes repeat."""
    from ..analysis.dates import paper_date

    moment = datetime.combine(paper_date(analysis.edition, analysis.config), datetime.min.time())
    styles = xlsx.Styles()
    written = tuple(_sheet(spec, analysis, styles) for spec in sheets)
    title = f"Commissioning Framework {analysis.edition.label}: forward plan, review schedule, contracts"
    path.write_bytes(xlsx.workbook_bytes(written, styles, analysis.config.settings.organisation.name, title, moment))
