"""review-schedule.csv (one row per register line, with its next decision) and forward-plan.csv
(one row per decision, by due date)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..analysis.classify import Classified
from ..analysis.decisions import Decision, latest_end
from ..analysis.schedule import ReviewItem
from .csvfile import write_csv

SCHEDULE_COLUMNS = (
    "id", "project", "provider", "section", "priority", "spend", "status", "category", "computed_category", "reason",
    "start_date", "end_date", "extension_options", "break_dates", "latest_end_date", "next_decision",
    "review_start", "decision_due", "overdue", "lapsed", "decisions",
)
FORWARD_PLAN_COLUMNS = (
    "decision_due", "work_starts", "kind", "id", "project", "provider", "section", "priority", "spend", "category",
    "about_date", "latest_end_date", "overdue", "what_is_decided",
)


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def _spend(c: Classified) -> str:
    return "" if c.line.spend is None else str(c.line.spend)


def schedule_rows(items: tuple[Classified, ...], review: tuple[ReviewItem, ...]) -> list[list[str]]:
    """Every line of the register: lines with a decision in next-decision order, then the others."""
    by_id = {r.item.line.id: r for r in review}
    ordered = [r.item for r in review] + [c for c in items if c.line.id not in by_id]
    rows = []
    for c in ordered:
        line, r = c.line, by_id.get(c.line.id)
        rows.append([
            line.id, line.project, line.provider, line.section, line.priority, _spend(c), line.status or "active",
            c.category, c.computed, c.reason, _iso(line.start_date), _iso(line.end_date), line.extension_text,
            line.text("break_dates"), _iso(r.latest_end) if r else "", r.next.label if r else "",
            _iso(r.review_start) if r else "", _iso(r.decision_due) if r else "",
            ("yes" if r.overdue else "no") if r else "", "yes" if c.lapsed else "no",
            str(len(r.decisions)) if r else "0",
        ])
    return rows


def write_schedule_csv(path: Path, items: tuple[Classified, ...], review: tuple[ReviewItem, ...]) -> None:
    write_csv(path, SCHEDULE_COLUMNS, schedule_rows(items, review))


def forward_plan_rows(decisions: tuple[Decision, ...]) -> list[list[str]]:
    return [[
        _iso(d.due), _iso(d.start), d.label, d.line.id, d.line.project, d.line.provider, d.line.section,
        d.line.priority, _spend(d.item), d.item.category, _iso(d.on), _iso(latest_end(d.item)),
        "yes" if d.overdue else "no", d.note,
    ] for d in decisions]


def write_forward_plan_csv(path: Path, decisions: tuple[Decision, ...]) -> None:
    write_csv(path, FORWARD_PLAN_COLUMNS, forward_plan_rows(decisions))
