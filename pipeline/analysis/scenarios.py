"""Funding scenarios worked out month by month over the three years from the paper date.

The base case is the register as it stands with the officer's offsets. A scenario's changes (see
pipeline/input/scenarios.py) are applied to each line's funding, held as periods at a yearly rate; then:
  funding     by month and by funding source, for the base case and each scenario
  effects     every service that ends, shrinks, is extended or gains repurposed money, with the month,
              the latest date its provider must be told (the notice months of the [schedule] band for the
              line's spend) and whether that date has passed at the paper date
  gap         the yearly money withdrawn by funders, against what the offsets cover, and the remainder
  posts       the people or posts of the services that end or shrink, where the register records them

Rules, so that every figure can be checked by hand:
  - a line runs in a month when it is funded on the month's first day; a blank start means it already
    runs, a blank end that it runs on at this year's spend (the register holds one year's figures)
  - notice of an ending is due the notice months before the last funded day; notice of a reduction,
    before the day the reduction starts (the day before it, as a month-end); a cut that leaves nothing
    ends the service the day before it starts; a line the office runs itself (its provider is one of
    [transparency] own_providers) has no provider to tell
  - the gap counts money a funder withdraws from a service that would otherwise carry on: the base
    case's gap (external money ending in the edition year, not planned completions, lines with options
    or lines under review) plus what a scenario's funders end or cut from lines still running. Ending
    a line, decommissioning it or taking an option changes the services, not the money withdrawn.
  - a decommission offset frees the line's yearly spend and ends it at its end date (at the edition's
    end when it has none); a repurpose or other offset counts its amount, or its share of the named
    lines' spend; one with neither is "not decided", and the remainder is then the most that is left.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

from ..config import Config
from ..edition import Edition
from ..input.register import Line, Register
from ..input.scenarios import Change, Offset, Scenario
from .classify import COMPLETING, DECOMMISSIONED, Classified
from .dates import add_months, paper_date, shift_months_end
from .decisions import band_for, bands_from
from .gap import funding_gap
from .gap import offset_value as gap_offset_value

MONTHS = 36
NOT_RECORDED = "not recorded"  # the funding source of a line whose register cell is blank
BASE = "Base case"

# What happens to a service under a scenario.
ENDS, SHRINKS, EXTENDED, GAINS = "ends", "shrinks", "extended", "gains"


@dataclass(frozen=True)
class Period:
    start: date | None  # None: before the window
    end: date | None  # the last funded day; None: runs on
    rate: Decimal  # pounds a year

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Effect:
    """One service under one scenario."""
    line: Line
    change: str  # ENDS, SHRINKS, EXTENDED or GAINS
    when: date  # ENDS: the last funded day; SHRINKS and GAINS: the first day; EXTENDED: the new end
    before: Decimal  # yearly funding before the change
    after: Decimal | None  # yearly funding after it (None: not decided)
    cause: str  # what brings it about, in words
    notice_by: date | None  # the provider must be told by this date (None for money gained)
    notice_passed: bool  # that date is before the paper date
    offset: bool = False  # part of an offset (a line decommissioned to close the gap)

    @property
    def posts(self) -> Decimal | None:
        return self.line.posts


@dataclass(frozen=True)
class OffsetValue:
    offset: Offset
    value: Decimal | None  # pounds a year; None: not decided
    added: bool = False  # added by the scenario (not in the base case)


@dataclass(frozen=True)
class Gap:
    gap: Decimal  # pounds a year
    offsets: tuple[OffsetValue, ...]
    covered: Decimal  # what the decided offsets cover
    remainder: Decimal  # gap - covered (negative: the offsets more than cover it)
    undecided: int  # offsets with no amount yet: the remainder is then the most that is left


@dataclass(frozen=True)
class Outcome:
    """The base case or one scenario, worked out."""
    name: str
    note: str
    illustration: bool
    months: tuple[date, ...]  # the first day of each month of the window
    funding: tuple[Decimal, ...]  # all funding, per month
    by_source: tuple[tuple[str, tuple[Decimal, ...]], ...]  # per funding source, per month
    effects: tuple[Effect, ...]
    gap: Gap
    unmatched: tuple[str, ...] = ()  # changes that touched no line, and why (the what-if prints them)
    base: Outcome | None = field(default=None, repr=False)
    by_line: tuple[tuple[str, tuple[Decimal, ...]], ...] = field(default=(), repr=False)  # per line id, per month

    def funding_of(self, ids: Iterable[str]) -> tuple[Decimal, ...]:
        """Funding per month of the given lines."""
        wanted = set(ids)
        rows = [series for ident, series in self.by_line if ident in wanted]
        return tuple(sum(col, Decimal(0)) for col in zip(*rows)) if rows else tuple(Decimal(0) for _ in self.months)

    @property
    def changed(self) -> tuple[str, ...]:
        """The lines the scenario's own changes touch (not the base case's offsets), in register order."""
        return tuple(dict.fromkeys(e.line.id for e in self.effects if not e.offset))

    @property
    def ending(self) -> tuple[Effect, ...]:
        return tuple(e for e in self.effects if e.change == ENDS)

    @property
    def shrinking(self) -> tuple[Effect, ...]:
        return tuple(e for e in self.effects if e.change == SHRINKS)

    @property
    def earliest_notice(self) -> Effect | None:
        told = [e for e in self.effects if e.notice_by is not None]
        return min(told, key=lambda e: (e.notice_by, e.line.id)) if told else None

    @property
    def notices_passed(self) -> tuple[Effect, ...]:
        return tuple(e for e in self.effects if e.notice_passed)

    @property
    def posts(self) -> tuple[Decimal, int, int]:
        """(posts recorded, services with posts recorded, services without) among those ending or shrinking."""
        hit = [e for e in self.effects if e.change in (ENDS, SHRINKS)]
        known = [e.posts for e in hit if e.posts is not None]
        return sum(known, Decimal(0)), len(known), len(hit) - len(known)

    @property
    def gap_change(self) -> Decimal:
        """The gap against the base case's."""
        return self.gap.gap - (self.base.gap.gap if self.base else self.gap.gap)

    def year_totals(self, edition: Edition) -> tuple[tuple[Edition, Decimal], ...]:
        """Funding in each financial year of the window (months summed)."""
        totals: dict[int, Decimal] = defaultdict(Decimal)
        for month, value in zip(self.months, self.funding):
            totals[month.year if month.month >= 4 else month.year - 1] += value
        return tuple((Edition(y), v.quantize(Decimal("0.01"))) for y, v in sorted(totals.items()))


