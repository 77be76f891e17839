"""What templates/csp.md (and the officer's prose) can use to write the Community Safety Partnership section.

`values(ctx)` adds to the template values: `csp` (the analysis.csp.CspAllocation, or None), the blocks
`csp_table`, `csp_sources` and `csp_figure`, and `csp_facts`, the figures the words quote, worked out
here once so that the section and the prose quote the same values. The wording lives in the templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from .. import formatting as fmt
from ..analysis.csp import CspAllocation, Difference
from .charts.csp import SLUG, comparison
from .model import Column, Figure, Paragraph, Run, Table


@dataclass(frozen=True)
class Gap:
    """An area's actual grant against a comparison split, ready to quote."""
    area: str
    pounds: Decimal  # actual less the comparison (negative: less than the comparison)
    percent: Decimal | None

    @property
    def more(self) -> bool:
        return self.pounds > 0


@dataclass(frozen=True)
class CspFacts:
    pot: int
    pot_from_register: bool
    areas: int
    computed: int  # areas with a formula allocation
    blank_factors: tuple[str, ...]  # labels of weighted factors blank for every area
    partly_blank: tuple[tuple[str, tuple[str, ...]], ...]  # (factor label, areas) blank for some areas only
    stated: Gap | None  # the stated formula's largest difference
    best_weights: tuple[tuple[str, Decimal], ...]  # (factor label, percent), the best fit's positive weights
    best: Gap | None  # the largest difference left under the best weights
    single: tuple[tuple[str, Gap, Gap], ...]  # per recorded factor: (label, largest gap above, largest gap below)
    proportional: bool | None  # does the stated formula reproduce the split within £1 an area? None: not testable
    fitted_factors: tuple[str, ...]
    left_out: tuple[str, ...]
    most: str = ""  # the area the register gives most, and least
    least: str = ""
    licence: str = ""  # the licence every recorded figure is under, when they share one (else "")


def facts(result: CspAllocation) -> CspFacts:
    fit = result.fit
    weighted = result.weighted
    blank_all, partly = [], []
    for f in weighted:
        blank = tuple(a.area for a in result.areas if f.label in a.missing)
        if len(blank) == len(result.areas):
            blank_all.append(f.label)
        elif blank:
            partly.append((f.label, blank))
    stated = _gap(fit.stated) if fit and fit.stated else None
    single = []
    if fit:
        for s in fit.single:
            gaps = [Gap(area, actual - alone, None) for area, actual, alone in
                    zip(fit.areas, (a.actual for a in result.areas if a.area in fit.areas), s.allocations)]
            above = max(gaps, key=lambda g: g.pounds)
            below = min(gaps, key=lambda g: g.pounds)
            single.append((s.factor.label, _pct(above, s.allocations, fit.areas), _pct(below, s.allocations, fit.areas)))
    best = _gap(fit.largest) if fit and fit.factors else None
    done = result.computed
    proportional = None
    if done and len(done) == len(result.areas):
        proportional = all(abs(a.difference) <= 1 for a in done if a.difference is not None)
    return CspFacts(result.pot, result.pot_from_register, len(result.areas), len(done), tuple(blank_all),
                    tuple(partly), stated,
                    tuple((f.label, w) for f, w in zip(fit.factors, fit.weights) if w > 0) if fit else (),
                    best, tuple(single), proportional,
                    tuple(f.label for f in fit.factors) if fit else (), tuple(f.label for f in fit.left_out) if fit else (),
                    *_ends(result), _licence(result))


def _licence(result: CspAllocation) -> str:
    found = {a.figure(f.key).licence for a in result.inputs for f in result.factors if a.figure(f.key).value is not None}
    return found.pop() if len(found) == 1 else ""


def _ends(result: CspAllocation) -> tuple[str, str]:
    paid = [a for a in result.areas if a.actual is not None]
    if not paid:
        return "", ""
    return max(paid, key=lambda a: a.actual).area, min(paid, key=lambda a: a.actual).area


def _gap(d: Difference) -> Gap:
    return Gap(d.area, d.pounds, d.percent)


