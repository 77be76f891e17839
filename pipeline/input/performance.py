"""Read and validate the performance return: what each line delivered, period by period.

The return is `data/<year>/performance.csv`, or a `Performance` sheet in the officer's workbook,
read through the same bounded cell reader as the register. One row per line and period (a financial
quarter, "2023-24 Q1", or a whole financial year, "2023-24"). Every figure is optional: a blank cell
is "not reported", never zero. Every problem is reported at once, with file, row, column and value.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..config import Config
from ..edition import Edition
from ..problems import InputError, Problem
from .header import column_positions
from .load import MAX_CELL, _capped, clean_text, parse_money, read_limits
from .register import Register
from .sources import read_table

FILE = "performance.csv"
SHEET = "Performance"

# The outcome measures, each a count over the number of people asked (its denominator, `<key>_of`).
OUTCOMES: tuple[str, ...] = ("coping", "safer", "satisfied")
COUNTS: tuple[str, ...] = ("referrals", "people_supported", "cases_closed")

# The return's columns, in the order the workbook and the template CSV use them, with what each means
# (the workbook's help sheet reads this too).
COLUMN_HELP: dict[str, tuple[str, str]] = {
    "id": ("Required", "The line's id, exactly as in the Register sheet (for example VS-001)."),
    "period": ("Required", "The period the figures cover: a financial year written 2023-24, or one of its "
                           "quarters written 2023-24 Q1 (April to June) to 2023-24 Q4 (January to March). "
                           "The period must have ended by the paper date."),
    "referrals": ("Optional", "Referrals received in the period, as a whole number. Blank if not reported."),
    "people_supported": ("Optional", "People supported in the period, as a whole number."),
    "cases_closed": ("Optional", "Cases closed in the period, as a whole number."),
    "coping": ("Optional", "Of the people asked at case closure, how many said they were better able to cope "
                           "and recover. Fill in coping_of too."),
    "coping_of": ("Optional", "How many people were asked the coping and recovering question."),
    "safer": ("Optional", "Of the people asked, how many said they felt safer. Fill in safer_of too."),
    "safer_of": ("Optional", "How many people were asked whether they felt safer."),
    "satisfied": ("Optional", "Of the people asked, how many were satisfied with the service. Fill in satisfied_of too."),
    "satisfied_of": ("Optional", "How many people were asked whether they were satisfied."),
    "waiting_days": ("Optional", "Average days from referral to first contact, as a whole number."),
    "budget": ("Optional", "The budget for the period in pounds, as a number (for example 125000)."),
    "spend": ("Optional", "What was spent in the period in pounds, as a number."),
    "source": ("Optional", "Where the figures come from: the provider's return, or the web address of a "
                           "published report or press release, with its date."),
    "notes": ("Optional", "Anything the reader of the figures should know. Not printed in the paper."),
}
COLUMNS: tuple[str, ...] = tuple(COLUMN_HELP)
WHOLE: tuple[str, ...] = (*COUNTS, *(k for o in OUTCOMES for k in (o, f"{o}_of")), "waiting_days")
MONEY: tuple[str, ...] = ("budget", "spend")
MAX_COUNT = 100_000_000  # a count above this is a typo, not a service's activity

_PERIOD = re.compile(r"^(?:(\d{4})-(\d{2})(?:\s*Q([1-4]))?|Q([1-4])\s*(\d{4})-(\d{2}))$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Period:
    """A financial year (quarter 0) or one of its quarters (1 = April to June ... 4 = January to March)."""
    first_year: int
    quarter: int = 0

    @property
    def year(self) -> Edition:
        return Edition(self.first_year)

    @property
    def is_year(self) -> bool:
        return self.quarter == 0

    @property
    def start(self) -> date:
        if self.is_year:
            return self.year.start
        month = 4 + 3 * (self.quarter - 1)
        return date(self.first_year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        if self.is_year:
            return self.year.end
        last = 4 + 3 * self.quarter - 1  # June, September, December, March
        year, month = self.first_year + (last > 12), (last - 1) % 12 + 1
        return date(year, month, 30 if month in (6, 9) else 31)

    @property
    def label(self) -> str:
        return self.year.label + (f" Q{self.quarter}" if self.quarter else "")

    def __str__(self) -> str:
        return self.label


def parse_period(text: str) -> Period:
    """'2023-24' or '2023-24 Q2' (also 'Q2 2023-24'). Raises ValueError with the reason."""
    m = _PERIOD.match(" ".join(text.split()))
    if not m:
        raise ValueError("expected a financial year written 2023-24, or a quarter written 2023-24 Q1 (Q1 is "
                         "April to June, Q4 January to March)")
    first, second, quarter = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(5), m.group(6), m.group(4))
    y = int(first)
    if not 1990 <= y <= 2200 or int(second) != (y + 1) % 100:
        raise ValueError(f"{first}-{second} is not a financial year: the second part is the year after the first "
                         f"(for example {first}-{(y + 1) % 100:02d})")
    return Period(y, int(quarter or 0))


@dataclass(frozen=True)
class Return:
    """One line's figures for one period. None: not reported."""
    id: str
    period: Period
    referrals: int | None = None
    people_supported: int | None = None
    cases_closed: int | None = None
    outcomes: tuple[tuple[str, int, int], ...] = ()  # (measure, number, of how many asked), as reported
    waiting_days: int | None = None
    budget: Decimal | None = None
    spend: Decimal | None = None
    source: str = ""
    notes: str = ""
    row: int = field(default=0, compare=False)

    def outcome(self, key: str) -> tuple[int, int] | None:
        return next(((n, of) for k, n, of in self.outcomes if k == key), None)


