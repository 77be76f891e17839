"""The funding outlook: what ends with the edition year (the cliff edge) and what is committed after it.

Future years are valued at this year's spend: the register holds one year's figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from ..config import Config
from .dates import shift_months_end
from ..edition import Edition
from ..input.register import Line, Register, total_spend


@dataclass(frozen=True)
class YearOutlook:
    edition: Edition
    committed: Decimal  # agreements that still run at the start of the year
    optional: Decimal  # would run only if extension options are used
    annual: Decimal  # no end date: depends on each year's budget round


@dataclass(frozen=True)
class Outlook:
    edition: Edition
    ending: tuple[Line, ...]  # end at or before the edition's end with no extension option
    ending_total: Decimal
    ending_by_priority: tuple[tuple[str, Decimal], ...]
    ending_by_source: tuple[tuple[str, Decimal], ...]
    years: tuple[YearOutlook, ...]  # the edition year first, then the years ahead


def _totals(lines: tuple[Line, ...], key, order: tuple[str, ...] = ()) -> tuple[tuple[str, Decimal], ...]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        sums[key(line)] += line.spend or Decimal(0)
    rank = {name: i for i, name in enumerate(order)}
    return tuple(sorted(sums.items(), key=lambda kv: (rank.get(kv[0], len(rank)), -kv[1], kv[0])))


def outlook(register: Register, edition: Edition, config: Config) -> Outlook:
    settings = config["outlook"]
    unknown = settings.get("unknown_source", "Not recorded")
    ending = tuple(l for l in register.lines
                   if l.end_date is not None and l.end_date <= edition.end and not l.extension_options)
    years = []
    for k in range(int(settings.get("years_ahead", 4)) + 1):
        year = Edition(edition.first_year + k)
        committed = optional = annual = Decimal(0)
        for line in register.lines:
            spend = line.spend or Decimal(0)
            if line.end_date is None:
                annual += spend
            elif line.end_date >= year.start:
                committed += spend
            elif shift_months_end(line.end_date, 12 * line.extension_years) >= year.start:
                optional += spend
        years.append(YearOutlook(year, committed, optional, annual))
    return Outlook(
        edition=edition,
        ending=ending,
        ending_total=total_spend(ending),
        ending_by_priority=_totals(ending, lambda l: l.priority, config.vocabulary.priorities),
        ending_by_source=_totals(ending, lambda l: l.funding_source or unknown),
        years=tuple(years),
    )
