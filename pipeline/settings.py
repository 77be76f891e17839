"""The settings as typed, frozen values: every table of data/config.toml (merged with the edition's own
data/<year>/config.toml), read and checked once.

Each key is declared once, as a field of its table's dataclass: its type, its default (a key with no
default must be given) and its check (range, unit, vocabulary) side by side, as
`timeline_max_bars: int = whole(60, 1, 10_000, "bars")`. `read_settings` walks the declarations with
the one Checker (pipeline/settings_check.py), so every message names the file the value came from, the
[table] and key, the value found and what was expected. Stages read `config.settings.<table>.<key>`,
never the raw tables, so no stage keeps a default of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING as NO_DEFAULT, dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlsplit

from .problems import Problem
from .settings_check import MISSING, Checker, control_characters, paper_date_range

if TYPE_CHECKING:
    from .edition import Edition
    from .input.csp_settings import CspSettings

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V], Generic[K, V]):
    """A read-only mapping (a table of titles, the glossary) that pickles, unlike a mapping proxy."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[K, V] | None = None):
        self._items: dict[K, V] = dict(items or {})

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"

    def __getstate__(self) -> dict[K, V]:
        return self._items

    def __setstate__(self, state: dict[K, V]) -> None:
        self._items = state


# --- how a key is read -----------------------------------------------------------------------------

@dataclass
class _Context:
    """What one key's check may need beyond its own value: the keys read before it, the edition."""
    year: str | None
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)

    def value(self, table: str, key: str) -> Any:
        return self.tables.get(table, {}).get(key)


# read(checker, table, path, context, required) -> the typed value; a problem is recorded on the checker.
Read = Callable[[Checker, dict[str, Any], tuple[str, ...], _Context, bool], Any]


def _setting(default: Any, read: Read) -> Any:
    """A dataclass field declaring one key: its default (NO_DEFAULT: it must be given) and its check."""
    if isinstance(default, (list, dict)):
        raise TypeError("a default must be immutable: a tuple or FrozenMap")
    return field(default=default, metadata={"read": read})


def text(default: Any = NO_DEFAULT, empty: bool = False,
         check: Callable[[Checker, tuple[str, ...], str], None] | None = None) -> Any:
    def read(c: Checker, t: dict[str, Any], path: tuple[str, ...], x: _Context, required: bool) -> Any:
        value = c.text(t, path, required, empty)
        if value is not None and check is not None:
            check(c, path, value)
        return value
    return _setting(default, read)


def choice(default: str, options: tuple[str, ...], expected: str) -> Any:
    def read(c: Checker, t: dict[str, Any], path: tuple[str, ...], x: _Context, required: bool) -> Any:
        value = c.text(t, path, required)
        if value is not None and value not in options:
            c.bad(path, value, expected)
        return value
    return _setting(default, read)


def whole(default: Any, low: int, high: int, unit: str) -> Any:
    return _setting(default, lambda c, t, path, x, required: c.whole(t, path, low, high, unit, required))


def number(default: Any, low: float, high: float, unit: str) -> Any:
    return _setting(default, lambda c, t, path, x, required: c.number(t, path, low, high, unit, required))


def texts(default: Any = NO_DEFAULT, empty: bool = False) -> Any:
    return _setting(default, lambda c, t, path, x, required: c.text_list(t, path, required, empty))


def members(default: tuple[str, ...], vocabulary: str, what: str) -> Any:
    """A list whose entries come from [vocabulary] `vocabulary` (sections, terms)."""
    return _setting(default, lambda c, t, path, x, required: c.members(t, path, x.value("vocabulary", vocabulary), what))


def titles(vocabulary: str) -> Any:
    """A table of titles keyed by the entries of [vocabulary] `vocabulary`, read just before it."""
    return _setting(FrozenMap(), lambda c, t, path, x, required: (
        FrozenMap(c.texts_by_key(t, path, x.value("vocabulary", vocabulary)) or {})))


def template() -> Any:
    return _setting(NO_DEFAULT, lambda c, t, path, x, required: c.template(t, path))


