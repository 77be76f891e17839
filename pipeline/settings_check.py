"""The checks every setting passes: the file, [table] and key of each problem, the value found and
what was expected, all collected so the officer fixes them in one pass (pipeline/settings.py declares
which check each key gets)."""

from __future__ import annotations

import difflib
import re
import string
from pathlib import Path
from typing import Any

from .problems import InputError, Problem

# Placeholders the document title and subject may use.
TITLE_FIELDS = ("short_name", "name", "area", "year")

MISSING = object()


class Checker:
    """Collects every problem in the settings, naming the file, [table] and key of each."""

    def __init__(self, raw: dict[str, Any], origins: dict[tuple[str, ...], Path], default_file: Path):
        self.raw, self.origins, self.default = raw, origins, default_file
        self.problems: list[Problem] = []

    def file(self, path: tuple[str, ...]) -> str:
        for n in range(len(path), 0, -1):
            if path[:n] in self.origins:
                return str(self.origins[path[:n]])
        return str(self.default)

    def bad(self, path: tuple[str, ...], value: Any, expected: str, label: str | None = None,
            shown: str | None = None) -> None:
        """`shown`: the value as the message shows it, when not as TOML writes it."""
        table, key = ".".join(path[:-1]), path[-1]
        where = label or (f"[{table}] {key}" if table else f"[{key}]")
        if shown is None:
            shown = "" if value is MISSING else _toml(value)
        self.problems.append(Problem(f"{self.file(path)}, {where}", None, None, shown, expected))

    def table(self, name: str, required: bool = True, expected: str | None = None) -> dict[str, Any] | None:
        value = self.raw.get(name, MISSING)
        if value is MISSING:
            if required:
                self.bad((name,), MISSING, f"this table is missing; add a [{name}] table "
                                            "(copy it from the project's data/config.toml)")
            return None
        if not isinstance(value, dict):
            self.bad((name,), value, expected or f"expected a table, written [{name}] on a line of its own "
                                                 "followed by its settings")
            return None
        return value

    def get(self, table: dict[str, Any], path: tuple[str, ...], required: bool) -> Any:
        value = table.get(path[-1], MISSING)
        if value is MISSING and required:
            self.bad(path, MISSING, "this setting is missing; add it (see the project's data/config.toml for an example)")
        return value

    def text(self, table: dict[str, Any], path: tuple[str, ...], required: bool = True,
             empty: bool = False) -> str | None:
        value = self.get(table, path, required)
        if value is MISSING:
            return None
        if not isinstance(value, str):
            self.bad(path, value, 'expected text in double quotes, e.g. "..."')
            return None
        if not empty and not value.strip():
            self.bad(path, value, "this setting is blank; expected some text")
            return None
        return value

    def whole(self, table: dict[str, Any], path: tuple[str, ...], low: int, high: int, unit: str,
              required: bool = True) -> int | None:
        value = self.get(table, path, required)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.bad(path, value, f"expected a whole number of {unit} written without quotes, e.g. {path[-1]} = {low if low > 0 else high // 10 or 1}")
            return None
        if not low <= value <= high:
            self.bad(path, value, f"expected a whole number of {unit} from {low:,} to {high:,}")
            return None
        return value

    def number(self, table: dict[str, Any], path: tuple[str, ...], low: float, high: float, unit: str,
               required: bool = True) -> float | None:
        value = self.get(table, path, required)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            self.bad(path, value, f"expected a number of {unit} written without quotes or symbols, e.g. {path[-1]} = {high / 10:g}")
            return None
        if not low <= value <= high:
            self.bad(path, value, f"expected a number of {unit} from {low:,g} to {high:,g}")
            return None
        return value

    def text_list(self, table: dict[str, Any], path: tuple[str, ...], required: bool = True,
                  empty: bool = False) -> tuple[str, ...] | None:
        value = self.get(table, path, required)
        if value is MISSING:
            return None
        example = f'{path[-1]} = ["first", "second"]'
        if isinstance(value, str):
            # A common slip: sections = "commissioning" instead of a list, which would read letter by letter.
            self.bad(path, value, f'expected a list in square brackets, e.g. {path[-1]} = ["{value}"]')
            return None
        if not isinstance(value, list):
            self.bad(path, value, f"expected a list of texts in square brackets, e.g. {example}")
            return None
        if not value and not empty:
            self.bad(path, value, "this list is empty; expected at least one entry")
            return None
        wrong = [v for v in value if not isinstance(v, str) or not v.strip()]
        if wrong:
            self.bad(path, wrong[0], f"every entry must be non-blank text in double quotes, e.g. {example}")
            return None
        folded = [v.strip().lower() for v in value]
        twice = sorted({v for v in value if folded.count(v.strip().lower()) > 1})
        if twice:
            self.bad(path, twice[0], "this entry is listed twice (matching ignores case); keep one")
            return None
        return tuple(value)

    def members(self, table: dict[str, Any], path: tuple[str, ...], known: tuple[str, ...] | None,
                what: str) -> tuple[str, ...] | None:
        """An optional list whose entries must come from a vocabulary (sections, terms)."""
        found = self.text_list(table, path, required=False, empty=True)
        for entry in found or ():
            if known is not None and entry not in known:
                self.bad(path, entry, f"this is not one of the {what} ({', '.join(known)}){_suggest(entry, known)}")
        return found

    def bands(self, table: dict[str, Any], path: tuple[str, ...], floor_key: str, floor_what: str,
              months: tuple[tuple[str, int, int], ...]) -> None:
        """An array of tables such as [[schedule.bands]]: each with a floor in pounds and month counts."""
        bands = table.get(path[-1], MISSING)
        name = ".".join(path)
        keys = ", ".join((floor_key, *(k for k, _, _ in months)))
        if bands is MISSING:
            self.bad(path, MISSING, f"the bands are missing; add at least one [[{name}]] with {keys}")
            return
        if not isinstance(bands, list) or not bands or not all(isinstance(b, dict) for b in bands):
            self.bad(path, bands, f"expected one or more [[{name}]] tables, each with {keys}")
            return
        floors = []
        for n, band in enumerate(bands, 1):
            label = f"[[{name}]] band {n},"
            for key, low, high in months:
                value = band.get(key, MISSING)
                if value is MISSING:
                    self.bad((*path, key), MISSING, "this setting is missing from the band", f"{label} {key}")
                elif isinstance(value, bool) or not isinstance(value, int):
                    self.bad((*path, key), value, "expected a whole number of months written without quotes",
                             f"{label} {key}")
                elif not low <= value <= high:
                    self.bad((*path, key), value, f"expected a whole number of months from {low} to {high}", f"{label} {key}")
            floor = band.get(floor_key, MISSING)
            if floor is MISSING:
                self.bad((*path, floor_key), MISSING, "this setting is missing from the band", f"{label} {floor_key}")
            elif isinstance(floor, bool) or not isinstance(floor, (int, float)) or floor != floor:
                self.bad((*path, floor_key), floor, f"expected the {floor_what} in pounds written as a plain number, "
                                                    f"e.g. {floor_key} = 250000 (no £, commas or k)", f"{label} {floor_key}")
            elif not 0 <= floor <= 1e12:
                self.bad((*path, floor_key), floor, "expected an amount in pounds from 0 upwards", f"{label} {floor_key}")
            else:
                floors.append(floor)
        if len(floors) == len(bands):
            if len(set(floors)) != len(floors):
                self.bad(path, sorted(floors), f"two bands have the same {floor_key}; each band needs its own")
            if min(floors) != 0:
                self.bad(path, sorted(floors), f"no band starts at {floor_key} = 0, so smaller lines have no band; "
                                               f"add a band with {floor_key} = 0")

    def day(self, table: dict[str, Any], path: tuple[str, ...], within: tuple[Any, Any] | None = None) -> Any:
        """An optional date: a TOML date (2025-03-31, no quotes), an ISO date in quotes, or blank; never a
        time of day (the paper speaks as at a day), and within `within` (first, last) when given."""
        from datetime import date, datetime

        value = table.get(path[-1], MISSING)
        if value is MISSING or value == "":
            return None
        if isinstance(value, datetime) or (isinstance(value, str) and re.match(r"\d{4}-\d\d-\d\d[Tt ]|.*:", value.strip())):
            self.bad(path, value, "expected a day without a time of day, written 2025-03-31 (year-month-day)")
            return None
        day = value if isinstance(value, date) else None
        if isinstance(value, str):
            try:
                day = date.fromisoformat(value.strip())
            except ValueError:
                day = None
        if day is None:
            self.bad(path, value, 'expected a date written 2025-03-31 (year-month-day), or "" for none')
        elif within is not None and not within[0] <= day <= within[1]:
            self.bad(path, value, f"expected a date from {within[0]:%d/%m/%Y} to {within[1]:%d/%m/%Y} (the year "
                                  "before this edition or the edition's own year); check the year")
        return day

    def texts_by_key(self, table: dict[str, Any], path: tuple[str, ...],
                     keys: tuple[str, ...] | None) -> dict[str, str] | None:
        """A table of titles such as [vocabulary.term_titles]: text values, keys from a vocabulary."""
        value = table.get(path[-1], MISSING)
        if value is MISSING:
            return None
        if not isinstance(value, dict):
            self.bad(path, value, f"expected a table, written [{'.'.join(path)}] followed by key = \"text\" lines")
            return None
        for key, title in value.items():
            if keys is not None and key not in keys:
                self.bad((*path, key), title, f"{key!r} is not in the vocabulary ({', '.join(keys)})"
                                              f"{_suggest(key, keys)}; the title would never be used")
            elif not isinstance(title, str) or not title.strip():
                self.bad((*path, key), title, 'expected non-blank text in double quotes')
        return value

    def template(self, table: dict[str, Any], path: tuple[str, ...]) -> str | None:
        value = self.text(table, path)
        if value is None:
            return None
        try:
            fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(value) if f is not None]
        except ValueError:
            self.bad(path, value, "a { or } is not paired; write a placeholder as {year}, "
                                  "or double a brace ({{ or }}) to print it")
            return
        allowed = ", ".join("{" + f + "}" for f in TITLE_FIELDS)
        # A format specification ({name:>300000000}, {year:d}) or conversion ({name!r}) could make text of
        # any size or fail on a text value: a placeholder is only ever its plain value.
        shaped = [f"{{{f}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}" for f, spec, conv in fields
                  if spec or conv]
        if shaped:
            self.bad(path, value, f"the placeholder {shaped[0]} has a format after its name; write it plainly as "
                                  f"{{{fields[0][0]}}} (the placeholders are {allowed})")
            return
        for name in (f for f, _, _ in fields):
            if name not in TITLE_FIELDS:
                close = difflib.get_close_matches(name, TITLE_FIELDS, n=1, cutoff=0.5)
                hint = f" (did you mean {{{close[0]}}}?)" if close else ""
                self.bad(path, value, f"the placeholder {{{name}}} is unknown{hint}; the placeholders are {allowed}")
        return value

    def typos(self, table: dict[str, Any], path: tuple[str, ...], known: tuple[str, ...]) -> None:
        """A key that is a near miss of a known one is a typo whose setting would be silently ignored."""
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
                if close:
                    what = "setting" if path else "table"
                    self.bad((*path, key), MISSING, f'this {what} is not used; did you mean "{close[0]}"?')


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(repr(v) if isinstance(v, str) else _toml(v) for v in value) + "]"
    return str(value)


