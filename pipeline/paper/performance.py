"""The performance and spend section's tables, and the HTML edition's service cards.

Pure functions of the analysis (pipeline/analysis/performance.py): they shape rows and cards; the
words around them, the column titles, captions and the few phrases inside cells ("under 5", "of")
come from templates/performance.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Mapping, Sequence

from markupsafe import Markup

from .. import formatting as fmt
from ..analysis.performance import Count, Figures, ForecastRow, Outcome, PerformanceReport, ServicePerformance, SpendRow
from ..analysis.schedule import ReviewItem
from ..input.performance import OUTCOMES
from ..input.register import Line
from .markdown import WEB_LINK, slug
from .model import Block, Card, Cards, Heading, Table
from .tables import columns

CARD_PREFIX = "service-"  # a card's anchor: service-<the line id as a slug>


def card_anchors(report: PerformanceReport | None) -> dict[str, str]:
    """Each carded line's anchor, unique even when two ids give the same slug ("VS 1", "VS-1")."""
    anchors: dict[str, str] = {}
    taken: set[str] = set()
    for p in report.cards if report else ():
        base = CARD_PREFIX + slug(p.line.id).removeprefix("section-")
        anchor, n = base, 2
        while anchor in taken:
            anchor, n = f"{base}-{n}", n + 1
        taken.add(anchor)
        anchors[p.line.id] = anchor
    return anchors


def count_text(c: Count | None, suppressed: str) -> str:
    if c is None:
        return ""
    return suppressed if c.suppressed else f"{c.value:,}"


def outcome_text(o: Outcome, suppressed: str, of: str) -> str:
    """'120 of 150 (80%)'; a suppressed count shows as such and the percentage is withheld."""
    text = f"{count_text(o.n, suppressed)} {of} {count_text(o.of, suppressed)}"
    return text if o.percent is None else f"{text} ({o.percent}%)"


def outcomes_text(f: Figures | None, labels: Mapping[str, str], suppressed: str, of: str) -> str:
    if f is None:
        return ""
    return "; ".join(f"{labels.get(o.key, o.key)}: {outcome_text(o, suppressed, of)}" for o in f.outcomes)


def _signed(value: Decimal) -> str:
    return ("-" if value < 0 else "") + fmt.plain_money(abs(value))


