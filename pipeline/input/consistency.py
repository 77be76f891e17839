"""Checks of a valid register against the edition it is built for: what each cell says alone can be
right while the line as a whole would print something false.

- a line that starts after the edition ends is not part of that year's paper: its spend would count in
  a year it did not run ("started 01/04/2030" in the 2024-25 paper);
- a decommissioned or ending line given a category a-d by the officer would read as running and its
  money as committed, beside a sentence saying it ends.
"""

from __future__ import annotations

from ..edition import Edition
from ..formatting import uk_date
from ..problems import InputError, Problem
from .register import Register

# A status that takes a line out of the commissioning cycle, and the only category it may carry.
_OUT_OF_CYCLE = {"decommissioned": "decommissioned", "ending": "completing"}


def check_against_edition(register: Register, edition: Edition) -> None:
    """Refuse, with row and column, every line that contradicts the edition or itself."""
    problems: list[Problem] = []

    def bad(line, column: str, value: str, expected: str) -> None:
        problems.append(Problem(register.source, line.row, column, value, expected, sheet=register.sheet,
                                line=line.id))

    for line in register.lines:
        if line.start_date is not None and line.start_date > edition.end:
            bad(line, "start_date", line.text("start_date"),
                f"this line starts after the {edition.label} year ends ({uk_date(edition.end)}), so it is not part "
                f"of the {edition.label} paper; check the year, or add it to the register of the year it starts")
        status = line.status.lower()
        allowed = _OUT_OF_CYCLE.get(status)
        if allowed and line.category and line.category != allowed:
            bad(line, "category", line.category,
                f'the status is "{line.status}", so this line is outside categories a-d and its money is not '
                f'committed; clear the category cell (or set it to {allowed}), or change the status')
    if problems:
        raise InputError(problems)
