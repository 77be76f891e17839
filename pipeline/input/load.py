"""Load and validate the officer's register. Every problem is collected and reported at once."""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable

from ..config import DATA_DIR, Config
from ..edition import Edition, available_editions
from ..problems import InputError, Problem
from . import columns
from .header import column_positions, normalise_header
from .register import _FIELDS as LINE_FIELDS
from .register import Line, Register
from .sources import RawTable, ReadLimits, read_table

# Thousands groups never start with 0 ("0,500" is £0.50 written the continental way, or a typo).
_MONEY = re.compile(r"^(?:[1-9]\d{0,2}(?:,\d{3})+|\d+)(?:\.\d{1,2})?$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$|^\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?$|^0\d*,\d{3}")
_MIDNIGHT = re.compile(r"^(?:T|\s+)00:00(?::00(?:\.0+)?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_OPTIONS = re.compile(r"^\d{1,2}(?:\s*\+\s*\d{1,2})*$")
# Characters Word's XML cannot hold, and other invisible controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad\ufeff\ufffe\uffff\ud800-\udfff\u200b-\u200f\u202a-\u202e"
                      r"\u2060-\u2064\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_SERIAL = re.compile(r"^\d{4,7}(?:\.\d+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0, allowing for its 1900 leap-year bug
# A totals or subtotals row pasted from the paper: "Total", "Total spend", "Grand total (£)", "Sub-total".
_TOTALS = re.compile(r"^(?:grand\s+|sub[\s-]?)?totals?\b", re.IGNORECASE)
MAX_YEAR = 2200  # dates beyond this are typos, and would break the date arithmetic of the schedule
MAX_PROBLEMS = 200  # beyond this, more of the same would only bury the first ones
MAX_CELL = 2000  # characters; a longer cell is almost always a paste gone wrong


def clean_text(value: str) -> tuple[str, bool]:
    """Trim, fold runs of spaces, drop control characters. Returns (text, had_controls)."""
    value = unicodedata.normalize("NFC", value)
    stripped = _CONTROL.sub(" ", value.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))
    had = stripped != value.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _SPACES.sub(" ", stripped).strip(), had


def id_key(ident: str) -> str:
    """An id with everything but its letters and digits removed, case folded: what tells two ids apart."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKC", ident) if ch.isalnum()).casefold()
    return folded or ident


def _choices(options: tuple[str, ...]) -> str:
    return ", ".join(options)


def _suggest(value: str, options: tuple[str, ...]) -> str:
    lowered = {o.lower(): o for o in options}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f'; did you mean "{lowered[close[0]]}"?' if close else ""


def parse_money(text: str) -> Decimal:
    """'12345', '12,345', '£12,345', '12345.50' -> Decimal. Raises ValueError with the reason."""
    t = text.replace("£", "").replace(" ", "").replace("\u00a0", "")
    negative = t.startswith("-") or (t.startswith("(") and t.endswith(")"))
    if negative:
        raise ValueError("spend cannot be negative; record reductions as a lower spend")
    if _DECIMAL_COMMA.match(t):
        raise ValueError("expected an amount in pounds such as 1,500.50 or 500 (commas between thousands, a point "
                         "before pence); this one could be read two ways, with the comma or the point as the "
                         "decimal mark, so check the amount and retype it")
    if not _MONEY.match(t):
        raise ValueError("expected an amount in pounds such as 12345, 12,345 or £12,345.50, or a blank cell if not separately costed")
    try:
        return Decimal(t.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        raise ValueError("expected an amount in pounds") from None


def parse_date(text: str) -> date:
    """'2024-04-01' or '01/04/2024' (day first, as in the UK). Raises ValueError with the reason."""
    t = text.strip()
    head = re.match(r"^\d{4}-\d{1,2}-\d{1,2}|^\d{1,2}/\d{1,2}/\d{4}", t)
    if head and head.end() < len(t):
        rest = t[head.end():]
        if not _MIDNIGHT.match(rest):  # only a date that Excel stored with a midnight time is a date alone
            raise ValueError(f'this cell holds more than a date ("{rest.strip()[:40]}" after {head.group()}); '
                             "write only the date here (one date per cell; several break dates separated by ';') "
                             "and put anything else in notes")
        t = head.group()
    m = _ISO.match(t)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _UK.match(t)
        if not m:
            if _SERIAL.match(t) and 1 <= float(t) < 2958466:
                # Excel shows a date cell formatted as General (or saved to CSV that way) as its serial number.
                seen = (_EXCEL_EPOCH + timedelta(days=int(float(t)))).strftime("%d/%m/%Y")
                raise ValueError(f"this looks like a date stored as an Excel serial number ({t} is {seen}); "
                                 "format the column as Date in Excel (Format Cells, Date) and save again")
            raise ValueError("expected a date written 2024-04-01 or 01/04/2024 (day first)")
        d, mo, y = (int(g) for g in m.groups())
    try:
        day = date(y, mo, d)
    except ValueError:
        raise ValueError("this date does not exist in the calendar; expected a real date such as 31/03/2025") from None
    if not 1900 <= y <= MAX_YEAR:
        # A typo such as 9999 would pass here and break the review dates computed from it.
        raise ValueError(f"expected a year between 1900 and {MAX_YEAR}; check the year is typed in full (2025, not 25)")
    return day


def parse_options(text: str) -> tuple[int, ...]:
    t = text.strip().lower().removesuffix("years").removesuffix("year").strip()
    if not _OPTIONS.match(t):
        raise ValueError('expected extension options in whole years: 1, 2 or 1+1')
    years = tuple(int(p) for p in t.split("+"))
    if any(y == 0 for y in years):
        raise ValueError("each extension option must be at least one year, e.g. 1+1")
    return years


def latest_end_year(end: date, options: tuple[int, ...]) -> int:
    """The year the agreement would end after every extension option (whole years)."""
    return end.year + sum(options)


def parse_dates(text: str) -> tuple[date, ...]:
    """One or more dates separated by ';' (each as parse_date), in date order."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if not parts:
        raise ValueError("expected one or more dates separated by ';', e.g. 31/03/2027; 31/03/2028")
    found = []
    for part in parts:
        try:
            found.append(parse_date(part))
        except ValueError as exc:
            raise ValueError(f'"{part}": {exc}; separate several dates with ";"') from None
    return tuple(sorted(set(found)))


_POSTS = re.compile(r"^\d{1,6}(?:\.\d{1,2})?$")


def parse_posts(text: str) -> Decimal:
    """'3' or '2.5' (full-time equivalents): the people or posts a line funds. Raises ValueError."""
    t = text.strip()
    if not _POSTS.match(t):
        raise ValueError("expected the number of people or posts the service funds, such as 3 or 2.5 "
                         "(leave blank if not known)")
    return Decimal(t)


_YES = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}