@dataclass
class PerformanceParts:
    """The section's template functions; the service cards they make are kept for the HTML edition."""
    report: PerformanceReport | None
    review: Sequence[ReviewItem]
    add: Callable[[Block], Markup]  # puts a table in the paper, returning its placeholder
    finalize: Callable[[Any], str]  # escapes a value for the Markdown, as every {{ }} is
    web: list[Block] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.anchors = card_anchors(self.report)

    def link(self, line_id: str) -> str:
        anchor = self.anchors.get(line_id)
        return "#" + anchor if anchor else ""

    def line_link(self, line: Line, text: str | None = None) -> Markup:
        """The line's name, linked to its service card in the HTML edition (plain in Word and PDF)."""
        shown = self.finalize(line.project if text is None else text)
        anchor = self.anchors.get(getattr(line, "id", None))
        return Markup(f"[{shown}]({WEB_LINK}#{anchor})" if anchor else shown)

    # --- the paper's tables --------------------------------------------------------------------
    def services_table(self, caption: str, titles: dict[str, str], suppressed: str, of: str,
                       partial: str = "{name} ({quarters} only)") -> Markup:
        """One row per service with a return: people supported, cost per person, one column per outcome
        that any service reports ("n of N (x%)"), and people supported the year before."""
        r = self.report
        shown = r.services[:r.settings.paper_rows] if r else ()
        reported = [k for k in OUTCOMES if any(p.reported.outcome(k) for p in shown)]
        rows, links = [], []
        for p in shown:
            f, prev = p.reported, p.previous
            cost = f.cost_per_person
            name = p.line.project if not f.partial else partial.format(
                name=p.line.project, quarters=", ".join(f"Q{q}" for q in f.quarters))
            cells = [name, count_text(f.people_supported, suppressed), "" if cost is None else fmt.plain_money(cost)]
            for key in reported:
                o = f.outcome(key)
                cells.append("" if o is None else outcome_text(o, suppressed, of))
            cells.append(count_text(prev.people_supported, suppressed) if prev else "")
            rows.append(tuple(cells))
            links.append(self.link(p.line.id))
        heads = [titles["service"], titles["people_supported"], titles["cost_per_person"],
                 *(titles[k] for k in reported), titles["previous"]]
        kinds = ("text", "number", "money", *("number",) * len(reported), "number")
        widths = (2.0, 0.9, 0.9, *(1.2,) * len(reported), 0.9)
        return self.add(Table("table-performance", caption, columns(heads, kinds, widths), tuple(rows),
                              links=tuple(links)))

    def spend_table(self, caption: str, titles: dict[str, str], fund_label: str, priority_label: str) -> Markup:
        """Spend against budget by fund, then by priority, in one table: the reported year's budget,
        outturn and underspend and, where the paper date is inside the edition year, its budget, spend to
        date and forecast underspend. A cell is blank where nothing was returned for it."""
        r = self.report
        y = r.in_year if r and r.in_year and r.in_year.lines else None
        done = bool(r and r.total.lines)
        m = fmt.plain_money
        heads, kinds = [titles["key"]], ["text"]
        if done:
            heads += [titles["budget"], titles["outturn"], titles["underspend"]]
        if y:
            heads += [titles["year_budget"], titles["to_date"], titles["forecast_underspend"]]
        kinds += ["money"] * (len(heads) - 1)

        def cells(a: SpendRow | None, b: ForecastRow | None) -> list[str]:
            out = []
            if done:
                out += [m(a.budget), m(a.spend), _signed(a.underspend)] if a else ["", "", ""]
            if y:
                out += [m(b.budget), m(b.to_date), _signed(b.underspend)] if b else ["", "", ""]
            return out

        rows = []
        for label, past, now in ((fund_label, r.by_fund if r else (), y.by_fund if y else ()),
                                 (priority_label, r.by_priority if r else (), y.by_priority if y else ())):
            a, b = {x.key: x for x in past}, {x.key: x for x in now}
            for key in dict.fromkeys((*a, *b)):
                rows.append((label.format(key=key), *cells(a.get(key), b.get(key))))
        totals = ((titles["total"], *cells(r.total if done else None, y.total if y else None)),) if (done or y) else ()
        widths = (2.4, *(1.0,) * (len(heads) - 1))
        return self.add(Table("table-spend-against-budget", caption, columns(heads, tuple(kinds), widths),
                              tuple(rows), totals, row_header=True))

    # --- the HTML edition's cards --------------------------------------------------------------
    def service_cards(self, heading: str, intro: str, labels: dict[str, str], words: dict[str, str]) -> Markup:
        """Make one card per service (web-only, after the paper's body); nothing appears in the paper itself."""
        r = self.report
        if not r or not r.cards:
            return Markup("")
        by_id = {item.item.line.id: item for item in self.review}
        self.web.append(Heading(2, heading, "service-cards"))
        self.web.append(Cards(intro.format(count=len(r.cards)), tuple(
            Card(self.anchors[p.line.id], p.line.project, f"{p.line.provider} ({p.line.id})",
                 self._card_rows(p, by_id.get(p.line.id), labels, words)) for p in r.cards)))
        return Markup("")

    def _card_rows(self, p: ServicePerformance, review: ReviewItem | None, labels: dict[str, str],
                   words: dict[str, str]) -> tuple[tuple[str, str], ...]:
        suppressed, of = words["suppressed"], words["of"]
        line = p.line
        spans = [f for f in (p.to_date, p.reported, p.previous) if f is not None]
        costs = [f"{fmt.money(line.spend)} {words['this_year']}" if line.spend is not None else words["not_costed"]]
        for f in spans:
            bits = []
            if f.spend is not None:
                bits.append(f"{words['spent']} {fmt.money(f.spend)}" +
                            (f" {words['of_budget']} {fmt.money(f.budget)}" if f.budget is not None else ""))
            if f.cost_per_person is not None:
                bits.append(f"{fmt.money(f.cost_per_person)} {words['per_person']}")
            if bits:
                costs.append(f"{f.label}: {', '.join(bits)}")
        delivers = []
        for f in spans:
            bits = [f"{count_text(c, suppressed)} {labels[k]}" for k, c in
                    (("referrals", f.referrals), ("people_supported", f.people_supported), ("cases_closed", f.cases_closed)) if c]
            if f.waiting_days is not None:
                bits.append(f"{labels['waiting_days']} {f.waiting_days:,}")
            if bits:
                delivers.append(f"{f.label}: {', '.join(bits)}")
        if p.reported is None and delivers:  # say the reported year is missing before showing other years
            delivers.insert(0, words["no_return"].format(year=self.report.year.label))
        outcomes = [f"{f.label}: {outcomes_text(f, labels, suppressed, of)}" for f in spans if f.outcomes]
        if review:
            d = review.next
            decision = words["next_decision"].format(what=d.label, start=fmt.uk_date(d.start), due=fmt.uk_date(d.due))
            decision += f" ({words['overdue']})" if d.overdue else ""
        else:
            decision = words["no_decision"]
        sources = sorted({s for f in spans for s in f.sources})
        rows = [(words["costs"], "; ".join(costs)),
                (words["delivers"], "; ".join(delivers) or words["no_return"].format(year=self.report.year.label)),
                (words["outcomes"], "; ".join(outcomes) or words["no_outcomes"]),
                (words["decision"], decision)]
        if sources:
            rows.append((words["source"], "; ".join(sources)))
        return tuple(rows)

