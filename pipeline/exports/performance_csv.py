"""performance.csv: what the paper's performance and spend section shows, one row per service, period
and measure. Suppressed counts are withheld here too (the file is published), and so is anything
worked out from them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ..analysis.performance import Count, Figures, PerformanceReport, ServicePerformance, fund
from ..input.performance import COUNTS
from .csvfile import write_csv

COLUMNS = ("id", "project", "provider", "priority", "fund", "period", "span", "measure", "value", "of", "percent",
           "suppressed", "source")


def _count(c: Count | None) -> tuple[str, str]:
    if c is None:
        return "", ""
    return ("", "yes") if c.suppressed else (str(c.value), "no")


def _money(v: Decimal | None) -> str:
    return "" if v is None else str(v)


def _rows_for(p: ServicePerformance, f: Figures, span: str) -> list[list[str]]:
    line = p.line
    head = [line.id, line.project, line.provider, line.priority, fund(line), f.label, span]
    source = "; ".join(f.sources)
    out = []
    for key in COUNTS:
        value, hidden = _count(getattr(f, key))
        if getattr(f, key) is not None:
            out.append([*head, key, value, "", "", hidden, source])
    for o in f.outcomes:
        n, n_hidden = _count(o.n)
        of, of_hidden = _count(o.of)
        hidden = "yes" if "yes" in (n_hidden, of_hidden) else "no"
        out.append([*head, o.key, n, of, "" if o.percent is None else str(o.percent), hidden, source])
    if f.waiting_days is not None:
        out.append([*head, "waiting_days", str(f.waiting_days), "", "", "no", source])
    for key, value in (("budget", f.budget), ("spend", f.spend)):
        if value is not None:
            out.append([*head, key, _money(value), "", "", "no", source])
    if f.budget is not None and f.spend is not None:
        out.append([*head, "underspend", _money(f.budget - f.spend), "", "", "no", source])
    cost = f.cost_per_person
    people = f.people_supported
    if cost is not None or (people is not None and people.suppressed and f.spend is not None):
        out.append([*head, "cost_per_person", _money(cost), "", "", "no" if cost is not None else "yes", source])
    return out


def performance_rows(report: PerformanceReport | None) -> list[list[str]]:
    if report is None:
        return []
    rows: list[list[str]] = []
    forecasts = {f.line.id: f for f in report.in_year.lines} if report.in_year else {}
    for p in report.cards:
        spans = [(p.reported, "reported year"), (p.previous, "year before"), (p.to_date, "year to date")]
        for f, span in spans:
            if f is not None:
                rows.extend(_rows_for(p, f, span))
        f = forecasts.get(p.line.id)
        if f is not None:
            head = [p.line.id, p.line.project, p.line.provider, p.line.priority, fund(p.line), p.to_date.label,
                    "year to date"]
            rows.append([*head, "forecast_outturn", _money(f.forecast), "", "", "no", report.settings.forecast])
            rows.append([*head, "forecast_underspend", _money(f.underspend), "", "", "no", report.settings.forecast])
        if p.reported is None:
            rows.append([p.line.id, p.line.project, p.line.provider, p.line.priority, fund(p.line), report.year.label,
                         "reported year", "no return", "", "", "", "", ""])
    return rows


def write_performance_csv(path: Path, report: PerformanceReport | None) -> None:
    write_csv(path, COLUMNS, performance_rows(report))
