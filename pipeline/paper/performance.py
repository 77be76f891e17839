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
from ..input.register import Line
from .markdown import WEB_LINK, slug
from .model import Block, Card, Heading, Paragraph, Run, Table
from .sections import columns, decision_text

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
    def services_table(self, caption: str, titles: list[str], labels: dict[str, str], suppressed: str,
                       of: str) -> Markup:
        r = self.report
        shown = r.services[:r.settings.paper_rows] if r else ()
        rows, links = [], []
        for p in shown:
            f, prev = p.reported, p.previous
            cost = f.cost_per_person
            before = ""
            if prev is not None and (prev.people_supported or prev.referrals):
                parts = [f"{count_text(c, suppressed)} {labels[k]}" for k, c in
                         (("people_supported", prev.people_supported), ("referrals", prev.referrals)) if c]
                before = "; ".join(parts)
            rows.append((p.line.project, count_text(f.referrals, suppressed), count_text(f.people_supported, suppressed),
                         "" if cost is None else fmt.plain_money(cost), outcomes_text(f, labels, suppressed, of), before))
            links.append(self.link(p.line.id))
        return self.add(Table("table-performance", caption, columns(titles, ("text", "number", "number", "money", "text", "text"),
                                                                     (1.7, 0.8, 0.8, 0.8, 2.4, 1.5)),
                              tuple(rows), links=tuple(links)))

    def spend_table(self, kind: str, caption: str, titles: list[str], total_label: str = "Total") -> Markup:
        r = self.report
        rows: Sequence[SpendRow] = (r.by_fund if kind == "fund" else r.by_priority) if r else ()
        body = tuple((s.key, f"{s.lines:,}", fmt.plain_money(s.budget), fmt.plain_money(s.spend), _signed(s.underspend))
                     for s in rows)
        t = r.total if r else None
        totals = ((total_label, f"{t.lines:,}", fmt.plain_money(t.budget), fmt.plain_money(t.spend), _signed(t.underspend)),) if t else ()
        return self.add(Table(f"table-outturn-by-{kind}", caption,
                              columns(titles, ("text", "number", "money", "money", "money"), (2.4, 0.6, 1.0, 1.0, 1.0)),
                              body, totals, row_header=True))

    def forecast_table(self, kind: str, caption: str, titles: list[str], total_label: str = "Total") -> Markup:
        y = self.report.in_year if self.report else None
        rows: Sequence[ForecastRow] = (y.by_fund if kind == "fund" else y.by_priority) if y else ()
        m = fmt.plain_money
        body = tuple((s.key, f"{s.lines:,}", m(s.budget), m(s.to_date), m(s.forecast), _signed(s.underspend)) for s in rows)
        t = y.total if y else None
        totals = ((total_label, f"{t.lines:,}", m(t.budget), m(t.to_date), m(t.forecast), _signed(t.underspend)),) if t else ()
        return self.add(Table(f"table-forecast-by-{kind}", caption,
                              columns(titles, ("text", "number", "money", "money", "money", "money"),
                                      (2.2, 0.6, 1.0, 1.0, 1.0, 1.0)), body, totals, row_header=True))

    # --- the HTML edition's cards --------------------------------------------------------------
    def service_cards(self, heading: str, intro: str, labels: dict[str, str], words: dict[str, str]) -> Markup:
        """Make one card per service (web-only, after the paper's body); nothing appears in the paper itself."""
        r = self.report
        if not r or not r.cards:
            return Markup("")
        by_id = {item.item.line.id: item for item in self.review}
        self.web.append(Heading(2, heading, "service-cards"))
        self.web.append(Paragraph((Run(intro),)))
        for p in r.cards:
            self.web.append(Card(self.anchors[p.line.id], p.line.project, f"{p.line.provider} ({p.line.id})",
                                 self._card_rows(p, by_id.get(p.line.id), labels, words)))
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
        decision = decision_text(review.next, words["overdue"]) if review else words["no_decision"]
        sources = sorted({s for f in spans for s in f.sources})
        rows = [(words["costs"], "; ".join(costs)),
                (words["delivers"], "; ".join(delivers) or words["no_return"].format(year=self.report.year.label)),
                (words["outcomes"], "; ".join(outcomes) or words["no_outcomes"]),
                (words["decision"], decision)]
        if sources:
            rows.append((words["source"], "; ".join(sources)))
        return tuple(rows)

