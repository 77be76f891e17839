"""The Community Safety Partnership formula: each area's allocation from its figures, set against the
register's actual split, and how well the stated formula (or any weighting of the factors) explains it.

Pure: arithmetic on the validated csp-allocation.csv, the [csp_allocation] settings, the register's
spend and the previous edition's allocations. Exact arithmetic throughout (fractions), so the pounds
always sum to the pot and a split made from a formula is recognised exactly.

The steps, in order:
  1. the pot: the total of the partnerships' lines in the register, or the amount set;
  2. each factor's shares: the area's share of all the areas' figures ("share"), or of their figures
     per head of population ("per_head"); the weighted sum of the shares times the pot is the formula
     allocation. An area with a blank figure for a weighted factor gets none: the areas with complete
     figures share the pot less what the register gives the others;
  3. the floor: an area below it is raised to it, the others scaled down to pay for it;
  4. phasing: no area moves more than the cap from its previous allocation (scaled to this pot) in
     one year; the path shows each year until the formula allocation is reached;
  5. whole pounds by largest remainder, summing exactly to the pot;
  6. the fit: the largest difference between the formula and the actual split, and the non-negative
     weights summing to 100% that come closest to the actual split (least squares on the shares).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import combinations
from typing import Mapping, Sequence

from ..input.csp import CspArea, CspInput
from ..input.csp_settings import CspSettings, Factor
from ..input.register import Register

MAX_PHASING_YEARS = 25  # a path longer than this is reported as not reaching the formula


class AllocationError(ValueError):
    """The settings cannot be met (a floor the pot cannot pay): the message names the setting."""


@dataclass(frozen=True)
class AreaResult:
    area: str
    line_id: str
    figures: tuple[Decimal | None, ...]  # per factor, in the settings' order
    actual: Decimal | None  # the register line's spend (None: not separately costed)
    formula: int | None  # whole pounds; None: a weighted figure is blank
    shares: tuple[Decimal | None, ...]  # the area's share of each factor, 0 to 1 (None: not computed)
    contributions: tuple[Decimal | None, ...]  # pounds each factor gives the area, before the floor
    previous: Decimal | None = None  # the previous edition's allocation
    allocation: int | None = None  # this year's, after phasing (the formula's when there is no phasing)
    path: tuple[int, ...] = ()  # later years' allocations under phasing, until the formula's is reached
    missing: tuple[str, ...] = ()  # labels of the weighted factors blank for this area

    @property
    def difference(self) -> Decimal | None:
        """Actual less formula, in pounds."""
        if self.formula is None or self.actual is None:
            return None
        return self.actual - self.formula

    @property
    def difference_percent(self) -> Decimal | None:
        """Actual less formula, as a percentage of the formula allocation."""
        diff = self.difference
        if diff is None or not self.formula:
            return None
        return (diff * 100 / self.formula).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Difference:
    """The largest gap between an allocation and the actual split."""
    area: str
    pounds: Decimal  # actual less the allocation
    percent: Decimal | None  # of the allocation


@dataclass(frozen=True)
class SingleFactor:
    """The split one factor alone would give: 'directly proportional' to it, tested."""
    factor: Factor
    largest: Difference
    allocations: tuple[int, ...]  # per area of the fit, in order


@dataclass(frozen=True)
class Fit:
    """How well the factors explain the actual split, over the areas with every figure of `factors`."""
    factors: tuple[Factor, ...]  # the factors with a figure for every area
    left_out: tuple[Factor, ...]  # factors with a blank somewhere, so not fitted
    areas: tuple[str, ...]
    weights: tuple[Decimal, ...]  # best non-negative weights in percent (1 dp), summing to 100 before rounding
    fitted: tuple[int, ...]  # the best weights' allocations of the actual total, per area
    largest: Difference  # under the best weights
    single: tuple[SingleFactor, ...]  # each factor alone
    stated: Difference | None  # the stated formula's largest difference, when it could be computed


@dataclass(frozen=True)
class CspAllocation:
    settings: CspSettings
    source: str
    pot: int
    pot_from_register: bool
    actual_total: Decimal
    formula_pot: int  # what the areas with complete figures share
    areas: tuple[AreaResult, ...]
    fit: Fit | None
    phasing: str  # "applied", "off", or why it could not be applied
    phasing_years: int | None  # years until every area reaches its formula allocation (None: not within the limit)
    notes: tuple[str, ...]  # what the officer should know: blanks, periods that differ, phasing not applied
    periods: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # per factor: (period, areas) for figures given
    inputs: tuple[CspArea, ...] = ()  # the rows read, with each figure's source, period and licence

    @property
    def factors(self) -> tuple[Factor, ...]:
        return self.settings.factors

    @property
    def weighted(self) -> tuple[Factor, ...]:
        return self.settings.weighted

    @property
    def computed(self) -> tuple[AreaResult, ...]:
        return tuple(a for a in self.areas if a.formula is not None)

    @property
    def incomplete(self) -> tuple[AreaResult, ...]:
        return tuple(a for a in self.areas if a.formula is None)

    @property
    def largest(self) -> AreaResult | None:
        """The area whose actual allocation is furthest from its formula allocation, in pounds."""
        done = [a for a in self.areas if a.difference is not None]
        return max(done, key=lambda a: abs(a.difference)) if done else None


# --- exact helpers -----------------------------------------------------------------------------

def _f(value: Decimal) -> Fraction:
    return Fraction(value)


def _d(value: Fraction, places: str = "0.0001") -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(places), ROUND_HALF_UP)


def largest_remainder(values: Sequence[Fraction], total: int) -> tuple[int, ...]:
    """Whole numbers summing exactly to `total`, each the floor of its value or one more: the extra units go
    to the largest remainders (ties to the earlier value). `values` must sum to `total`."""
    floors = [v.numerator // v.denominator for v in values]
    left = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    out = list(floors)
    for i in order[:max(left, 0)]:
        out[i] += 1
    return tuple(out)


def fill(target: Sequence[Fraction], total: Fraction, lo: Sequence[Fraction],
         hi: Sequence[Fraction | None]) -> tuple[Fraction, ...]:
    """x_i = clamp(t * target_i, lo_i, hi_i) with the t that makes the x sum to `total` (exactly).

    The floor and the phasing cap both work this way: areas held at a bound keep it, the others share the
    rest in proportion to their targets. Raises AllocationError when the bounds cannot sum to `total`."""
    if sum(lo) > total or (all(h is not None for h in hi) and sum(h for h in hi) < total):  # type: ignore[misc]
        raise AllocationError("the bounds cannot be met")

    def g(t: Fraction) -> Fraction:
        return sum((_clamp(t * f, l, h) for f, l, h in zip(target, lo, hi)), Fraction(0))

    points = sorted({Fraction(0), *(l / f for f, l in zip(target, lo) if f),
                     *(h / f for f, h in zip(target, hi) if f and h is not None)})
    prev_t, prev_g = points[0], g(points[0])
    if prev_g >= total:
        t = prev_t
    else:
        t = None
        for point in points[1:]:
            value = g(point)
            if value >= total:
                t = prev_t + (total - prev_g) * (point - prev_t) / (value - prev_g)
                break
            prev_t, prev_g = point, value
        if t is None:  # beyond every bound, only the areas without a ceiling still grow
            slope = sum((f for f, h in zip(target, hi) if h is None), Fraction(0))
            if not slope:
                raise AllocationError("the bounds cannot be met")
            t = prev_t + (total - prev_g) / slope
    return tuple(_clamp(t * f, l, h) for f, l, h in zip(target, lo, hi))


def _clamp(x: Fraction, lo: Fraction, hi: Fraction | None) -> Fraction:
    if x < lo:
        return lo
    if hi is not None and x > hi:
        return hi
    return x


def simplex_least_squares(columns: Sequence[Sequence[Fraction]], target: Sequence[Fraction]) -> tuple[Fraction, ...]:
    """The weights w >= 0 with sum 1 minimising |sum_k w_k columns[k] - target|^2, exactly.

    A convex problem with few factors: its optimum is the equality-constrained least squares solution on
    some set of factors (those with a positive weight), so every set is solved exactly (a small linear
    system) and the best solution with no negative weight is kept. A single factor is always a candidate."""
    k = len(columns)
    best: tuple[Fraction, tuple[Fraction, ...]] | None = None
    for size in range(1, k + 1):
        for chosen in combinations(range(k), size):
            w = _constrained_ls([columns[j] for j in chosen], target)
            if w is None or any(x < 0 for x in w):
                continue
            full = [Fraction(0)] * k
            for j, x in zip(chosen, w):
                full[j] = x
            err = sum((sum(full[j] * columns[j][i] for j in range(k)) - target[i]) ** 2 for i in range(len(target)))
            if best is None or err < best[0]:
                best = (err, tuple(full))
    assert best is not None  # every single factor gives a solution
    return best[1]


def _constrained_ls(cols: Sequence[Sequence[Fraction]], target: Sequence[Fraction]) -> tuple[Fraction, ...] | None:
    """Least squares with the weights summing to 1 (its KKT system), or None when the system is singular."""
    m = len(cols)
    a = [[2 * sum(ci * cj for ci, cj in zip(cols[r], cols[c])) for c in range(m)] + [Fraction(1)] for r in range(m)]
    a.append([Fraction(1)] * m + [Fraction(0)])
    b = [2 * sum(ci * t for ci, t in zip(cols[r], target)) for r in range(m)] + [Fraction(1)]
    solution = _solve(a, b)
    return None if solution is None else tuple(solution[:m])


def _solve(a: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    n = len(b)
    m = [row[:] + [v] for row, v in zip(a, b)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if m[r][col] != 0), None)
        if pivot is None:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col and m[r][col] != 0:
                factor = m[r][col] / m[col][col]
                m[r] = [x - factor * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


# --- the allocation ------------------------------------------------------------------------------

def _values(areas: Sequence[CspArea], factor: Factor) -> list[Fraction] | None:
    """Each area's figure as the factor counts it, or None when one is blank."""
    out = []
    for a in areas:
        value = a.figure(factor.key).value
        if value is None:
            return None
        if factor.counts == "per_head":
            population = a.figure("population").value
            if population is None:
                return None
            out.append(_f(value) / _f(population))
        else:
            out.append(_f(value))
    return out


