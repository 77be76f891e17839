"""How figures and dates are written in the paper."""

from __future__ import annotations

import numbers
from datetime import date
from decimal import Decimal, InvalidOperation

# Larger than any public body's budget, and small enough that formatting stays instant.
_MONEY_LIMIT = Decimal(10) ** 30


def amount(value: object, what: str = "money()") -> Decimal:
    """A number as Decimal; anything else (text, a list, a date, NaN) is refused with a plain message."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, numbers.Real)):
        raise TypeError(f"{what} needs an amount such as total(...) or a line's spend; "
                        f"found {type(value).__name__} {str(value)[:40]!r}")
    try:
        d = Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - str() of a number always parses
        raise ValueError(f"{what} needs an amount; found {value!r}") from None
    if not d.is_finite() or abs(d) >= _MONEY_LIMIT:
        raise ValueError(f"{what} needs a finite amount below £10^30; found {value!r}")
    return d


def money(value: Decimal | int | float | None, blank: str = "") -> str:
    """£4,654,011; pence only when there are any (£12,345.50)."""
    if value is None:
        return blank
    d = amount(value).quantize(Decimal("0.01"))
    if d == d.to_integral_value():
        return f"£{int(d):,}"
    return f"£{d:,.2f}"


def plain_money(value: Decimal | None) -> str:
    """4,654,011: for table cells under a column headed in pounds."""
    return "" if value is None else money(value)[1:]


def _day(value: object, what: str) -> date:
    if not isinstance(value, date):
        raise TypeError(f"{what} needs a date such as a line's end_date or last_end(...); "
                        f"found {type(value).__name__} {str(value)[:40]!r}")
    return value


def uk_date(day: date | None, blank: str = "") -> str:
    """31/03/2025, as the officer writes dates."""
    return blank if day is None else _day(day, "uk_date()").strftime("%d/%m/%Y")


def long_date(day: date | None, blank: str = "") -> str:
    """31 March 2025, for prose."""
    return blank if day is None else f"{_day(day, 'date()').day} {day.strftime('%B %Y')}"


def month_year(day: date | None, blank: str = "") -> str:
    return blank if day is None else _day(day, "month_year()").strftime("%B %Y")


def percent(part: Decimal, whole: Decimal, places: int = 0) -> str:
    part, whole = amount(part, "percent()"), amount(whole, "percent()")
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 10:
        raise ValueError(f"percent() shows 0 to 10 decimal places; found {places!r}")
    if not whole:
        return "0%"
    return f"{(part * 100 / whole):.{places}f}%"


def plural(n: int, word: str, many: str | None = None) -> str:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"plural() needs a whole number first, such as count(...); found {str(n)[:40]!r}")
    return f"{n} {word if n == 1 else (many or word + 's')}"