@dataclass(frozen=True)
class Returns:
    source: str  # the file (and sheet) read, or "" when the edition has no return
    rows: tuple[Return, ...] = ()
    sheet: str = ""

    def __len__(self) -> int:
        return len(self.rows)


def parse_whole(text: str) -> int:
    t = text.replace(",", "").replace(" ", "").replace("\u00a0", "")
    if t.startswith("-"):
        raise ValueError("a count cannot be negative")
    if not t.isdigit():
        raise ValueError("expected a whole number such as 1234 (no decimals, words or %); leave the cell blank "
                         "if it was not reported")
    value = int(t)
    if value > MAX_COUNT:
        raise ValueError(f"expected at most {MAX_COUNT:,}; check the figure")
    return value


def performance_source(folder: Path, register_file: Path) -> tuple[Path, str] | None:
    """Where the edition's return is: performance.csv in its folder, else the workbook's Performance
    sheet; None when there is neither (then no line has a return)."""
    csv_file = folder / FILE
    if csv_file.exists():
        return csv_file, ""
    if register_file.suffix.lower() in (".xlsx", ".xlsm") and register_file.exists() and _has_sheet(register_file):
        return register_file, SHEET
    return None


def _has_sheet(path: Path) -> bool:
    """Whether a workbook has a visible Performance sheet (read from its list of sheets only)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            book = z.read("xl/workbook.xml").decode("utf-8", errors="replace")
    except (KeyError, OSError, zipfile.BadZipFile):
        return False  # the register reader reports a damaged workbook in its own words
    for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", book):
        tag = m.group(0)
        name = re.search(r'\bname="([^"]*)"', tag)
        if name and name.group(1).strip().lower() == SHEET.lower() and 'state="hidden"' not in tag \
                and 'state="veryHidden"' not in tag:
            return True
    return False


def load_returns(folder: Path, register: Register, config: Config, as_at: date) -> Returns:
    """The edition's return, validated against its own register and paper date. Raises InputError."""
    found = performance_source(folder, Path(register.source))
    if found is None:
        return Returns("")
    path, sheet = found
    raw = read_table(path, sheet=sheet or SHEET, header_hint=("id", "period"), known=COLUMNS,
                     limits=read_limits(config))
    return validate_returns(raw, register, as_at)


def _unknown_column(name: str) -> str:
    near = difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.7)
    hint = f'; did you mean "{near[0]}"?' if near else ""
    return f"this column is not part of the performance return{hint} The columns are: {', '.join(COLUMNS)}"


