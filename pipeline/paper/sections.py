"""Tables and lists the paper's decision, outlook and data-quality sections are built from.

Pure functions of the analysis: they shape rows and entries; the wording around them lives in
templates/paper.md, and the column titles and captions are passed in from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable, Iterable, Mapping, Sequence

from .. import formatting as fmt
from ..analysis.classify import Classified
from ..analysis.decisions import Decision
from ..analysis.outlook import Cause, shares
from ..analysis.schedule import ReviewItem
from ..input.register import Line, total_spend
from .model import Column, Table


def columns(titles: Sequence[str], kinds: Sequence[str], widths: Sequence[float] | None) -> tuple[Column, ...]:
    if len(titles) != len(kinds):
        raise ValueError(f"expected {len(kinds)} column titles, got {len(titles)}")
    return tuple(Column(t, "right" if k in ("money", "number") else "left", k, widths[i] if widths else 1.0)
                 for i, (t, k) in enumerate(zip(titles, kinds)))


def decision_text(d: Decision, overdue_mark: str) -> str:
    """'Break clause: 30/09/2025 to 30/09/2026' (work starts to decision due, + the overdue mark)."""
    late = f" ({overdue_mark})" if d.overdue else ""
    return f"{d.label}: {fmt.uk_date(d.start)}{late} to {fmt.uk_date(d.due)}"


def _no_link(line_id: str) -> str:
    return ""


def category_schedule_table(key: str, items: Iterable[Classified], review: Iterable[ReviewItem], caption: str,
                            titles: Sequence[str], none_scheduled: str, overdue_mark: str,
                            link: Callable[[str], str] = _no_link) -> Table:
    """One row per line of a category: why it is there and every decision it needs, next decision first."""
    by_id = {r.item.line.id: r for r in review}
    members = [c for c in items if c.category == key]
    order = {r.item.line.id: i for i, r in enumerate(review)}
    members.sort(key=lambda c: (order.get(c.line.id, len(order)), c.line.id))
    # Lines with the same reason and the same decisions (a funder's grants, say) share one row.
    groups: dict[tuple[str, str], list[Classified]] = {}
    for c in members:
        r = by_id.get(c.line.id)
        why = c.reason + ("" if not c.disagrees else f" (set to {c.category} in the register)")
        decided = "; ".join(decision_text(d, overdue_mark) for d in r.decisions) if r else none_scheduled
        groups.setdefault((why, decided), []).append(c)
    rows, links = [], []
    for (why, decided), group in groups.items():
        names = group[0].line.project if len(group) == 1 else (
            f"{len(group)} lines: " + "; ".join(c.line.project for c in group))
        spend = group[0].line.spend if len(group) == 1 else total_spend(c.line for c in group)
        rows.append((names, fmt.plain_money(spend), why, decided))
        links.append(link(group[0].line.id) if len(group) == 1 else "")  # a shared row names several lines
    total = ("Total", fmt.plain_money(total_spend(c.line for c in members)), "", "")
    return Table(f"table-category-{key}", caption, columns(titles, ("text", "money", "text", "text"),
                                                           (1.9, 0.9, 2.6, 3.2)), tuple(rows), (total,),
                 links=tuple(links))


def ending_table(items: Iterable[Classified], keys: Sequence[str], labels: Mapping[str, str], caption: str,
                 titles: Sequence[str], link: Callable[[str], str] = _no_link) -> Table:
    """Lines that end as agreed or are decommissioned: listed once, with the date."""
    chosen = [c for c in items if c.category in keys]
    chosen.sort(key=lambda c: (c.line.end_date or date.max, c.line.id))
    rows = tuple((c.line.project, c.line.provider, fmt.plain_money(c.line.spend), labels.get(c.category, c.category),
                  fmt.uk_date(c.line.end_date, "not recorded")) for c in chosen)
    total = ("Total", "", fmt.plain_money(total_spend(c.line for c in chosen)), "", "")
    return Table("table-ending", caption, columns(titles, ("text", "text", "money", "text", "date"),
                                                  (2.2, 1.8, 1.0, 1.4, 1.0)), rows, (total,),
                 links=tuple(link(c.line.id) for c in chosen))


def causes_table(causes: Sequence[Cause], labels: Mapping[str, str], caption: str, titles: Sequence[str]) -> Table:
    """Money at risk by cause, with each cause's share; the shares add up to 100%."""
    pct = shares([c.total for c in causes])
    rows = tuple((labels.get(c.key, c.key), f"{len(c.lines):,}", fmt.plain_money(c.total), f"{p}%")
                 for c, p in zip(causes, pct))
    grand = sum((c.total for c in causes), Decimal(0))
    totals = (("Total", f"{sum(len(c.lines) for c in causes):,}", fmt.plain_money(grand), "100%" if causes else ""),)
    return Table("table-money-at-risk", caption, columns(titles, ("text", "number", "money", "number"),
                                                         (3.0, 0.8, 1.2, 0.8)), rows, totals, row_header=True)


@dataclass(frozen=True)
class Entry:
    """One bullet of a term section: a line, or several lines that share their notes and dates."""
    lines: tuple[Line, ...]

    @property
    def first(self) -> Line:
        return self.lines[0]

    @property
    def grouped(self) -> bool:
        return len(self.lines) > 1

    @property
    def total(self) -> Decimal:
        return total_spend(self.lines)

    @property
    def notes(self) -> str:
        return self.first.notes


def term_entries(items: Iterable[Classified], term: str) -> tuple[Entry, ...]:
    """The term's lines as bullets: lines with the same notes, dates and options become one bullet,
    so a note shared by eleven grants is written once."""
    groups: dict[tuple, list[Line]] = {}
    for c in items:
        line = c.line
        if line.term != term:
            continue
        key = (line.notes, line.start_date, line.end_date, line.extension_options, line.status)
        if not line.notes and line.end_date is None:
            key = ("", None, None, (), line.status, line.priority)  # undated lines with no notes: one list per priority
        groups.setdefault(key, []).append(line)
    return tuple(Entry(tuple(lines)) for lines in groups.values())


def decisions_in(decisions: Iterable[Decision], start: date, end: date) -> tuple[Decision, ...]:
    """Decisions still to take that fall due between two dates (inclusive)."""
    return tuple(d for d in decisions if d.counts and start <= d.due <= end)