@dataclass(frozen=True)
class Context:
    """What every case is worked out from."""
    register: Register
    items: tuple[Classified, ...]
    edition: Edition
    config: Config
    as_at: date
    months: tuple[date, ...]

    @property
    def window_end(self) -> date:
        return add_months(self.months[-1], 1) - timedelta(days=1)


def context(register: Register, items: tuple[Classified, ...], edition: Edition, config: Config) -> Context:
    as_at = paper_date(edition, config)
    first = date(as_at.year, as_at.month, 1)
    return Context(register, items, edition, config, as_at, tuple(add_months(first, k) for k in range(MONTHS)))


# --- the gap: its arithmetic lives in analysis/gap.py, so the paper's gap and the base case agree --

def base_withdrawn(ctx: Context) -> dict[str, Decimal]:
    """Yearly money funders withdraw in the base case: the paper's funding gap (analysis/gap.py: external
    funding ending in the edition year, not completions, options or lines under review), line by line."""
    base = funding_gap(ctx.items, (), ctx.edition, ctx.config)
    return {l.id: l.spend or Decimal(0) for l in base.lines}


def offset_value(offset: Offset, lines: Mapping[str, Line]) -> Decimal | None:
    return gap_offset_value(offset, [lines[i] for i in offset.lines if i in lines])