def parse_yes_no(text: str) -> bool:
    answer = _YES.get(text.strip().lower())
    if answer is None:
        raise ValueError("expected yes or no (leave blank if not known)")
    return answer


# org-id.guide identifiers as 360Giving expects them: a list code (GB-CHC, GB-COH, ...) and the id in it,
# or a 360Giving identifier. The two most common UK lists are checked more closely.
_ORG_ID = re.compile(r"^(?:[A-Z]{2}-[A-Z0-9]{2,10}-[A-Za-z0-9][A-Za-z0-9._/-]*|360G-[A-Za-z0-9][A-Za-z0-9._/-]*)$")
_ORG_ID_RULES = {
    "GB-CHC": (re.compile(r"^\d{6,7}$"), "a charity number of 6 or 7 digits, e.g. GB-CHC-1234567"),
    "GB-COH": (re.compile(r"^(?:\d{8}|[A-Z]{2}\d{6})$"), "a company number of 8 characters, e.g. GB-COH-01234567"),
}


_NAME = re.compile(r"^[\w][\w '\-]{0,59}$")


def parse_inferred(text: str) -> tuple[str, ...]:
    """'start_date;end_date': the columns of this line whose values are inferred, not recorded."""
    inferable = columns.inferable()
    names = tuple(dict.fromkeys(normalise_header(p) for p in re.split(r"[;,]", text) if p.strip()))
    wrong = [n for n in names if n not in inferable]
    if wrong:
        raise ValueError(f"expected the names of columns whose values are inferred, separated by ;, from: "
                         f"{', '.join(inferable)} (found {', '.join(wrong)})")
    return names


def parse_name(text: str) -> str:
    """A short agreement name, written the same on every line it covers."""
    if not _NAME.match(text):
        raise ValueError("expected a short name for the agreement (letters, digits, spaces, - and ' only, at most 60 "
                         "characters), the same on every line it covers")
    return text


def parse_org_id(text: str) -> str:
    t = text.strip()
    if not _ORG_ID.match(t):
        raise ValueError("expected an organisation identifier such as GB-CHC-1234567 (charity), "
                         "GB-COH-01234567 (company) or 360G-..., as listed on org-id.guide")
    for prefix, (rule, example) in _ORG_ID_RULES.items():
        if t.startswith(prefix + "-") and not rule.match(t[len(prefix) + 1:]):
            raise ValueError(f"expected {example}")
    return t


