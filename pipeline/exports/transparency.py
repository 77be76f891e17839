"""What the transparency exports share: the [transparency] settings, which lines are grants and which are
contracts, and the notes on what the register does not yet record (the exports never fill a gap in)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from datetime import date
from typing import Iterable

from ..config import Config
from ..formatting import money, plural
from ..input.register import Line, Register
from ..settings import Transparency as Settings  # [transparency], declared and checked with every setting

_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")  # 360Giving: no spaces, slashes or other special characters


def settings(config: Config) -> Settings:
    """The [transparency] table, checked with every other setting when the settings were read."""
    return config.settings.transparency


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
