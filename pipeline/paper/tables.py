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
from ..analysis.schedule import ReviewItem
from ..input.register import Line, total_spend
from .model import Column, Table
from .summarise import RowFacts, SummaryRules, summarise


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
                            rules: SummaryRules | None = None, link: Callable[[str], str] = _no_link) -> Table:
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
    rows, facts, links = [], [], []
    for (why, decided), group in groups.items():
        names = group[0].line.project if len(group) == 1 else (
            f"{len(group)} lines: " + "; ".join(c.line.project for c in group))
        spend = group[0].line.spend if len(group) == 1 else total_spend(c.line for c in group)
        rows.append((names, fmt.plain_money(spend), why, decided))
        dues = [d.due for c in group if (r := by_id.get(c.line.id)) for d in r.decisions]
        facts.append(RowFacts(len(group), spend, min(dues) if dues else None))
        links.append(link(group[0].line.id) if len(group) == 1 else "")  # a shared row names several lines
    total = ("Total", fmt.plain_money(total_spend(c.line for c in members)), "", "")
    table = Table(f"table-category-{key}", caption, columns(titles, ("text", "money", "text", "text"),
                                                            (1.9, 0.9, 2.6, 3.2)), tuple(rows), (total,),
                  links=tuple(links))
    return summarise(table, facts, rules, money_column=1) if rules else table


def ending_table(items: Iterable[Classified], keys: Sequence[str], labels: Mapping[str, str], caption: str,
                 titles: Sequence[str], rules: SummaryRules | None = None,
                 link: Callable[[str], str] = _no_link) -> Table:
    """Lines that end as agreed or are decommissioned: listed once, with the date."""
    chosen = [c for c in items if c.category in keys]
    chosen.sort(key=lambda c: (c.line.end_date or date.max, c.line.id))
    rows = tuple((c.line.project, c.line.provider, fmt.plain_money(c.line.spend), labels.get(c.category, c.category),
                  fmt.uk_date(c.line.end_date, "not recorded")) for c in chosen)
    total = ("Total", "", fmt.plain_money(total_spend(c.line for c in chosen)), "", "")
    table = Table("table-ending", caption, columns(titles, ("text", "text", "money", "text", "date"),
                                                   (2.2, 1.8, 1.0, 1.4, 1.0)), rows, (total,),
                  links=tuple(link(c.line.id) for c in chosen))
    # Named in print: the largest, and those ending soonest.
    facts = [RowFacts(1, c.line.spend, c.line.end_date) for c in chosen]
    return summarise(table, facts, rules, money_column=2) if rules else table


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
        key = (line.notes, line.start_date, line.end_date, line.extension_options, line.status, line.agreement,
               line.inferred, line.decide_with)  # a guessed date never merges with a recorded one
        if not line.notes and line.end_date is None:
            key = ("", None, None, (), line.status, line.priority)  # undated lines with no notes: one list per priority
        groups.setdefault(key, []).append(line)
    return tuple(Entry(tuple(lines)) for lines in groups.values())


def decisions_in(decisions: Iterable[Decision], start: date, end: date) -> tuple[Decision, ...]:
    """Decisions still to take that fall due between two dates (inclusive)."""
    return tuple(d for d in decisions if d.counts and start <= d.due <= end)


def offset_label(o, kind_words: Mapping[str, str]) -> str:
    """'Decommission Warning Zone', from the kind and the register names of its lines."""
    names = " and ".join(l.project for l in o.lines) or ", ".join(o.offset.lines)
    return f"{kind_words.get(o.kind, o.kind)} {names}"


def gap_table(gap, caption: str, titles: Sequence[str], kind_words: Mapping[str, str], undecided: str,
              remainder_label: str, remainder_open_label: str) -> Table:
    """The funding gap: external money ending by funder, the offsets against it, and the gap left.
    Cells carry the £ sign so each sum reads exactly as in the front sheet and the warning."""
    rows: list[tuple[str, ...]] = []
    for f in gap.funders:
        rows.append((f"{f.funder} ends", f"{len(f.lines):,}", fmt.money(f.total), fmt.uk_date(f.ends)))
    for o in gap.offsets:
        value = undecided if o.value is None else "-" + fmt.money(o.value)
        rows.append((offset_label(o, kind_words), f"{len(o.lines):,}", value, ""))
    label = remainder_label if gap.remainder is not None else remainder_open_label
    totals = ((label, "", fmt.money(gap.left_before_undecided), ""),)
    return Table("table-funding-gap", caption, columns(titles, ("text", "number", "money", "date"),
                                                       (3.4, 0.7, 1.2, 1.0)), tuple(rows), totals, row_header=True)


@dataclass(frozen=True)
class DueGroup:
    """Decisions due in the year that are one decision for the Panel: same kind and date, and the same
    agreement (or, for grants, the same funder and purpose)."""
    decisions: tuple[Decision, ...]

    @property
    def first(self) -> Decision:
        return self.decisions[0]

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(dict.fromkeys(d.line for d in self.decisions))

    @property
    def total(self) -> Decimal:
        return total_spend(self.lines)


def due_groups(decisions: Iterable[Decision]) -> tuple[DueGroup, ...]:
    groups: dict[tuple, list[Decision]] = {}
    for d in decisions:
        line = d.line
        agreement = getattr(line, "agreement", "") or ""
        key = (d.due, d.kind, agreement or (line.funding_source, line.notes) if (agreement or line.funding_source)
               else line.id)
        groups.setdefault(key, []).append(d)
    return tuple(DueGroup(tuple(ds)) for ds in groups.values())


