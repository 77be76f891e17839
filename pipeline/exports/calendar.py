"""review-schedule.ics: every decision point as calendar events for Outlook.

Each decision gives two all-day events: the day work should start and the day the decision is due
(an exit step of a decommissioned line gives one). Every event names the line's id in its summary and
description. A calendar program matches events by UID and keeps the highest SEQUENCE (RFC 5546), so:
- a UID names the line and the decision (its kind and order: CS-010-extension-2-due), never its date
  or the edition, so a moved date or next year's edition updates the same event;
- SEQUENCE rises whenever an event's content changes, judged against data/<year>/calendar-published.csv,
  the record of what was last published (pipeline/exports/calendar_state.py); DTSTAMP is the
  edition's date, never the clock, so the same inputs give the same bytes;
- a published event whose decision no longer exists is sent again as STATUS:CANCELLED.

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

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..analysis.decisions import Decision
from ..config import Config
from ..edition import Edition
from ..settings import CALENDAR_FROM, CalendarSettings  # [calendar], declared with every setting
from .calendar_state import STATE_FILE, Published, read_state, state_bytes

FROM_CHOICES = CALENDAR_FROM


def calendar_settings(config: Config) -> CalendarSettings:
    """[calendar] from data/config.toml (an edition may override it), checked with every setting."""
    return config.settings.calendar


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


def _whats(d: Decision) -> tuple[str, ...]:
    return ("exit",) if d.kind == "exit" else ("start", "due")


def decision_keys(decisions: tuple[Decision, ...]) -> dict[int, str]:
    """Each decision's lasting name, by id(): <line id>-<kind>-<n>, the n-th decision of that kind on the
    line in date order (its first extension option, its second break). Never its date or the edition, so
    a moved date or the next edition updates the same events instead of adding new ones."""
    by_kind: dict[tuple[str, str], list[Decision]] = {}
    for d in decisions:
        by_kind.setdefault((d.line.id, d.kind), []).append(d)
    keys: dict[int, str] = {}
    for (line_id, kind), found in by_kind.items():
        for n, d in enumerate(sorted(found, key=lambda d: d.on), start=1):
            keys[id(d)] = f"{line_id}-{kind}-{n}"
    return keys


def _uid(key: str, what: str) -> str:
    return f"{key}-{what}@commissioning-framework"


def _digest(parts: list[bytes]) -> str:
    return hashlib.blake2b(b"\n".join(parts), digest_size=8).hexdigest()


_TRANSP = b"TRANSP:TRANSPARENT"


def _sequence(uid: str, content: str, history: Mapping[str, Published]) -> int:
    """0 for a new event; the same number while its content is unchanged; one more when it changed."""
    was = history.get(uid)
    if was is None:
        return 0
    return was.sequence if was.content == content else was.sequence + 1


def _event_lines(d: Decision, key: str, stamp: bytes, history: Mapping[str, Published],
                 record: list[Published]) -> list[bytes]:
    """One decision's VEVENTs, properties in icalendar's order (its canonical order, then by name)."""
    line = d.line
    # The same for both of a decision's events: escaped and folded once.
    description = _line("DESCRIPTION:" + escape_text(
        f"{line.id}, {line.provider}, category {d.item.category}. {d.note[:1].upper()}{d.note[1:]}. "
        f"Work starts {d.start.isoformat()}; decide by {d.due.isoformat()}."))
    categories = _line(f"CATEGORIES:{escape_text(d.label)},{escape_text(f'Commissioning category {d.item.category}')}")
    out = []
    for what, day, summary in _events(d):
        uid = _uid(key, what)
        head = [_line(f"SUMMARY:{escape_text(summary)}"), b"DTSTART;VALUE=DATE:" + _ymd(day),
                b"DTEND;VALUE=DATE:" + _ymd(day + _DAY)]
        content = _digest([*head, categories, description, _TRANSP])
        sequence = _sequence(uid, content, history)
        record.append(Published(uid, sequence, "published", d.on, day, line.id, summary, content))
        out += [b"BEGIN:VEVENT", *head, stamp, _line(f"UID:{escape_text(uid)}"), b"SEQUENCE:%d" % sequence,
                categories, description, _TRANSP, b"END:VEVENT"]
    return out


def _cancelled_lines(was: Published, stamp: bytes, record: list[Published]) -> list[bytes]:
    """A published event whose decision no longer exists, sent again as cancelled (RFC 5545 STATUS), so a
    calendar that imported it removes or strikes it out instead of keeping a stale reminder. The summary
    says so too, for programs that show cancelled events."""
    head = [_line(f"SUMMARY:{escape_text('Cancelled: ' + was.summary)}"), b"DTSTART;VALUE=DATE:" + _ymd(was.event_date),
            b"DTEND;VALUE=DATE:" + _ymd(was.event_date + _DAY)]
    description = _line("DESCRIPTION:" + escape_text(
        f"{was.line}: this decision is no longer in the schedule (the register line was removed, or changed "
        f"so that it no longer needs it), so the reminder for {was.event_date.isoformat()} is cancelled."))
    status = b"STATUS:CANCELLED"
    content = _digest([*head, description, status, _TRANSP])
    sequence = was.sequence if was.status == "cancelled" and was.content == content else was.sequence + 1
    record.append(Published(was.uid, sequence, "cancelled", was.decision_date, was.event_date, was.line,
                            was.summary, content))
    return [b"BEGIN:VEVENT", *head, stamp, _line(f"UID:{escape_text(was.uid)}"), b"SEQUENCE:%d" % sequence,
            description, status, _TRANSP, b"END:VEVENT"]


_DAY = timedelta(days=1)


def _ymd(day: date) -> bytes:
    """20240401: RFC 5545's DATE (isoformat is far quicker than strftime, and years are 1900-2200)."""
    return day.isoformat().replace("-", "").encode()


