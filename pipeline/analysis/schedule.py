"""The schedule of review and scrutiny: every line's decision points, and each line's next decision.

`decision_points` gives one row per decision (the forward plan, the calendar); `schedule` gives one
item per line that still needs a decision, ordered by its next decision (review-schedule.csv, the
paper's schedule, the timeline chart). The rules are in decisions.py and data/config.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby

from ..config import Config
from ..edition import Edition
from .classify import Classified
from .dates import paper_date, quarter_label
from .decisions import (
    Band,
    Decision,
    band_for,
    bands_from,
    latest_end,
    rules,
    shared_decisions,
)


@dataclass(frozen=True)
class ReviewItem:
    item: Classified
    end_date: date
    latest_end: date
    decisions: tuple[Decision, ...]  # every decision still to take, by due date
    band: Band

    @property
    def next(self) -> Decision:
        return self.decisions[0]

    @property
    def decision_due(self) -> date:
        return self.next.due

    @property
    def review_start(self) -> date:
        return self.next.start

    @property
    def overdue(self) -> bool:
        """At least one of its decisions is past its date at the paper date."""
        return any(d.overdue for d in self.decisions)

    @property
    def late_start(self) -> bool:
        """Work on at least one of its decisions should already have started at the paper date."""
        return any(d.late_start or d.overdue for d in self.decisions)

    @property
    def quarter(self) -> str:
        return quarter_label(self.decision_due)


def decision_points(items: tuple[Classified, ...], edition: Edition, config: Config,
                    as_at: date | None = None) -> tuple[Decision, ...]:
    """Every decision (and exit step) of every line, ordered by due date, then line id."""
    as_at = as_at or paper_date(edition, config)
    r = rules(config)
    found = list(shared_decisions(tuple(items), r, as_at, edition.start))
    return tuple(sorted(found, key=lambda d: (d.due, d.line.id, d.on)))


def schedule(items: tuple[Classified, ...], edition: Edition, config: Config,
             as_at: date | None = None, points: tuple[Decision, ...] | None = None) -> tuple[ReviewItem, ...]:
    points = decision_points(items, edition, config, as_at) if points is None else points
    table = bands_from(config)
    per_line: dict[str, list[Decision]] = {}
    for d in points:
        if d.counts:
            per_line.setdefault(d.line.id, []).append(d)
    out = [ReviewItem(c, c.line.end_date, latest_end(c), tuple(per_line[c.line.id]), band_for(c.line.spend, table))
           for c in items if c.line.id in per_line and c.line.end_date]
    out.sort(key=lambda r: (r.decision_due, r.item.line.id))
    return tuple(out)


def by_quarter(items: tuple[ReviewItem, ...]) -> list[tuple[str, tuple[ReviewItem, ...]]]:
    """Group an already ordered schedule by the financial quarter its decision falls in."""
    return [(label, tuple(group)) for label, group in groupby(items, key=lambda r: r.quarter)]
