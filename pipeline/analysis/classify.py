"""The four commissioning categories (a-d), computed for every line with a reason an officer can check.

Status comes before dates. The rules and their order are documented in data/config.toml ([classify]);
thresholds come from there too. The officer's `category` column overrides the letter; both are kept
and a disagreement is warned about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..config import Config
from ..edition import Edition
from ..formatting import plural, uk_date
from ..input.register import Line, Register
from .dates import add_months, paper_date

ANNUAL = "annual"
UNDATED = "undated"
COMPLETING = "completing"
DECOMMISSIONED = "decommissioned"
# Every key a line can be placed under, in the order the paper explains them.
KEYS: tuple[str, ...] = ("a", "b", "c", "d", ANNUAL, UNDATED, COMPLETING, DECOMMISSIONED)
# Keys outside the commissioning cycle: no decision is scheduled and no money is "at risk".
OUTSIDE_CYCLE: tuple[str, ...] = (COMPLETING, DECOMMISSIONED)


@dataclass(frozen=True)
class Classified:
    line: Line
    category: str  # what the paper uses: the officer's override if given, else the computed one
    computed: str
    reason: str  # why the computed category applies, naming the dates and statuses used
    lapsed: bool = False  # past its end date at the paper date, with no decision recorded
    assumed: bool = False  # the category rests on an assumption (stated in the reason)

    @property
    def overridden(self) -> bool:
        return self.line.category is not None

    @property
    def disagrees(self) -> bool:
        return self.line.category is not None and self.line.category != self.computed


def _options_text(line: Line) -> str:
    if not line.extension_options:
        return "no extension option"
    if len(line.extension_options) == 1:
        n = line.extension_options[0]
        return f"a {n}-year option" if n > 1 else "a one-year option"
    return f"options of {line.extension_text} years"


def _start_text(line: Line, as_at: date | None = None) -> str:
    if not line.start_date:
        return "start not recorded"
    # A line that has not started yet at the paper date "starts", never "started".
    return f"{'starts' if as_at and line.start_date > as_at else 'started'} {uk_date(line.start_date)}"


def classify_line(line: Line, edition: Edition, config: Config, as_at: date | None = None) -> tuple[str, str]:
    """(category, reason) for one line; see classify_item for the flags."""
    item = classify_item(line, edition, config, as_at)
    return item.computed, item.reason


def classify_item(line: Line, edition: Edition, config: Config, as_at: date | None = None) -> Classified:
    rules = config.settings.classify
    as_at = as_at or paper_date(edition, config)
    end = line.end_date

    def result(key: str, reason: str, lapsed: bool = False, assumed: bool = False) -> Classified:
        return Classified(line, line.category or key, key, reason, lapsed, assumed)

    if line.status == "decommissioned":
        if end is None:
            return result(DECOMMISSIONED, "decommissioned (end date not recorded)")
        verb = "ended" if end < as_at else "ends"
        return result(DECOMMISSIONED, f"decommissioned; {verb} {uk_date(end)}")
    if line.status == "ending":
        when = f"on {uk_date(end)}" if end else "(end date not recorded)"
        return result(COMPLETING, f"completes as agreed {when}: a planned end, not lost capacity")
    if line.status == "under review":
        when = f"ends {uk_date(end)}" if end else "no end date recorded"
        return result("b", f"under review ({when})")

    if end is None:
        if line.term in rules.dated_terms:
            return result(UNDATED, f"a {line.term.lower()}-term line with no end date recorded: "
                                   "category and decision dates cannot be worked out", assumed=True)
        what = "partnership contribution" if line.term == "Partnership" else "no end date"
        return result(ANNUAL, f"{what}: reviewed each year in the budget round")

    if end < as_at:
        return result("b", f"lapsed: ended {uk_date(end)} with no decision recorded", lapsed=True)

    short = rules.short_funding_months
    start, assumed = line.start_date, False
    if start is None and line.section in rules.assume_single_year_sections:
        start, assumed = edition.start, True
    if start is not None and end < add_months(start, short):
        if assumed:
            return result("d", f"assumed funded for {edition.label} only (start not recorded), "
                               f"ends {uk_date(end)}", assumed=True)
        return result("d", f"funded {uk_date(start)} to {uk_date(end)}, {plural(short, 'month')} or less")

    horizon_end = add_months(edition.end + timedelta(days=1), rules.review_horizon_months) - timedelta(days=1)
    if end <= horizon_end:
        when = f"within {edition.label}"
        if end > edition.end:
            when = f"by {uk_date(horizon_end)}, within the review horizon"
        return result("b", f"ends {uk_date(end)}, {when}, with {_options_text(line)}; {_start_text(line, as_at)}")

    recent_from = add_months(edition.end + timedelta(days=1), -rules.recent_start_months)
    medium_end = add_months(edition.end, rules.medium_term_months)
    recent = line.status == "recommissioned" or (line.start_date is not None and line.start_date >= recent_from)
    if recent and end > medium_end:
        how = "re-commissioned" if line.status == "recommissioned" else _start_text(line, as_at)
        return result("a", f"{how} and runs to {uk_date(end)}, beyond the medium term ({uk_date(medium_end)})")

    return result("c", f"ends {uk_date(end)}, after {edition.label}, with {_options_text(line)}")


def classify(register: Register, edition: Edition, config: Config, as_at: date | None = None) -> tuple[Classified, ...]:
    as_at = as_at or paper_date(edition, config)
    return tuple(classify_item(line, edition, config, as_at) for line in register.lines)


def override_warnings(items: tuple[Classified, ...]) -> tuple[str, ...]:
    return tuple(
        f"{c.line.id} {c.line.project}: the register sets category {c.line.category}, "
        f"but the rules give {c.computed} ({c.reason})"
        for c in items if c.disagrees
    )


def data_gaps(items: tuple[Classified, ...], config: Config) -> tuple[tuple[str, tuple[Line, ...]], ...]:
    """Register gaps the paper and `check` name: (what is missing, the lines), only kinds that occur."""
    grant_sections = config.settings.decisions.grant_sections
    undated = tuple(c.line for c in items if c.computed == UNDATED)
    no_start = tuple(c.line for c in items if c.line.section in grant_sections and c.line.start_date is None)
    lapsed = tuple(c.line for c in items if c.lapsed)
    found = (("fixed-term lines with no end date", undated),
             ("grants with no start date", no_start),
             ("agreements past their end date with no decision recorded", lapsed))
    return tuple((what, lines) for what, lines in found if lines)
