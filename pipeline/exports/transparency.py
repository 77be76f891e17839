"""What the transparency exports share: the [transparency] settings, which lines are grants and which are
contracts, and the notes on what the register does not yet record (the exports never fill a gap in)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable
from urllib.parse import urlsplit

from ..config import Config
from ..formatting import money, plural
from ..input.load import parse_money, parse_org_id
from ..input.register import Line, Register
from ..problems import InputError, Problem

WHERE = "config.toml [transparency]"  # the table may come from data/config.toml or the edition's own file
_PREFIX = re.compile(r"^360G-[A-Za-z0-9][A-Za-z0-9_-]*$")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")  # 360Giving: no spaces, slashes or other special characters


@dataclass(frozen=True)
class Settings:
    funder_name: str = ""
    funder_org_id: str = ""  # "" = not set: Funding Org:Identifier stays blank and check says so
    prefix: str = ""  # the 360Giving publisher prefix, e.g. 360G-opccexample
    department: str = ""
    beneficiary_location: str = ""
    beneficiary_country_code: str = ""
    currency: str = "GBP"
    grant_sections: tuple[str, ...] = ("grants",)
    grant_lines: tuple[str, ...] = ()  # ids of lines in other sections that are grants too
    contract_sections: tuple[str, ...] = ("commissioning",)
    own_providers: tuple[str, ...] = ()  # the office itself: its lines are budgets, not grants or contracts
    unnamed_providers: tuple[str, ...] = ()  # placeholders such as "Various" that name no organisation
    recipient_ids_from_names: bool = True
    value_basis: str = "annual spend"
    irrecoverable_vat: str = ""
    order_threshold: Decimal = Decimal(10000)
    last_modified: date | None = None
    data_source: str = ""
    license: str = ""


_TEXT = ("funder_name", "department", "beneficiary_location", "value_basis")
_LISTS = ("grant_sections", "grant_lines", "contract_sections", "own_providers", "unnamed_providers")


def settings(config: Config) -> Settings:
    """The [transparency] table, checked. Raises InputError naming every wrong setting at once."""
    raw: dict[str, Any] = config.raw.get("transparency", {})
    if not isinstance(raw, dict):
        raise InputError([Problem(WHERE, None, None, _shown(raw), "expected a table: a line [transparency] "
                                  "followed by settings such as prefix = \"360G-opccexample\"")])
    problems: list[Problem] = []
    found: dict[str, Any] = {}

    def bad(key: str, value: Any, expected: str) -> None:
        problems.append(Problem(WHERE, None, key, _shown(value), expected))

    known = set(Settings.__dataclass_fields__)
    for key in sorted(set(raw) - known):
        bad(key, raw[key], f"this setting is not known; expected one of: {', '.join(sorted(known))}")

    for key in _TEXT:
        if key in raw:
            if isinstance(raw[key], str):
                found[key] = raw[key].strip()
            else:
                bad(key, raw[key], 'expected text in quotes, e.g. "annual spend"')
    for key in _LISTS:
        if key in raw:
            value = raw[key]
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                found[key] = tuple(v.strip() for v in value if v.strip())
            else:
                bad(key, value, 'expected a list of texts in quotes, e.g. ["grants"]')
    sections = config.vocabulary.sections
    for key in ("grant_sections", "contract_sections"):
        unknown = [s for s in found.get(key, ()) if s not in sections]
        if unknown:
            bad(key, ", ".join(unknown), f"expected sections from [vocabulary] sections: {', '.join(sections)}")

    if "funder_org_id" in raw:
        value = raw["funder_org_id"]
        if not isinstance(value, str):
            bad("funder_org_id", value, 'expected text in quotes such as "GB-GOR-PC000000", or "" if not known yet')
        elif value.strip():
            try:
                found["funder_org_id"] = parse_org_id(value)
            except ValueError as exc:
                bad("funder_org_id", value, str(exc))
    if "prefix" in raw:
        value = raw["prefix"]
        if not isinstance(value, str) or (value.strip() and not _PREFIX.match(value.strip())):
            bad("prefix", value, "expected the publisher prefix 360Giving issued, starting 360G- "
                                 '(e.g. "360G-opccexample"), or "" until you have one')
        else:
            found["prefix"] = value.strip()
    if "currency" in raw:
        value = raw["currency"]
        if isinstance(value, str) and re.fullmatch(r"[A-Z]{3}", value.strip()):
            found["currency"] = value.strip()
        else:
            bad("currency", value, 'expected a three-letter ISO 4217 code in capitals, e.g. "GBP"')
    if "beneficiary_country_code" in raw:
        value = raw["beneficiary_country_code"]
        if isinstance(value, str) and re.fullmatch(r"(?:[A-Z]{2})?", value.strip()):
            found["beneficiary_country_code"] = value.strip()
        else:
            bad("beneficiary_country_code", value, 'expected a two-letter ISO 3166 code in capitals, e.g. "GB"')
    if "recipient_ids_from_names" in raw:
        value = raw["recipient_ids_from_names"]
        if isinstance(value, bool):
            found["recipient_ids_from_names"] = value
        else:
            bad("recipient_ids_from_names", value, "expected true or false (without quotes)")
    if "irrecoverable_vat" in raw:
        value = raw["irrecoverable_vat"]
        amount = _amount(value)
        if amount is None:
            bad("irrecoverable_vat", value, 'expected an amount in pounds such as 0 or 1250.50, or "" if not stated')
        else:
            found["irrecoverable_vat"] = amount
    if "order_threshold" in raw:
        value = raw["order_threshold"]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < float("inf"):
            found["order_threshold"] = Decimal(str(value))
        else:
            bad("order_threshold", value, "expected an amount in pounds without quotes, e.g. 10000")
    if "last_modified" in raw:
        value = raw["last_modified"]
        day = _as_date(value)
        if day is None and value != "":
            bad("last_modified", value, "expected the date the register was last changed, e.g. 2025-03-31 "
                                        '(without quotes), or "" if not set')
        found["last_modified"] = day
    for key in ("data_source", "license"):
        if key in raw:
            value = raw[key]
            if isinstance(value, str) and (not value.strip() or _is_web_address(value.strip())):
                found[key] = value.strip()
            else:
                bad(key, value, 'expected a full web address such as "https://www.example.org/grants", or ""')

    if found.get("last_modified") is None:
        # Failing its own date, the date the edition's paper speaks as at, when the officer has set one.
        found["last_modified"] = _as_date(config.raw.get("edition", {}).get("paper_date", ""))
    if problems:
        raise InputError(problems)
    return Settings(**found)


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _amount(value: Any) -> str | None:
    """A setting in pounds as the CSV writes it (plain digits), "" for not stated, None when it is not an amount."""
    if isinstance(value, str) and not value.strip():
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        d = parse_money(value) if isinstance(value, str) else Decimal(str(value))
    except ValueError:
        return None
    if not d.is_finite() or d < 0:
        return None
    return str(int(d)) if d == d.to_integral_value() else f"{d:.2f}"


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _is_web_address(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text


# --- which lines go where ------------------------------------------------------------------------

def _named(line: Line, names: tuple[str, ...]) -> bool:
    return bool(names) and line.provider.strip().lower() in _lowered(names)


@lru_cache(maxsize=16)
def _lowered(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(n.lower() for n in names)


def publishable(line: Line, s: Settings) -> bool:
    """A line with another, named organisation on the other side: the office's own budgets and
    placeholder providers are neither grants nor contracts."""
    return not _named(line, s.own_providers) and not _named(line, s.unnamed_providers)


def is_grant(line: Line, s: Settings) -> bool:
    return line.section in s.grant_sections or line.id in s.grant_lines


def grant_lines(register: Register, s: Settings) -> tuple[Line, ...]:
    """Every grant made to another organisation, in register order."""
    return tuple(l for l in register if is_grant(l, s) and publishable(l, s))


def contract_lines(register: Register, s: Settings) -> tuple[Line, ...]:
    """Every agreement in the contract sections that is not a grant, in register order."""
    return tuple(l for l in register if l.section in s.contract_sections and not is_grant(l, s) and publishable(l, s))


# --- identifiers ---------------------------------------------------------------------------------

def grant_identifier(line: Line, s: Settings) -> str:
    """360G-<prefix>-<line id>; "" while no prefix is set (never a made-up prefix)."""
    return f"{s.prefix}-{_UNSAFE_ID.sub('_', line.id).strip('_')}" if s.prefix else ""


def recipient_identifier(line: Line, s: Settings) -> str:
    """The registered id the officer recorded; failing that, the 360Giving rule for organisations without
    a registration number: the publisher prefix plus the recipient's name (when the settings allow it)."""
    if line.provider_org_id:
        return line.provider_org_id
    if s.recipient_ids_from_names and s.prefix:
        name = unicodedata.normalize("NFKD", line.provider).encode("ascii", "ignore").decode()  # Café -> Cafe
        slug = re.sub(r"[^A-Za-z0-9]+", "-", re.sub(r"'", "", name)).strip("-")  # Women's Aid -> Womens-Aid
        return f"{s.prefix}-{slug}" if slug else ""
    return ""


