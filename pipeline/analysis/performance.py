"""What each service delivered, for what it cost, and the underspend: pure analysis of the return.

Which year: a paper is usually written at the start of its year, before any in-year return exists,
so the section reports the latest financial year that had ended by the paper date (for a 2024-25
paper dated 1 April 2024, the year 2023-24) and, when the paper date falls inside the edition year
after a quarter has ended, the year to date as well. Nothing is estimated except the forecast, and
the forecast says which rule made it. Counts under the suppression threshold are flagged here; the
paper shows them as suppressed and withholds any percentage or cost worked out from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from ..config import Config
from ..edition import Edition, financial_year_of
from ..input.performance import OUTCOMES, Period, Return, Returns
from ..input.register import Line, Register
from ..settings import FORECAST_RULES, Performance as Settings  # [performance], declared with every setting

NOT_RECORDED = "Not recorded"  # the fund of a line whose funding_source is blank


def settings_from(config: Config) -> Settings:
    """[performance] in data/config.toml (declared and checked in pipeline/settings.py)."""
    return config.settings.performance


@dataclass(frozen=True)
class Count:
    value: int
    suppressed: bool  # 1 to suppress_below - 1: shown as suppressed, and nothing is worked out from it


@dataclass(frozen=True)
class Outcome:
    key: str  # coping, safer, satisfied
    n: Count
    of: Count

    @property
    def percent(self) -> Decimal | None:
        """None when either count is suppressed (the percentage would reveal it) or nobody was asked."""
        if self.n.suppressed or self.of.suppressed or not self.of.value:
            return None
        return (Decimal(self.n.value) * 100 / self.of.value).quantize(Decimal(1), ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    """One line's figures over a span: a whole year, or the quarters of it that were returned."""
    label: str  # "2023-24", or "2024-25 Q1 to Q2"
    quarters: tuple[int, ...]  # () when the figures come from a whole-year row
    referrals: Count | None
    people_supported: Count | None
    cases_closed: Count | None
    outcomes: tuple[Outcome, ...]
    waiting_days: int | None
    budget: Decimal | None
    spend: Decimal | None
    sources: tuple[str, ...]

    def outcome(self, key: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.key == key), None)

    @property
    def cost_per_person(self) -> Decimal | None:
        """Spend per person supported, in whole pounds; None when either is not reported, or the count is
        suppressed (the cost would reveal it)."""
        p = self.people_supported
        if self.spend is None or p is None or p.suppressed or not p.value:
            return None
        return (self.spend / p.value).quantize(Decimal(1), ROUND_HALF_UP)

    @property
    def partial(self) -> bool:
        """A whole year given by only some of its quarters."""
        return bool(self.quarters) and len(self.quarters) < 4 and "Q" not in self.label


@dataclass(frozen=True)
class ServicePerformance:
    line: Line
    reported: Figures | None  # the reported year
    previous: Figures | None  # the year before it, for year on year
    to_date: Figures | None  # the edition year so far
    returns: tuple[Return, ...]  # every row the line has, for the web card

    @property
    def latest(self) -> Period | None:
        return max((r.period for r in self.returns), default=None)


@dataclass(frozen=True)
class SpendRow:
    key: str  # the fund (funding_source) or priority
    lines: int
    budget: Decimal
    spend: Decimal

    @property
    def underspend(self) -> Decimal:
        """Budget less spend: negative is an overspend."""
        return self.budget - self.spend


@dataclass(frozen=True)
class LineForecast:
    line: Line
    budget: Decimal  # the register's spend for the edition year
    to_date: Decimal
    forecast: Decimal

    @property
    def underspend(self) -> Decimal:
        return self.budget - self.forecast


@dataclass(frozen=True)
class ForecastRow:
    key: str
    lines: int
    budget: Decimal
    to_date: Decimal
    forecast: Decimal

    @property
    def underspend(self) -> Decimal:
        return self.budget - self.forecast


@dataclass(frozen=True)
class InYear:
    """The edition year to the paper date: spend to date and the forecast outturn."""
    quarters: int  # quarters of the edition year ended by the paper date (0: none yet)
    through: date | None  # the last day those quarters cover
    rule: str  # the forecast rule used
    lines: tuple[LineForecast, ...]
    by_fund: tuple[ForecastRow, ...]
    by_priority: tuple[ForecastRow, ...]
    total: ForecastRow
    most_under: tuple[LineForecast, ...]
    most_over: tuple[LineForecast, ...]
    not_returned: tuple[Line, ...]  # costed lines with no spend returned for those quarters


