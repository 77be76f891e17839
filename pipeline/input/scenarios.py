"""Funding scenarios (data/<year>/scenarios.toml) and the officer's offsets (data/<year>/paper.toml), read
and checked against the edition's own register.

A scenario is a named list of changes applied to the register as it stands (the base case):

  funder-ends    funder, on             every line the funder pays for ends on `on` (its last funded day)
  funder-cut     funder, from, percent | amount
                                        the funder's lines that run on `from` get less from that day; an
                                        amount (pounds a year) is shared across them by spend
  funder-renews  funder, percent        the funder's lines that end within the three years carry on after
                                        their end at `percent` of this year's spend (100 if left out)
  line-ends      lines, on              the lines end on `on`
  decommission   lines, on (optional)   the office ends the lines: on `on`, or at their end date
  extend         lines, years (optional) an extension option is taken: by `years` (the first option if
                                        left out; options are taken in turn, so years adds up options)
  repurpose      lines, to, from, share | amount
                                        a share or amount (pounds a year) of the fund `lines` goes to the
                                        lines `to` from `from`; it counts as an offset against the gap

and may add offsets ([[scenarios.offsets]]) or drop the base case's ([[scenarios.drop_offsets]]), with
the keys of paper.toml's [[offsets]]. Every problem is reported at once, naming the file, the scenario
and the key; nothing is guessed.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..problems import InputError, Problem
from .load import parse_date
from .paper_settings import Offset, check_offsets, read_paper_settings
from .register import Register

FILE = "scenarios.toml"
PAPER_FILE = "paper.toml"
CHANGE_KINDS: tuple[str, ...] = ("funder-ends", "funder-cut", "funder-renews", "line-ends", "decommission",
                                 "extend", "repurpose")
OFFSET_KINDS: tuple[str, ...] = ("decommission", "repurpose", "other")
# The keys each kind of change takes: (required, optional). "from" is a TOML key; Change calls it `start`.
_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "funder-ends": (("funder", "on"), ()),
    "funder-cut": (("funder", "from"), ("percent", "amount")),
    "funder-renews": (("funder",), ("percent",)),
    "line-ends": (("lines", "on"), ()),
    "decommission": (("lines",), ("on",)),
    "extend": (("lines",), ("years",)),
    "repurpose": (("lines", "to", "from"), ("share", "amount")),
}
_SCENARIO_KEYS = ("name", "note", "illustration", "changes", "offsets", "drop_offsets")
_OFFSET_KEYS = ("kind", "lines", "amount", "share", "note")
MAX_SCENARIOS = 20  # a paper page holds two or three; twenty is already far more than any Panel reads
MAX_CHANGES = 200


@dataclass(frozen=True)
class Change:
    kind: str  # one of CHANGE_KINDS
    funder: str = ""  # as the register spells it
    lines: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    on: date | None = None
    start: date | None = None  # the TOML key "from"
    percent: Decimal | None = None
    amount: Decimal | None = None
    share: Decimal | None = None
    years: int | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    changes: tuple[Change, ...]
    add_offsets: tuple[Offset, ...] = ()
    drop_offsets: tuple[Offset, ...] = ()
    note: str = ""  # one sentence the paper prints under the scenario's heading
    illustration: bool = False  # built on a figure that could not be confirmed: the paper says so


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError([Problem(str(path), None, None, "", "this file is not saved as UTF-8 text; save it "
                                  "again with the UTF-8 encoding")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(str(path), None, None, "", f"this file is not valid TOML ({exc}); "
                                  "see the README's Funding scenarios section for an example")]) from None


class _Reader:
    """Reads values out of the TOML, collecting every problem with where it is."""

    def __init__(self, path: Path, register: Register):
        self.path = path
        self.problems: list[Problem] = []
        self.ids = {l.id.lower(): l.id for l in register.lines}
        self.lines = {l.id: l for l in register.lines}
        funders: dict[str, str] = {}
        for line in register.lines:
            if line.funding_source:
                funders.setdefault(line.funding_source.strip().lower(), line.funding_source.strip())
        self.funders = funders

    def bad(self, where: str, key: str | None, value: Any, expected: str) -> None:
        place = f"{self.path}, {where}" + (f", key '{key}'" if key else "")
        shown = "" if value is None else str(value)[:80]
        self.problems.append(Problem(place, None, None, shown, expected))

    def text(self, table: dict, key: str, where: str, required: bool = False) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.bad(where, key, None, f"this key is missing; expected {key} = \"...\"")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.bad(where, key, value, "expected text in quotes")
            return ""
        return value.strip()

    def day(self, table: dict, key: str, where: str) -> date | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return parse_date(value)
            except ValueError as exc:
                self.bad(where, key, value, str(exc))
                return None
        self.bad(where, key, value, "expected a date written 2025-03-31 (no quotes needed)")
        return None

    def number(self, table: dict, key: str, where: str, low: Decimal, high: Decimal | None, what: str,
               low_open: bool = True) -> Decimal | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.bad(where, key, value, f"expected {what}")
            return None
        try:
            number = Decimal(str(value).replace(",", "").replace("£", "").replace("%", "").strip())
        except InvalidOperation:
            self.bad(where, key, value, f"expected {what}")
            return None
        if not number.is_finite() or (number <= low if low_open else number < low) or (high is not None and number > high):
            self.bad(where, key, value, f"expected {what}")
            return None
        return number

    def ids_list(self, table: dict, key: str, where: str, required: bool) -> tuple[str, ...]:
        value = table.get(key)
        if value is None:
            if required:
                self.bad(where, key, None, f'this key is missing; expected the register ids, e.g. {key} = ["PR-014"]')
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.bad(where, key, value, f'expected a list of register ids, e.g. {key} = ["PR-014", "CS-010"]')
            return ()
        found = []
        for v in value:
            ident = self.ids.get(v.strip().lower())
            if ident is None:
                near = difflib.get_close_matches(v.strip().upper(), list(self.lines), n=1, cutoff=0.6)
                hint = f'; did you mean "{near[0]}"?' if near else ""
                self.bad(where, key, v, f"no line of the register has this id{hint}")
            elif ident not in found:
                found.append(ident)
        return tuple(found)

    def funder(self, table: dict, where: str) -> str:
        name = self.text(table, "funder", where, required=True)
        if not name:
            return ""
        known = self.funders.get(name.lower())
        if known is None:
            options = sorted(self.funders.values())
            near = difflib.get_close_matches(name.lower(), list(self.funders), n=1, cutoff=0.6)
            hint = f'; did you mean "{self.funders[near[0]]}"?' if near else ""
            self.bad(where, "funder", name, f"no line of the register has this funding_source{hint}; "
                                            f"the register's funding sources: {', '.join(options) or 'none'}")
            return ""
        return known

    def unknown_keys(self, table: dict, known: tuple[str, ...], where: str) -> None:
        for key in table:
            if key not in known:
                near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f'did you mean "{near[0]}"? ' if near else ""
                self.bad(where, key, None, f"unknown key; {hint}expected: {', '.join(known)}")

    def offset(self, table: Any, where: str, drop: bool = False) -> Offset | None:
        if not isinstance(table, dict):
            self.bad(where, None, table, "expected a table with kind and lines")
            return None
        self.unknown_keys(table, ("kind", "lines") if drop else _OFFSET_KEYS, where)
        kind = self.text(table, "kind", where, required=True)
        if kind and kind not in OFFSET_KINDS:
            self.bad(where, "kind", kind, f"expected one of: {', '.join(OFFSET_KINDS)}")
            kind = ""
        lines = self.ids_list(table, "lines", where, required=True)
        amount = self.number(table, "amount", where, Decimal(0), None, "an amount in pounds a year above 0, e.g. 100000")
        share = self.number(table, "share", where, Decimal(0), Decimal(1),
                            "a share of the named lines' spend above 0 and at most 1, e.g. 0.25")
        if amount is not None and share is not None:
            self.bad(where, "share", table.get("share"), "give an amount or a share, not both")
        if kind == "decommission" and (amount is not None or share is not None):
            self.bad(where, "kind", kind, "a decommissioned line frees its whole spend: leave out amount and share")
        note = self.text(table, "note", where)
        if not kind or not lines:
            return None
        return Offset(kind, lines, amount, share, note)


def read_offsets(folder: Path, register: Register) -> tuple[Offset, ...]:
    """The base case's offsets: paper.toml's [[offsets]], read and checked as the decision paper reads
    them (pipeline/input/paper_settings.py), each line checked against the register."""
    settings = read_paper_settings(folder)
    problems = check_offsets(settings, (l.id for l in register.lines))
    if problems:
        raise InputError(problems)
    return settings.offsets


def _change(r: _Reader, table: Any, where: str) -> Change | None:
    if not isinstance(table, dict):
        r.bad(where, None, table, "expected a [[scenarios.changes]] table")
        return None
    kind = r.text(table, "kind", where, required=True)
    if not kind:
        return None
    if kind not in CHANGE_KINDS:
        near = difflib.get_close_matches(kind, CHANGE_KINDS, n=1, cutoff=0.6)
        hint = f'did you mean "{near[0]}"? ' if near else ""
        r.bad(where, "kind", kind, f"{hint}expected one of: {', '.join(CHANGE_KINDS)}")
        return None
    required, optional = _KEYS[kind]
    r.unknown_keys(table, ("kind", *required, *optional), f"{where} ({kind})")
    before = len(r.problems)
    for key in required:
        if key not in table:
            r.bad(where, key, None, f"a {kind} change needs {', '.join(required)}")
    funder = r.funder(table, where) if "funder" in table else ""
    lines = r.ids_list(table, "lines", where, required=False) if "lines" in table else ()
    to = r.ids_list(table, "to", where, required=False) if "to" in table else ()
    on, start = r.day(table, "on", where), r.day(table, "from", where)
    percent = r.number(table, "percent", where, Decimal(0), Decimal(100),
                       "a percentage above 0 and at most 100, e.g. 4.2" if kind == "funder-cut"
                       else "a percentage of this year's spend above 0 and at most 100, e.g. 90")
    amount = r.number(table, "amount", where, Decimal(0), None, "an amount in pounds a year above 0, e.g. 50000")
    share = r.number(table, "share", where, Decimal(0), Decimal(1), "a share of the fund above 0 and at most 1, e.g. 0.25")
    years = None
    if "years" in table:
        value = table["years"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 20:
            r.bad(where, "years", value, "expected whole years, such as 1 or 2")
        else:
            years = value
    if kind in ("funder-cut", "repurpose"):
        given = [k for k in (("percent", "amount") if kind == "funder-cut" else ("share", "amount")) if k in table]
        if len(given) != 1:
            what = "percent or amount" if kind == "funder-cut" else "share or amount"
            r.bad(where, given[-1] if given else None, None, f"a {kind} change needs exactly one of {what}")
    if kind == "decommission" and on is None:
        undated = [i for i in lines if r.lines[i].end_date is None]
        if undated:
            r.bad(where, "on", None, f"{', '.join(undated)} {'has' if len(undated) == 1 else 'have'} no end date in "
                                     "the register: give the date the service ends, e.g. on = 2025-03-31")
    if kind == "extend":
        for ident in lines:
            options = r.lines[ident].extension_options
            if not options or r.lines[ident].end_date is None:
                r.bad(where, "lines", ident, "this line has no extension option (or no end date) in the register "
                                             "to take")
            elif years is not None:
                totals = [sum(options[:k]) for k in range(1, len(options) + 1)]
                if years not in totals:
                    r.bad(where, "years", years, f"{ident}'s options ({r.lines[ident].extension_text}) are taken in "
                                                 f"turn, so it can be extended by {' or '.join(map(str, totals))} years")
    if kind == "repurpose" and set(lines) & set(to):
        r.bad(where, "to", ", ".join(sorted(set(lines) & set(to))), "a fund cannot be repurposed to itself")
    if len(r.problems) > before:
        return None
    return Change(kind, funder, lines, to, on, start, percent, amount, share, years)


def read_scenarios(folder: Path, register: Register) -> tuple[Scenario, ...]:
    """The edition's scenarios (none when it has no scenarios.toml). Raises InputError with every problem."""
    path = folder / FILE
    if not path.exists():
        return ()
    raw = _toml(path)
    r = _Reader(path, register)
    for key in raw:
        if key != "scenarios":
            r.bad("top level", key, None, "unknown table; a scenarios file holds [[scenarios]] tables only")
    tables = raw.get("scenarios", [])
    if not isinstance(tables, list):
        raise InputError([Problem(str(path), None, None, "", "scenarios must be written as [[scenarios]] tables")])
    if len(tables) > MAX_SCENARIOS:
        r.bad("top level", "scenarios", len(tables), f"expected at most {MAX_SCENARIOS} scenarios")
        tables = tables[:MAX_SCENARIOS]
    found: list[Scenario] = []
    names: set[str] = set()
    for n, table in enumerate(tables, 1):
        where = f"scenario {n}"
        if not isinstance(table, dict):
            r.bad(where, None, table, "expected a [[scenarios]] table")
            continue
        name = r.text(table, "name", where, required=True)
        if name:
            where = f'scenario {n} "{name[:60]}"'
            if name.lower() in names:
                r.bad(where, "name", name, "another scenario already has this name; give each its own")
            names.add(name.lower())
        r.unknown_keys(table, _SCENARIO_KEYS, where)
        illustration = table.get("illustration", False)
        if not isinstance(illustration, bool):
            r.bad(where, "illustration", illustration, "expected true or false")
            illustration = False
        changes_raw = table.get("changes", [])
        if not isinstance(changes_raw, list):
            r.bad(where, "changes", None, "expected [[scenarios.changes]] tables")
            changes_raw = []
        if len(changes_raw) > MAX_CHANGES:
            r.bad(where, "changes", len(changes_raw), f"expected at most {MAX_CHANGES} changes")
            changes_raw = changes_raw[:MAX_CHANGES]
        changes = [_change(r, c, f"{where}, change {k}") for k, c in enumerate(changes_raw, 1)]
        adds = [r.offset(o, f"{where}, offset {k}") for k, o in enumerate(_list(r, table, "offsets", where), 1)]
        drops = [r.offset(o, f"{where}, drop_offsets {k}", drop=True)
                 for k, o in enumerate(_list(r, table, "drop_offsets", where), 1)]
        if not changes_raw and not adds and not drops:
            r.bad(where, "changes", None, "this scenario changes nothing; add [[scenarios.changes]] or offsets")
        found.append(Scenario(name, tuple(c for c in changes if c), tuple(o for o in adds if o),
                              tuple(o for o in drops if o), r.text(table, "note", where), illustration))
    if r.problems:
        raise InputError(r.problems)
    return tuple(found)


def _list(r: _Reader, table: dict, key: str, where: str) -> list:
    value = table.get(key, [])
    if not isinstance(value, list):
        r.bad(where, key, None, f"expected [[scenarios.{key}]] tables")
        return []
    return value


def check_drops(scenarios: tuple[Scenario, ...], base: tuple[Offset, ...], folder: Path) -> None:
    """A scenario may drop only an offset the base case has: anything else is a mistake to name."""
    problems = []
    for n, s in enumerate(scenarios, 1):
        for k, d in enumerate(s.drop_offsets, 1):
            if not any(o.same(d) for o in base):
                problems.append(Problem(f'{folder / FILE}, scenario {n} "{s.name[:60]}", drop_offsets {k}', None, None,
                                        f"{d.kind} {', '.join(d.lines)}",
                                        f"the base case ({PAPER_FILE}) has no {d.kind} offset of exactly these lines"))
    if problems:
        raise InputError(problems)
