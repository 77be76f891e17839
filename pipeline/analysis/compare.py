"""What changed between two editions of the register, matched line by line on the id.

Pure data: the paper's wording is made elsewhere from a Comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ..input.register import Line, Register, total_spend

SpendKind = Literal["increase", "decrease", "newly costed", "no longer costed"]
_CENT = Decimal("0.01")


def _change_percent(previous: Decimal | None, difference: Decimal) -> Decimal | None:
    """A change as a percentage of last year's figure, to 0.01; None when there is nothing to compare with."""
    if not previous:
        return None
    return (difference * 100 / previous).quantize(_CENT)


@dataclass(frozen=True)
class SpendChange:
    """A line present in both years whose spend differs. A blank spend (not separately costed) is None."""
    id: str
    project: str
    provider: str
    section: str
    previous: Decimal | None
    current: Decimal | None

    @property
    def kind(self) -> SpendKind:
        if self.previous is None:
            return "newly costed"
        if self.current is None:
            return "no longer costed"
        return "increase" if self.current > self.previous else "decrease"

    @property
    def difference(self) -> Decimal:
        """Effect on the totals, in pounds: a blank counts as nothing, as it does in the totals."""
        return (self.current or Decimal(0)) - (self.previous or Decimal(0))

    @property
    def percent(self) -> Decimal | None:
        """Change as a percentage of last year's spend, to 0.01; None when there is no figure to compare with."""
        if self.current is None:
            return None
        return _change_percent(self.previous, self.difference)


@dataclass(frozen=True)
class CategoryMove:
    """A line whose commissioning category differs between the years (for example b -> a)."""
    id: str
    project: str
    provider: str
    section: str
    previous: str | None
    current: str | None


@dataclass(frozen=True)
class Totals:
    """Spend of one section (or of the whole register, section None) in both years."""
    section: str | None
    previous: Decimal
    current: Decimal
    previous_lines: int
    current_lines: int

    @property
    def difference(self) -> Decimal:
        return self.current - self.previous

    @property
    def percent(self) -> Decimal | None:
        return _change_percent(self.previous, self.difference)


@dataclass(frozen=True)
class Comparison:
    previous_source: str
    current_source: str
    added: tuple[Line, ...]  # in the current register only, in its order
    ended: tuple[Line, ...]  # in the previous register only, in its order
    spend_changes: tuple[SpendChange, ...]  # in the current register's order
    category_moves: tuple[CategoryMove, ...]  # empty unless both category maps were given
    sections: tuple[Totals, ...]  # previous year's section order, then sections new this year
    overall: Totals

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.ended or self.spend_changes or self.category_moves)


def _key(ident: str) -> str:
    # The loader treats ids case-insensitively, so "vs-001" this year is last year's "VS-001".
    return ident.strip().casefold()


def compare(previous: Register, current: Register,
            prev_categories: dict[str, str] | None = None,
            curr_categories: dict[str, str] | None = None) -> Comparison:
    """Compare two registers by line id. Category maps (id -> category) are optional and used together."""
    before = {_key(line.id): line for line in previous.lines}
    after = {_key(line.id): line for line in current.lines}

    added = tuple(line for key, line in after.items() if key not in before)
    ended = tuple(line for key, line in before.items() if key not in after)
    both = [(before[key], line) for key, line in after.items() if key in before]

    spend_changes = tuple(
        SpendChange(now.id, now.project, now.provider, now.section, was.spend, now.spend)
        for was, now in both if was.spend != now.spend
    )

    moves: tuple[CategoryMove, ...] = ()
    if prev_categories is not None and curr_categories is not None:
        was_cat = {_key(k): v for k, v in prev_categories.items()}
        now_cat = {_key(k): v for k, v in curr_categories.items()}
        moves = tuple(
            CategoryMove(now.id, now.project, now.provider, now.section, was_cat.get(_key(was.id)), now_cat.get(_key(now.id)))
            for was, now in both if was_cat.get(_key(was.id)) != now_cat.get(_key(now.id))
        )

    order: list[str] = []
    for line in (*previous.lines, *current.lines):
        if line.section not in order:
            order.append(line.section)
    sections = tuple(_totals(section, previous.in_section(section), current.in_section(section)) for section in order)
    overall = _totals(None, previous.lines, current.lines)
    return Comparison(previous.source, current.source, added, ended, spend_changes, moves, sections, overall)


def _totals(section: str | None, was: tuple[Line, ...], now: tuple[Line, ...]) -> Totals:
    return Totals(section, total_spend(was), total_spend(now), len(was), len(now))