@dataclass(frozen=True)
class PerformanceReport:
    settings: Settings
    source: str  # the return read, or "" when the edition has none
    as_at: date
    year: Edition  # the reported year
    services: tuple[ServicePerformance, ...]  # lines with figures for the reported year, by spend
    missing: tuple[ServicePerformance, ...]  # expected lines without figures for the reported year
    by_fund: tuple[SpendRow, ...]
    by_priority: tuple[SpendRow, ...]
    total: SpendRow
    unbudgeted: tuple[Line, ...]  # reported-year figures without both budget and spend, or for part of the year
    in_year: InYear | None  # None when the paper date is outside the edition year
    cards: tuple[ServicePerformance, ...]  # every line with a return or expected to make one, in register order

    @property
    def previous_year(self) -> Edition:
        return self.year.previous()


def reported_year(as_at: date) -> Edition:
    """The latest financial year that had ended by the paper date."""
    current = financial_year_of(as_at)
    return current if current.end <= as_at else current.previous()


def _count(value: int | None, below: int) -> Count | None:
    return None if value is None else Count(value, 0 < value < below)


def _sum(values: Iterable):
    """The sum when every period reports the figure, else None (a partial sum is not the figure)."""
    values = list(values)
    return None if not values or any(v is None for v in values) else sum(values)


def figures(rows: Iterable[Return], label: str, below: int) -> Figures | None:
    """One line's figures over a span: its whole-year row if it has one, else its quarters added up.

    People supported and waiting times cannot be added across quarters (a person may be supported in
    several), so a span of several quarters leaves them unreported."""
    rows = sorted(rows, key=lambda r: r.period)
    if not rows:
        return None
    whole = [r for r in rows if r.period.is_year]
    chosen = whole[:1] or rows
    several = len(chosen) > 1
    outcomes = []
    for key in OUTCOMES:
        pairs = [r.outcome(key) for r in chosen]
        if all(p is not None for p in pairs):
            outcomes.append(Outcome(key, _count(sum(p[0] for p in pairs), below), _count(sum(p[1] for p in pairs), below)))
    quarters = () if whole else tuple(r.period.quarter for r in chosen)
    return Figures(
        label=label, quarters=quarters,
        referrals=_count(_sum(r.referrals for r in chosen), below),
        people_supported=None if several else _count(chosen[0].people_supported, below),
        cases_closed=_count(_sum(r.cases_closed for r in chosen), below),
        outcomes=tuple(outcomes),
        waiting_days=None if several else chosen[0].waiting_days,
        budget=_sum(r.budget for r in chosen), spend=_sum(r.spend for r in chosen),
        sources=tuple(dict.fromkeys(r.source for r in chosen if r.source)),
    )


def _in_year_of(rows: Iterable[Return], year: Edition) -> list[Return]:
    return [r for r in rows if r.period.first_year == year.first_year]


def _spend_rows(pairs: list[tuple[str, Decimal, Decimal]], order: Iterable[str]) -> tuple[SpendRow, ...]:
    grouped: dict[str, list[tuple[Decimal, Decimal]]] = {}
    for key, budget, spend in pairs:
        grouped.setdefault(key, []).append((budget, spend))
    rank = {k: i for i, k in enumerate(order)}
    keys = sorted(grouped, key=lambda k: (k == NOT_RECORDED, rank.get(k, len(rank)), k.lower()))
    return tuple(SpendRow(k, len(grouped[k]), sum((b for b, _ in grouped[k]), Decimal(0)),
                          sum((s for _, s in grouped[k]), Decimal(0))) for k in keys)


def _forecast_rows(items: list[tuple[str, LineForecast]], order: Iterable[str]) -> tuple[ForecastRow, ...]:
    grouped: dict[str, list[LineForecast]] = {}
    for key, f in items:
        grouped.setdefault(key, []).append(f)
    rank = {k: i for i, k in enumerate(order)}
    keys = sorted(grouped, key=lambda k: (k == NOT_RECORDED, rank.get(k, len(rank)), k.lower()))
    return tuple(_forecast_total(k, grouped[k]) for k in keys)


def _forecast_total(key: str, lines: list[LineForecast]) -> ForecastRow:
    return ForecastRow(key, len(lines), sum((f.budget for f in lines), Decimal(0)),
                       sum((f.to_date for f in lines), Decimal(0)), sum((f.forecast for f in lines), Decimal(0)))


