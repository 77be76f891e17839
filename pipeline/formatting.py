"""How figures and dates are written in the paper."""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def money(value: Decimal | int | float | None, blank: str = "") -> str:
    """£4,654,011; pence only when there are any (£12,345.50)."""
    if value is None:
        return blank
    d = Decimal(str(value)).quantize(Decimal("0.01"))
    if d == d.to_integral_value():
        return f"£{int(d):,}"
    return f"£{d:,.2f}"


def plain_money(value: Decimal | None) -> str:
    """4,654,011: for table cells under a column headed in pounds."""
    return "" if value is None else money(value)[1:]


def uk_date(day: date | None, blank: str = "") -> str:
    """31/03/2025, as the officer writes dates."""
    return blank if day is None else day.strftime("%d/%m/%Y")


def long_date(day: date | None, blank: str = "") -> str:
    """31 March 2025, for prose."""
    return blank if day is None else f"{day.day} {day.strftime('%B %Y')}"


def month_year(day: date | None, blank: str = "") -> str:
    return blank if day is None else day.strftime("%B %Y")


def percent(part: Decimal, whole: Decimal, places: int = 0) -> str:
    if not whole:
        return "0%"
    return f"{(Decimal(part) * 100 / Decimal(whole)):.{places}f}%"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
