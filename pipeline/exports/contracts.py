"""contracts-register.csv: the contracts list of the Local Government Transparency Code 2015, which also
serves the Specified Information Order 2011 (contracts over £10,000 in full, the rest listed).

One row per agreement (see transparency.contract_lines). The review date and the latest end after options
come from the schedule, passed in as a plain mapping so this module does not depend on how the schedule
is worked out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..config import Config
from ..formatting import money
from ..input.register import Line, Register
from .csvfile import write_csv
from .transparency import Settings, contract_lines, over_threshold, settings

# line id -> (review date, latest end after every option); a line the schedule does not date is absent.
ScheduleDates = Mapping[str, tuple[date | None, date | None]]


def columns(s: Settings) -> tuple[str, ...]:
    return (
        "Reference", "Title", "Department", "Description", "Service Area",
        "Supplier Name", "Supplier Registration Number", "Value (GBP)", "Value Basis", "Irrecoverable VAT (GBP)",
        "Start Date", "End Date", "Review Date", "Extension Options (years)", "Latest End Date (after options)",
        "Procurement Route", "SME", "VCSE",
        f"Over {money(s.order_threshold)} (Specified Information Order)",
    )


def _amount(value: Decimal | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def contract_row(line: Line, s: Settings, dates: ScheduleDates) -> list[str]:
    review, latest = dates.get(line.id, (None, None))
    iso = lambda d: d.isoformat() if d else ""  # noqa: E731
    return [
        line.id, line.project, s.department, line.notes, line.priority,
        line.provider, line.provider_org_id, _amount(line.spend),
        s.value_basis if line.spend is not None else "not separately costed", s.irrecoverable_vat,
        line.text("start_date"), line.text("end_date"), iso(review), line.extension_text, iso(latest),
        line.procurement_route, line.text("sme"), line.text("vcse"), over_threshold(line, s),
    ]


def write_contracts_csv(path: Path, register: Register, config: Config, dates: ScheduleDates) -> None:
    s = settings(config)
    write_csv(path, columns(s), [contract_row(line, s, dates) for line in contract_lines(register, s)])