def _shares(values: Sequence[Fraction]) -> list[Fraction]:
    whole = sum(values, Fraction(0))
    return [v / whole for v in values]


def _missing(area: CspArea, factor: Factor) -> bool:
    if area.figure(factor.key).value is None:
        return True
    return factor.counts == "per_head" and area.figure("population").value is None


def _largest(names: Sequence[str], actual: Sequence[Decimal], allocated: Sequence[int]) -> Difference:
    i = max(range(len(names)), key=lambda j: (abs(actual[j] - allocated[j]), -j))
    diff = actual[i] - allocated[i]
    pct = (diff * 100 / allocated[i]).quantize(Decimal("0.1"), ROUND_HALF_UP) if allocated[i] else None
    return Difference(names[i], diff, pct)


def allocate(settings: CspSettings, data: CspInput, register: Register,
             previous: Mapping[str, Decimal | None] | None = None) -> CspAllocation:
    """The allocation for every area of `data`; `previous` maps an area to its previous edition's allocation."""
    spend = {l.id: l.spend for l in register.lines}
    areas = data.areas
    actual = [spend.get(a.line_id) for a in areas]
    actual_total = sum((x for x in actual if x is not None), Decimal(0))
    pot_from_register = settings.pot is None
    pot = int((actual_total if pot_from_register else settings.pot).quantize(Decimal(1), ROUND_HALF_UP))
    weighted = settings.weighted
    notes: list[str] = []

    missing = {a.area: tuple(f.label for f in weighted if _missing(a, f)) for a in areas}
    complete = [a for a in areas if not missing[a.area]]
    for f in weighted:
        blank = [a.area for a in areas if _missing(a, f)]
        if blank:
            which = "every area" if len(blank) == len(areas) else ", ".join(blank)
            notes.append(f"csp-allocation.csv: {f.label.lower()} (weighted {f.weight:f}%) is blank for {which}, "
                         f"so {'no area gets' if len(blank) == len(areas) else 'those areas get no'} formula allocation")
    periods = []
    for f in settings.factors:
        given: dict[str, int] = {}
        for a in areas:
            fig = a.figure(f.key)
            if fig.value is not None:
                given[fig.period] = given.get(fig.period, 0) + 1
        periods.append((f.key, tuple(given.items())))
        if len(given) > 1:
            notes.append(f"csp-allocation.csv: the {f.label.lower()} figures cover different periods ("
                         + "; ".join(f"{p}: {n} {'area' if n == 1 else 'areas'}" for p, n in given.items()) + ")")

    # What the areas with complete figures share: the pot less what the register gives the others.
    others = sum((spend.get(a.line_id) or Decimal(0) for a in areas if missing[a.area]), Decimal(0))
    formula_pot = max(0, pot - int(others.quantize(Decimal(1), ROUND_HALF_UP))) if complete else 0

    formula: dict[str, int] = {}
    shares: dict[str, list[Fraction | None]] = {a.area: [None] * len(settings.factors) for a in areas}
    contributions: dict[str, list[Fraction | None]] = {a.area: [None] * len(settings.factors) for a in areas}
    allocation: dict[str, int] = {}
    path: dict[str, tuple[int, ...]] = {}
    phasing, phasing_years = "off", None
    for k, f in enumerate(settings.factors):  # every area's shares of a factor recorded for all of them
        values = _values(areas, f)
        for a, s in zip(areas, _shares(values) if values else ()):
            shares[a.area][k] = s
    if complete and formula_pot > 0:
        exact = [Fraction(0)] * len(complete)
        for k, f in enumerate(settings.factors):
            values = _values(complete, f)
            if values is None:
                continue
            for i, s in enumerate(_shares(values)):
                shares[complete[i].area][k] = s
                if f.weight > 0:
                    part = formula_pot * _f(f.weight) / 100 * s
                    contributions[complete[i].area][k] = part
                    exact[i] += part
        target = _with_floor(exact, Fraction(formula_pot), _f(settings.floor))
        for a, pounds in zip(complete, largest_remainder(target, formula_pot)):
            formula[a.area] = pounds
        allocation = dict(formula)
        if settings.phasing_cap_percent > 0:
            phasing, phasing_years, phased, path = _phase(complete, target, formula_pot, settings, previous or {})
            allocation = phased or allocation
            if phasing != "applied":
                notes.append(f"[csp_allocation] phasing_cap_percent: not applied, {phasing}")

    results = []
    for a, act in zip(areas, actual):
        k_shares = tuple(None if s is None else _d(s, "0.000001") for s in shares[a.area])
        k_parts = tuple(None if c is None else _d(c, "0.01") for c in contributions[a.area])
        prev = (previous or {}).get(a.area)
        results.append(AreaResult(a.area, a.line_id, tuple(f.value for f in a.figures), act, formula.get(a.area),
                                  k_shares, k_parts, prev, allocation.get(a.area), path.get(a.area, ()),
                                  missing[a.area]))
    result = CspAllocation(settings, data.source, pot, pot_from_register, actual_total, formula_pot,
                           tuple(results), None, phasing, phasing_years, tuple(notes), tuple(periods), tuple(areas))
    return _with_fit(result, areas)