def true_or_false(default: bool) -> Any:
    def read(c: Checker, t: dict[str, Any], path: tuple[str, ...], x: _Context, required: bool) -> Any:
        value = t.get(path[-1], MISSING)
        if value is not MISSING and not isinstance(value, bool):
            c.bad(path, value, "expected true or false, without quotes")
        return value
    return _setting(default, read)


def day() -> Any:
    """A date the paper speaks as at: within the year before the edition or the edition's own year."""
    return _setting(None, lambda c, t, path, x, required: c.day(t, path, paper_date_range(x.year)))


def bands(make: Callable[[dict[str, Any]], Any], floor_key: str, floor_what: str,
          months: tuple[tuple[str, int, int], ...]) -> Any:
    def read(c: Checker, t: dict[str, Any], path: tuple[str, ...], x: _Context, required: bool) -> Any:
        before = len(c.problems)
        c.bands(t, path, floor_key, floor_what, months)
        return tuple(make(b) for b in t[path[-1]]) if len(c.problems) == before else None
    return _setting(NO_DEFAULT, read)


def _file_name(c: Checker, path: tuple[str, ...], name: str) -> None:
    if Path(name).name != name or name in (".", ".."):
        c.bad(path, name, 'expected a file name inside the edition\'s folder, such as "register.xlsx", without folders')


def _folder_name(c: Checker, path: tuple[str, ...], name: str) -> None:
    if Path(name).name != name or name in (".", ".."):
        c.bad(path, name, 'expected the name of a folder inside the edition\'s folder, such as "prose"')


def _web_folder(c: Checker, path: tuple[str, ...], address: str) -> None:
    if address and (not address.startswith("https://") or len(address) < 12 or any(ch.isspace() for ch in address)):
        c.bad(path, address, 'expected the full web address of the published folder, starting https://, or "" for none')


