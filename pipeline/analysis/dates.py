"""Calendar arithmetic the analysis shares (months that end on different days, financial quarters)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from ..edition import financial_year_of


def add_months(day: date, months: int) -> date:
    """Calendar months, keeping month ends sensible (31 Mar + 6 months = 30 Sep)."""
    return day + relativedelta(months=months)


def last_day_of_month(day: date) -> date:
    return day + relativedelta(day=31)


def shift_months_end(day: date, months: int) -> date:
    """Move by whole months and keep a month-end date at month end (28 Feb 2025 + 1 month = 31 Mar 2025, not 28 Mar)."""
    moved = add_months(day, months)
    return last_day_of_month(moved) if day == last_day_of_month(day) else moved


def financial_quarter(day: date) -> tuple[str, int]:
    """('2024-25', 2) for a date in July-September 2024."""
    year = financial_year_of(day)
    quarter = ((day.month - 4) % 12) // 3 + 1
    return year.label, quarter


_QUARTER_MONTHS = {1: ("April", "June"), 2: ("July", "September"), 3: ("October", "December"), 4: ("January", "March")}


def quarter_label(day: date) -> str:
    """'2024-25 Q2 (July to September 2024)'."""
    label, q = financial_quarter(day)
    first, last = _QUARTER_MONTHS[q]
    return f"{label} Q{q} ({first} to {last} {day.year})"