def _unit(line: Line) -> tuple:
    """What one row of a decisions table stands for: an agreement, a funder's grants with one purpose,
    or a single line."""
    if line.agreement:
        return ("agreement", line.agreement.lower())
    return ("line", line.id)


def _group_names(lines: Sequence[Line]) -> str:
    """One line by its name; an agreement by its name and size (its lines are named once, in the
    services section, which says which agreement each belongs to)."""
    if len(lines) == 1:
        return lines[0].project
    return f"{lines[0].agreement} ({len(lines)} lines)"


def _decision_words(d: Decision, window_months: int) -> str:
    words = {
        "break": "Break clause (continue or end)",
        "extension": "Extension option (take it or let it end)",
        "recommission": "Re-commissioning",
        "grant-end": "Grant end (whether the work continues)",
        "review": "Review (continue or decommission)",
    }[d.kind]
    if d.holder:
        words = f"{d.label}, held by {d.holder}"
    if d.window:
        words = words[:-1] + f"; date from the {window_months}-month review window)"
    return words


def _dates_words(d: Decision) -> str:
    if d.kind == "recommission" and d.award and d.begins:
        text = (f"route decision by {fmt.uk_date(d.due)}, award by {fmt.uk_date(d.award)}, "
                f"new agreement from {fmt.uk_date(d.begins)}")
    elif d.holder:
        text = f"the office gives its view by {fmt.uk_date(d.due)}"
    else:
        text = f"by {fmt.uk_date(d.due)}"
    if d.overdue:
        text += " (overdue: this date has passed)"
    elif d.late_start:
        text += f" (work should have started {fmt.uk_date(d.start)})"
    return text


def _inferred_names(lines: Sequence[Line]) -> str:
    guessed = [l for l in lines if set(l.inferred) & {"end_date", "start_date", "extension_options", "break_dates"}]
    if not guessed:
        return ""
    if len(lines) == 1:
        return " (dates inferred)"
    return " (" + "; ".join(l.project for l in guessed) + ": dates inferred)"


def decisions_table(decisions: Sequence[Decision], caption: str, titles: Sequence[str], start: date | None,
                    end: date | None, after: date, window_months: int, anchor: str,
                    rules: SummaryRules | None = None) -> Table:
    """Decisions as the Panel reads them: one row per agreement (or line), naming it once with its
    spend and each decision it needs with its date (re-commissioning in its stages).
    With start/end: the decisions due between them. Without: for each agreement with no decision due
    up to `after`, its next decision."""
    live = sorted((d for d in decisions if d.counts), key=lambda d: (d.due, d.line.id))
    if start is not None and end is not None:
        chosen = [d for d in live if start <= d.due <= end]
    else:
        scheduled = {_unit(d.line) for d in live if d.due <= after}
        chosen, seen = [], set()
        first_due: dict[tuple, date] = {}  # each agreement's first chosen date (a dict: thousands of agreements)
        for d in live:
            unit = _unit(d.line)
            if unit in scheduled or (unit, d.line.id) in seen:
                continue
            if unit in first_due and d.due != first_due[unit]:
                continue
            seen.add((unit, d.line.id))
            first_due.setdefault(unit, d.due)
            chosen.append(d)
    units: dict[tuple, list[Decision]] = {}
    for d in chosen:
        units.setdefault(_unit(d.line), []).append(d)
    rows, facts = [], []
    for ds in units.values():
        lines = tuple(dict.fromkeys(d.line for d in ds))
        steps = []
        for d in ds:
            key = (d.kind, d.due)
            if key not in [k for k, _ in steps]:
                steps.append((key, f"{_decision_words(d, window_months)}: {_dates_words(d)}"))
        rows.append((_group_names(lines) + _inferred_names(lines), fmt.plain_money(total_spend(lines)),
                     "; ".join(text for _, text in steps)))
        facts.append(RowFacts(len(lines), total_spend(lines), min(d.due for d in ds)))
    table = Table(anchor, caption, columns(titles, ("text", "money", "text"), (2.4, 0.9, 4.6)), tuple(rows))
    # A register of thousands of agreements: print names the largest and the soonest, and counts the rest.
    return summarise(table, facts, rules, money_column=1) if rules else table


@dataclass(frozen=True)
class DueItem:
    """On the front sheet: one agreement or line with every decision it has on one date."""
    group: DueGroup  # the first of its decisions on that date (for its names and lines)
    labels: tuple[str, ...]  # each decision's label, in order

    @property
    def lines(self) -> tuple[Line, ...]:
        return self.group.lines

    @property
    def total(self) -> Decimal:
        return self.group.total


def by_date(groups: Iterable[DueGroup]) -> tuple[tuple[date, bool, tuple[DueItem, ...]], ...]:
    """Decisions due, by date: (date, overdue, the agreements or lines due then, each named once)."""
    dates: dict[date, dict[tuple, list[DueGroup]]] = {}
    for g in groups:
        dates.setdefault(g.first.due, {}).setdefault(tuple(l.id for l in g.lines), []).append(g)
    return tuple((due, any(g.first.overdue for gs in units.values() for g in gs),
                  tuple(DueItem(gs[0], tuple(dict.fromkeys(g.first.label for g in gs))) for gs in units.values()))
                 for due, units in dates.items())
