"""The edition's paper settings (data/<year>/paper.toml): the front sheet's details, the figures the
register does not hold, and the officer's proposals to close the funding gap.

A draft (`draft = true` at the top of the file) shows a placeholder where a front-sheet detail is
missing; a final build refuses to go without the Panel's cover-report details (REQUIRED_FINAL).
Values are kept as text (dates as written) except `date`, which may be a TOML date.

[[offsets]] records each proposal to close the gap: what kind, the register lines it concerns, and
(for repurpose/other) an amount in pounds or a share of the lines' spend. Neither means the amount is
not decided: the paper then says the remainder depends on it, and never invents one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable

from ..problems import InputError, Problem

FILE = "paper.toml"
# The front sheet's rows, in the order the Panel reads them.
FIELDS: tuple[str, ...] = ("meeting", "date", "agenda_item", "report_of", "author", "contact", "version",
                           "purpose", "recommendation")
# What a Panel clerk needs on the cover report: a final (non-draft) build refuses to go without them.
REQUIRED_FINAL: tuple[str, ...] = ("meeting", "date", "agenda_item", "report_of", "author", "contact")
OFFSET_KINDS: tuple[str, ...] = ("decommission", "repurpose", "other")
OFFSET_KEYS: tuple[str, ...] = ("kind", "lines", "amount", "share", "note")


@dataclass(frozen=True)
class Offset:
    """One proposal to close the funding gap, as the officer recorded it (validated, never inferred)."""
    kind: str  # one of OFFSET_KINDS
    lines: tuple[str, ...]  # register ids
    amount: Decimal | None = None  # pounds, for repurpose/other
    share: Decimal | None = None  # a share (0-1] of the named lines' spend, for repurpose/other
    note: str = ""
    position: int = 1  # 1-based position among the [[offsets]], for messages

    @property
    def decided(self) -> bool:
        return self.kind == "decommission" or self.amount is not None or self.share is not None

    def same(self, other: "Offset") -> bool:
        """The offset a scenario's drop_offsets entry names: the same kind and the same lines."""
        return self.kind == other.kind and set(self.lines) == set(other.lines)


@dataclass(frozen=True)
class PaperSettings:
    values: dict[str, str] = field(default_factory=dict)
    meeting_date: date | None = None
    facts: dict[str, object] = field(default_factory=dict)  # [facts]: figures the register does not hold
    offsets: tuple[Offset, ...] = ()
    draft: bool = False  # declared a draft in paper.toml
    source: str = FILE  # the file read, for messages

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    def missing_final(self) -> tuple[str, ...]:
        """The cover-report details a final build needs that are not filled in."""
        return tuple(k for k in REQUIRED_FINAL if not self.values.get(k))


def final_problems(settings: PaperSettings) -> list[Problem]:
    """Why a final build cannot go ahead: one problem per missing cover-report detail."""
    return [Problem(settings.source, None, f"front.{key}", "", "the Panel's cover report needs this detail in a "
                    "final paper; fill it in, or declare the edition a draft with draft = true at the top of "
                    "paper.toml") for key in settings.missing_final()]


def check_offsets(settings: PaperSettings, ids: Iterable[str]) -> list[Problem]:
    """Offsets must name lines of the register (checked once the register is read)."""
    known = set(ids)
    return [Problem(settings.source, None, f"offsets[{o.position}].lines", line,
                    "no line of the register has this id; use the id column of the register, e.g. \"PR-014\"")
            for o in settings.offsets for line in o.lines if line not in known]


def without_unknown_lines(settings: PaperSettings, ids: Iterable[str]) -> PaperSettings:
    """For a draft built from another register (--register): the offsets whose lines are all in it."""
    from dataclasses import replace

    known = set(ids)
    return replace(settings, offsets=tuple(o for o in settings.offsets if all(l in known for l in o.lines)))


