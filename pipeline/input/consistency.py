"""Checks of a valid register against the edition it is built for: what each cell says alone can be
right while the line as a whole would print something false.

- a line that starts after the edition ends (an agreement already signed for a later year, or a typo
  such as 2030) is counted in this year's totals: built, with a note naming it, so it is never silent;
- a decommissioned or ending line given a category a-d by the officer would read as running and its
  money as committed, beside a sentence saying it ends: refused.
"""

from __future__ import annotations

from dataclasses import replace

from ..edition import Edition
from ..formatting import uk_date
from ..problems import InputError, Problem
from .register import Register

# A status that takes a line out of the commissioning cycle, and the only category it may carry.
_OUT_OF_CYCLE = {"decommissioned": "decommissioned", "ending": "completing"}


def check_against_edition(register: Register, edition: Edition) -> Register:
    """Refuse, with row and column, every line that contradicts itself; the register with a note for each
    line that starts after the edition."""
    problems: list[Problem] = []
    later = [line for line in register.lines if line.start_date is not None and line.start_date > edition.end]

    def bad(line, column: str, value: str, expected: str) -> None:
        problems.append(Problem(register.source, line.row, column, value, expected, sheet=register.sheet,
                                line=line.id))

    for line in register.lines:
        status = line.status.lower()
        allowed = _OUT_OF_CYCLE.get(status)
        if allowed and line.category and line.category != allowed:
            bad(line, "category", line.category,
                f'the status is "{line.status}", so this line is outside categories a-d and its money is not '
                f'committed; clear the category cell (or set it to {allowed}), or change the status')
    if problems:
        raise InputError(problems)
    if not later:
        return register
    shown = ", ".join(f"{l.id} ({uk_date(l.start_date)})" for l in later[:8]) + (", ..." if len(later) > 8 else "")
    note = (f"{len(later)} line{'s start' if len(later) > 1 else ' starts'} after the {edition.label} year ends "
            f"({uk_date(edition.end)}): {shown}; {'their' if len(later) > 1 else 'its'} spend is counted in this "
            "paper's totals, so check the start dates (a typo such as 2030?)")
    return replace(register, warnings=(*register.warnings, note))
