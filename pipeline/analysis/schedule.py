"""The schedule of review and scrutiny: when each review must start and each decision is due.

For every line with an end date:
  latest_end   = end date plus all extension options
  decision_due = end date minus the notice period (extend, re-commission or decommission by then)
  review_start = decision_due minus the review lead time
Lead times and notice depend on the line's spend, from the [schedule] bands in data/config.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby

from .classify import Classified
from ..config import Config
from .dates import financial_quarter, quarter_label, shift_months_end
from ..edition import Edition


@dataclass(frozen=True)
class Band:
    min_spend: Decimal
    review_lead_months: int
    notice_months: int


@dataclass(frozen=True)
class ReviewItem:
    item: Classified
    end_date: date
    latest_end: date
    decision_due: date
    review_start: date
    overdue: bool  # the review should already have started when the edition year began
    band: Band

    @property
    def quarter(self) -> str:
        return quarter_label(self.decision_due)

    @property
    def quarter_short(self) -> str:
        """'2024-25 Q2', for table cells."""
        label, q = financial_quarter(self.decision_due)
        return f"{label} Q{q}"


def bands(config: Config) -> tuple[Band, ...]:
    found = [Band(Decimal(str(b["min_spend"])), int(b["review_lead_months"]), int(b["notice_months"]))
             for b in config["schedule"]["bands"]]
    return tuple(sorted(found, key=lambda b: b.min_spend, reverse=True))


def band_for(spend: Decimal | None, table: tuple[Band, ...]) -> Band:
    value = spend or Decimal(0)
    for band in table:
        if value >= band.min_spend:
            return band
    return table[-1]


def schedule(items: tuple[Classified, ...], edition: Edition, config: Config) -> tuple[ReviewItem, ...]:
    table = bands(config)
    out = []
    for c in items:
        end = c.line.end_date
        if end is None:
            continue
        band = band_for(c.line.spend, table)
        latest = shift_months_end(end, 12 * c.line.extension_years)
        decision = shift_months_end(end, -band.notice_months)
        review = shift_months_end(decision, -band.review_lead_months)
        out.append(ReviewItem(c, end, latest, decision, review, review < edition.start, band))
    out.sort(key=lambda r: (r.decision_due, r.item.line.id))
    return tuple(out)


def by_quarter(items: tuple[ReviewItem, ...]) -> list[tuple[str, tuple[ReviewItem, ...]]]:
    """Group an already ordered schedule by the financial quarter its decision falls in."""
    return [(label, tuple(group)) for label, group in groupby(items, key=lambda r: r.quarter)]