def register_path(edition: Edition, config: Config, register: str | Path | None, data_dir: Path = DATA_DIR) -> Path:
    """The edition's register file. Two candidates (say register.csv and register.xlsx) are refused unless
    the edition's own config.toml names one, so an edit in the other file is never silently ignored."""
    if register:
        given = Path(register)
        if not given.exists():
            raise InputError([Problem(str(given), None, None, "", f"there is no such register file{_near_file(given)}")])
        return given
    folder = data_dir / edition.label
    named = _edition_setting(folder / "config.toml", "register", "file")
    if named:
        if not (folder / named).exists():
            raise InputError([Problem(str(folder / "config.toml"), None, "register.file", named,
                                      f"there is no register file of that name in {folder}{_near_file(folder / named)}")])
        return folder / named
    found = [folder / n for n in ("register.csv", "register.xlsx", "register.xlsm") if (folder / n).exists()]
    if len(found) > 1:
        raise InputError([Problem(str(folder), None, None, "",
                                  f"there are {len(found)} registers here ({', '.join(p.name for p in found)}); "
                                  "keep the one you edit and delete the other, or name it in this folder's "
                                  'config.toml: [register] file = "register.xlsx"')])
    if found:
        return found[0]
    if not folder.is_dir():
        editions = available_editions(data_dir)
        known = ", ".join(e.label for e in editions) or "none"
        start = (f"; to start it from {edition.previous().label}, run `invoke new-year --year {edition.previous().label}`"
                 if edition.previous() in editions else
                 f"; to start the next one, run `invoke new-year` (it makes {editions[-1].next().label})"
                 if editions and edition > editions[-1] else "")
        raise InputError([Problem(str(folder), None, None, "",
                                  f"there is no {edition.label} edition; editions under data/: {known}{start}")])
    default = folder / config.settings.register.file
    if not default.exists():
        raise InputError([Problem(str(default), None, None, "",
                                  f"the {edition.label} register is missing: expected register.csv or register.xlsx "
                                  f"in {folder}{_near_file(default)}")])
    return default


def _near_file(path: Path) -> str:
    """'; did you mean "register.xlsx"?' for a misspelt file name, from the files beside it."""
    try:
        names = [p.name for p in path.parent.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))]
    except OSError:
        return ""
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.6)
    return f'; did you mean "{path.parent / close[0]}"?' if close else ""


def _edition_setting(path: Path, table: str, key: str) -> str | None:
    if not path.exists():
        return None
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8")).get(table, {}).get(key)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None  # load_config reports a damaged file with its own message


def read_limits(config: Config) -> ReadLimits:
    limits = config.limits
    return ReadLimits(max_bytes=int(limits.register_megabytes * 1024 * 1024), max_rows=int(limits.register_rows),
                      setting="[limits] register_megabytes and register_rows in data/config.toml")


def load_register(path: Path, config: Config) -> Register:
    """Read, clean and validate a register. Raises InputError listing every problem found."""
    raw = read_table(Path(path), sheet=config.settings.register.sheet, known=columns.names(),
                     limits=read_limits(config))
    return validate(raw, config)


def _capped(problems: list[Problem]) -> list[Problem]:
    """All problems when there are a reasonable number; else the first ones and how many more there are."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    first = problems[0]
    return [*problems[:MAX_PROBLEMS], Problem(first.file, None, None, "",
                                               f"... and {rest:,} more problems not listed; fix these first "
                                               "(so many usually means the wrong file, or a shifted column)",
                                               sheet=first.sheet)]


# How a cell of each kind of column is read (input/columns.py names each column's kind); a kind not here is text.
_PARSERS: dict[str, Callable[[str], Any]] = {
    "money": parse_money, "date": parse_date, "dates": parse_dates, "years": parse_options, "bool": parse_yes_no,
    "number": parse_posts, "org_id": parse_org_id, "columns": parse_inferred, "name": parse_name,
}


def _cross_check(col: str, values: dict[str, str], parsed: dict[str, Any]) -> str | None:
    """What is wrong with a readable cell given the line's other cells (None: nothing), once `col` is read."""
    start, end = parsed.get("start_date"), parsed.get("end_date")
    if col == "end_date" and start and end and end < start:
        return f"the end date is before the start date ({values['start_date']}); check the two dates"
    if col == "extension_options" and parsed[col] and end and latest_end_year(end, parsed[col]) > MAX_YEAR:
        return (f"with these options the agreement would run to {latest_end_year(end, parsed[col])}; "
                f"the end date plus every option must stay within {MAX_YEAR} (check the options and the end date)")
    if col == "break_dates" and parsed[col]:
        outside = [d for d in parsed[col] if (start and d <= start) or (end and d >= end)]
        if outside:
            return ("a break must fall after the start date and before the end date of the agreement "
                    f"({', '.join(d.strftime('%d/%m/%Y') for d in outside)} does not)")
        if not values["end_date"]:  # an unreadable end date is reported on its own, once
            return "break dates need an end_date on the same line"
    if col == "option_holder" and values[col] and not (values["agreement"] or end):
        return "a partner holds options only on an agreement with an end date; fill in end_date, or clear this cell"
    return None


