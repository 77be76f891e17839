"""csp-allocation.csv: the Community Safety Partnership allocation, one row per area.

Each area's figures with their sources, its actual allocation (the register), its formula allocation
and the difference, each factor's share and contribution, the phased allocation and the allocation the
best-fitting weights would give; under phasing, phasing_path lists the later years' allocations
until the formula's is reached. Blank means not recorded or not computed, never zero. Figures are
plain numbers (no £ or commas) so a spreadsheet can add them up; text is guarded against formulas.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from ..analysis.csp import CspAllocation
from .csvfile import neutralise


def _number(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"


def columns(result: CspAllocation) -> tuple[str, ...]:
    keys = [f.key for f in result.factors]
    return ("area", "line_id",
            *(c for k in keys for c in (k, f"{k}_source", f"{k}_period", f"{k}_licence", f"{k}_link")),
            "actual_allocation", "formula_allocation", "difference_pounds", "difference_percent",
            *(f"{k}_share" for k in keys), *(f"{k}_contribution" for k in keys),
            "previous_allocation", "phased_allocation", "phasing_path", "best_fit_allocation", "missing_factors")


def write_csp_csv(path: Path, result: CspAllocation) -> None:
    fitted = dict(zip(result.fit.areas, result.fit.fitted)) if result.fit and result.fit.fitted else {}
    rows = []
    for r in result.areas:
        figures = []
        for f, value in zip(result.factors, r.figures):
            detail = _source(result, r.area, f.key)
            figures += [_number(value), *(neutralise(d) for d in detail)]
        phased = r.allocation if result.phasing == "applied" else None
        rows.append((neutralise(r.area), neutralise(r.line_id), *figures, _number(r.actual), _number(r.formula),
                     _number(r.difference), _number(r.difference_percent),
                     *(_number(s) for s in r.shares), *(_number(c) for c in r.contributions),
                     _number(r.previous), _number(phased), "; ".join(str(x) for x in r.path) if phased is not None else "",
                     _number(fitted.get(r.area)),
                     neutralise("; ".join(r.missing))))
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(columns(result))
        writer.writerows(rows)


def _source(result: CspAllocation, area: str, factor: str) -> tuple[str, str, str, str]:
    for a in result.inputs:
        if a.area == area:
            fig = a.figure(factor)
            return fig.source, fig.period, fig.licence, fig.link
    return "", "", "", ""
