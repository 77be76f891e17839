"""data/<year>/calendar-published.csv: what the edition's calendar last published, one row per event.

Calendar programs match events by UID and take a higher SEQUENCE as a newer version (RFC 5546), so the
calendar needs to remember, between builds and editions, which events it has published, in which
version and with what content. That record lives here, beside the edition's register and committed
with it, so the calendar depends only on files under data/ (`invoke clean` does not reset it).

It is written only by a build that succeeded (`invoke report`), never by `invoke check` or a build that
failed, and only when it changes; `new-year` copies it into the next edition so events keep their UIDs.
A build of the same inputs (this file included) reproduces the same file: the record is a fixed point.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..problems import InputError, Problem

STATE_FILE = "calendar-published.csv"
COLUMNS = ("uid", "sequence", "status", "decision_date", "event_date", "line", "summary", "content")
STATUSES = ("published", "cancelled")


@dataclass(frozen=True)
class Published:
    """One event as the calendar last published it."""
    uid: str
    sequence: int  # RFC 5545 SEQUENCE: 0 when first published, one more at each change
    status: str  # "published", or "cancelled" (sent as STATUS:CANCELLED)
    decision_date: date  # the contractual date the decision is about: once past, the record is dropped
    event_date: date  # the event's day, kept so a cancellation names the day it cancels
    line: str  # the register line's id
    summary: str  # the event's summary as last published live
    content: str  # a digest of the event's text, dates and status: a different digest is a new version


def read_state(path: Path) -> dict[str, Published]:
    """The record, by UID; empty when the edition has none yet. A damaged file is reported, row by row."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    rows = list(csv.reader(io.StringIO(text, newline="")))
    where = str(path)
    if not rows:
        return {}
    if tuple(rows[0]) != COLUMNS:
        raise InputError([Problem(where, 1, None, ",".join(rows[0]),
                                  f"expected the header {','.join(COLUMNS)}; this file is written by "
                                  "`invoke report`: restore it from version control, or delete it to start "
                                  "the calendar's record afresh (calendars that imported it then see every "
                                  "event as new)")])
    problems: list[Problem] = []
    found: dict[str, Published] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(COLUMNS):
            problems.append(Problem(where, n, None, ",".join(row)[:80], f"expected {len(COLUMNS)} values"))
            continue
        values = dict(zip(COLUMNS, row))

        def bad(column: str, expected: str) -> None:
            problems.append(Problem(where, n, column, values[column], expected))

        sequence = values["sequence"]
        if not (sequence.isascii() and sequence.isdigit()):
            bad("sequence", "expected a whole number, 0 or more")
        if values["status"] not in STATUSES:
            bad("status", f"expected one of: {', '.join(STATUSES)}")
        days = {}
        for column in ("decision_date", "event_date"):
            try:
                days[column] = date.fromisoformat(values[column])
            except ValueError:
                bad(column, "expected a date such as 2025-03-31")
        if not values["uid"] or values["uid"] in found:
            bad("uid", "expected a UID that no other row has")
        if problems:
            continue
        found[values["uid"]] = Published(values["uid"], int(sequence), values["status"], days["decision_date"],
                                         days["event_date"], values["line"], values["summary"], values["content"])
    if problems:
        raise InputError(problems)
    return found


def state_bytes(records: list[Published]) -> bytes:
    """The record as written: sorted by UID, UTF-8, LF line ends (it is committed, so diffs stay small)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in sorted(records, key=lambda r: r.uid):
        writer.writerow([r.uid, r.sequence, r.status, r.decision_date.isoformat(), r.event_date.isoformat(),
                         r.line, r.summary, r.content])
    return buf.getvalue().encode("utf-8")


def save_state(path: Path, data: bytes) -> bool:
    """Replace the record in one step, and only when it changed (an unchanged rebuild touches nothing).
    True when the file was written."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{path.name}.writing-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True
