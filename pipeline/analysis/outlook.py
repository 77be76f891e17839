"""The funding outlook: which money ends with the edition year, and why; what is committed after it.

Money at risk is split by cause, in the order the paper leads with them:
  external      external funding ends (by funder): the money leaves with the grant
  completion    planned completions (status ending): ends as agreed, not lost capacity
  local-choice  lines under review: a local decision still to make
  options       agreements ending this year that continue only if an extension option is taken
  other         agreements ending this year on the office's own budget with no decision recorded
Each line counts once, under the first cause that applies in the order completion, local-choice,
options, external, other (status first). Decommissioned lines are not at risk.
Future years are valued at this year's spend: the register holds one year's figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ..config import Config
from ..edition import Edition
from typing import TYPE_CHECKING

from ..input.register import Line, Register, total_spend
from .classify import COMPLETING, DECOMMISSIONED, UNDATED, Classified

if TYPE_CHECKING:
    from .gap import Gap
from .dates import shift_months_end

CAUSES: tuple[str, ...] = ("external", "completion", "local-choice", "options", "other")


@dataclass(frozen=True)
class YearOutlook:
    edition: Edition
    committed: Decimal  # agreements that still run at the start of the year
    optional: Decimal  # would run only if extension options are used
    annual: Decimal  # no end date: depends on each year's budget round
    # Fixed-term lines whose end date is not recorded: this year's spend only, never annual money,
    # and nothing in later years (the register does not say whether they run).
    undated: Decimal = Decimal(0)


@dataclass(frozen=True)
class Cause:
    key: str  # one of CAUSES
    lines: tuple[Line, ...]
    total: Decimal
    by_funder: tuple[tuple[str, Decimal, date | None], ...] = ()  # external only: funder, total, last end


@dataclass(frozen=True)
class Outlook:
    edition: Edition
    ending: tuple[Line, ...]  # end by the edition's end with no extension option (not decommissioned)
    ending_total: Decimal
    years: tuple[YearOutlook, ...]  # the edition year first, then the years ahead
    causes: tuple[Cause, ...] = ()  # money at risk by cause, in CAUSES order, only causes with lines
    gap: Gap | None = None  # the funding gap and the officer's offsets (analysis/gap.py), set by the build

    @property
    def at_risk_total(self) -> Decimal:
        return sum((c.total for c in self.causes), Decimal(0))

    def cause(self, key: str) -> Cause | None:
        return next((c for c in self.causes if c.key == key), None)


def is_external(line: Line, config: Config) -> bool:
    internal = {s.lower() for s in config.settings.outlook.internal_sources}
    source = line.funding_source.strip().lower()
    return bool(source) and source not in internal


def cause_of(c: Classified, edition: Edition, config: Config) -> str | None:
    """Why this line's money is at risk in the edition year, or None if it is not."""
    line = c.line
    if c.computed == DECOMMISSIONED:
        return None
    if c.computed == COMPLETING:
        return "completion"
    if line.status == "under review":
        return "local-choice"
    if line.end_date is None or line.end_date > edition.end:
        return None
    if line.extension_options:
        return "options"
    return "external" if is_external(line, config) else "other"


def causes(items: tuple[Classified, ...], edition: Edition, config: Config) -> tuple[Cause, ...]:
    grouped: dict[str, list[Line]] = defaultdict(list)
    for c in items:
        key = cause_of(c, edition, config)
        if key:
            grouped[key].append(c.line)
    out = []
    for key in CAUSES:
        lines = tuple(grouped.get(key, ()))
        if not lines:
            continue
        by_funder: tuple[tuple[str, Decimal, date | None], ...] = ()
        if key == "external":
            funders: dict[str, list[Line]] = defaultdict(list)
            for line in lines:
                funders[line.funding_source].append(line)
            by_funder = tuple(sorted(((name, total_spend(ls), max((l.end_date for l in ls if l.end_date), default=None))
                                      for name, ls in funders.items()), key=lambda f: (-f[1], f[0])))
        out.append(Cause(key, lines, total_spend(lines), by_funder))
    return tuple(out)


def outlook(register: Register, edition: Edition, config: Config, items: tuple[Classified, ...] = ()) -> Outlook:
    settings = config.settings.outlook
    gone = {c.line.id for c in items if c.computed == DECOMMISSIONED}
    live = tuple(l for l in register.lines if l.id not in gone)
    if items:
        undated_ids = {c.line.id for c in items if c.computed == UNDATED}
    else:
        dated = set(config.settings.classify.dated_terms)
        undated_ids = {l.id for l in live if l.end_date is None and l.term in dated}
    ending = tuple(l for l in live if l.end_date is not None and l.end_date <= edition.end and not l.extension_options)
    years = []
    for k in range(settings.years_ahead + 1):
        year = Edition(edition.first_year + k)
        committed = optional = annual = undated = Decimal(0)
        for line in live:
            spend = line.spend or Decimal(0)
            if line.id in undated_ids:
                undated += spend if k == 0 else Decimal(0)
            elif line.end_date is None:
                annual += spend
            elif line.end_date >= year.start:
                committed += spend
            elif shift_months_end(line.end_date, 12 * line.extension_years) >= year.start:
                optional += spend
        years.append(YearOutlook(year, committed, optional, annual, undated))
    return Outlook(
        edition=edition,
        ending=ending,
        ending_total=total_spend(ending),
        years=tuple(years),
        causes=causes(items, edition, config),
    )


def shares(values: list[Decimal], places: int = 0) -> list[Decimal]:
    """Percentages of the total that add up to exactly 100 (largest remainder), to `places` decimals."""
    total = sum(values, Decimal(0))
    if not values or total <= 0:
        return [Decimal(0) for _ in values]
    unit = Decimal(1).scaleb(-places)
    raw = [v * 100 / total for v in values]
    floors = [r.quantize(unit, rounding="ROUND_FLOOR") for r in raw]
    left = int(((Decimal(100) - sum(floors, Decimal(0))) / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    order = sorted(range(len(values)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += unit
    return floors
