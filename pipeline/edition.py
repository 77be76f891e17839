"""An edition is one UK financial year, written 2024-25: 1 April 2024 to 31 March 2025."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .problems import InputError, Problem

_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Edition:
    first_year: int

    @property
    def label(self) -> str:
        return f"{self.first_year}-{(self.first_year + 1) % 100:02d}"

    @property
    def short_label(self) -> str:
        """The paper's own shorthand, e.g. 24/25."""
        return f"{self.first_year % 100:02d}/{(self.first_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        return date(self.first_year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.first_year + 1, 3, 31)

    def next(self) -> "Edition":
        return Edition(self.first_year + 1)

    def previous(self) -> "Edition":
        return Edition(self.first_year - 1)

    def __str__(self) -> str:
        return self.label


def financial_year_of(day: date) -> Edition:
    return Edition(day.year if day.month >= 4 else day.year - 1)


def parse_edition(text: str) -> Edition:
    """Parse '2024-25'; anything else is refused with an example of what is expected."""
    m = _YEAR.match(text.strip()) if isinstance(text, str) else None
    if m:
        first = int(m.group(1))
        if 1990 <= first <= 2200 and int(m.group(2)) == (first + 1) % 100:
            return Edition(first)
    raise InputError([Problem(
        "edition year", None, None, str(text),
        "expected a financial year written like 2024-25 (the second part is the year after the first)",
    )])


def available_editions(data_dir) -> list[Edition]:
    """Editions that have a folder under data/, oldest first."""
    from pathlib import Path

    found = []
    for child in Path(data_dir).iterdir():
        if child.is_dir() and _YEAR.match(child.name):
            try:
                found.append(parse_edition(child.name))
            except InputError:
                continue
    return sorted(found)
