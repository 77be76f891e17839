"""contracts-register.csv: the contracts list of the Local Government Transparency Code 2015, which also
serves the Specified Information Order 2011 (contracts over £10,000 in full, the rest listed).

One row per agreement (see transparency.contract_lines). The review date and the latest end after options
come from the schedule, passed in as a plain mapping so this module does not depend on how the schedule
is worked out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..config import Config
from ..formatting import money
from ..input import columns as register_columns
from ..input.register import Line, Register
from .csvfile import write_csv
from .transparency import Settings, contract_lines, over_threshold, settings

# line id -> (review date, latest end after every option); a line the schedule does not date is absent.
ScheduleDates = Mapping[str, tuple[date | None, date | None]]


@dataclass(frozen=True)
class _Computed:
    """A column of the file that is not a register column: worked out from the settings or the schedule."""
    heading: Callable[[Settings], str]
    value: Callable[[Line, Settings, ScheduleDates], str]


def _review(line: Line, s: Settings, dates: ScheduleDates) -> str:
    review = dates.get(line.id, (None, None))[0]
    return review.isoformat() if review else ""


def _latest(line: Line, s: Settings, dates: ScheduleDates) -> str:
    latest = dates.get(line.id, (None, None))[1]
    return latest.isoformat() if latest else ""


# The file's columns in order: a name is a register column, headed as input/columns.py says (its
# `contracts` heading); a register column with a heading that is not placed here comes at the end.
_LAYOUT: tuple[str | _Computed, ...] = (
    "id", "project",
    _Computed(lambda s: "Department", lambda line, s, dates: s.department),
    "notes", "priority", "provider", "provider_org_id", "spend",
    _Computed(lambda s: "Value Basis",
              lambda line, s, dates: s.value_basis if line.spend is not None else "not separately costed"),
    _Computed(lambda s: "Irrecoverable VAT (GBP)", lambda line, s, dates: s.irrecoverable_vat),
    "start_date", "end_date",
    _Computed(lambda s: "Review Date", _review),
    "extension_options",
    _Computed(lambda s: "Latest End Date (after options)", _latest),
    "procurement_route", "sme", "vcse",
    _Computed(lambda s: f"Over {money(s.order_threshold)} (Specified Information Order)",
              lambda line, s, dates: over_threshold(line, s)),
)


_laid_out: tuple[tuple[register_columns.Column, ...], tuple[str | _Computed, ...]] = ((), ())


def _layout() -> tuple[str | _Computed, ...]:
    global _laid_out
    if _laid_out[0] is not register_columns.TABLE:  # worked out once per table, not once per row
        placed = {entry for entry in _LAYOUT if isinstance(entry, str)}
        added = tuple(c.name for c in register_columns.TABLE if c.contracts and c.name not in placed)
        _laid_out = (register_columns.TABLE, (*_LAYOUT, *added))
    return _laid_out[1]


def columns(s: Settings) -> tuple[str, ...]:
    by_name = register_columns.by_name()
    return tuple(by_name[e].contracts if isinstance(e, str) else e.heading(s) for e in _layout())


def _amount(value: Decimal | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def contract_row(line: Line, s: Settings, dates: ScheduleDates) -> list[str]:
    by_name = register_columns.by_name()
    return [e.value(line, s, dates) if isinstance(e, _Computed)
            else _amount(line.value(e)) if by_name[e].kind == "money" else line.text(e) for e in _layout()]


def write_contracts_csv(path: Path, register: Register, config: Config, dates: ScheduleDates) -> None:
    s = settings(config)
    write_csv(path, columns(s), [contract_row(line, s, dates) for line in contract_lines(register, s)])