@dataclass(frozen=True)
class CalendarInputs:
    """What the calendar needs besides the decisions: its settings, the edition's record of what was
    published, the date the edition speaks as at (decisions before it have passed) and its stamp."""
    settings: CalendarSettings
    history: Mapping[str, Published]
    as_at: date
    stamp: date


def calendar_inputs(config: Config, edition: Edition, data_dir: Path) -> CalendarInputs:
    """Read and check everything the calendar depends on, before any file is written."""
    from ..analysis.dates import paper_date

    day = paper_date(edition, config)
    return CalendarInputs(calendar_settings(config), read_state(data_dir / edition.label / STATE_FILE), day, day)


def calendar_and_record(decisions: tuple[Decision, ...], edition: Edition, organisation: str,
                        inputs: CalendarInputs) -> tuple[bytes, bytes]:
    """The calendar (RFC 5545 bytes) of every decision in the settings' window, and the new record.

    Against the record of what was last published: an unchanged event keeps its SEQUENCE, a changed one
    gets the next; a published event whose decision no longer exists is sent as cancelled (one that
    merely falls outside the window now is left alone, and one whose date has passed is dropped)."""
    history = inputs.history
    keys = decision_keys(decisions)
    chosen = calendar_decisions(decisions, edition, inputs.settings)
    # Stamped with the edition's date, not the clock, so two builds give the same file.
    stamp = f"DTSTAMP:{inputs.stamp:%Y%m%d}T000000Z".encode()
    record: list[Published] = []
    lines = _head(edition, organisation)
    for d in chosen:
        lines += _event_lines(d, keys[id(d)], stamp, history, record)
    if history:
        live = {r.uid for r in record}
        exists = {_uid(keys[id(d)], what) for d in decisions for what in _whats(d)}
        for uid in sorted(history):
            was = history[uid]
            if uid in live:
                continue
            if uid in exists:
                record.append(was)  # outside the window for now: neither published nor cancelled
            elif was.decision_date >= inputs.as_at:
                lines += _cancelled_lines(was, stamp, record)
            # else: its date has passed, so it is simply not carried further
    lines += [b"END:VCALENDAR", b""]
    return b"\r\n".join(lines), state_bytes(record)


def _head(edition: Edition, organisation: str) -> list[bytes]:
    return [
        b"BEGIN:VCALENDAR",
        b"VERSION:2.0",
        _line(f"PRODID:{escape_text(f'-//{organisation}//Commissioning Framework {edition.label}//EN')}"),
        b"CALSCALE:GREGORIAN",
        b"METHOD:PUBLISH",
        _line(f"X-WR-CALNAME:{escape_text(f'Commissioning decisions {edition.label}')}"),
    ]


def schedule_calendar(decisions: tuple[Decision, ...], edition: Edition, organisation: str,
                      history: Mapping[str, Published] | None = None) -> bytes:
    """The calendar of exactly these decisions (no window), against `history` (none: all new)."""
    inputs = CalendarInputs(CalendarSettings("all", 0), history or {}, edition.start, edition.start)
    return calendar_and_record(decisions, edition, organisation, inputs)[0]


def write_schedule_ics(path: Path, decisions: tuple[Decision, ...], edition: Edition, organisation: str,
                       inputs: CalendarInputs | CalendarSettings = CalendarSettings(),
                       record_path: Path | None = None) -> None:
    """The calendar; with `record_path`, beside it the record the build saves under data/<year>/ once it
    has succeeded. Given settings alone, there is no history: every event is new."""
    if isinstance(inputs, CalendarSettings):
        inputs = CalendarInputs(inputs, {}, edition.start, edition.start)
    ics, record = calendar_and_record(decisions, edition, organisation, inputs)
    path.write_bytes(ics)
    if record_path is not None:
        record_path.write_bytes(record)
