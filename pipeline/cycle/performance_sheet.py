"""The Performance sheet of the officer's workbook: the performance return, one row per line and period,
with drop-downs for the line and the period, checks on every figure as it is typed, and help.

Read back by pipeline/input/performance.py exactly as performance.csv would be. `invoke new-year`
writes the sheet with its columns, lists and help but none of last year's figures.
"""

from __future__ import annotations

from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ..edition import Edition
from ..input.performance import COLUMN_HELP, COLUMNS, MONEY, OUTCOMES, SHEET, WHOLE, Period, Returns
from ..input.register import Register

LISTS_SHEET = "Performance lists"  # hidden: the drop-down values
YEARS_BACK = 3  # the drop-down offers the edition year and this many years before it
ROWS = 1000  # the checks reach this far down, so new rows get them too
MONEY_FORMAT = "£#,##0"
WIDTHS = {"id": 12, "period": 13, "source": 50, "notes": 50}


def periods_for(edition: Edition) -> tuple[str, ...]:
    """Each year from YEARS_BACK before the edition to the edition, followed by its four quarters."""
    out = []
    for first in range(edition.first_year - YEARS_BACK, edition.first_year + 1):
        out.append(Period(first).label)
        out.extend(Period(first, q).label for q in range(1, 5))
    return tuple(out)


def add_performance_sheet(wb: Workbook, register: Register, returns: Returns | None, edition: Edition | None,
                          help_ws=None) -> None:
    """Add the Performance sheet (second, after the register), its hidden lists, and its help."""
    ws = wb.create_sheet(SHEET, 1)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for c, name in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=c, value=name)
        cell.font, cell.fill = bold, fill
        ws.column_dimensions[get_column_letter(c)].width = WIDTHS.get(name, max(len(name) + 3, 10))
    for r, ret in enumerate(returns.rows if returns else (), start=2):
        values: dict[str, object] = {
            "id": ret.id, "period": ret.period.label, "referrals": ret.referrals,
            "people_supported": ret.people_supported, "cases_closed": ret.cases_closed,
            "waiting_days": ret.waiting_days, "budget": ret.budget, "spend": ret.spend,
            "source": ret.source, "notes": ret.notes,
        }
        for key in OUTCOMES:
            pair = ret.outcome(key)
            values[key], values[f"{key}_of"] = pair if pair else (None, None)
        for c, name in enumerate(COLUMNS, start=1):
            value = values.get(name)
            if value is None or value == "":
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # an id or a source starting with "=" stays text
            if name in MONEY:
                cell.number_format = MONEY_FORMAT if value == Decimal(value).to_integral_value() else "£#,##0.00"
    for name in ("id", "period", "source", "notes"):
        ws.column_dimensions[get_column_letter(COLUMNS.index(name) + 1)].number_format = "@"
    ws.freeze_panes = "C2"
    _add_checks(wb, ws, register, edition)
    if help_ws is not None:
        _add_help(help_ws)


def _add_checks(wb: Workbook, ws, register: Register, edition: Edition | None) -> None:
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    choices = {"id": tuple(l.id for l in register.lines) or ("",),
               "period": periods_for(edition) if edition else ()}
    for c, (col, values) in enumerate(choices.items(), start=1):
        lists.cell(row=1, column=c, value=col).font = Font(bold=True)
        for r, value in enumerate(values, start=2):
            lists.cell(row=r, column=c, value=value).data_type = "s"
        letter = get_column_letter(c)
        name = f"performance_{col}"
        wb.defined_names[name] = DefinedName(
            name, attr_text=f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${max(len(values), 1) + 1}")
        target = get_column_letter(COLUMNS.index(col) + 1)
        if col == "period" and not values:
            continue
        dv = DataValidation(type="list", formula1=name, allow_blank=True, showErrorMessage=True, errorStyle="stop",
                            errorTitle=f"Not a {col}", showInputMessage=True, promptTitle=col,
                            prompt=COLUMN_HELP[col][1][:255],
                            error=("Choose a line id from the list: the ids of the Register sheet." if col == "id" else
                                   "Choose a period from the list: a financial year such as 2023-24, or a quarter "
                                   "such as 2023-24 Q1."))
        dv.add(f"{target}2:{target}{ROWS}")
        ws.add_data_validation(dv)
    for col in WHOLE:
        letter = get_column_letter(COLUMNS.index(col) + 1)
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorStyle="stop", errorTitle="Not a whole number",
                            error="Type a whole number such as 125, or leave the cell blank if it was not reported.",
                            showInputMessage=True, promptTitle=col[:32], prompt=COLUMN_HELP[col][1][:255])
        dv.add(f"{letter}2:{letter}{ROWS}")
        ws.add_data_validation(dv)
    for col in MONEY:
        letter = get_column_letter(COLUMNS.index(col) + 1)
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorStyle="stop", errorTitle="Not an amount",
                            error="Type the amount in pounds as a number, for example 12345, or leave it blank.",
                            showInputMessage=True, promptTitle=col, prompt=COLUMN_HELP[col][1][:255])
        dv.add(f"{letter}2:{letter}{ROWS}")
        ws.add_data_validation(dv)


_GENERAL = (
    "The Performance sheet holds what each service delivered: one row per line and period (a financial year "
    "such as 2023-24, or one of its quarters such as 2023-24 Q1). Leave a figure blank when it was not "
    "reported: a blank is never read as zero.",
    "The paper reports the latest financial year that had ended by the paper date, and the quarters of this "
    "year that have ended. Give people supported for a whole year in a year row: quarters cannot be added up, "
    "as one person may be supported in several.",
    "For each outcome give both numbers: how many said so, and how many were asked (for example satisfied 45, "
    "satisfied_of 50). The first can never be more than the second.",
)


def _add_help(ws) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    r = ws.max_row + 2
    ws.cell(row=r, column=1, value="The Performance sheet").font = Font(bold=True, size=14)
    for text in _GENERAL:
        r += 1
        ws.cell(row=r, column=1, value=text).alignment = wrap
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
        ws.row_dimensions[r].height = 15 * max(1, -(-len(text) * 11 // 1210))
    r += 2
    for c, title in enumerate(("Column", "Required?", "What to put in it"), start=1):
        ws.cell(row=r, column=c, value=title).font = Font(bold=True)
    for col in COLUMNS:
        r += 1
        required, text = COLUMN_HELP[col]
        for c, value in enumerate((col, required, text), start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.alignment = wrap
            cell.data_type = "s"
        ws.row_dimensions[r].height = 15 * max(1, -(-len(text) * 11 // 900))