def _missing_column(col: str, names: list[str]) -> str:
    near = difflib.get_close_matches(col, [n for n in names if n], n=1, cutoff=0.7)
    hint = f'; the header has "{near[0]}" - rename it to "{col}"' if near else ""
    return f"required column is missing from the header row{hint}. Required columns: {_choices(columns.required())}"


def validate(raw: RawTable, config: Config) -> Register:
    vocab = config.vocabulary
    source = raw.source
    table = columns.TABLE
    known = columns.names()
    warnings: list[str] = []

    positions, problems = column_positions(raw, columns.required(), _missing_column, sheet=raw.sheet)
    if problems:
        raise InputError(problems)
    if not raw.rows:
        raise InputError([Problem(source, None, None, "",
                                  "the header is there but no services are listed below it; add one row per service or grant",
                                  sheet=raw.sheet)])

    extras = tuple(raw.header[i].strip() for n, i in positions.items() if n not in known)
    extra_idx = [(raw.header[i].strip(), i) for n, i in positions.items() if n not in known]
    # An office that lists no values for a column (procurement routes, say) may write its own.
    vocab_map = {c.name: options for c in columns.listed() if (options := getattr(vocab, c.vocabulary))}
    filled = tuple(c.name for c in table if c.filled)
    read = tuple(c for c in table if c.kind in _PARSERS)
    seen_ids: dict[str, int] = {}
    seen_loose: dict[str, tuple[int, str]] = {}
    lines: list[Line] = []

    def merged_with(rownum: int, col: str) -> tuple[int, int, int, int] | None:
        """The merged range a cell lies in, other than as its first cell (which holds the value)."""
        c = positions[col] + 1
        for first_row, first_col, last_row, last_col in raw.merged:
            if first_row <= rownum <= last_row and first_col <= c <= last_col and (rownum, c) != (first_row, first_col):
                return first_row, first_col, last_row, last_col
        return None

    def excel_cell(col: str) -> str:
        """The cell as Excel shows it (F12): workbooks only, where the officer looks for it by letter."""
        if not raw.sheet or col not in positions:
            return ""
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(positions[col] + 1)}{rownum}"

    for rownum, cells in raw.rows:
        line_id = clean_text(cells[positions["id"]])[0][:40] if positions["id"] < len(cells) else ""

        def cell(col: str) -> str:
            i = positions.get(col)
            if i is None or i >= len(cells):
                return ""
            text, had = clean_text(cells[i])
            if had:
                warnings.append(f"{source}, row {rownum}, column '{col}': invisible control characters were removed")
            if len(text) > MAX_CELL:
                problems.append(Problem(source, rownum, col, text, f"this cell has {len(text):,} characters; "
                                        f"expected at most {MAX_CELL:,} (is it a paste gone wrong?)",
                                        sheet=raw.sheet, line=line_id, cell=excel_cell(col)))
                return text[:MAX_CELL]
            return text

        def bad(col: str, value: str, expected: str) -> None:
            problems.append(Problem(source, rownum, col, value, expected, sheet=raw.sheet, line=line_id,
                                    cell=excel_cell(col)))

        values = {col: cell(col) for col in known}
        filled_cells = [clean_text(c)[0] for c in cells if c.strip()]
        totals = [c for c in filled_cells if _TOTALS.match(c)]
        if totals and (not values["id"] or _TOTALS.match(values["id"])):
            at = next(i for i, c in enumerate(cells) if clean_text(c)[0] == totals[0])
            where = raw.header[at].strip() if at < len(raw.header) and raw.header[at].strip() else f"column {at + 1}"
            problems.append(Problem(source, rownum, where, totals[0], "this looks like a totals row copied from the "
                                    "paper; delete the row, as the paper computes its totals", sheet=raw.sheet))
            continue
        if not values["id"] and len(filled_cells) == 1:
            bad("id", "", f'this row holds only "{filled_cells[0][:40]}", like a heading; delete it, or fill in the whole line')
            continue
        ok = True
        for col in filled:
            if not values[col]:
                name = col.replace("_", " ")
                needs = f"every line needs {'an' if name[0] in 'aeiou' else 'a'} {name}"
                span = merged_with(rownum, col) if raw.merged else None
                if span:
                    from openpyxl.utils import get_column_letter

                    cells_ref = f"{get_column_letter(span[1])}{span[0]}:{get_column_letter(span[3])}{span[2]}"
                    bad(col, "", f"this cell is part of the merged cells {cells_ref}, so Excel keeps its value only in "
                                 f"the first of them; unmerge the cells (Home, Merge & Center) and fill in each row: {needs}")
                else:
                    bad(col, "", f"this cell is blank; {needs}")
                ok = False

        ident = values["id"]
        if ident:
            key = ident.lower()
            # Ids that differ only by spaces, punctuation or invisible characters (a zero-width space copied
            # with "VU-002") are one line typed twice, and would publish the same 360Giving identifier.
            loose = id_key(ident)
            if key in seen_ids:
                bad("id", ident, f"this id is already used on row {seen_ids[key]}; each line needs its own id")
                ok = False
            elif loose in seen_loose:
                row, other = seen_loose[loose]
                bad("id", ident, f'this id differs from "{other}" on row {row} only by spaces, punctuation or '
                                 "invisible characters; if it is the same line delete one, else give it an id of its own")
                ok = False
            else:
                seen_ids[key] = rownum
                seen_loose[loose] = (rownum, ident)

        # Every column's value: text as cleaned, listed values as the list writes them, the rest parsed by kind.
        parsed: dict[str, Any] = {c.name: values[c.name] or c.empty for c in table}
        for col, options in vocab_map.items():
            v = values[col]
            if not v:
                continue
            match = next((o for o in options if o.lower() == v.lower()), None)
            if match is None:
                bad(col, v, f"expected one of: {_choices(options)}{_suggest(v, options)}")
                ok = False
            else:
                parsed[col] = match
        for c in read:
            v = values[c.name]
            if not v:
                parsed[c.name] = c.empty
                continue
            try:
                parsed[c.name] = _PARSERS[c.kind](v)
            except ValueError as exc:
                parsed[c.name] = c.empty
                bad(c.name, v, str(exc))
                ok = False
                continue
            wrong = _cross_check(c.name, values, parsed)
            if wrong:
                bad(c.name, v, wrong)
                ok = False
        wrong = _cross_check("option_holder", values, parsed)  # a text column, checked against the dates
        if wrong:
            bad("option_holder", values["option_holder"], wrong)
            ok = False

        if not ok:
            continue
        office = tuple((name, clean_text(cells[i])[0] if i < len(cells) else "") for name, i in extra_idx)
        own = tuple((n, v) for n, v in parsed.items() if n not in LINE_FIELDS)
        lines.append(Line(**{n: v for n, v in parsed.items() if n in LINE_FIELDS}, extra=(*own, *office), row=rownum))

    agreements = {l.agreement.lower() for l in lines if l.agreement}
    for l in lines:
        if l.decide_with and l.decide_with.lower() not in agreements:
            problems.append(Problem(source, l.row, "decide_with", l.decide_with,
                                    "no line names this agreement in its agreement column; use the same name as "
                                    "the lines it is tied to" + _suggest(l.decide_with, tuple(sorted(
                                        {x.agreement for x in lines if x.agreement}))), sheet=raw.sheet, line=l.id))
        elif l.decide_with and l.decide_with.lower() == l.agreement.lower():
            problems.append(Problem(source, l.row, "decide_with", l.decide_with, "a line cannot be tied to its own "
                                    "agreement; clear this cell", sheet=raw.sheet, line=l.id))
    if problems:
        raise InputError(_capped(problems))
    return Register(source=source, lines=tuple(lines), extra_columns=extras, warnings=tuple(warnings),
                    sheet=raw.sheet, positions=tuple((n, i + 1) for n, i in positions.items()))


# The extra column `invoke new-year` adds: what the officer must still do to each line.
ACTION_COLUMN = "new_year_action"


def pending_actions(register: Register) -> tuple[Line, ...]:
    """Lines whose new-year action cell is still filled in: the officer has not finished the roll forward."""
    return tuple(l for l in register if any(normalise_header(k) == ACTION_COLUMN and v for k, v in l.extra))