def gap(withdrawn: Mapping[str, Decimal], offsets: Sequence[tuple[Offset, bool]], lines: Mapping[str, Line]) -> Gap:
    """The gap (pounds a year), what each offset covers, and the remainder."""
    total = sum(withdrawn.values(), Decimal(0))
    valued = tuple(OffsetValue(o, offset_value(o, lines), added) for o, added in offsets)
    covered = sum((v.value for v in valued if v.value is not None), Decimal(0))
    return Gap(total, valued, covered, total - covered, sum(1 for v in valued if v.value is None))


# --- the cases -----------------------------------------------------------------------------------

def _notice(ctx: Context, line: Line, last_day: date) -> tuple[date | None, bool]:
    own = {p.strip().lower() for p in ctx.config.settings.transparency.own_providers}
    if line.provider.strip().lower() in own:
        return None, False  # a budget the office spends itself: there is no provider to tell
    months = band_for(line.spend, bands_from(ctx.config)).notice_months
    by = shift_months_end(last_day, -months)
    return by, by < ctx.as_at


def _runs_on(periods: list[Period], day: date) -> bool:
    return any(p.covers(day) and p.rate > 0 for p in periods)


def _rate_on(periods: list[Period], day: date) -> Decimal:
    return sum((p.rate for p in periods if p.covers(day)), Decimal(0))


def _cut_from(periods: list[Period], day: date, factor: Decimal | None = None, less: Decimal | None = None) -> list[Period]:
    """The periods with their rate from `day` on multiplied by `factor`, or lowered by `less` (not below 0)."""
    out: list[Period] = []
    for p in periods:
        if p.end is not None and p.end < day:
            out.append(p)
            continue
        if p.start is None or p.start < day:
            out.append(replace(p, end=day - timedelta(days=1)))
            p = replace(p, start=day)
        rate = p.rate * factor if factor is not None else max(p.rate - (less or Decimal(0)), Decimal(0))
        out.append(replace(p, rate=rate.quantize(Decimal("0.01"))))
    return out


def _end_on(periods: list[Period], day: date) -> list[Period]:
    out = []
    for p in periods:
        if p.start is not None and p.start > day:
            continue
        out.append(replace(p, end=day if p.end is None or p.end > day else p.end))
    return out


def _last_day(periods: list[Period]) -> date | None:
    ends = [p.end for p in periods if p.rate > 0]
    return None if not ends or None in ends else max(ends)


