"""grants-360giving.json and grants-360giving.csv: the office's grants as 360Giving Data Standard 1.4 data,
ready for the transparency page and for 360Giving's GrantNav.

One grant per register line that counts as a grant (see transparency.grant_lines). A value the register
does not hold is left out of the JSON and blank in the CSV, never made up: `transparency_gaps` names each
one, and the tests validate a complete file against the official schema.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..config import Config
from ..input.register import Line, Register
from .csvfile import write_csv
from .transparency import (
    Settings, date_time, grant_identifier, grant_lines, recipient_identifier, registered_numbers, settings,
)

VERSION = "1.4"
# The standard's own column titles (its spreadsheet template, grants sheet), in the template's order,
# then the two the Specified Information Order asks for that the standard has no field for. Those two
# are headed by their JSON names: flattentool (360Giving's converter) turns a title it does not know
# into a key of that same text, so "Grant Conditions" would not come back as grantConditions.
# There is no Company Number column: every spreadsheet opens 01234567 as the number 1234567, so the
# number is published only inside Recipient Org:Identifier (GB-COH-01234567), which keeps it whole.
CSV_COLUMNS = (
    "Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date",
    "Planned Dates:Start Date", "Planned Dates:End Date",
    "Recipient Org:Identifier", "Recipient Org:Name", "Recipient Org:Charity Number",
    "Beneficiary Location:Name", "Beneficiary Location:Country Code",
    "Funding Org:Identifier", "Funding Org:Name", "Funding Org:Department",
    "Grant Programme:Title", "Last Modified", "Data Source",
    "grantConditions", "fundingSource",
)


def _number(value: Decimal) -> int | float:
    # JSON numbers, not text: 360Giving's Amount Awarded has no commas or £.
    return int(value) if value == value.to_integral_value() else float(value)


def _put(record: dict[str, Any], key: str, value: Any) -> None:
    """Only values the register or settings hold; an empty one is left out rather than published blank."""
    if value not in ("", None, [], {}):
        record[key] = value


def grant_record(line: Line, s: Settings) -> dict[str, Any]:
    """One grant in the standard's JSON shape."""
    g: dict[str, Any] = {}
    _put(g, "id", grant_identifier(line, s))
    g["title"] = line.project
    _put(g, "description", line.grant_purpose or line.notes)
    g["currency"] = s.currency
    _put(g, "amountAwarded", None if line.spend is None else _number(line.spend))
    _put(g, "awardDate", line.award_date.isoformat() if line.award_date else "")
    planned: dict[str, Any] = {}
    _put(planned, "startDate", line.start_date.isoformat() if line.start_date else "")
    _put(planned, "endDate", line.end_date.isoformat() if line.end_date else "")
    _put(g, "plannedDates", [planned] if planned else [])
    recipient: dict[str, Any] = {}
    _put(recipient, "id", recipient_identifier(line, s))
    recipient["name"] = line.provider
    # The charity number on its own too (never with a leading zero); the company number stays in the id.
    recipient.update({k: v for k, v in registered_numbers(line.provider_org_id).items() if k == "charityNumber"})
    g["recipientOrganization"] = [recipient]
    place: dict[str, Any] = {}
    _put(place, "name", s.beneficiary_location)
    _put(place, "countryCode", s.beneficiary_country_code)
    _put(g, "beneficiaryLocation", [place] if place else [])
    funder: dict[str, Any] = {}
    _put(funder, "id", s.funder_org_id)
    _put(funder, "name", s.funder_name)
    _put(funder, "department", s.department)
    g["fundingOrganization"] = [funder]
    _put(g, "grantProgramme", [{"title": line.priority}])
    _put(g, "dateModified", date_time(s.last_modified) if s.last_modified else "")
    _put(g, "dataSource", s.data_source)
    _put(g, "grantConditions", line.grant_conditions)
    _put(g, "fundingSource", line.funding_source)
    return g


def grants_package(register: Register, config: Config) -> dict[str, Any]:
    s = settings(config)
    package: dict[str, Any] = {"version": VERSION}
    _put(package, "license", s.license)
    package["grants"] = [grant_record(line, s) for line in grant_lines(register, s)]
    return package


def grant_row(g: dict[str, Any]) -> list[str]:
    """The CSV row of one JSON grant, so the two files can never disagree."""
    planned = (g.get("plannedDates") or [{}])[0]
    recipient = g["recipientOrganization"][0]
    place = (g.get("beneficiaryLocation") or [{}])[0]
    funder = g["fundingOrganization"][0]
    amount = g.get("amountAwarded")
    return [
        g.get("id", ""), g["title"], g.get("description", ""), g["currency"],
        "" if amount is None else (str(amount) if isinstance(amount, int) else f"{amount:.2f}"),
        g.get("awardDate", ""), planned.get("startDate", ""), planned.get("endDate", ""),
        recipient.get("id", ""), recipient["name"], recipient.get("charityNumber", ""),
        place.get("name", ""), place.get("countryCode", ""),
        funder.get("id", ""), funder.get("name", ""), funder.get("department", ""),
        (g.get("grantProgramme") or [{}])[0].get("title", ""), g.get("dateModified", ""), g.get("dataSource", ""),
        g.get("grantConditions", ""), g.get("fundingSource", ""),
    ]


def write_grants(json_path: Path, csv_path: Path, register: Register, config: Config) -> None:
    """Both files from one package. Sorted nothing, stamped nothing: the same register gives the same bytes."""
    package = grants_package(register, config)
    text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    json_path.write_text(text, encoding="utf-8", newline="\n")
    write_csv(csv_path, CSV_COLUMNS, [grant_row(g) for g in package["grants"]])
