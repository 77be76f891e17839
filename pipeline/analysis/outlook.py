"""The funding outlook: what is committed in the edition year and each year after it.

Each year's money is split into committed (agreements still running at the year's start), optional
(running only if extension options are taken), annual (no end date: each year's budget round) and,
in the edition year only, undated fixed-term lines. Which money ends, and why, is the funding gap's
question (analysis/gap.py). Future years are valued at this year's spend: the register holds one
year's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from ..config import Config
from ..edition import Edition
from ..input.register import Line, Register
from .classify import DECOMMISSIONED, UNDATED, Classified
from .dates import shift_months_end

if TYPE_CHECKING:
    from .gap import Gap


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
class Outlook:
    edition: Edition
    years: tuple[YearOutlook, ...]  # the edition year first, then the years ahead
    gap: Gap | None = None  # the funding gap and the officer's offsets (analysis/gap.py), set by the build


def is_external(line: Line, config: Config) -> bool:
    internal = {s.lower() for s in config.settings.outlook.internal_sources}
    source = line.funding_source.strip().lower()
    return bool(source) and source not in internal


def outlook(register: Register, edition: Edition, config: Config, items: tuple[Classified, ...] = ()) -> Outlook:
    settings = config.settings.outlook
    gone = {c.line.id for c in items if c.computed == DECOMMISSIONED}
    live = tuple(l for l in register.lines if l.id not in gone)
    if items:
        undated_ids = {c.line.id for c in items if c.computed == UNDATED}
    else:
        dated = set(config.settings.classify.dated_terms)
        undated_ids = {l.id for l in live if l.end_date is None and l.term in dated}
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
        years=tuple(years),
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