def forecast(to_date: Decimal, budget: Decimal, quarters: int, rule: str) -> Decimal:
    """The year's outturn from the spend in its first `quarters` quarters.

    straight-line: the rest of the year spends as the quarters so far did (to date x 4 / quarters);
    to-budget: the rest of the year spends its share of the budget (to date + budget x remaining / 4)."""
    if rule == "straight-line":
        value = to_date * 4 / quarters
    elif rule == "to-budget":
        value = to_date + budget * (4 - quarters) / 4
    else:
        raise ValueError(f"unknown forecast rule {rule!r}; expected one of {', '.join(FORECAST_RULES)}")
    return value.quantize(Decimal(1), ROUND_HALF_UP)


def fund(line: Line) -> str:
    return line.funding_source or NOT_RECORDED


def analyse(register: Register, returns: Returns, edition: Edition, config: Config, as_at: date) -> PerformanceReport:
    s = settings_from(config)
    year = reported_year(as_at)
    priorities = config.vocabulary.priorities
    by_line: dict[str, list[Return]] = {}
    for r in returns.rows:
        by_line.setdefault(r.id, []).append(r)

    # The edition year so far: its quarters that had ended by the paper date.
    inside = edition.start <= as_at <= edition.end and year != edition
    ended = tuple(q for q in range(1, 5) if Period(edition.first_year, q).end <= as_at) if inside else ()
    span = f"{edition.label} Q1" + (f" to Q{ended[-1]}" if len(ended) > 1 else "") if ended else ""

    every: list[ServicePerformance] = []
    for line in register.lines:
        rows = tuple(by_line.get(line.id, ()))
        to_date_rows = [r for r in _in_year_of(rows, edition) if not r.period.is_year and r.period.quarter in ended]
        every.append(ServicePerformance(
            line,
            figures(_in_year_of(rows, year), year.label, s.suppress_below),
            figures(_in_year_of(rows, year.previous()), year.previous().label, s.suppress_below),
            figures(to_date_rows, span, s.suppress_below) if ended else None,
            rows))
    expected = {t.lower() for t in s.expected_terms}
    cards = tuple(p for p in every if p.returns or p.line.term.lower() in expected)
    spend_of = {l.id: l.spend or Decimal(0) for l in register.lines}
    services = tuple(sorted((p for p in every if p.reported is not None),
                            key=lambda p: (-spend_of[p.line.id], p.line.id)))
    missing = tuple(p for p in cards if p.reported is None and p.line.status.lower() != "decommissioned"
                    and p.line.term.lower() in expected)

    # Only a whole year's figures make an outturn: a year given by some of its quarters is not counted.
    budgeted = [p for p in services if p.reported.budget is not None and p.reported.spend is not None
                and not p.reported.partial]
    unbudgeted = tuple(p.line for p in services if p not in budgeted)
    by_fund = _spend_rows([(fund(p.line), p.reported.budget, p.reported.spend) for p in budgeted], ())
    by_priority = _spend_rows([(p.line.priority, p.reported.budget, p.reported.spend) for p in budgeted], priorities)
    total = SpendRow("Total", len(budgeted), sum((p.reported.budget for p in budgeted), Decimal(0)),
                     sum((p.reported.spend for p in budgeted), Decimal(0)))

    in_year = None
    if inside:
        forecasts: list[LineForecast] = []
        not_returned: list[Line] = []
        for p in cards:  # lines with a return or expected to make one
            if p.line.spend is None or p.line.status.lower() == "decommissioned":
                continue
            if p.to_date is None or p.to_date.spend is None or len(p.to_date.quarters) != len(ended):
                if ended:
                    not_returned.append(p.line)
                continue
            forecasts.append(LineForecast(p.line, p.line.spend, p.to_date.spend,
                                          forecast(p.to_date.spend, p.line.spend, len(ended), s.forecast)))
        under = sorted((f for f in forecasts if f.underspend > 0), key=lambda f: (-f.underspend, f.line.id))
        over = sorted((f for f in forecasts if f.underspend < 0), key=lambda f: (f.underspend, f.line.id))
        in_year = InYear(
            quarters=len(ended), through=Period(edition.first_year, ended[-1]).end if ended else None, rule=s.forecast,
            lines=tuple(forecasts),
            by_fund=_forecast_rows([(fund(f.line), f) for f in forecasts], ()),
            by_priority=_forecast_rows([(f.line.priority, f) for f in forecasts], priorities),
            total=_forecast_total("Total", forecasts),
            most_under=tuple(under[:s.most_lines]), most_over=tuple(over[:s.most_lines]),
            not_returned=tuple(not_returned))
    return PerformanceReport(s, returns.source, as_at, year, services, missing, by_fund, by_priority, total,
                             unbudgeted, in_year, cards)

