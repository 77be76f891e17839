"""Settings: data/config.toml merged with the edition's own data/<year>/config.toml, then checked.

Every setting the pipeline reads is checked here, once, against its expected type and range, so a
mistake such as notice_months = -6 or years_ahead = "four" is reported with the file, table and key
instead of building a nonsense paper or failing deep inside a stage.
"""

from __future__ import annotations

import difflib
import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .problems import InputError, Problem

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# Placeholders the document title and subject may use.
TITLE_FIELDS = ("short_name", "name", "area", "year")


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _origins(raw: dict[str, Any], path: Path, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Path]:
    """Which file set each setting, so a message names the file the officer must edit."""
    found: dict[tuple[str, ...], Path] = {}
    for key, value in raw.items():
        found[(*prefix, key)] = path
        if isinstance(value, dict):
            found.update(_origins(value, path, (*prefix, key)))
    return found


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(str(path), None, None, "", "the settings file is missing; "
                                  "every data folder needs a config.toml (copy the one in the project's data/)")]) from None
    except OSError as exc:
        raise InputError([Problem(str(path), None, None, "", f"the settings file could not be read ({exc.strerror})")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError([Problem(str(path), None, None, "",
                                  f"line {line}: the settings file is not saved as UTF-8 text (byte 0x{data[exc.start]:02x}); "
                                  "open it in a text editor and save it with the UTF-8 encoding")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(str(path), None, None, "", f"the settings file is not valid TOML ({exc})")]) from None


@dataclass(frozen=True)
class Vocabulary:
    sections: tuple[str, ...]
    terms: tuple[str, ...]
    priorities: tuple[str, ...]
    statuses: tuple[str, ...]
    categories: tuple[str, ...]
    procurement_routes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limits:
    """Bounds on the work one build may do, from [limits]: hostile or mistaken files are refused quickly."""
    register_megabytes: float = 100.0
    register_rows: int = 100_000
    prose_seconds: float = 5.0
    prose_characters: int = 200_000
    prose_headings: int = 200


@dataclass(frozen=True)
class Config:
    raw: dict[str, Any]
    origins: dict[tuple[str, ...], Path] = field(default_factory=dict, compare=False, repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    @property
    def vocabulary(self) -> Vocabulary:
        v = self.raw["vocabulary"]
        return Vocabulary(
            sections=tuple(v["sections"]),
            terms=tuple(v["terms"]),
            priorities=tuple(v["priorities"]),
            statuses=tuple(v["statuses"]),
            categories=tuple(v["categories"]),
            procurement_routes=tuple(v.get("procurement_routes", ())),
        )

    @property
    def limits(self) -> Limits:
        given = self.raw.get("limits", {})
        defaults = Limits()
        return Limits(**{k: given.get(k, getattr(defaults, k)) for k in Limits.__dataclass_fields__})


def load_config(year: str | None = None, data_dir: Path = DATA_DIR) -> Config:
    """Read the shared settings and, when `year` is given, that edition's overrides; check them all."""
    shared = data_dir / "config.toml"
    raw = _read_toml(shared)
    origins = _origins(raw, shared)
    if year is not None:
        override = data_dir / year / "config.toml"
        if override.exists():
            extra = _read_toml(override)
            raw = _merge(raw, extra)
            origins.update(_origins(extra, override))
    config = Config(raw, origins)
    problems = check_settings(config, shared, year)
    if problems:
        raise InputError(problems)
    return config


# --- checking --------------------------------------------------------------------------------

_MISSING = object()


class _Checker:
    """Collects every problem in the settings, naming the file, [table] and key of each."""

    def __init__(self, config: Config, default_file: Path):
        self.raw, self.origins, self.default = config.raw, config.origins, default_file
        self.problems: list[Problem] = []

    def file(self, path: tuple[str, ...]) -> str:
        for n in range(len(path), 0, -1):
            if path[:n] in self.origins:
                return str(self.origins[path[:n]])
        return str(self.default)

    def bad(self, path: tuple[str, ...], value: Any, expected: str, label: str | None = None) -> None:
        table, key = ".".join(path[:-1]), path[-1]
        where = label or (f"[{table}] {key}" if table else f"[{key}]")
        shown = "" if value is _MISSING else _toml(value)
        self.problems.append(Problem(f"{self.file(path)}, {where}", None, None, shown, expected))

    def table(self, name: str, required: bool = True) -> dict[str, Any] | None:
        value = self.raw.get(name, _MISSING)
        if value is _MISSING:
            if required:
                self.bad((name,), _MISSING, f"this table is missing; add a [{name}] table "
                                            "(copy it from the project's data/config.toml)")
            return None
        if not isinstance(value, dict):
            self.bad((name,), value, f"expected a table, written [{name}] on a line of its own followed by its settings")
            return None
        return value

    def get(self, table: dict[str, Any], path: tuple[str, ...], required: bool) -> Any:
        value = table.get(path[-1], _MISSING)
        if value is _MISSING and required:
            self.bad(path, _MISSING, "this setting is missing; add it (see the project's data/config.toml for an example)")
        return value

    def text(self, table: dict[str, Any], path: tuple[str, ...], required: bool = True,
             empty: bool = False) -> str | None:
        value = self.get(table, path, required)
        if value is _MISSING:
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
        if value is _MISSING:
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
        if value is _MISSING:
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
        if value is _MISSING:
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

    def members(self, table: dict[str, Any], path: tuple[str, ...], known: tuple[str, ...] | None, what: str) -> None:
        """An optional list whose entries must come from a vocabulary (sections, terms)."""
        found = self.text_list(table, path, required=False, empty=True)
        for entry in found or ():
            if known is not None and entry not in known:
                self.bad(path, entry, f"this is not one of the {what} ({', '.join(known)}){_suggest(entry, known)}")

    def bands(self, table: dict[str, Any], path: tuple[str, ...], floor_key: str, floor_what: str,
              months: tuple[tuple[str, int, int], ...]) -> None:
        """An array of tables such as [[schedule.bands]]: each with a floor in pounds and month counts."""
        bands = table.get(path[-1], _MISSING)
        name = ".".join(path)
        keys = ", ".join((floor_key, *(k for k, _, _ in months)))
        if bands is _MISSING:
            self.bad(path, _MISSING, f"the bands are missing; add at least one [[{name}]] with {keys}")
            return
        if not isinstance(bands, list) or not bands or not all(isinstance(b, dict) for b in bands):
            self.bad(path, bands, f"expected one or more [[{name}]] tables, each with {keys}")
            return
        floors = []
        for n, band in enumerate(bands, 1):
            label = f"[[{name}]] band {n},"
            for key, low, high in months:
                value = band.get(key, _MISSING)
                if value is _MISSING:
                    self.bad((*path, key), _MISSING, "this setting is missing from the band", f"{label} {key}")
                elif isinstance(value, bool) or not isinstance(value, int):
                    self.bad((*path, key), value, "expected a whole number of months written without quotes",
                             f"{label} {key}")
                elif not low <= value <= high:
                    self.bad((*path, key), value, f"expected a whole number of months from {low} to {high}", f"{label} {key}")
            floor = band.get(floor_key, _MISSING)
            if floor is _MISSING:
                self.bad((*path, floor_key), _MISSING, "this setting is missing from the band", f"{label} {floor_key}")
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

    def day(self, table: dict[str, Any], path: tuple[str, ...], within: tuple[Any, Any] | None = None) -> None:
        """An optional date: a TOML date (2025-03-31, no quotes), an ISO date in quotes, or blank; never a
        time of day (the paper speaks as at a day), and within `within` (first, last) when given."""
        from datetime import date, datetime

        value = table.get(path[-1], _MISSING)
        if value is _MISSING or value == "":
            return
        if isinstance(value, datetime) or (isinstance(value, str) and re.match(r"\d{4}-\d\d-\d\d[Tt ]|.*:", value.strip())):
            self.bad(path, value, "expected a day without a time of day, written 2025-03-31 (year-month-day)")
            return
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

    def texts_by_key(self, table: dict[str, Any], path: tuple[str, ...], keys: tuple[str, ...] | None) -> None:
        """A table of titles such as [vocabulary.term_titles]: text values, keys from a vocabulary."""
        value = table.get(path[-1], _MISSING)
        if value is _MISSING:
            return
        if not isinstance(value, dict):
            self.bad(path, value, f"expected a table, written [{'.'.join(path)}] followed by key = \"text\" lines")
            return
        for key, title in value.items():
            if keys is not None and key not in keys:
                self.bad((*path, key), title, f"{key!r} is not in the vocabulary ({', '.join(keys)})"
                                              f"{_suggest(key, keys)}; the title would never be used")
            elif not isinstance(title, str) or not title.strip():
                self.bad((*path, key), title, 'expected non-blank text in double quotes')

    def template(self, table: dict[str, Any], path: tuple[str, ...]) -> None:
        value = self.text(table, path)
        if value is None:
            return
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

    def typos(self, table: dict[str, Any], path: tuple[str, ...], known: tuple[str, ...]) -> None:
        """A key that is a near miss of a known one is a typo whose setting would be silently ignored."""
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
                if close:
                    what = "setting" if path else "table"
                    self.bad((*path, key), _MISSING, f'this {what} is not used; did you mean "{close[0]}"?')


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


def check_settings(config: Config, default_file: Path = DATA_DIR / "config.toml", year: str | None = None) -> list[Problem]:
    """Every problem in the merged settings: missing tables, wrong types, values out of range (the paper
    date against edition `year`, when given)."""
    c = _Checker(config, default_file)
    c.typos(config.raw, (), ("organisation", "register", "vocabulary", "classify", "decisions", "schedule", "outlook",
                             "paper", "categories", "limits", "edition", "glossary", "glossary_settings", "transparency",
                             "performance", "csp_allocation"))

    org = c.table("organisation")
    if org is not None:
        c.text(org, ("organisation", "name"))
        c.text(org, ("organisation", "short_name"))
        c.text(org, ("organisation", "area"), required=False, empty=True)
        c.text(org, ("organisation", "author"), required=False, empty=True)
        c.typos(org, ("organisation",), ("name", "short_name", "area", "author"))

    reg = c.table("register")
    if reg is not None:
        name = c.text(reg, ("register", "file"))
        if name is not None and (Path(name).name != name or name in (".", "..")):
            c.bad(("register", "file"), name, "expected a file name inside the edition's folder, "
                                              'such as "register.xlsx", without folders')
        c.text(reg, ("register", "sheet"), required=False)
        c.typos(reg, ("register",), ("file", "sheet"))

    vocab = c.table("vocabulary")
    lists: dict[str, tuple[str, ...] | None] = {}
    if vocab is not None:
        for key in ("sections", "terms", "priorities", "statuses", "categories"):
            lists[key] = c.text_list(vocab, ("vocabulary", key))
        lists["procurement_routes"] = c.text_list(vocab, ("vocabulary", "procurement_routes"), required=False, empty=True)
        c.texts_by_key(vocab, ("vocabulary", "section_titles"), lists.get("sections"))
        c.texts_by_key(vocab, ("vocabulary", "term_titles"), lists.get("terms"))
        c.typos(vocab, ("vocabulary",), ("sections", "terms", "priorities", "statuses", "categories",
                                         "procurement_routes", "section_titles", "term_titles"))

    classify = c.table("classify")
    sections, terms = lists.get("sections"), lists.get("terms")
    if classify is not None:
        c.whole(classify, ("classify", "short_funding_months"), 1, 120, "months")
        c.whole(classify, ("classify", "review_horizon_months"), 0, 120, "months")
        c.whole(classify, ("classify", "recent_start_months"), 0, 600, "months")
        c.whole(classify, ("classify", "medium_term_months"), 0, 600, "months")
        c.typos(classify, ("classify",), ("dated_terms", "short_funding_months", "assume_single_year_sections",
                                          "review_horizon_months", "recent_start_months", "medium_term_months"))
        c.members(classify, ("classify", "dated_terms"), terms, "terms")
        c.members(classify, ("classify", "assume_single_year_sections"), sections, "sections")

    decisions = c.table("decisions")
    if decisions is not None:
        c.members(decisions, ("decisions", "grant_sections"), sections, "sections")
        c.bands(decisions, ("decisions", "procurement_bands"), "min_value", "whole-life value",
                (("lead_months", 0, 60), ("mobilisation_months", 0, 24)))
        if "review_window_months" in decisions:
            c.whole(decisions, ("decisions", "review_window_months"), 1, 24, "months")
        c.typos(decisions, ("decisions",), ("grant_sections", "procurement_bands", "review_window_months"))

    schedule = c.table("schedule")
    if schedule is not None:
        c.bands(schedule, ("schedule", "bands"), "min_spend", "annual spend",
                (("review_lead_months", 0, 120), ("notice_months", 0, 120)))

    look = c.table("outlook")
    if look is not None:
        c.whole(look, ("outlook", "years_ahead"), 1, 20, "years", required=False)
        c.text_list(look, ("outlook", "internal_sources"), required=False, empty=True)
        c.typos(look, ("outlook",), ("internal_sources", "years_ahead"))

    edition = c.table("edition", required=False)
    if edition is not None:
        c.day(edition, ("edition", "paper_date"), _paper_date_range(year))

    paper = c.table("paper")
    if paper is not None:
        c.whole(paper, ("paper", "timeline_max_bars"), 1, 10_000, "bars", required=False)
        c.whole(paper, ("paper", "list_max_lines"), 1, 1_000_000, "lines", required=False)
        c.whole(paper, ("paper", "front_decisions"), 1, 1_000, "decisions", required=False)
        c.template(paper, ("paper", "title"))
        c.template(paper, ("paper", "subject"))
        c.text_list(paper, ("paper", "keywords"), required=False, empty=True)
        prose = c.text(paper, ("paper", "prose_dir"), required=False)
        if prose is not None and (Path(prose).name != prose or prose in (".", "..")):
            c.bad(("paper", "prose_dir"), prose, 'expected the name of a folder inside the edition\'s folder, such as "prose"')
        if "print_chart_data" in paper and not isinstance(paper["print_chart_data"], bool):
            c.bad(("paper", "print_chart_data"), paper["print_chart_data"], "expected true or false, without quotes")
        c.typos(paper, ("paper",), ("timeline_max_bars", "list_max_lines", "title", "subject", "keywords", "prose_dir",
                                    "print_chart_data"))

    summaries = c.table("summaries", required=False)
    if summaries is not None:
        c.whole(summaries, ("summaries", "largest"), 0, 1000, "rows", required=False)
        c.whole(summaries, ("summaries", "soonest"), 0, 1000, "rows", required=False)
        address = c.text(summaries, ("summaries", "web_address"), required=False, empty=True)
        if address and (not address.startswith("https://") or len(address) < 12 or any(ch.isspace() for ch in address)):
            c.bad(("summaries", "web_address"), address,
                  'expected the full web address of the published folder, starting https://, or "" for none')
        c.typos(summaries, ("summaries",), ("largest", "soonest", "web_address"))

    cats = c.table("categories")
    if cats is not None and lists.get("categories") is not None:
        for key in dict.fromkeys((*lists["categories"], "annual", *cats)):
            spec = cats.get(key, _MISSING)
            path = ("categories", key)
            if spec is _MISSING:
                c.bad(path, _MISSING, f"category {key!r} has no label; add a [categories.{key}] table with label and description")
            elif not isinstance(spec, dict):
                c.bad(path, spec, f"expected a table [categories.{key}] with label and description")
            else:
                c.text(spec, (*path, "label"))
                c.text(spec, (*path, "description"))

    glossary = c.table("glossary", required=False)
    for key, value in (glossary or {}).items():
        if not isinstance(value, str) or not value.strip():
            c.bad(("glossary", key), value, f'expected what {key} stands for, in double quotes: {key} = "..."')
    settings = c.table("glossary_settings", required=False)
    if settings is not None:
        c.text_list(settings, ("glossary_settings", "ignore"), required=False, empty=True)

    limits = c.table("limits", required=False)
    if limits is not None:
        c.number(limits, ("limits", "register_megabytes"), 0.01, 4096, "megabytes", required=False)
        c.whole(limits, ("limits", "register_rows"), 1, 10_000_000, "rows", required=False)
        c.number(limits, ("limits", "prose_seconds"), 0.1, 600, "seconds", required=False)
        c.whole(limits, ("limits", "prose_characters"), 1_000, 100_000_000, "characters", required=False)
        c.whole(limits, ("limits", "prose_headings"), 1, 100_000, "headings", required=False)
        c.typos(limits, ("limits",), tuple(Limits.__dataclass_fields__))
    _control_characters(c, config.raw, ())

    perf = c.table("performance", required=False)
    if perf is not None:
        c.whole(perf, ("performance", "suppress_below"), 1, 1000, "people", required=False)
        rule = c.text(perf, ("performance", "forecast"), required=False)
        if rule is not None and rule not in ("straight-line", "to-budget"):
            c.bad(("performance", "forecast"), rule, 'expected "straight-line" or "to-budget"')
        c.members(perf, ("performance", "expected_terms"), terms, "terms")
        c.whole(perf, ("performance", "paper_rows"), 1, 200, "rows", required=False)
        c.whole(perf, ("performance", "most_lines"), 0, 50, "lines", required=False)
        c.typos(perf, ("performance",), ("suppress_below", "forecast", "expected_terms", "paper_rows", "most_lines"))

    from .input.csp_settings import check as check_csp  # here: the module imports this one

    check_csp(c, config.raw)
    return c.problems


# Characters that are invalid in HTML and Word's XML, break a calendar line, or hide text: a vertical tab
# pasted into a label, a zero-width space, a right-to-left override. Line breaks and tabs are layout.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                      r"\u2066-\u2069\ufeff\ufffe\uffff]")


def _control_characters(c: _Checker, value: Any, path: tuple[str, ...]) -> None:
    """Every text setting, in any table or list, free of control and invisible characters."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(key, str) and _CONTROL.search(key):
                c.bad((*path, key), _MISSING, f"the name {key!r} holds a control or invisible character "
                                              f"(U+{ord(_CONTROL.search(key).group()):04X}); retype it")
            _control_characters(c, inner, (*path, str(key)))
    elif isinstance(value, list):
        for inner in value:
            _control_characters(c, inner, path)
    elif isinstance(value, str) and path:
        found = _CONTROL.search(value)
        if found:
            c.bad(path, value.replace(found.group(), "?"),
                  f"this text holds a control or invisible character (U+{ord(found.group()):04X}, shown as ?), "
                  "usually pasted in by accident; retype the text around it")


def _paper_date_range(year: str | None) -> tuple[Any, Any] | None:
    """The days a paper for edition `year` may speak as at: from the start of the year before to its end."""
    from .edition import parse_edition

    if year is None:
        return None
    try:
        edition = parse_edition(year)
    except InputError:
        return None
    return edition.previous().start, edition.end
