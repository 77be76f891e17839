"""The four commissioning categories (a-d), computed for every line with a reason an officer can check.

Rules, in the order they are tried (thresholds come from [classify] in data/config.toml):
  no end date -> "annual": reviewed each year in the budget round (partnerships, funds, annual grants)
  d  the agreement's funded period is short_funding_months or less: sustainability must be considered
  b  the agreement ends within the edition year (plus review_horizon_months): decision needed now
  a  recently (re-)commissioned and running beyond the medium term: committed
  c  anything else with an end date: a review is planned for later
The officer's `category` column overrides the letter; both are kept and a disagreement is warned about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..config import Config
from .dates import add_months
from ..edition import Edition
from ..formatting import plural, uk_date
from ..input.register import Line, Register

ANNUAL = "annual"
KEYS: tuple[str, ...] = ("a", "b", "c", "d", ANNUAL)


@dataclass(frozen=True)
class Classified:
    line: Line
    category: str  # what the paper uses: the officer's override if given, else the computed one
    computed: str
    reason: str  # why the computed category applies, naming the dates used

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
        return f"a {line.extension_options[0]}-year option"
    return f"options of {line.extension_text} years"


def _funded_start(line: Line, edition: Edition, config: Config) -> tuple[date | None, bool]:
    """The start of the funded period, and whether it was assumed from the section."""
    if line.start_date is not None:
        return line.start_date, False
    if line.section in config["classify"].get("single_year_sections", []):
        return edition.start, True
    return None, False


def classify_line(line: Line, edition: Edition, config: Config) -> tuple[str, str]:
    rules = config["classify"]
    end = line.end_date
    if end is None:
        what = "partnership contribution" if line.term == "Partnership" else "no end date recorded"
        return ANNUAL, f"{what}: reviewed each year in the budget round"

    if end < edition.start:
        return "b", f"ended {uk_date(end)}, before {edition.label} began: a decision on its future is overdue"

    start, assumed = _funded_start(line, edition, config)
    short = int(rules["short_funding_months"])
    if start is not None and end < add_months(start, short):
        if assumed:
            return "d", f"funded for {edition.label} only, ends {uk_date(end)}"
        return "d", f"funded {uk_date(start)} to {uk_date(end)}, {plural(short, 'month')} or less"

    horizon_end = add_months(edition.end + timedelta(days=1), int(rules["review_horizon_months"])) - timedelta(days=1)
    if end <= horizon_end:
        when = f"within {edition.label}"
        if end > edition.end:
            when = f"by {uk_date(horizon_end)}, within the review horizon"
        return "b", f"ends {uk_date(end)}, {when}, with {_options_text(line)}"

    recent_from = add_months(edition.end + timedelta(days=1), -int(rules["recent_start_months"]))
    medium_end = add_months(edition.end, int(rules["medium_term_months"]))
    recent = line.status == "recommissioned" or (line.start_date is not None and line.start_date >= recent_from)
    if recent and end > medium_end:
        how = "re-commissioned" if line.status == "recommissioned" else f"started {uk_date(line.start_date)}"
        return "a", f"{how} and runs to {uk_date(end)}, beyond the medium term ({uk_date(medium_end)})"

    return "c", f"ends {uk_date(end)}, after {edition.label}, with {_options_text(line)}"


def classify(register: Register, edition: Edition, config: Config) -> tuple[Classified, ...]:
    out = []
    for line in register.lines:
        computed, reason = classify_line(line, edition, config)
        out.append(Classified(line, line.category or computed, computed, reason))
    return tuple(out)


def override_warnings(items: tuple[Classified, ...]) -> tuple[str, ...]:
    return tuple(
        f"{c.line.id} {c.line.project}: the register sets category {c.line.category}, "
        f"but the rules give {c.computed} ({c.reason})"
        for c in items if c.disagrees
    )
