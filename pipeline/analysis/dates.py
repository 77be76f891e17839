"""Calendar arithmetic the analysis shares (months that end on different days, financial quarters)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from ..config import Config
from ..edition import Edition, financial_year_of

_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in(year: int, month: int) -> int:
    # A table rather than calendar.monthrange, which also works out the weekday the month starts on:
    # the schedule of a large register asks this hundreds of thousands of times.
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS[month]


def add_months(day: date, months: int) -> date:
    """Calendar months, keeping month ends sensible (31 Mar + 6 months = 30 Sep).

    Written out rather than through dateutil: the schedule of a large register calls it hundreds of
    thousands of times, and this is several times faster with the same results.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, _days_in(year, month)))


def last_day_of_month(day: date) -> date:
    return date(day.year, day.month, _days_in(day.year, day.month))


@lru_cache(maxsize=65536)  # a register repeats the same ends (31 March ...): each shift is worked out once
def shift_months_end(day: date, months: int) -> date:
    """Move by whole months and keep a month-end date at month end (28 Feb 2025 + 1 month = 31 Mar 2025, not 28 Mar)."""
    moved = add_months(day, months)
    return last_day_of_month(moved) if day.day == _days_in(day.year, day.month) else moved


def months_between(start: date, end: date) -> int:
    """Whole months from a start date to an end date inclusive: 01/04/2024 to 31/03/2027 is 36."""
    after = date.fromordinal(end.toordinal() + 1)
    months = (after.year - start.year) * 12 + (after.month - start.month)
    if after.day < start.day:
        months -= 1
    return max(months, 0)


def paper_date(edition: Edition, config: Config) -> date:
    """The date the paper speaks as at ([edition] paper_date), else the first day of the edition year."""
    value = config.settings.edition.paper_date
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        return date.fromisoformat(value.strip())
    return edition.start


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