class _Case:
    def __init__(self, ctx: Context, withdrawn: dict[str, Decimal]):
        self.ctx = ctx
        self.lines = {l.id: l for l in ctx.register.lines}
        self.kind = {c.line.id: c.computed for c in ctx.items}
        self.periods: dict[str, list[Period]] = {
            l.id: [Period(l.start_date, l.end_date, l.spend or Decimal(0))] for l in ctx.register.lines
            if self.kind.get(l.id) != DECOMMISSIONED or l.end_date is not None}
        self.withdrawn = dict(withdrawn)
        self.effects: dict[tuple[str, str], Effect] = {}
        self.unmatched: list[str] = []

    def _by_funder(self, funder: str) -> list[Line]:
        return [l for l in self.ctx.register.lines if l.funding_source.strip().lower() == funder.lower()]

    def _effect(self, line: Line, change: str, when: date, before: Decimal, after: Decimal | None, cause: str,
                offset: bool = False) -> None:
        if change == GAINS:
            by, passed = None, False
        elif change == ENDS:
            by, passed = _notice(self.ctx, line, when)
        elif change == EXTENDED:
            by, passed = _notice(self.ctx, line, line.end_date)
        else:
            by, passed = _notice(self.ctx, line, when - timedelta(days=1))
        self.effects[(line.id, change)] = Effect(line, change, when, before, after, cause, by, passed, offset)

    def _gone(self, line: Line) -> bool:
        """Completing or decommissioned: its money was never going to carry on, so none is withdrawn."""
        return self.kind.get(line.id) in (COMPLETING, DECOMMISSIONED)

    def apply(self, c: Change) -> None:
        from ..formatting import uk_date

        if c.kind == "funder-ends":
            hit = [l for l in self._by_funder(c.funder) if _runs_on(self.periods[l.id], c.on)]
            for l in hit:
                self.periods[l.id] = _end_on(self.periods[l.id], c.on)
                if not self._gone(l):
                    self.withdrawn[l.id] = l.spend or Decimal(0)
                self._effect(l, ENDS, c.on, l.spend or Decimal(0), Decimal(0), f"{c.funder} ends {uk_date(c.on)}")
            if not hit:
                self._none(c.funder, f"runs on {uk_date(c.on)}")
        elif c.kind == "funder-cut":
            hit = [l for l in self._by_funder(c.funder) if _runs_on(self.periods[l.id], c.start)]
            pool = sum((_rate_on(self.periods[l.id], c.start) for l in hit), Decimal(0))
            for l in hit:
                rate = _rate_on(self.periods[l.id], c.start)
                less = rate * c.percent / 100 if c.percent is not None else (c.amount * rate / pool if pool else Decimal(0))
                less = min(less.quantize(Decimal(1)), rate)
                self.periods[l.id] = _cut_from(self.periods[l.id], c.start, less=less)
                if not self._gone(l):
                    self.withdrawn[l.id] = min(self.withdrawn.get(l.id, Decimal(0)) + less, l.spend or Decimal(0))
                how = f"{c.percent.normalize():f}%" if c.percent is not None else f"£{c.amount:,.0f} a year"
                cause = f"{c.funder} cut by {how} from {uk_date(c.start)}"
                if less >= rate:  # nothing left: the cut ends the service the day before it starts
                    self._effect(l, ENDS, c.start - timedelta(days=1), rate, Decimal(0), cause)
                else:
                    self._effect(l, SHRINKS, c.start, rate, rate - less, cause)
            if not hit:
                self._none(c.funder, f"runs on {uk_date(c.start)}, when the cut starts")
        elif c.kind == "funder-renews":
            pct = c.percent if c.percent is not None else Decimal(100)
            hit = [l for l in self._by_funder(c.funder) if not self._gone(l)
                   and (last := _last_day(self.periods[l.id])) is not None and self.ctx.as_at <= last < self.ctx.window_end]
            for l in hit:
                last = _last_day(self.periods[l.id])
                rate = ((l.spend or Decimal(0)) * pct / 100).quantize(Decimal(1))
                self.periods[l.id].append(Period(last + timedelta(days=1), None, rate))
                if l.id in self.withdrawn:
                    self.withdrawn[l.id] = (l.spend or Decimal(0)) - rate
                    if self.withdrawn[l.id] <= 0:
                        del self.withdrawn[l.id]
                self.effects.pop((l.id, ENDS), None)
                if pct < 100:
                    self._effect(l, SHRINKS, last + timedelta(days=1), l.spend or Decimal(0), rate,
                                 f"{c.funder} renewed at {pct.normalize():f}% after {uk_date(last)}")
            if not hit:
                self._none(c.funder, "ends within the three years")
        elif c.kind in ("line-ends", "decommission"):
            for ident in c.lines:
                l = self.lines[ident]
                day = c.on or l.end_date
                self.periods[ident] = _end_on(self.periods.get(ident, []), day)
                word = "decommissioned" if c.kind == "decommission" else "ends"
                self._effect(l, ENDS, day, l.spend or Decimal(0), Decimal(0), f"{word} {uk_date(day)}")
        elif c.kind == "extend":
            for ident in c.lines:
                l = self.lines[ident]
                years = c.years or l.extension_options[0]
                new_end = shift_months_end(l.end_date, 12 * years)
                self.periods[ident] = [*self.periods.get(ident, []), Period(l.end_date + timedelta(days=1), new_end,
                                                                            l.spend or Decimal(0))]
                self._effect(l, EXTENDED, new_end, l.spend or Decimal(0), l.spend or Decimal(0),
                             f"option taken: extended by {years} year{'s' if years != 1 else ''} to {uk_date(new_end)}")
        elif c.kind == "repurpose":
            fund = [self.lines[i] for i in c.lines]
            pool = sum((_rate_on(self.periods[l.id], c.start) for l in fund), Decimal(0))
            moved = c.amount if c.amount is not None else (pool * c.share).quantize(Decimal(1))
            moved = min(moved, pool)
            for l in fund:
                rate = _rate_on(self.periods[l.id], c.start)
                less = (moved * rate / pool).quantize(Decimal(1)) if pool else Decimal(0)
                self.periods[l.id] = _cut_from(self.periods[l.id], c.start, less=less)
                self._effect(l, SHRINKS, c.start, rate, rate - less, f"£{moved:,.0f} a year repurposed from "
                                                                      f"{uk_date(c.start)}")
            weights = sum((l.spend or Decimal(0) for l in (self.lines[i] for i in c.to)), Decimal(0))
            for ident in c.to:
                l = self.lines[ident]
                share = (moved * (l.spend or Decimal(0)) / weights) if weights else moved / len(c.to)
                share = share.quantize(Decimal(1))
                self.periods[ident] = [*self.periods.get(ident, []), Period(c.start, None, share)]
                self._effect(l, GAINS, c.start, _rate_on(self.periods[ident], c.start - timedelta(days=1)), share,
                             f"£{share:,.0f} a year of repurposed money from {uk_date(c.start)}")

    def _none(self, funder: str, when: str) -> None:
        lines = self._by_funder(funder)
        ends = [l.end_date for l in lines if l.end_date]
        last = f" (its {len(lines)} line{'s' if len(lines) != 1 else ''} end by {max(ends):%d/%m/%Y})" if ends else ""
        self.unmatched.append(f'no line funded by "{funder}" {when}{last}, so this change alters nothing')

    def offsets(self, offsets: Sequence[Offset]) -> None:
        """Decommission offsets end their lines (at the end date, or the edition's end); a repurpose offset
        with an amount lowers its fund from the next year; the services are listed either way."""
        from ..formatting import uk_date

        next_year = self.ctx.edition.end + timedelta(days=1)
        for o in offsets:
            fund = [self.lines[i] for i in o.lines]
            if o.kind == "decommission":
                for l in fund:
                    day = l.end_date or self.ctx.edition.end
                    self.periods[l.id] = _end_on(self.periods.get(l.id, []), day)
                    self._effect(l, ENDS, day, l.spend or Decimal(0), Decimal(0),
                                 f"decommissioned to close the gap, {uk_date(day)}", offset=True)
                continue
            value = offset_value(o, self.lines)
            pool = sum((l.spend or Decimal(0) for l in fund), Decimal(0))
            for l in fund:
                less = None if value is None else ((value * (l.spend or Decimal(0)) / pool).quantize(Decimal(1))
                                                  if pool else Decimal(0))
                rate = l.spend or Decimal(0)
                if less is not None:
                    self.periods[l.id] = _cut_from(self.periods.get(l.id, []), next_year, less=less)
                self._effect(l, SHRINKS, next_year, rate, None if less is None else rate - less,
                             f"{o.kind} offset from {uk_date(next_year)}" + ("" if less is not None else
                                                                               ", amount not decided"), offset=True)

    def series(self):
        """(all funding per month, per funding source, per line): a twelfth of the yearly rate, unrounded, so
        twelve months add up to the year (figures are rounded where they are printed)."""
        sources: dict[str, list[Decimal]] = {}
        per_line = []
        total = [Decimal(0)] * len(self.ctx.months)
        rounded = tuple
        for l in self.ctx.register.lines:
            name = l.funding_source.strip() or NOT_RECORDED
            row = sources.setdefault(name, [Decimal(0)] * len(self.ctx.months))
            mine = [_rate_on(self.periods.get(l.id, []), month) / 12 for month in self.ctx.months]
            for k, value in enumerate(mine):
                row[k] += value
                total[k] += value
            per_line.append((l.id, rounded(mine)))
        ordered = sorted(sources.items(), key=lambda kv: (kv[0] == NOT_RECORDED, -sum(kv[1]), kv[0]))
        return rounded(total), tuple((k, rounded(v)) for k, v in ordered), tuple(per_line)


