"""What changed between two editions of the register, matched line by line on the id.

Pure data: the paper's wording is made elsewhere from a Comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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
    reason: str = ""  # why the line is in its current category (from classify)


@dataclass(frozen=True)
class LineChange:
    """A change in a line's agreement: its status, its end date (an extension taken), its options, a break passed."""
    id: str
    project: str
    provider: str
    section: str
    kind: str  # "status", "option taken", "end date", "options", "break passed"
    previous: str  # the value before, as the register writes it
    current: str
    detail: str  # one plain sentence for the paper and the CSV


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
    line_changes: tuple[LineChange, ...] = ()  # in the current register's order

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.ended or self.spend_changes or self.category_moves or self.line_changes)

    def changes(self, kind: str) -> tuple[LineChange, ...]:
        return tuple(c for c in self.line_changes if c.kind == kind)


def _key(ident: str) -> str:
    # The loader treats ids case-insensitively, so "vs-001" this year is last year's "VS-001".
    return ident.strip().casefold()


def _uk(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "none"


def line_changes(was: Line, now: Line, break_passed_before: date | None = None,
                 since: date | None = None) -> list[LineChange]:
    """What changed in one agreement between two editions, in the order an officer reads it."""
    out: list[LineChange] = []

    def add(kind: str, before: str, after: str, detail: str) -> None:
        out.append(LineChange(now.id, now.project, now.provider, now.section, kind, before, after, detail))

    if was.status != now.status:
        add("status", was.status or "active", now.status or "active",
            f"status changed from {was.status or 'active'} to {now.status or 'active'}")
    if was.end_date != now.end_date:
        moved_years = None
        if was.end_date and now.end_date and now.end_date > was.end_date:
            moved_years = round((now.end_date - was.end_date).days / 365.25)
        if moved_years and was.extension_years - now.extension_years == moved_years:
            add("option taken", was.text("end_date"), now.text("end_date"),
                f"extension option taken: the end moved from {_uk(was.end_date)} to {_uk(now.end_date)}"
                + (f", with options {now.extension_text} left" if now.extension_options else ", no options left"))
        else:
            verb = "extended" if was.end_date and now.end_date and now.end_date > was.end_date else "changed"
            add("end date", was.text("end_date"), now.text("end_date"),
                f"end date {verb} from {_uk(was.end_date)} to {_uk(now.end_date)}")
    elif was.extension_options != now.extension_options:
        add("options", was.extension_text or "none", now.extension_text or "none",
            f"extension options changed from {was.extension_text or 'none'} to {now.extension_text or 'none'}")
    if break_passed_before and now.status != "decommissioned":
        # A break between the two papers' dates that the agreement outlived: it was not used.
        for when in was.break_dates:
            if (since is None or when >= since) and when < break_passed_before and (
                    now.end_date is None or now.end_date > when):
                add("break passed", _uk(when), "",
                    f"the break on {_uk(when)} passed and the agreement continues")
    return out


def compare(previous: Register, current: Register,
            prev_categories: dict[str, str] | None = None,
            curr_categories: dict[str, str] | None = None,
            reasons: dict[str, str] | None = None,
            as_at: date | None = None, previous_as_at: date | None = None) -> Comparison:
    """Compare two registers by line id. Category maps (id -> category) are optional and used together;
    `reasons` (id -> the current category's reason) explains each move; breaks before `as_at` (the
    current paper date) that no longer appear have passed."""
    before = {_key(line.id): line for line in previous.lines}
    after = {_key(line.id): line for line in current.lines}

    added = tuple(line for key, line in after.items() if key not in before)
    ended = tuple(line for key, line in before.items() if key not in after)
    both = [(before[key], line) for key, line in after.items() if key in before]

    spend_changes = tuple(
        SpendChange(now.id, now.project, now.provider, now.section, was.spend, now.spend)
        for was, now in both if was.spend != now.spend
    )

    why = {_key(k): v for k, v in (reasons or {}).items()}
    moves: tuple[CategoryMove, ...] = ()
    changed: tuple[LineChange, ...] = tuple(c for was, now in both for c in line_changes(was, now, as_at, previous_as_at))
    if prev_categories is not None and curr_categories is not None:
        was_cat = {_key(k): v for k, v in prev_categories.items()}
        now_cat = {_key(k): v for k, v in curr_categories.items()}
        moves = tuple(
            CategoryMove(now.id, now.project, now.provider, now.section, was_cat.get(_key(was.id)),
                         now_cat.get(_key(now.id)), why.get(_key(now.id), ""))
            for was, now in both if was_cat.get(_key(was.id)) != now_cat.get(_key(now.id))
        )

    order: list[str] = []
    for line in (*previous.lines, *current.lines):
        if line.section not in order:
            order.append(line.section)
    sections = tuple(_totals(section, previous.in_section(section), current.in_section(section)) for section in order)
    overall = _totals(None, previous.lines, current.lines)
    return Comparison(previous.source, current.source, added, ended, spend_changes, moves, sections, overall, changed)


def _totals(section: str | None, was: tuple[Line, ...], now: tuple[Line, ...]) -> Totals:
    return Totals(section, total_spend(was), total_spend(now), len(was), len(now))