def validate_returns(raw, register: Register, as_at: date) -> Returns:
    source, sheet = raw.source, raw.sheet
    positions, problems = column_positions(
        raw, ("id", "period"), lambda col, names: "required column is missing from the header row; the return "
                                                   "needs id and period",
        known=COLUMNS, unknown=_unknown_column, sheet=sheet)
    if problems:
        raise InputError(problems)

    ids = {l.id.lower(): l.id for l in register.lines}
    seen: dict[tuple[str, Period], int] = {}
    rows: list[Return] = []
    for rownum, cells in raw.rows:
        def cell(col: str) -> str:
            i = positions.get(col)
            if i is None or i >= len(cells):
                return ""
            text = clean_text(cells[i])[0]
            if len(text) > MAX_CELL:
                bad(col, text[:60], f"this cell has {len(text):,} characters; expected at most {MAX_CELL:,}")
                return ""
            return text

        line_id = clean_text(cells[positions["id"]])[0][:40] if positions["id"] < len(cells) else ""

        def bad(col: str, value: str, expected: str) -> None:
            problems.append(Problem(source, rownum, col, value, expected, sheet=sheet, line=line_id))

        ok = True
        ident = cell("id")
        if not ident:
            bad("id", "", "this cell is blank; every row of the return needs the id of a register line")
            ok = False
        elif ident.lower() not in ids:
            near = difflib.get_close_matches(ident, list(ids.values()), n=1, cutoff=0.6)
            hint = f'; did you mean "{near[0]}"?' if near else ""
            bad("id", ident, f"this id is not a line of this edition's register ({register.source}){hint}")
            ok = False
        else:
            ident = ids[ident.lower()]

        period = None
        text = cell("period")
        if not text:
            bad("period", "", "this cell is blank; say which period the figures cover, e.g. 2023-24 or 2023-24 Q1")
            ok = False
        else:
            try:
                period = parse_period(text)
            except ValueError as exc:
                bad("period", text, str(exc))
                ok = False
        if period is not None and period.end > as_at:
            bad("period", text, f"this period ends on {period.end:%d/%m/%Y}, after the paper date ({as_at:%d/%m/%Y}); "
                                "a return covers a period that has ended: record it in a later edition")
            ok = False
        if period is not None and ok:
            key = (ident, period)
            if key in seen:
                bad("period", text, f"line {ident} already has a return for {period.label} on row {seen[key]}; "
                                    "keep one row per line and period")
                ok = False
            else:
                seen[key] = rownum

        numbers: dict[str, int | None] = {}
        for col in WHOLE:
            value = cell(col)
            numbers[col] = None
            if value:
                try:
                    numbers[col] = parse_whole(value)
                except ValueError as exc:
                    bad(col, value, str(exc))
                    ok = False
        money: dict[str, Decimal | None] = {}
        for col in MONEY:
            value = cell(col)
            money[col] = None
            if value:
                try:
                    money[col] = parse_money(value)
                except ValueError as exc:
                    bad(col, value, str(exc).replace("spend cannot", f"{col} cannot")
                        .replace(", or a blank cell if not separately costed", ", or a blank cell if not reported"))
                    ok = False
        outcomes = []
        for key in OUTCOMES:
            n, of = numbers[key], numbers[f"{key}_of"]
            if n is None and of is None:
                continue
            if of is None:
                bad(f"{key}_of", "", f"{key} is filled in ({n:,}) but {key}_of, the number of people asked, is blank; "
                                     "fill in both or neither")
                ok = False
            elif n is None:
                bad(key, "", f"{key}_of is filled in ({of:,}) but {key}, how many of them, is blank; "
                             "fill in both or neither")
                ok = False
            elif n > of:
                bad(key, cell(key), f"{key} ({n:,}) is more than {key}_of ({of:,}), the number of people asked; "
                                    "the number cannot be above the number asked")
                ok = False
            else:
                outcomes.append((key, n, of))
        if not ok:
            continue
        rows.append(Return(ident, period, numbers["referrals"], numbers["people_supported"], numbers["cases_closed"],
                           tuple(outcomes), numbers["waiting_days"], money["budget"], money["spend"],
                           cell("source"), cell("notes"), rownum))
    if problems:
        raise InputError(_capped(problems))
    shown = source + (f", sheet '{sheet}'" if sheet else "")
    return Returns(shown, tuple(sorted(rows, key=lambda r: (r.period, r.id))), sheet)
