"""Lines whose agreement ended before the edition began cannot carry the edition's money.

A line decommissioned or ending, or past its latest end (the end date plus every extension option),
before the first day of the edition, with a spend recorded for the edition year, is almost always
last year's figure carried forward. It is refused, naming the line, its end and the spend.
"""

from __future__ import annotations

from datetime import date

from .dates import shift_months_end
from ..edition import Edition
from ..formatting import money, uk_date
from ..problems import Problem
from ..input.register import Line, Register

_CLOSED = ("decommissioned", "ending")


def latest_end(line: Line) -> date | None:
    """The day the agreement would end after every extension option; None without an end date."""
    if line.end_date is None:
        return None
    return shift_months_end(line.end_date, 12 * line.extension_years) if line.extension_options else line.end_date


def ended_before(line: Line, edition: Edition) -> bool:
    """The agreement ended before the edition began: closed and past its end, or past its latest end."""
    if line.end_date is None:
        return False
    if line.status.lower() in _CLOSED and line.end_date < edition.start:
        return True
    end = latest_end(line)
    return end is not None and end < edition.start


def ended_with_spend(register: Register, edition: Edition) -> list[Problem]:
    problems = []
    for line in register:
        if line.spend is None or not ended_before(line, edition):
            continue
        status = f"is {line.status} and " if line.status.lower() in _CLOSED else ""
        options = f" (after its extension options, {uk_date(latest_end(line))})" if line.extension_options else ""
        problems.append(Problem(
            register.source, line.row, "spend", money(line.spend),
            f"this line {status}ended on {uk_date(line.end_date)}{options}, before {edition.label} began, yet has "
            f"{money(line.spend)} of {edition.label} spend; if the service goes on, record its new end_date "
            "(and status extended or recommissioned); if it has ended, clear the spend cell "
            "(or delete the row)", sheet=register.sheet, line=line.id,
            cell=register.cell(line.row, "spend")))
    return problems
