"""The Scenarios section's tables: one compact table per scenario, and the service-by-service list
(HTML edition only). Pure functions of the scenario outcomes; the row labels and column titles come
from templates/scenarios.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping, Sequence

from .. import formatting as fmt
from ..analysis.scenarios import ENDS, SHRINKS, Outcome
from .model import Table
from .tables import columns


def _money(value: Decimal) -> str:
    return fmt.money(value.quantize(Decimal(1)))


def _posts(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def summary_table(o: Outcome, anchor: str, caption: str, labels: Mapping[str, str], as_at_text: str,
                  posts_row: bool = True) -> Table:
    """Gap, offsets, remainder, services ending and shrinking, the earliest notice date, posts."""
    g = o.gap
    change = o.gap_change
    against = ("the same as the base case" if change == 0 else
               f"{_money(abs(change))} {'more' if change > 0 else 'less'} than the base case")
    decided = [v for v in g.offsets if v.value is not None]
    parts = [f"{_money(g.covered)} from {_count(len(decided), 'offset', 'offsets')}"] if decided else []
    undecided = [" and ".join(_names(v.offset.lines, o)) for v in g.offsets if v.value is None]
    parts += [f"{name}: amount not decided" for name in undecided]
    remainder = _money(max(g.remainder, Decimal(0)))
    if g.remainder < 0:
        remainder = f"none: the offsets cover the gap with {_money(-g.remainder)} to spare"
    elif undecided:
        remainder = f"at most {remainder}, less what {' and '.join(undecided)} gives"
    ending, shrinking = o.ending, o.shrinking
    by_change = [e for e in ending if not e.offset]
    end_text = f"{len(ending):,} end"
    if ending and len(by_change) != len(ending):
        end_text += (f" ({len(by_change):,} under this scenario, {len(ending) - len(by_change):,} decommissioned "
                     "to close the gap)" if by_change else ", decommissioned to close the gap")
    end_text += f"; {len(shrinking):,} reduced"
    own = [e for e in o.effects if e.notice_by is not None and not e.offset]
    first = min(own, key=lambda e: (e.notice_by, e.line.id)) if own else o.earliest_notice
    if first is None:
        notice = "none needed"
    else:
        same = [e for e in (own or o.effects) if e.notice_by == first.notice_by]
        more = f" and {len(same) - 1:,} more" if len(same) > 1 else ""
        notice = f"{fmt.uk_date(first.notice_by)} ({first.line.project}{more})"
        passed = o.notices_passed
        if passed:
            notice += f"; {_count(len(passed), 'date has', 'dates have')} already passed at {as_at_text}"
        else:
            notice += f", not yet passed at {as_at_text}"
    total, known, missing = o.posts
    if known == 0:
        posts = "not recorded in the register"
    else:
        posts = f"{_posts(total)} in {_count(known, 'service', 'services')}" + (
            f"; not recorded for {missing:,} more" if missing else "")
    rows = (
        (labels["gap"], f"{_money(g.gap)} a year, {against}"),
        (labels["offsets"], "; ".join(parts) or "none"),
        (labels["remainder"], remainder),
        (labels["services"], end_text),
        (labels["notice"], notice),
        # Left out when no scenario's services have posts recorded: the section says so once instead.
        *(((labels["posts"], posts),) if posts_row else ()),
    )
    return Table(anchor, caption, columns([labels["figure"], labels["value"]], ("text", "text"), (1.25, 4.95)), rows,
                 row_header=True)


def _names(ids: Sequence[str], o: Outcome) -> list[str]:
    projects = {e.line.id: e.line.project for e in o.effects}
    return [projects.get(i, i) for i in ids]


def services_table(outcomes: Sequence[Outcome], caption: str, titles: Sequence[str], words: Mapping[str, str]) -> Table:
    """Every service each scenario touches: what happens, when, the money before and after, the notice date.
    For the HTML edition only (web_only): in print the compact tables stand for it."""
    rows = []
    for o in outcomes:
        for e in o.effects:
            after = "not decided" if e.after is None else fmt.plain_money(e.after.quantize(Decimal(1)))
            told = fmt.uk_date(e.notice_by) if e.notice_by else words["no_notice"]
            if e.notice_passed:
                told += f" ({words['passed']})"
            rows.append((o.name, e.line.project, e.line.provider, words[e.change], e.cause,
                         fmt.plain_money(e.before.quantize(Decimal(1))), after, told,
                         words["not_recorded"] if e.posts is None else _posts(e.posts)))
    kinds = ("text", "text", "text", "text", "text", "money", "money", "date", "number")
    return Table("table-scenario-services", caption, columns(titles, kinds, (1.4, 1.6, 1.2, 0.8, 1.8, 0.9, 0.9, 1.0, 0.6)),
                 tuple(rows), wide=True, web_only=True)


# The words for what happens to a service, passed to services_table by the template.
CHANGES: tuple[str, ...] = (ENDS, SHRINKS, "extended", "gains")