def _suggest(value: str, options: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value.lower(), [o.lower() for o in options], n=1, cutoff=0.6)
    if not close:
        return ""
    original = next(o for o in options if o.lower() == close[0])
    return f'; did you mean "{original}"?'


# Characters that are invalid in HTML and Word's XML, break a calendar line, or hide text: a vertical tab
# pasted into a label, a zero-width space, a right-to-left override. Line breaks and tabs are layout.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                      r"\u2066-\u2069\ufeff\ufffe\uffff]")


def control_characters(c: Checker, value: Any, path: tuple[str, ...]) -> None:
    """Every text setting, in any table or list, free of control and invisible characters."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(key, str) and _CONTROL.search(key):
                c.bad((*path, key), MISSING, f"the name {key!r} holds a control or invisible character "
                                              f"(U+{ord(_CONTROL.search(key).group()):04X}); retype it")
            control_characters(c, inner, (*path, str(key)))
    elif isinstance(value, list):
        for inner in value:
            control_characters(c, inner, path)
    elif isinstance(value, str) and path:
        found = _CONTROL.search(value)
        if found:
            c.bad(path, value.replace(found.group(), "?"),
                  f"this text holds a control or invisible character (U+{ord(found.group()):04X}, shown as ?), "
                  "usually pasted in by accident; retype the text around it")


def paper_date_range(year: str | None) -> tuple[Any, Any] | None:
    """The days a paper for edition `year` may speak as at: from the start of the year before to its end."""
    from .edition import parse_edition

    if year is None:
        return None
    try:
        edition = parse_edition(year)
    except InputError:
        return None
    return edition.previous().start, edition.end