def _outcome(ctx: Context, name: str, note: str, illustration: bool, changes: Iterable[Change],
             offsets: Sequence[tuple[Offset, bool]], counted: Sequence[tuple[Offset, bool]] = (),
             base: Outcome | None = None) -> Outcome:
    """`offsets` are applied to the services and counted; `counted` (a repurpose change's) only counted,
    since the change itself already moves the money."""
    case = _Case(ctx, base_withdrawn(ctx))
    case.offsets([o for o, _ in offsets])
    for c in changes:
        case.apply(c)
    funding, by_source, by_line = case.series()
    order = {ENDS: 0, SHRINKS: 1, EXTENDED: 2, GAINS: 3}
    effects = tuple(sorted(case.effects.values(), key=lambda e: (order[e.change], e.when, e.line.id)))
    return Outcome(name, note, illustration, ctx.months, funding, by_source, effects,
                   gap(case.withdrawn, [*offsets, *counted], case.lines), tuple(case.unmatched), base, by_line)


def base_case(ctx: Context, offsets: Sequence[Offset]) -> Outcome:
    return _outcome(ctx, BASE, "", False, (), [(o, False) for o in offsets])


def scenario_offsets(s: Scenario, base: Sequence[Offset]) -> tuple[list[tuple[Offset, bool]], list[tuple[Offset, bool]]]:
    """(the base case's offsets less those the scenario drops, with its own added; its repurposed funds)."""
    kept = [(o, False) for o in base if not any(o.same(d) for d in s.drop_offsets)]
    added = [(o, True) for o in s.add_offsets]
    moved = [(Offset("repurpose", c.lines, c.amount, c.share, f"repurposed to {', '.join(c.to)}"), True)
             for c in s.changes if c.kind == "repurpose"]
    return [*kept, *added], moved


def run(ctx: Context, offsets: Sequence[Offset], scenarios: Sequence[Scenario]) -> tuple[Outcome, tuple[Outcome, ...]]:
    """The base case and every scenario against it."""
    base = base_case(ctx, offsets)
    out = []
    for s in scenarios:
        applied, counted = scenario_offsets(s, offsets)
        out.append(_outcome(ctx, s.name, s.note, s.illustration, s.changes, applied, counted, base))
    return base, tuple(out)


@dataclass(frozen=True)
class Scenarios:
    """What the paper, the chart and scenarios.csv are written from."""
    context: Context
    base: Outcome
    outcomes: tuple[Outcome, ...]

    def __bool__(self) -> bool:
        return bool(self.outcomes)

    @property
    def posts_recorded(self) -> bool:
        """Whether the register records posts for any service a scenario ends or reduces."""
        return any(o.posts[1] for o in self.outcomes)


def scenarios(register: Register, items: tuple[Classified, ...], edition: Edition, config: Config,
              offsets: Sequence[Offset], defined: Sequence[Scenario]) -> Scenarios:
    ctx = context(register, items, edition, config)
    base, outcomes = run(ctx, offsets, defined)
    return Scenarios(ctx, base, outcomes)