def _with_floor(exact: list[Fraction], total: Fraction, floor: Fraction) -> tuple[Fraction, ...]:
    if floor <= 0:
        return tuple(exact)
    try:
        return fill(exact, total, [floor] * len(exact), [None] * len(exact))
    except AllocationError:
        raise AllocationError(f"[csp_allocation] floor: {len(exact)} areas at £{_d(floor, '1'):,} each need more than "
                              f"the £{_d(total, '1'):,} the formula shares out; lower the floor") from None


def _phase(complete: Sequence[CspArea], target: Sequence[Fraction], pot: int, settings: CspSettings,
           previous: Mapping[str, Decimal | None]):
    """This year's allocations under the cap, and the path to the formula's in later years."""
    prev = [previous.get(a.area) for a in complete]
    lacking = [a.area for a, p in zip(complete, prev) if not p]
    if not previous:
        return "there is no previous edition's allocation to phase from", None, None, {}
    if lacking:
        return f"the previous edition has no allocation for {', '.join(lacking)}", None, None, {}
    cap = _f(settings.phasing_cap_percent) / 100
    floor = _f(settings.floor)
    scale = Fraction(pot) / sum(_f(p) for p in prev)
    current = [(_f(p) * scale) for p in prev]  # the previous split, scaled to this pot
    years: list[tuple[Fraction, ...]] = []
    for _ in range(MAX_PHASING_YEARS):
        lo = [max(floor, c * (1 - cap)) for c in current]
        hi: list[Fraction | None] = [max(l, c * (1 + cap)) for l, c in zip(lo, current)]
        step = fill(target, Fraction(pot), lo, hi)
        years.append(step)
        if tuple(step) == tuple(target):
            break
        current = list(step)
    reached = tuple(years[-1]) == tuple(target)
    rounded = [largest_remainder(y, pot) for y in years]
    allocation = {a.area: rounded[0][i] for i, a in enumerate(complete)}
    path = {a.area: tuple(r[i] for r in rounded[1:]) for i, a in enumerate(complete)}
    return "applied", (len(years) if reached else None), allocation, path


