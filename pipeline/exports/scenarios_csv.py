"""scenarios.csv (one row per scenario, service and change, with the figures the paper prints) and
scenario-funding.csv (funding by source, month by month, for the base case and each scenario)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from ..analysis.scenarios import Scenarios
from .csvfile import write_csv

COLUMNS = (
    "scenario", "illustration", "id", "project", "provider", "funding_source", "change", "cause", "date",
    "yearly_before", "yearly_after", "notice_by", "notice_passed", "posts",
    "scenario_gap", "base_gap", "offsets_covered", "offsets_not_decided", "remainder",
)


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def _pounds(v: Decimal | None) -> str:
    return "" if v is None else str(v.quantize(Decimal(1)))


def scenario_rows(result: Scenarios) -> list[list[str]]:
    rows = []
    base = result.base.gap.gap
    for o in result.outcomes:
        g = o.gap
        tail = [_pounds(g.gap), _pounds(base), _pounds(g.covered), str(g.undecided), _pounds(g.remainder)]
        for e in o.effects:
            rows.append([o.name, "yes" if o.illustration else "no", e.line.id, e.line.project, e.line.provider,
                         e.line.funding_source, e.change, e.cause, _iso(e.when), _pounds(e.before), _pounds(e.after),
                         _iso(e.notice_by), "yes" if e.notice_passed else "no",
                         "" if e.posts is None else f"{e.posts.normalize():f}", *tail])
        if not o.effects:  # a scenario that changes no service still has its row, with its figures
            rows.append([o.name, "yes" if o.illustration else "no", *[""] * 12, *tail])
    return rows


def write_scenarios_csv(path: Path, result: Scenarios) -> None:
    write_csv(path, COLUMNS, scenario_rows(result))


FUNDING_COLUMNS = ("scenario", "funding_source", "month", "funding")


def funding_rows(result: Scenarios) -> list[list[str]]:
    """Funding committed by source, month by month, for the base case and each scenario."""
    rows = []
    for o in (result.base, *result.outcomes):
        for source, series in o.by_source:
            rows.extend([o.name, source, f"{m:%Y-%m}", str(v.quantize(Decimal("0.01")))]
                        for m, v in zip(o.months, series))
    return rows


def write_funding_csv(path: Path, result: Scenarios) -> None:
    write_csv(path, FUNDING_COLUMNS, funding_rows(result))
