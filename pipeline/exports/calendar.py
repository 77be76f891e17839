"""review-schedule.ics: every decision point as calendar events for Outlook.

Each decision gives two all-day events: the day work should start and the day the decision is due
(an exit step of a decommissioned line gives one). Every event names the line's id in its summary,
description and UID; UIDs are stable, so importing next month's file updates the same events.

Which decisions the calendar holds is set in data/config.toml ([calendar]): by default those due
from the first day of the edition year onward, so a large register's calendar is not filled with
dates already gone (forward-plan.csv still lists every decision).

The file is written here rather than through the icalendar library's object model: a register of
10,000 dated lines has some 40,000 events, and building and folding them object by object took most
of a build's time. The output is the RFC 5545 text icalendar itself writes for the same events,
byte for byte (the same property order, TEXT escaping and folding: CRLF line ends, no line longer
than 75 octets, a fold never splitting a character or an escape); tests/test_calendar.py builds
both and compares them, and parses the file back with icalendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..analysis.decisions import Decision
from ..config import Config
from ..edition import Edition
from ..problems import InputError, Problem

FROM_CHOICES = ("edition", "all")


@dataclass(frozen=True)
class CalendarSettings:
    decisions_from: str = "edition"  # "edition": due on or after the edition year's first day; "all": every one
    years_ahead: int = 0  # 0: no limit; else only decisions due by the end of the n-th year after the edition

    def first_day(self, edition: Edition) -> date | None:
        return edition.start if self.decisions_from == "edition" else None

    def last_day(self, edition: Edition) -> date | None:
        return date(edition.end.year + self.years_ahead, edition.end.month, edition.end.day) if self.years_ahead else None


def calendar_settings(config: Config) -> CalendarSettings:
    """[calendar] from data/config.toml (an edition may override it), checked."""
    raw = config.raw.get("calendar", {})
    origins = getattr(config, "origins", None) or {}

    def source(key: str) -> str:
        return str(origins.get(("calendar", key), "data/config.toml"))

    problems = []
    found = raw.get("decisions_from", "edition")
    if found not in FROM_CHOICES:
        problems.append(Problem(f"{source('decisions_from')}, [calendar] decisions_from", None, None, repr(found),
                                f"expected one of: {', '.join(FROM_CHOICES)}"))
    ahead = raw.get("years_ahead", 0)
    if isinstance(ahead, bool) or not isinstance(ahead, int) or not 0 <= ahead <= 50:
        problems.append(Problem(f"{source('years_ahead')}, [calendar] years_ahead", None, None, repr(ahead),
                                "expected a whole number of years from 0 (no limit) to 50"))
    if problems:
        raise InputError(problems)
    return CalendarSettings(found, ahead)


def calendar_decisions(decisions: tuple[Decision, ...], edition: Edition,
                       settings: CalendarSettings) -> tuple[Decision, ...]:
    """The decisions the calendar holds: due within the settings' window."""
    first, last = settings.first_day(edition), settings.last_day(edition)
    return tuple(d for d in decisions if (first is None or d.due >= first) and (last is None or d.due <= last))


# --- RFC 5545 text ------------------------------------------------------------------------------

def escape_text(value: str) -> str:
    r"""TEXT escaping (RFC 5545 3.3.11), in icalendar's order: \N, backslash, ';', ',', line breaks."""
    if "\\" in value:  # \N is a line break to icalendar: normalised before backslashes are escaped
        value = value.replace(r"\N", "\n").replace("\\", "\\\\")
    if ";" in value:
        value = value.replace(";", r"\;")
    if "," in value:
        value = value.replace(",", r"\,")
    if "\r" in value or "\n" in value:
        value = value.replace("\r\n", r"\n").replace("\n", r"\n").replace("\r", r"\n")
    return value


_LIMIT = 74  # octets of content per physical line: 75 with the fold's leading space, as icalendar folds


