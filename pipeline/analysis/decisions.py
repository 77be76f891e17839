"""Decision points: each agreement yields every decision it needs, each with the date it is due and
the date work on it should start. The rules are set out in data/config.toml ([decisions], [schedule]).

Kinds:
  break         one per break clause still ahead
  extension     one per extension option, in turn, from the current end
  recommission  from the latest end after every option, with a lead time set by whole-life value
  grant-end     sustainability decision before a grant ends
  review        a line under review: continue or decommission, by the date the officer recorded
                (decision_by) or within the configured review window from the paper date
  exit          a decommissioned line still running: notice and handover (not a decision still to take)

Re-commissioning is dated in stages: the route decision (due), the award (award) and the day the new
agreement starts (begins). Lines that share an agreement share one set of decisions, worked out for the
agreement as a whole; a line tied to another agreement (decide_with) is decided no later than it.
"Overdue" means the decision's date has passed at the paper date; `late_start` that work on it should
already have started.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from ..config import Config
from ..formatting import money, plural
from ..formatting import uk_date as _uk_date
from .classify import COMPLETING, DECOMMISSIONED, Classified
from .dates import add_months, months_between, shift_months_end

KINDS: tuple[str, ...] = ("review", "break", "extension", "recommission", "grant-end", "exit")
KIND_LABELS = {
    "break": "Break clause", "extension": "Extension option", "recommission": "Re-commissioning",
    "grant-end": "Grant end", "exit": "Exit", "review": "Review",
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
    overdue: bool  # `due` is before the paper date: the decision is late
    note: str  # what is decided, naming the numbers used
    late_start: bool = False  # not overdue, but `start` is before the paper date
    award: date | None = None  # re-commissioning: the new agreement awarded by
    begins: date | None = None  # re-commissioning: the new agreement starts
    holder: str = ""  # a partner holds this decision; the office gives its view by `due`
    window: bool = False  # a review date from the configured window, not recorded by the officer

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
    review_window_months: int = 3


def bands_from(config: Config) -> tuple[Band, ...]:
    found = (Band(b.min_spend, b.review_lead_months, b.notice_months)
             for b in config.settings.schedule.bands)
    return tuple(sorted(found, key=lambda b: b.min_spend, reverse=True))


def rules(config: Config) -> Rules:
    bands = bands_from(config)
    procurement = sorted((ProcurementBand(b.min_value, b.lead_months,
                                          b.mobilisation_months)
                          for b in config.settings.decisions.procurement_bands), key=lambda b: b.min_value, reverse=True)
    return Rules(tuple(bands), tuple(procurement), config.settings.decisions.grant_sections,
                 config.settings.decisions.review_window_months)


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

    def step(kind: str, on: date, note: str, due: date | None = None, start: date | None = None,
             **more) -> Decision:
        due = due or shift_months_end(on, -band.notice_months)
        start = start or shift_months_end(due, -band.review_lead_months)
        live = kind != "exit"
        holder = line.option_holder if kind in ("extension", "break") else ""
        return Decision(item, kind, on, due, start, live and due < as_at, note,
                        late_start=live and start < as_at <= due, holder=holder, **more)

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
        route = shift_months_end(latest, -pb.lead_months)
        out.append(step(
            "recommission", latest,
            f"re-commission, bring in house or decommission before the latest end, {uk_date(latest)}; "
            f"whole-life value {money(value)} ({plural(months, 'month')} {counted}) needs "
            f"{plural(pb.lead_months, 'month')} to procure",
            due=route, start=shift_months_end(route, -band.review_lead_months),
            award=shift_months_end(latest, -pb.mobilisation_months), begins=latest + timedelta(days=1)))
    return tuple(sorted(out, key=lambda d: (d.due, KINDS.index(d.kind))))


def review_decision(item: Classified, r: Rules, as_at: date, others: tuple[Decision, ...]) -> Decision | None:
    """A line under review needs a dated decision: the officer's decision_by, else the review window
    from the paper date, and never later than the line's own next decision."""
    line = item.line
    if line.status != "under review":
        return None
    window = line.decision_by is None
    due = line.decision_by or add_months(as_at, r.review_window_months) - timedelta(days=1)
    nxt = min((d.due for d in others if d.counts), default=None)
    if window and nxt is not None and nxt < due:
        due = nxt
    band = band_for(line.spend, r.bands)
    start = min(shift_months_end(due, -band.review_lead_months), as_at) if window else shift_months_end(
        due, -band.review_lead_months)
    how = (f"within the review window of {plural(r.review_window_months, 'month')} from the paper date"
           if window else "by the date recorded in the register")
    return Decision(item, "review", line.end_date or due, due, start, due < as_at,
                    f"decide whether to continue or decommission {line.project}, {how}",
                    late_start=not window and start < as_at <= due, window=window)


def shared_decisions(items: tuple[Classified, ...], r: Rules, as_at: date, edition_start: date) -> tuple[Decision, ...]:
    """Every decision of every line, with lines of one agreement sharing one set of dates (worked out
    for the agreement as a whole: its total spend, its earliest end, its longest option) and lines tied
    to an agreement (decide_with) decided no later than its first decision."""
    groups: dict[str, list[Classified]] = {}
    for c in items:
        if c.line.agreement and c.computed not in (COMPLETING, DECOMMISSIONED) and c.line.end_date:
            groups.setdefault(c.line.agreement.lower(), []).append(c)
    by_line: dict[str, tuple[Decision, ...]] = {}
    for members in groups.values():
        lead = members[0]
        ends = [c.line.end_date for c in members]
        options = max((c.line.extension_options for c in members), key=lambda o: (sum(o), len(o)))
        starts = [c.line.start_date for c in members]
        whole = replace(lead.line, spend=sum((c.line.spend or Decimal(0) for c in members), Decimal(0)),
                        end_date=min(ends), extension_options=options,
                        start_date=min(starts) if all(starts) else None,
                        option_holder=next((c.line.option_holder for c in members if c.line.option_holder), ""))
        shared = decisions_for(replace(lead, line=whole), r, as_at, edition_start)
        for c in members:
            by_line[c.line.id] = tuple(replace(d, item=c) for d in shared)
    for c in items:
        if c.line.id not in by_line:
            by_line[c.line.id] = decisions_for(c, r, as_at, edition_start)
    firsts = {key: min((d.due for d in by_line[members[0].line.id] if d.counts), default=None)
              for key, members in groups.items()}
    out: list[Decision] = []
    for c in items:
        found = by_line[c.line.id]
        limit = firsts.get(c.line.decide_with.lower()) if c.line.decide_with else None
        if limit is not None:
            found = tuple(replace(d, due=min(d.due, limit), start=min(d.start, limit), overdue=min(d.due, limit) < as_at,
                                  late_start=min(d.start, limit) < as_at <= min(d.due, limit))
                          if d.counts else d for d in found)
        review = review_decision(c, r, as_at, found)
        out.extend(_marked(d) for d in ((review,) if review else ()) + found)
    return tuple(out)


# Columns whose inferred value moves a decision's dates.
_DATED = ("start_date", "end_date", "extension_options", "break_dates", "agreement")


def _marked(d: Decision) -> Decision:
    """A decision resting on an inferred value says so (the forward plan and the calendar carry the note)."""
    guessed = [c.replace("_", " ") for c in d.line.inferred if c in _DATED]
    if not guessed:
        return d
    what = guessed[0] if len(guessed) == 1 else ", ".join(guessed[:-1]) + " and " + guessed[-1]
    return replace(d, note=f"{d.note} (based on an inferred {what}, not recorded)")
