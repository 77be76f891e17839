"""Decision points: each agreement yields every decision it needs, each with the date it is due and
the date work on it should start. The rules are set out in data/config.toml ([decisions], [schedule]).

Kinds:
  break         one per break clause still ahead
  extension     one per extension option, in turn, from the current end
  recommission  from the latest end after every option, with a lead time set by whole-life value
  grant-end     sustainability decision before a grant ends
  exit          a decommissioned line still running: notice and handover (not a decision still to take)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from ..config import Config
from ..formatting import money, plural
from ..formatting import uk_date as _uk_date
from .classify import COMPLETING, DECOMMISSIONED, Classified
from .dates import months_between, shift_months_end

KINDS: tuple[str, ...] = ("break", "extension", "recommission", "grant-end", "exit")
KIND_LABELS = {
    "break": "Break clause", "extension": "Extension option", "recommission": "Re-commissioning",
    "grant-end": "Grant end", "exit": "Exit",
}


@dataclass(frozen=True)
class Band:
    min_spend: Decimal
    review_lead_months: int
    notice_months: int


@dataclass(frozen=True)
class ProcurementBand:
    min_value: Decimal
    lead_months: int
    mobilisation_months: int


@dataclass(frozen=True)
class Decision:
    item: Classified
    kind: str  # one of KINDS
    on: date  # the contractual date the decision is about: the break, the current end, the latest end
    due: date  # the decision must be taken by this date
    start: date  # work towards it should start by this date
    overdue: bool  # `start` is before the paper date
    note: str  # what is decided, naming the numbers used

    @property
    def line(self):
        return self.item.line

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def counts(self) -> bool:
        """A decision still to take (an exit step of a decommissioned line is not)."""
        return self.kind != "exit"


@dataclass(frozen=True)
class Rules:
    bands: tuple[Band, ...]
    procurement: tuple[ProcurementBand, ...]
    grant_sections: tuple[str, ...]


def bands_from(config: Config) -> tuple[Band, ...]:
    found = (Band(Decimal(str(b["min_spend"])), int(b["review_lead_months"]), int(b["notice_months"]))
             for b in config["schedule"]["bands"])
    return tuple(sorted(found, key=lambda b: b.min_spend, reverse=True))


def rules(config: Config) -> Rules:
    bands = bands_from(config)
    procurement = sorted((ProcurementBand(Decimal(str(b["min_value"])), int(b["lead_months"]),
                                          int(b["mobilisation_months"]))
                          for b in config["decisions"]["procurement_bands"]), key=lambda b: b.min_value, reverse=True)
    return Rules(tuple(bands), tuple(procurement), tuple(config["decisions"].get("grant_sections", [])))


# A large register repeats its spends and dates: each band and each date's text is worked out once.
uk_date = lru_cache(maxsize=8192)(_uk_date)


@lru_cache(maxsize=8192)
def band_for(spend: Decimal | None, table: tuple[Band, ...]) -> Band:
    value = spend or Decimal(0)
    return next((b for b in table if value >= b.min_spend), table[-1])


def procurement_band(value: Decimal, table: tuple[ProcurementBand, ...]) -> ProcurementBand:
    return next((b for b in table if value >= b.min_value), table[-1])


def latest_end(item: Classified) -> date | None:
    line = item.line
    return shift_months_end(line.end_date, 12 * line.extension_years) if line.end_date else None


def whole_life(item: Classified, from_date: date) -> tuple[Decimal, int, bool]:
    """(value, months, start assumed): annual spend x the months from start to the latest end."""
    line = item.line
    start = line.start_date or from_date
    months = max(months_between(start, latest_end(item)), 1)
    value = (line.spend or Decimal(0)) * months / 12
    return value.quantize(Decimal(1)), months, line.start_date is None


def decisions_for(item: Classified, r: Rules, as_at: date, edition_start: date) -> tuple[Decision, ...]:
    """Every decision point of one line, in date order. Planned completions and undated lines have none."""
    line = item.line
    if line.end_date is None or item.computed == COMPLETING:
        return ()
    band = band_for(line.spend, r.bands)

    def step(kind: str, on: date, note: str, due: date | None = None, start: date | None = None) -> Decision:
        due = due or shift_months_end(on, -band.notice_months)
        start = start or shift_months_end(due, -band.review_lead_months)
        return Decision(item, kind, on, due, start, kind != "exit" and start < as_at, note)

    if item.computed == DECOMMISSIONED:
        if line.end_date < as_at:
            return ()
        due = shift_months_end(line.end_date, -band.notice_months)
        return (step("exit", line.end_date, f"decommissioned: confirm notice to {line.provider} and plan the "
                                            f"handover before the service ends on {uk_date(line.end_date)}",
                     due=due, start=due),)

    out: list[Decision] = []
    for when in line.break_dates:
        if when >= as_at:
            out.append(step("break", when, f"continue past the break on {uk_date(when)} or end the agreement "
                                           f"({plural(band.notice_months, 'month')}' notice)"))
    end = line.end_date
    for k, years in enumerate(line.extension_options, start=1):
        if end >= as_at:
            extended = shift_months_end(end, 12 * years)
            which = f"option {k} of {len(line.extension_options)}" if len(line.extension_options) > 1 else "the option"
            out.append(step("extension", end, f"take {which} to extend by {plural(years, 'year')} to "
                                              f"{uk_date(extended)}, or let the agreement end on {uk_date(end)}"))
        end = shift_months_end(end, 12 * years)

    latest = latest_end(item)
    if line.section in r.grant_sections and not line.extension_options:
        out.append(step("grant-end", latest, f"decide whether and how the work continues after the grant ends on "
                                             f"{uk_date(latest)}"))
    else:
        value, months, assumed = whole_life(item, edition_start)
        pb = procurement_band(value, r.procurement)
        counted = (f"start not recorded, so counted from {uk_date(edition_start)}" if assumed
                   else f"from {uk_date(line.start_date)}")
        out.append(step(
            "recommission", latest,
            f"re-commission, bring in house or decommission before the latest end, {uk_date(latest)}; "
            f"whole-life value {money(value)} ({plural(months, 'month')} {counted}) needs "
            f"{plural(pb.lead_months, 'month')} to procure",
            due=shift_months_end(latest, -pb.mobilisation_months), start=shift_months_end(latest, -pb.lead_months)))
    return tuple(sorted(out, key=lambda d: (d.due, KINDS.index(d.kind))))
