"""review-schedule.csv: one row per register line with its category, reason and review dates."""

from __future__ import annotations

from pathlib import Path

from ..analysis.classify import Classified
from ..analysis.schedule import ReviewItem
from .csvfile import write_csv

SCHEDULE_COLUMNS = (
    "id", "project", "provider", "section", "priority", "spend", "category", "computed_category", "reason",
    "start_date", "end_date", "extension_options", "latest_end_date", "review_start", "decision_due", "overdue",
)
def schedule_rows(items: tuple[Classified, ...], review: tuple[ReviewItem, ...]) -> list[list[str]]:
    """Every line of the register: dated lines in decision order, then undated ones."""
    by_id = {r.item.line.id: r for r in review}
    ordered = [r.item for r in review] + [c for c in items if c.line.id not in by_id]
    rows = []
    for c in ordered:
        line, r = c.line, by_id.get(c.line.id)
        iso = lambda d: d.isoformat() if d else ""  # noqa: E731
        rows.append([
            line.id, line.project, line.provider, line.section, line.priority,
            "" if line.spend is None else str(line.spend), c.category, c.computed, c.reason,
            iso(line.start_date), iso(line.end_date), line.extension_text,
            iso(r.latest_end) if r else "", iso(r.review_start) if r else "", iso(r.decision_due) if r else "",
            ("yes" if r.overdue else "no") if r else "",
        ])
    return rows


def write_schedule_csv(path: Path, items: tuple[Classified, ...], review: tuple[ReviewItem, ...]) -> None:
    write_csv(path, SCHEDULE_COLUMNS, schedule_rows(items, review))