def _with_fit(result: CspAllocation, areas: Sequence[CspArea]) -> CspAllocation:
    """The fit over the areas with a recorded spend, using every factor with a figure for all of them."""
    from dataclasses import replace

    rows = [(a, r) for a, r in zip(areas, result.areas) if r.actual is not None and r.actual > 0]
    if not rows:
        return result
    used, left = [], []
    columns = []
    for f in result.factors:
        values = _values([a for a, _ in rows], f)
        if values is None:
            left.append(f)
        else:
            used.append(f)
            columns.append(_shares(values))
    if not used:
        return replace(result, fit=Fit((), tuple(left), tuple(a.area for a, _ in rows), (), (),
                                       Difference("", Decimal(0), None), (), _stated(result)))
    names = [a.area for a, _ in rows]
    actual = [r.actual for _, r in rows]
    total = sum(actual, Decimal(0))
    whole = int(total.quantize(Decimal(1), ROUND_HALF_UP))
    target = [_f(x) / _f(total) for x in actual]
    weights = simplex_least_squares(columns, target)

    def split(w: Sequence[Fraction]) -> tuple[int, ...]:
        return largest_remainder([whole * sum(w[k] * columns[k][i] for k in range(len(columns)))
                                  for i in range(len(names))], whole)

    fitted = split(weights)
    single = tuple(SingleFactor(f, _largest(names, actual, alone), alone)
                   for k, f in enumerate(used)
                   for alone in [split([Fraction(int(j == k)) for j in range(len(used))])])
    fit = Fit(tuple(used), tuple(left), tuple(names), tuple(_d(w * 100, "0.1") for w in weights), fitted,
              _largest(names, actual, fitted), single, _stated(result))
    return replace(result, fit=fit)


def _stated(result: CspAllocation) -> Difference | None:
    done = [r for r in result.areas if r.difference is not None]
    if not done:
        return None
    return _largest([r.area for r in done], [r.actual for r in done], [r.formula for r in done])
