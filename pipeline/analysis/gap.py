"""The funding gap: external money that ends in the edition year, the officer's proposals to close
it (offsets), and what is left.

Pure: a function of the classified register and a sequence of offsets, so that a scenario can ask
the same question with other offsets. Which lines count:
  ending     external funding (a funding_source not listed as internal in [outlook]) whose agreement
             ends within the edition year with no extension option, and that is neither a planned
             completion (status ending), decommissioned, nor under review;
  completions  planned completions ending in the year: listed, but no risk;
  options    agreements ending in the year that continue if an extension option is taken: decisions,
             not money at risk;
  reviewed   lines under review: a local choice, not money ending.
An offset's value: a decommissioning frees the named lines' spend; a repurposing or other proposal
frees its amount, or its share of the named lines' spend; neither recorded means not decided (None),
and the remainder then depends on it (None too).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

from ..config import Config
from ..edition import Edition
from ..input.paper_settings import Offset
from ..input.register import Line, total_spend
from .classify import COMPLETING, DECOMMISSIONED, Classified
from .outlook import is_external


@dataclass(frozen=True)
class FunderEnding:
    funder: str
    lines: tuple[Line, ...]
    total: Decimal
    ends: date  # the latest end date among its lines

    @property
    def first_end(self) -> date:
        return min(l.end_date for l in self.lines if l.end_date)


@dataclass(frozen=True)
class OffsetValue:
    offset: Offset
    lines: tuple[Line, ...]
    value: Decimal | None  # None: the amount is not decided

    @property
    def kind(self) -> str:
        return self.offset.kind

    @property
    def decided(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Gap:
    edition: Edition
    funders: tuple[FunderEnding, ...]  # largest first
    offsets: tuple[OffsetValue, ...]  # in the officer's order
    completions: tuple[Line, ...] = ()
    options: tuple[Line, ...] = ()
    reviewed: tuple[Line, ...] = ()

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(l for f in self.funders for l in f.lines)

    @property
    def ending(self) -> Decimal:
        return sum((f.total for f in self.funders), Decimal(0))

    @property
    def offset_total(self) -> Decimal:
        """What the decided offsets cover (undecided ones count nothing here)."""
        return sum((o.value for o in self.offsets if o.value is not None), Decimal(0))

    @property
    def undecided(self) -> tuple[OffsetValue, ...]:
        return tuple(o for o in self.offsets if o.value is None)

    @property
    def left_before_undecided(self) -> Decimal:
        """The gap less the decided offsets (never below zero)."""
        return max(self.ending - self.offset_total, Decimal(0))

    @property
    def remainder(self) -> Decimal | None:
        """The gap left once every offset is counted; None while an offset's amount is not decided."""
        return None if self.undecided else self.left_before_undecided

    @property
    def completions_total(self) -> Decimal:
        return total_spend(self.completions)

    @property
    def options_total(self) -> Decimal:
        return total_spend(self.options)


def offset_value(offset: Offset, lines: Sequence[Line]) -> Decimal | None:
    """What one offset frees a year from the named lines; None while its amount is not decided."""
    spend = [l.spend for l in lines]
    if offset.kind == "decommission":
        return None if any(s is None for s in spend) else total_spend(lines)
    if offset.amount is not None:
        return offset.amount
    if offset.share is not None and all(s is not None for s in spend):
        return (total_spend(lines) * offset.share).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return None


def funding_gap(items: Iterable[Classified], offsets: Sequence[Offset], edition: Edition, config: Config) -> Gap:
    items = tuple(items)
    by_id = {c.line.id: c.line for c in items}
    in_year = lambda l: l.end_date is not None and edition.start <= l.end_date <= edition.end  # noqa: E731
    funders: dict[str, list[Line]] = defaultdict(list)
    completions, options, reviewed = [], [], []
    for c in items:
        line = c.line
        if c.computed == DECOMMISSIONED:
            continue
        if line.status == "under review":
            reviewed.append(line)
        elif c.computed == COMPLETING:
            if line.end_date is None or in_year(line):
                completions.append(line)
        elif in_year(line) and line.extension_options:
            options.append(line)
        elif in_year(line) and is_external(line, config):
            funders[line.funding_source.strip()].append(line)
    ending = tuple(sorted((FunderEnding(name, tuple(ls), total_spend(ls), max(l.end_date for l in ls))
                           for name, ls in funders.items()), key=lambda f: (-f.total, f.funder)))
    values = tuple(OffsetValue(o, tuple(by_id[i] for i in o.lines if i in by_id),
                               offset_value(o, [by_id[i] for i in o.lines if i in by_id])) for o in offsets)
    return Gap(edition, ending, values, tuple(completions), tuple(options), tuple(reviewed))
