"""Read and validate data/<year>/csp-allocation.csv: one row per Community Safety Partnership area.

Each row names the area, the register line that funds it (by id) and, for each factor of the formula
(population, recorded crime, a harm measure), the figure with its source, period and licence. Figures
are transcribed from public statistics; a blank figure means "not recorded" (never zero). Every
problem is reported at once, with the file, row, column, the value found and what was expected.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..problems import InputError, Problem
from .csp_settings import FACTORS
from .header import column_positions
from .load import clean_text
from .register import Register
from .sources import read_table

FILE_NAME = "csp-allocation.csv"
DETAILS = ("source", "period", "licence", "link")  # link: the web address the figure was read at
COLUMNS: tuple[str, ...] = ("area", "line_id",
                            *(c for f in FACTORS for c in (f, *(f"{f}_{d}" for d in DETAILS))), "notes")
REQUIRED: tuple[str, ...] = tuple(c for c in COLUMNS if c != "notes")
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


@dataclass(frozen=True)
class Figure:
    """One factor's figure for one area, with where it comes from."""
    factor: str
    value: Decimal | None  # None: not recorded
    source: str = ""
    period: str = ""
    licence: str = ""
    link: str = ""


@dataclass(frozen=True)
class CspArea:
    area: str
    line_id: str
    figures: tuple[Figure, ...]  # one per FACTORS, in that order
    notes: str = ""
    row: int = 0  # spreadsheet row, for messages

    def figure(self, factor: str) -> Figure:
        return next(f for f in self.figures if f.factor == factor)


@dataclass(frozen=True)
class CspInput:
    source: str
    areas: tuple[CspArea, ...]


def csp_path(data_dir: Path, edition_label: str) -> Path:
    return Path(data_dir) / edition_label / FILE_NAME


def parse_figure(text: str) -> Decimal:
    """'368600', '368,600' or '15.23' -> Decimal; raises ValueError with what was expected."""
    t = text.replace(" ", "").replace("\u00a0", "")
    if t.startswith("-") or (t.startswith("(") and t.endswith(")")):
        raise ValueError("a figure cannot be negative; expected a positive number, or a blank cell if it is not recorded")
    if not _NUMBER.match(t):
        raise ValueError("expected a positive number such as 368600, 368,600 or 15.23 (no units), "
                         "or a blank cell if it is not recorded")
    try:
        value = Decimal(t.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        raise ValueError("expected a positive number") from None
    if value <= 0:
        raise ValueError("expected a positive number; leave the cell blank if the figure is not recorded (blank is "
                         "never read as zero)")
    return value


def _unknown_column(name: str) -> str:
    near = difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.7)
    hint = f'; did you mean "{near[0]}"?' if near else f"; the columns are {', '.join(COLUMNS)}"
    return f"this column is not one csp-allocation.csv has, so it would be ignored{hint}"


def read_csp(path: Path, register: Register) -> CspInput:
    """The validated areas of `path`, each checked against the edition's own `register`."""
    raw = read_table(Path(path), header_hint=("area", "line_id"), known=COLUMNS)
    source = raw.source
    positions, problems = column_positions(
        raw, REQUIRED, lambda col, names: f"required column is missing from the header row. Required columns: "
                                          f"{', '.join(REQUIRED)}",
        known=COLUMNS, unknown=_unknown_column)
    if problems:
        raise InputError(problems)
    if not raw.rows:
        raise InputError([Problem(source, None, None, "", "the header is there but no areas are listed below it; "
                                  "add one row per Community Safety Partnership area")])

    lines = {l.id: l for l in register.lines}
    seen_areas: dict[str, int] = {}
    seen_lines: dict[str, int] = {}
    areas: list[CspArea] = []
    for rownum, cells in raw.rows:
        def cell(col: str) -> str:
            i = positions.get(col)
            return clean_text(cells[i])[0] if i is not None and i < len(cells) else ""

        def bad(col: str, value: str, expected: str) -> None:
            problems.append(Problem(source, rownum, col, value, expected, line=cell("line_id")))

        area, line_id = cell("area"), cell("line_id")
        if not area:
            bad("area", "", "every row needs the area's name, e.g. Charnwood")
        elif area.lower() in seen_areas:
            bad("area", area, f"this area is listed twice (also row {seen_areas[area.lower()]}); keep one row per area")
        else:
            seen_areas[area.lower()] = rownum
        if not line_id:
            bad("line_id", "", "every area needs the id of the register line that funds it, e.g. CS-004")
        elif line_id not in lines:
            close = difflib.get_close_matches(line_id, list(lines), n=1, cutoff=0.6)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            bad("line_id", line_id, f"no line of the register {register.source} has this id{hint}")
        elif line_id in seen_lines:
            bad("line_id", line_id, f"this line already funds the area in row {seen_lines[line_id]}; "
                                    "each area needs its own line")
        else:
            seen_lines[line_id] = rownum
        figures = []
        for factor in FACTORS:
            text = cell(factor)
            value = None
            if text:
                try:
                    value = parse_figure(text)
                except ValueError as exc:
                    bad(factor, text, str(exc))
            details = {d: cell(f"{factor}_{d}") for d in DETAILS}
            if text:
                for d in ("source", "period"):
                    if not details[d]:
                        bad(f"{factor}_{d}", "", f"a {factor.replace('_', ' ')} figure needs its {d} beside it "
                                                 "(where it was published, and the date or year it covers)")
            figures.append(Figure(factor, value, details["source"], details["period"], details["licence"],
                                  details["link"]))
        areas.append(CspArea(area, line_id, tuple(figures), cell("notes"), rownum))
    if problems:
        raise InputError(problems)
    return CspInput(source, tuple(areas))