# --- the tables ------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Organisation:
    name: str = text()
    short_name: str = text()
    area: str = text("", empty=True)
    author: str | None = text(None, empty=True)  # None: not set (the paper's author is then the name)

    def as_dict(self) -> dict[str, str]:
        """As the templates and prose see it (`org.name`): the settings given, an author left unset left out."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True, kw_only=True)
class RegisterFile:
    file: str = text(check=_file_name)
    sheet: str = text("Register")


@dataclass(frozen=True, kw_only=True)
class Vocabulary:
    sections: tuple[str, ...] = texts()
    terms: tuple[str, ...] = texts()
    priorities: tuple[str, ...] = texts()
    statuses: tuple[str, ...] = texts()
    categories: tuple[str, ...] = texts()
    procurement_routes: tuple[str, ...] = texts((), empty=True)
    section_titles: FrozenMap[str, str] = titles("sections")
    term_titles: FrozenMap[str, str] = titles("terms")


@dataclass(frozen=True, kw_only=True)
class Classify:
    dated_terms: tuple[str, ...] = members((), "terms", "terms")
    short_funding_months: int = whole(NO_DEFAULT, 1, 120, "months")
    assume_single_year_sections: tuple[str, ...] = members((), "sections", "sections")
    review_horizon_months: int = whole(NO_DEFAULT, 0, 120, "months")
    recent_start_months: int = whole(NO_DEFAULT, 0, 600, "months")
    medium_term_months: int = whole(NO_DEFAULT, 0, 600, "months")


@dataclass(frozen=True)
class ProcurementBand:
    min_value: Decimal  # whole-life value in pounds from which the band applies
    lead_months: int
    mobilisation_months: int


@dataclass(frozen=True)
class ScheduleBand:
    min_spend: Decimal  # annual spend in pounds from which the band applies
    review_lead_months: int
    notice_months: int


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))  # str() first: TOML's 0.1 is a float, the officer meant 0.1


@dataclass(frozen=True, kw_only=True)
class Decisions:
    # The sections whose lines are grants: a grant-end decision, and (unless [transparency] grant_sections
    # says otherwise) the grants of the 360Giving file.
    grant_sections: tuple[str, ...] = members((), "sections", "sections")
    procurement_bands: tuple[ProcurementBand, ...] = bands(
        lambda b: ProcurementBand(_decimal(b["min_value"]), int(b["lead_months"]), int(b["mobilisation_months"])),
        "min_value", "whole-life value", (("lead_months", 0, 60), ("mobilisation_months", 0, 24)))
    review_window_months: int = whole(3, 1, 24, "months")


@dataclass(frozen=True, kw_only=True)
class Schedule:
    bands: tuple[ScheduleBand, ...] = bands(
        lambda b: ScheduleBand(_decimal(b["min_spend"]), int(b["review_lead_months"]), int(b["notice_months"])),
        "min_spend", "annual spend", (("review_lead_months", 0, 120), ("notice_months", 0, 120)))


@dataclass(frozen=True)
class Outlook:
    internal_sources: tuple[str, ...] = texts((), empty=True)
    years_ahead: int = whole(4, 1, 20, "years")


@dataclass(frozen=True)
class EditionDate:
    paper_date: date | None = day()  # None: the first day of the edition year


@dataclass(frozen=True, kw_only=True)
class Paper:
    timeline_max_bars: int = whole(60, 1, 10_000, "bars")
    list_max_lines: int = whole(150, 1, 1_000_000, "lines")
    front_decisions: int = whole(15, 1, 1_000, "decisions")
    title: str = template()
    subject: str = template()
    keywords: tuple[str, ...] = texts((), empty=True)
    prose_dir: str = text("prose", check=_folder_name)
    print_chart_data: bool = true_or_false(False)


@dataclass(frozen=True)
class Summaries:
    largest: int = whole(10, 0, 1000, "rows")
    soonest: int = whole(10, 0, 1000, "rows")
    web_address: str = text("", empty=True, check=_web_folder)


@dataclass(frozen=True)
class Category:
    label: str
    description: str


@dataclass(frozen=True)
class GlossarySettings:
    ignore: tuple[str, ...] = texts((), empty=True)


@dataclass(frozen=True)
class Limits:
    """Bounds on the work one build may do, from [limits]: hostile or mistaken files are refused quickly."""
    register_megabytes: float = number(100.0, 0.01, 4096, "megabytes")
    register_rows: int = whole(100_000, 1, 10_000_000, "rows")
    prose_seconds: float = number(5.0, 0.1, 600, "seconds")
    prose_characters: int = whole(200_000, 1_000, 100_000_000, "characters")
    prose_headings: int = whole(200, 1, 100_000, "headings")


FORECAST_RULES = ("straight-line", "to-budget")


@dataclass(frozen=True)
class Performance:
    """[performance]: the performance and spend section."""
    suppress_below: int = whole(5, 1, 1000, "people")
    forecast: str = choice("straight-line", FORECAST_RULES, 'expected "straight-line" or "to-budget"')
    expected_terms: tuple[str, ...] = members(("Long", "Med", "Short"), "terms", "terms")
    paper_rows: int = whole(8, 1, 200, "rows")
    most_lines: int = whole(3, 0, 50, "lines")


CALENDAR_FROM = ("edition", "all")


def _calendar_from(c: Checker, t: dict[str, Any], path: tuple[str, ...], x: _Context, required: bool) -> Any:
    value = t.get(path[-1], MISSING)
    if value is not MISSING and value not in CALENDAR_FROM:
        c.bad(path, value, f"expected one of: {', '.join(CALENDAR_FROM)}", shown=repr(value))
    return value


def _calendar_years(c: Checker, t: dict[str, Any], path: tuple[str, ...], x: _Context, required: bool) -> Any:
    value = t.get(path[-1], MISSING)
    if value is not MISSING and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 50):
        c.bad(path, value, "expected a whole number of years from 0 (no limit) to 50", shown=repr(value))
    return value


@dataclass(frozen=True)
class CalendarSettings:
    """[calendar]: which decisions review-schedule.ics holds."""
    # "edition": due on or after the edition year's first day; "all": every one
    decisions_from: str = _setting("edition", _calendar_from)
    # 0: no limit; else only decisions due by the end of the n-th year after the edition
    years_ahead: int = _setting(0, _calendar_years)

    def first_day(self, edition: Edition) -> date | None:
        return edition.start if self.decisions_from == "edition" else None

    def last_day(self, edition: Edition) -> date | None:
        return date(edition.end.year + self.years_ahead, edition.end.month, edition.end.day) if self.years_ahead else None


# [transparency]: its checks are its own (identifiers, codes, web addresses), in the order below.
_PREFIX = re.compile(r"^360G-[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Transparency:
    funder_name: str = ""
    funder_org_id: str = ""  # "" = not set: Funding Org:Identifier stays blank and check says so
    prefix: str = ""  # the 360Giving publisher prefix, e.g. 360G-opccexample
    department: str = ""
    beneficiary_location: str = ""
    beneficiary_country_code: str = ""
    currency: str = "GBP"
    # Always [decisions] grant_sections: one list says which sections are grants, for the grant-end
    # decisions and the 360Giving file alike (two lists could publish a line as a contract that the paper
    # decides as a grant). [transparency] grant_sections, where an older file still has it, must agree.
    grant_sections: tuple[str, ...] = ()
    grant_lines: tuple[str, ...] = ()  # ids of lines in other sections that are grants too
    contract_sections: tuple[str, ...] = ("commissioning",)
    own_providers: tuple[str, ...] = ()  # the office itself: its lines are budgets, not grants or contracts
    unnamed_providers: tuple[str, ...] = ()  # placeholders such as "Various" that name no organisation
    recipient_ids_from_names: bool = True
    value_basis: str = "annual spend"
    irrecoverable_vat: str = ""
    order_threshold: Decimal = Decimal(10000)
    last_modified: date | None = None
    data_source: str = ""
    license: str = ""


_TRANSPARENCY_TEXT = ("funder_name", "department", "beneficiary_location", "value_basis")
_TRANSPARENCY_LISTS = ("grant_sections", "grant_lines", "contract_sections", "own_providers", "unnamed_providers")


def _transparency(c: Checker, x: _Context) -> Transparency:
    """[transparency], checked; unknown keys are refused outright (the exports are published as they are)."""
    raw = c.table("transparency", required=False, expected="expected a table: a line [transparency] followed by "
                                                            "settings such as prefix = \"360G-opccexample\"") or {}
    found: dict[str, Any] = {}

    def bad(key: str, value: Any, expected: str) -> None:
        c.bad(("transparency", key), value, expected, shown=value if isinstance(value, str) else repr(value))

    known = {f.name for f in fields(Transparency)}
    for key in sorted(set(raw) - known):
        bad(key, raw[key], f"this setting is not known; expected one of: {', '.join(sorted(known))}")
    for key in _TRANSPARENCY_TEXT:
        if key in raw:
            if isinstance(raw[key], str):
                found[key] = raw[key].strip()
            else:
                bad(key, raw[key], 'expected text in quotes, e.g. "annual spend"')
    for key in _TRANSPARENCY_LISTS:
        if key in raw:
            value = raw[key]
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                found[key] = tuple(v.strip() for v in value if v.strip())
            else:
                bad(key, value, 'expected a list of texts in quotes, e.g. ["grants"]')
    sections = x.value("vocabulary", "sections") or ()
    for key in ("grant_sections", "contract_sections"):
        unknown = [s for s in found.get(key, ()) if s not in sections]
        if unknown:
            bad(key, ", ".join(unknown), f"expected sections from [vocabulary] sections: {', '.join(sections)}")
        elif key == "grant_sections" and key in found:
            decided = x.value("decisions", "grant_sections")
            if decided is not None and set(found[key]) != set(decided):
                bad(key, raw[key], "the grants are the sections in [decisions] grant_sections "
                                   f"({', '.join(decided) or 'none'}), for the decisions and the 360Giving file "
                                   "alike; delete this line here, or change the list under [decisions]")
    if "funder_org_id" in raw:
        from .input.load import parse_org_id  # here: the loader imports the settings

        value = raw["funder_org_id"]
        if not isinstance(value, str):
            bad("funder_org_id", value, 'expected text in quotes such as "GB-GOR-PC000000", or "" if not known yet')
        elif value.strip():
            try:
                found["funder_org_id"] = parse_org_id(value)
            except ValueError as exc:
                bad("funder_org_id", value, str(exc))
    if "prefix" in raw:
        value = raw["prefix"]
        if not isinstance(value, str) or (value.strip() and not _PREFIX.match(value.strip())):
            bad("prefix", value, "expected the publisher prefix 360Giving issued, starting 360G- "
                                 '(e.g. "360G-opccexample"), or "" until you have one')
        else:
            found["prefix"] = value.strip()
    if "currency" in raw:
        value = raw["currency"]
        if isinstance(value, str) and re.fullmatch(r"[A-Z]{3}", value.strip()):
            found["currency"] = value.strip()
        else:
            bad("currency", value, 'expected a three-letter ISO 4217 code in capitals, e.g. "GBP"')
    if "beneficiary_country_code" in raw:
        value = raw["beneficiary_country_code"]
        if isinstance(value, str) and re.fullmatch(r"(?:[A-Z]{2})?", value.strip()):
            found["beneficiary_country_code"] = value.strip()
        else:
            bad("beneficiary_country_code", value, 'expected a two-letter ISO 3166 code in capitals, e.g. "GB"')
    if "recipient_ids_from_names" in raw:
        value = raw["recipient_ids_from_names"]
        if isinstance(value, bool):
            found["recipient_ids_from_names"] = value
        else:
            bad("recipient_ids_from_names", value, "expected true or false (without quotes)")
    if "irrecoverable_vat" in raw:
        value = raw["irrecoverable_vat"]
        amount = _amount(value)
        if amount is None:
            bad("irrecoverable_vat", value, 'expected an amount in pounds such as 0 or 1250.50, or "" if not stated')
        else:
            found["irrecoverable_vat"] = amount
    if "order_threshold" in raw:
        value = raw["order_threshold"]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < float("inf"):
            found["order_threshold"] = Decimal(str(value))
        else:
            bad("order_threshold", value, "expected an amount in pounds without quotes, e.g. 10000")
    if "last_modified" in raw:
        value = raw["last_modified"]
        day = as_date(value)
        if day is None and value != "":
            bad("last_modified", value, "expected the date the register was last changed, e.g. 2025-03-31 "
                                        '(without quotes), or "" if not set')
        found["last_modified"] = day
    for key in ("data_source", "license"):
        if key in raw:
            value = raw[key]
            if isinstance(value, str) and (not value.strip() or _is_web_address(value.strip())):
                found[key] = value.strip()
            else:
                bad(key, value, 'expected a full web address such as "https://www.example.org/grants", or ""')
    if found.get("last_modified") is None:
        # Failing its own date, the date the edition's paper speaks as at, when the officer has set one.
        found["last_modified"] = x.value("edition", "paper_date")
    found["grant_sections"] = x.value("decisions", "grant_sections") or ()
    return Transparency(**found)


def _amount(value: Any) -> str | None:
    """A setting in pounds as the CSV writes it (plain digits), "" for not stated, None when it is not an amount."""
    from .input.load import parse_money  # here: the loader imports the settings

    if isinstance(value, str) and not value.strip():
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        d = parse_money(value) if isinstance(value, str) else Decimal(str(value))
    except ValueError:
        return None
    if not d.is_finite() or d < 0:
        return None
    return str(int(d)) if d == d.to_integral_value() else f"{d:.2f}"


def as_date(value: Any) -> date | None:
    """A TOML date, or an ISO date in quotes; None otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _is_web_address(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text


# --- all of them -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    organisation: Organisation
    register: RegisterFile
    vocabulary: Vocabulary
    classify: Classify
    decisions: Decisions
    schedule: Schedule
    outlook: Outlook
    edition: EditionDate
    paper: Paper
    summaries: Summaries
    categories: FrozenMap[str, Category]  # the categories a-d and the groups outside them, by key
    glossary: FrozenMap[str, str]  # acronym -> what it stands for
    glossary_settings: GlossarySettings
    limits: Limits
    performance: Performance
    csp_allocation: CspSettings | None  # None: the office has no partnership formula
    transparency: Transparency
    calendar: CalendarSettings


# The tables declared key by key, in the order they are checked; True: the table must be there.
_TABLES: tuple[tuple[str, type, bool], ...] = (
    ("organisation", Organisation, True), ("register", RegisterFile, True), ("vocabulary", Vocabulary, True),
    ("classify", Classify, True), ("decisions", Decisions, True), ("schedule", Schedule, True),
    ("outlook", Outlook, True), ("edition", EditionDate, False), ("paper", Paper, True),
    ("summaries", Summaries, False),
)
_LATER: tuple[tuple[str, type, bool], ...] = (
    ("glossary_settings", GlossarySettings, False), ("limits", Limits, False),
)


def _table(c: Checker, x: _Context, name: str, kind: type, required: bool) -> Any:
    """One declared table: each key checked as its field says, or its default when left out."""
    table = c.table(name, required)
    given = x.tables.setdefault(name, {})
    if table is None:
        return None if required else kind()
    before = len(c.problems)
    for f in fields(kind):
        mine = len(c.problems)
        value = f.metadata["read"](c, table, (name, f.name), x, f.default is NO_DEFAULT)
        if f.name in table and len(c.problems) == mine:
            given[f.name] = value
        elif f.name not in table and f.default is not NO_DEFAULT:
            given[f.name] = f.default
    c.typos(table, (name,), tuple(f.name for f in fields(kind)))
    return kind(**given) if len(c.problems) == before else None


def _categories(c: Checker, x: _Context) -> FrozenMap[str, Category]:
    cats = c.table("categories")
    found: dict[str, Category] = {}
    vocabulary = x.value("vocabulary", "categories")
    if cats is None or vocabulary is None:
        return FrozenMap()
    for key in dict.fromkeys((*vocabulary, "annual", *cats)):
        spec = cats.get(key, MISSING)
        path = ("categories", key)
        if spec is MISSING:
            c.bad(path, MISSING, f"category {key!r} has no label; add a [categories.{key}] table with label and description")
        elif not isinstance(spec, dict):
            c.bad(path, spec, f"expected a table [categories.{key}] with label and description")
        else:
            label, description = c.text(spec, (*path, "label")), c.text(spec, (*path, "description"))
            if label is not None and description is not None:
                found[key] = Category(label, description)
    return FrozenMap(found)


def _glossary(c: Checker) -> FrozenMap[str, str]:
    glossary = c.table("glossary", required=False) or {}
    for key, value in glossary.items():
        if not isinstance(value, str) or not value.strip():
            c.bad(("glossary", key), value, f'expected what {key} stands for, in double quotes: {key} = "..."')
    return FrozenMap({str(k): v for k, v in glossary.items() if isinstance(v, str)})


TOP_LEVEL = tuple(f.name for f in fields(Settings))


def read_settings(raw: dict[str, Any], origins: dict[tuple[str, ...], Path], default_file: Path,
                  year: str | None = None) -> tuple[Settings | None, list[Problem]]:
    """Every table read and checked: the settings, or None and every problem found (the paper date is
    held to edition `year`, when given). A key's file is the one `origins` says set it, else `default_file`."""
    from .input.csp_settings import check as check_csp  # here: it declares [csp_allocation] with its formula

    c = Checker(raw, origins, default_file)
    x = _Context(year)
    c.typos(raw, (), TOP_LEVEL)
    found: dict[str, Any] = {name: _table(c, x, name, kind, required) for name, kind, required in _TABLES}
    found["categories"] = _categories(c, x)
    found["glossary"] = _glossary(c)
    found.update({name: _table(c, x, name, kind, required) for name, kind, required in _LATER})
    control_characters(c, raw, ())
    found["performance"] = _table(c, x, "performance", Performance, False)
    found["csp_allocation"] = check_csp(c, raw)
    found["transparency"] = _transparency(c, x)
    found["calendar"] = _table(c, x, "calendar", CalendarSettings, False)
    if c.problems:
        return None, c.problems
    return Settings(**found), []