def fold(line: str) -> str:
    """Fold a content line as icalendar does: at most 74 octets of content per physical line, joined by
    CRLF and a space, never splitting a UTF-8 character and never leaving a backslash or caret (the
    start of an escape) at the end of a line."""
    return _fold(line.encode("utf-8")).decode("utf-8")


_ESCAPE_STARTS = b"\\^"


def _fold(data: bytes) -> bytes:
    if len(data) <= _LIMIT:
        return data
    parts, pos, n = [], 0, len(data)
    while n - pos > _LIMIT:
        end = pos + _LIMIT
        while data[end] & 0xC0 == 0x80:  # a continuation byte: cut before the character it belongs to
            end -= 1
        if data[end - 1] in _ESCAPE_STARTS:
            end -= 1
        parts.append(data[pos:end])
        pos = end
    parts.append(data[pos:])
    return b"\r\n ".join(parts)


def _line(text: str) -> bytes:
    return _fold(text.encode("utf-8"))


def _events(d: Decision):
    line = d.line
    who = f"{line.project} ({line.id})"
    if d.kind == "exit":
        yield "exit", d.due, f"Exit: give notice, {who}"
        return
    yield "start", d.start, f"Start work: {d.label.lower()}, {who}"
    yield "due", d.due, f"Decision due: {d.label.lower()}, {who}"


def _event_lines(d: Decision, edition: Edition, stamp: bytes) -> list[bytes]:
    """One decision's VEVENTs, properties in icalendar's order (its canonical order, then by name)."""
    line = d.line
    # The same for both of a decision's events: escaped and folded once.
    description = _line("DESCRIPTION:" + escape_text(
        f"{line.id}, {line.provider}, category {d.item.category}. {d.note[:1].upper()}{d.note[1:]}. "
        f"Work starts {d.start.isoformat()}; decide by {d.due.isoformat()}."))
    categories = _line(f"CATEGORIES:{escape_text(d.label)},{escape_text(f'Commissioning category {d.item.category}')}")
    out = []
    for what, day, summary in _events(d):
        uid = f"{line.id}-{d.kind}-{d.on.isoformat()}-{what}-{edition.label}@commissioning-framework"
        out += [
            b"BEGIN:VEVENT",
            _line(f"SUMMARY:{escape_text(summary)}"),
            b"DTSTART;VALUE=DATE:" + _ymd(day),
            b"DTEND;VALUE=DATE:" + _ymd(day + _DAY),
            stamp,
            _line(f"UID:{escape_text(uid)}"),
            categories,
            description,
            b"TRANSP:TRANSPARENT",
            b"END:VEVENT",
        ]
    return out


_DAY = timedelta(days=1)


def _ymd(day: date) -> bytes:
    """20240401: RFC 5545's DATE (isoformat is far quicker than strftime, and years are 1900-2200)."""
    return day.isoformat().replace("-", "").encode()


def schedule_calendar(decisions: tuple[Decision, ...], edition: Edition, organisation: str) -> bytes:
    """The calendar of these decisions (already chosen by calendar_decisions), as RFC 5545 bytes."""
    # Stamped with the edition's start, not the clock, so two builds give the same file.
    stamp = f"DTSTAMP:{edition.start:%Y%m%d}T000000Z".encode()
    lines = [
        b"BEGIN:VCALENDAR",
        b"VERSION:2.0",
        _line(f"PRODID:{escape_text(f'-//{organisation}//Commissioning Framework {edition.label}//EN')}"),
        b"CALSCALE:GREGORIAN",
        _line(f"X-WR-CALNAME:{escape_text(f'Commissioning decisions {edition.label}')}"),
    ]
    for d in decisions:
        lines += _event_lines(d, edition, stamp)
    lines += [b"END:VCALENDAR", b""]
    return b"\r\n".join(lines)


def write_schedule_ics(path: Path, decisions: tuple[Decision, ...], edition: Edition, organisation: str,
                       settings: CalendarSettings = CalendarSettings()) -> None:
    path.write_bytes(schedule_calendar(calendar_decisions(decisions, edition, settings), edition, organisation))