def registered_numbers(org_id: str) -> dict[str, str]:
    """The charity or company number inside an org-id, which 360Giving also asks for on its own."""
    for prefix, key in (("GB-CHC-", "charityNumber"), ("GB-SC-", "charityNumber"), ("GB-NIC-", "charityNumber"),
                        ("GB-COH-", "companyNumber")):
        if org_id.startswith(prefix):
            return {key: org_id[len(prefix):]}
    return {}


def over_threshold(line: Line, s: Settings) -> str:
    if line.spend is None:
        return ""
    return "yes" if line.spend > s.order_threshold else "no"


def date_time(day: date) -> str:
    """360Giving's Last Modified must be a full date-time: midnight UTC of the given day."""
    return f"{day.isoformat()}T00:00:00Z"


# --- what the register does not record yet ---------------------------------------------------------

def _ids(lines: Iterable[Line], limit: int = 8) -> str:
    ids = [l.id for l in lines]
    return ", ".join(ids[:limit]) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def transparency_gaps(register: Register, config: Config) -> list[str]:
    """One short note per kind of missing value the transparency exports leave blank, naming the lines."""
    s = settings(config)
    notes: list[str] = []
    grants = grant_lines(register, s)
    contracts = contract_lines(register, s)

    def note(lines: tuple[Line, ...], text: str, among: tuple[Line, ...] = (), kind: str = "") -> None:
        """`lines` is a selection from `among`: when it is all of them, a count says more than 40 ids."""
        if not lines:
            return
        if kind and len(lines) > 1 and len(lines) == len(among):
            notes.append(f"{text} (all {plural(len(lines), kind)})")
        else:
            notes.append(f"{text} ({plural(len(lines), 'line')}: {_ids(lines)})")

    def of_grants(test, text: str) -> None:
        note(tuple(l for l in grants if test(l)), text, grants, "grant")

    def of_contracts(test, text: str) -> None:
        note(tuple(l for l in contracts if test(l)), text, contracts, "contract")

    blanks = {"prefix": "Identifier", "funder_org_id": "Funding Org:Identifier", "funder_name": "Funding Org:Name"}
    missing = [k for k in blanks if not getattr(s, k)]
    if missing:
        notes.append(f"360Giving: [transparency] {' and '.join(missing)} not set in config.toml, so "
                     f"{' and '.join(blanks[k] for k in missing)} (required) {'is' if len(missing) == 1 else 'are'} "
                     "blank in the grants files")
    if s.last_modified is None:
        notes.append("360Giving: neither [transparency] last_modified nor [edition] paper_date is set for this "
                     "edition, so the grants files have no Last Modified date (set one in data/<year>/config.toml)")
    absent = [i for i in s.grant_lines if i not in {l.id for l in register}]
    if absent:
        notes.append(f"[transparency] grant_lines names {', '.join(absent)}, not in this register")
    own = tuple(l for l in register if (is_grant(l, s) or l.section in s.contract_sections)
                and _named(l, s.own_providers))
    note(own, f"left out of the grants and contracts files: delivered by the office itself "
              f"({', '.join(sorted({l.provider for l in own}))}), so no other organisation receives the money")
    unnamed = tuple(l for l in register if (is_grant(l, s) or l.section in s.contract_sections)
                    and _named(l, s.unnamed_providers))
    note(unnamed, "left out of the grants and contracts files: the provider names no organisation; "
                  "give each recipient its own line")

    of_grants(lambda l: l.award_date is None, "360Giving: no award_date, so Award Date (required) is blank")
    of_grants(lambda l: l.spend is None, "360Giving: no spend, so Amount Awarded (required) is blank")
    of_grants(lambda l: not (l.grant_purpose or l.notes),
              "360Giving: no grant_purpose or notes, so Description (required) is blank")
    of_grants(lambda l: not l.provider_org_id and recipient_identifier(l, s),
              "360Giving: no provider_org_id, so Recipient Org:Identifier is made from the prefix and the "
              "provider's name (the 360Giving rule for unregistered organisations); record the charity or "
              "company number where there is one")
    why = (" (recipient_ids_from_names is off)" if not s.recipient_ids_from_names else
           " until a prefix is set (then it is made from the provider's name)" if not s.prefix else "")
    of_grants(lambda l: not l.provider_org_id and not recipient_identifier(l, s),
              f"360Giving: no provider_org_id, so Recipient Org:Identifier (required) is blank{why}")
    of_grants(lambda l: not l.grant_purpose,
              "grants: no grant_purpose (the Order asks for each grant's purpose; Description uses the notes)")
    of_grants(lambda l: not l.grant_conditions,
              "grants: no grant_conditions (the Order asks for them; write \"none\" where there are none)")

    of_contracts(lambda l: not l.provider_org_id,
                 "contracts register: no provider_org_id, so the supplier registration number is blank")
    of_contracts(lambda l: not l.procurement_route, "contracts register: no procurement_route")
    of_contracts(lambda l: l.sme is None or l.vcse is None, "contracts register: SME or VCSE not recorded")
    of_contracts(lambda l: l.spend is None, "contracts register: no spend, so the value and whether it is over "
                                            f"{money(s.order_threshold)} are blank")
    of_contracts(lambda l: not l.notes, "contracts register: no notes, so Description is blank")
    if contracts and not s.irrecoverable_vat:
        notes.append('contracts register: [transparency] irrecoverable_vat is not set, so that column is blank '
                     '(a body that recovers all its VAT writes 0)')
    return notes