def _read_offsets(raw: object, path: str, problems: list[Problem]) -> tuple[Offset, ...]:
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        problems.append(Problem(path, None, "offsets", str(raw)[:60], "expected [[offsets]] tables"))
        return ()
    out = []
    for n, table in enumerate(raw, start=1):
        where = f"offsets[{n}]"
        bad = len(problems)
        for key in table:
            if key not in OFFSET_KEYS:
                problems.append(Problem(path, None, f"{where}.{key}", str(table[key])[:60],
                                        f"unknown key; expected one of: {', '.join(OFFSET_KEYS)}"))
        kind = table.get("kind")
        if kind not in OFFSET_KINDS:
            problems.append(Problem(path, None, f"{where}.kind", str(kind or "")[:60],
                                    f"expected one of: {', '.join(OFFSET_KINDS)}"))
        lines = table.get("lines")
        if not isinstance(lines, list) or not lines or not all(isinstance(x, str) and x.strip() for x in lines):
            problems.append(Problem(path, None, f"{where}.lines", str(lines or "")[:60],
                                    'expected a list of register ids in quotes, e.g. lines = ["PR-014"]'))
            lines = []
        amount = share = None
        for key in ("amount", "share"):
            value = table.get(key)
            if value is None:
                continue
            try:
                number = Decimal(str(value)) if not isinstance(value, bool) and isinstance(value, (int, float)) else None
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite() or number <= 0 or (key == "share" and number > 1):
                expected = ("a sum in pounds above 0, written without £ or commas, e.g. 100000" if key == "amount"
                            else "a share of the named lines' spend above 0 and at most 1, e.g. 0.25")
                problems.append(Problem(path, None, f"{where}.{key}", str(value)[:60], f"expected {expected}"))
            elif key == "amount":
                amount = number
            else:
                share = number
        if table.get("amount") is not None and table.get("share") is not None:
            problems.append(Problem(path, None, f"{where}.share", str(table["share"]),
                                    "give an amount or a share, not both"))
        if kind == "decommission" and (table.get("amount") is not None or table.get("share") is not None):
            problems.append(Problem(path, None, f"{where}.{'amount' if 'amount' in table else 'share'}",
                                    str(table.get("amount", table.get("share"))),
                                    "a decommissioning frees the named lines' whole spend; leave out amount and share"))
        note = table.get("note", "")
        if not isinstance(note, str):
            problems.append(Problem(path, None, f"{where}.note", str(note)[:60], "expected text in quotes"))
            note = ""
        if len(problems) == bad:
            out.append(Offset(str(kind), tuple(x.strip() for x in lines), amount, share, note.strip(), n))
    return tuple(out)


def read_paper_settings(folder: Path) -> PaperSettings:
    path = folder / FILE
    if not path.exists():
        # No paper.toml at all (a synthetic or half-set-up edition): a draft, so it can never pass for
        # the Panel's final paper; its front sheet shows placeholders for every detail.
        return PaperSettings(source=str(path), draft=True)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), None, None, "", f"the front-sheet settings are not valid TOML saved "
                                  f"as UTF-8 ({exc}); see the README for an example")]) from None
    front = raw.get("front", {})
    problems = []
    if not isinstance(front, dict):
        raise InputError([Problem(str(path), None, "front", str(front), "expected a [front] table")])
    values: dict[str, str] = {}
    meeting_date = None
    for key, value in front.items():
        if key not in FIELDS:
            problems.append(Problem(str(path), None, f"front.{key}", str(value)[:60],
                                    f"unknown front-sheet field; expected one of: {', '.join(FIELDS)}"))
        elif key == "date" and isinstance(value, date):
            meeting_date = value
            values[key] = value.isoformat()
        elif key == "date" and isinstance(value, str) and value.strip():
            try:
                meeting_date = date.fromisoformat(value.strip())
            except ValueError:
                problems.append(Problem(str(path), None, "front.date", value, "expected a date written 2024-07-10"))
            values[key] = value.strip()
        elif not isinstance(value, str):
            problems.append(Problem(str(path), None, f"front.{key}", str(value)[:60], "expected text in quotes"))
        else:
            values[key] = value.strip()
    facts = raw.get("facts", {})
    if not isinstance(facts, dict):
        problems.append(Problem(str(path), None, "facts", str(facts)[:60], "expected a [facts] table"))
        facts = {}
    for key, value in facts.items():
        if not isinstance(value, (int, float, str, date)) or isinstance(value, bool):
            problems.append(Problem(str(path), None, f"facts.{key}", str(value)[:60],
                                    "expected a number, a date or text"))
    offsets = _read_offsets(raw.get("offsets", []), str(path), problems)
    draft = raw.get("draft", False)
    if not isinstance(draft, bool):
        problems.append(Problem(str(path), None, "draft", str(draft)[:60], "expected true or false, without quotes"))
        draft = False
    unknown = [k for k in raw if k not in ("front", "facts", "offsets", "draft")]
    for key in unknown:
        problems.append(Problem(str(path), None, key, "", "unknown table; expected draft, [front], [facts] and [[offsets]]"))
    if problems:
        raise InputError(problems)
    return PaperSettings(values, meeting_date, dict(facts), offsets, draft, str(path))
