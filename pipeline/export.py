"""Machine-readable exports of the review schedule: CSV for spreadsheets, iCalendar for Outlook."""

from __future__ import annotations

import csv
import gc
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

from icalendar import Calendar, Event

from .classify import Classified
from .edition import Edition
from .schedule import ReviewItem

SCHEDULE_COLUMNS = (
    "id", "project", "provider", "section", "priority", "spend", "category", "computed_category", "reason",
    "start_date", "end_date", "extension_options", "latest_end_date", "review_start", "decision_due", "overdue",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Stop a spreadsheet treating a cell as a formula (CSV injection): prefix a quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[neutralise(str(v)) for v in row] for row in rows])
    # UTF-8 with BOM so Excel on Windows shows £ and accents correctly.
    path.write_text(buf.getvalue(), encoding="utf-8-sig", newline="")


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


def schedule_calendar(review: tuple[ReviewItem, ...], edition: Edition, organisation: str) -> bytes:
    """One all-day event per review start and per decision due; UIDs are stable so re-imports update."""
    # icalendar makes many small objects per event; pausing the garbage collector while they are
    # built saves a fifth of the time on large registers (nothing here forms reference cycles).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _calendar(review, edition, organisation)
    finally:
        if enabled:
            gc.enable()


def _calendar(review: tuple[ReviewItem, ...], edition: Edition, organisation: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", f"-//{organisation}//Commissioning Framework {edition.label}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Commissioning reviews {edition.label}")
    # Stamped with the edition's start, not the clock, so two builds give the same file.
    stamp = datetime(edition.start.year, edition.start.month, edition.start.day, tzinfo=timezone.utc)
    for r in review:
        line = r.item.line
        who = f"{line.project} ({line.provider})"
        for kind, day, summary in (
            ("review-start", r.review_start, f"Start review: {who}"),
            ("decision-due", r.decision_due, f"Decision due: {who}"),
        ):
            ev = Event()
            ev.add("uid", f"{line.id}-{kind}-{edition.label}@commissioning-framework")
            ev.add("dtstamp", stamp)
            ev.add("dtstart", day)
            ev.add("dtend", day + timedelta(days=1))
            ev.add("summary", summary)
            ev.add("description", (
                f"{line.id}, category {r.item.category}: {r.item.reason}. "
                f"Decide by {r.decision_due.isoformat()} whether to extend, re-commission or decommission."
            ))
            ev.add("categories", [f"Commissioning category {r.item.category}"])
            ev.add("transp", "TRANSPARENT")
            cal.add_component(ev)
    return cal.to_ical()


def write_schedule_ics(path: Path, review: tuple[ReviewItem, ...], edition: Edition, organisation: str) -> None:
    path.write_bytes(schedule_calendar(review, edition, organisation))