def _pct(gap: Gap, allocations: tuple[int, ...], areas: tuple[str, ...]) -> Gap:
    base = allocations[areas.index(gap.area)]
    pct = (gap.pounds * 100 / base).quantize(Decimal("0.1")) if base else None
    return Gap(gap.area, gap.pounds, pct)


def _signed(value: Decimal | None, pct: Decimal | None = None) -> str:
    if value is None:
        return ""
    text = ("+" if value > 0 else "-" if value < 0 else "") + fmt.plain_money(abs(value))
    if pct is not None:
        text += f" ({'+' if pct > 0 else ''}{pct:f}%)"
    return text


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _figure(value: Decimal | None, blank: str) -> str:
    if value is None:
        return blank
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,}"


def values(ctx: Any) -> dict[str, Any]:
    """The CSP names offered to templates and prose (all None-safe for an edition without CSP data)."""
    result: CspAllocation | None = getattr(ctx.a, "csp", None)

    def table(caption: str, area_title: str, actual_title: str, difference_title: str,
              total_label: str = "Total", blank: str = "not recorded", not_computed: str = "not computed") -> Markup:
        compared = comparison(result)
        label, other = compared if compared else ("Formula allocation", {})
        # A factor recorded for no area gets no column: the words above say it is not recorded.
        factors = [(k, f) for k, f in enumerate(result.factors) if any(a.figures[k] is not None for a in result.areas)]
        factor_cols = [Column(f.label, "right", "number", 0.9) for _, f in factors]
        cols = (Column(area_title, width=1.9), *factor_cols, Column(actual_title, "right", "money", 0.9),
                Column(f"{label} (£)", "right", "money", 1.0), Column(difference_title, "right", "money", 1.2))
        rows = []
        for a in result.areas:
            v = other.get(a.area)
            diff = None if v is None or a.actual is None else a.actual - v
            pct = None if diff is None or not v else (diff * 100 / v).quantize(Decimal("0.1"))
            rows.append((a.area, *(_figure(a.figures[k], blank) for k, _ in factors), fmt.plain_money(a.actual),
                         fmt.plain_money(Decimal(v)) if v is not None else not_computed, _signed(diff, pct)))
        shown = [other[a.area] for a in result.areas if a.area in other]
        totals = ((total_label, *("" for _ in factors), fmt.plain_money(result.actual_total),
                   fmt.plain_money(Decimal(sum(shown))) if shown else "", ""),)
        # The HTML edition shows these numbers as the chart's data (csp_chart), so the table is printed only.
        printed = any(c.slug == SLUG for c in ctx.a.charts)
        return ctx.blocks.add(Table("table-csp-allocation", caption, cols, tuple(rows), totals, row_header=True,
                                    print_only=printed))

    def sources(lead: str = "") -> Markup:
        """One paragraph: `lead`, then per factor and source the figure's source, date and licence, with the
        areas it covers (a paragraph, not a list: the section keeps to a page, and a phone screen or two)."""
        groups: dict[tuple[str, str, str, str], list[str]] = {}
        for a in result.inputs:
            for f in result.factors:
                fig = a.figure(f.key)
                if fig.value is not None:
                    groups.setdefault((f.label, fig.source, fig.period, fig.licence), []).append(a.area)
        runs = [Run(lead)] if lead else []
        shared = _licence(result)  # said once, in the lead
        for n, ((label, source, period, licence), areas) in enumerate(groups.items()):
            tail = f", {licence}" if licence and licence != shared else ""
            runs += [Run(f"{label}, {_and(areas)}:", bold=True),
                     Run(f" {source}, {period}{tail}{'.' if n == len(groups) - 1 else '; '}")]
        return ctx.blocks.add(Paragraph(tuple(runs)))

    def figure() -> Markup:
        """The chart, in the HTML edition only: in print its numbers are the table above it."""
        chart = next((c for c in ctx.a.charts if c.slug == SLUG), None)
        if chart is None:
            return Markup("")
        ctx.figures += 1
        return ctx.blocks.add(Figure(f"figure-{SLUG}", f"Figure {ctx.figures}: {chart.title}", chart.alt,
                                     chart.svg, chart.png, chart.data, web_only=True))

    return {"csp": result, "csp_facts": facts(result) if result else None,
            "csp_table": table, "csp_sources": sources, "csp_figure": figure, "signed_money": _signed}
