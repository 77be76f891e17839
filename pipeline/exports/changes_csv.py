"""changes-since-<year>.csv: every change between two editions, one row per change."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ..analysis.compare import Comparison
from .csvfile import neutralise, write_csv

CSV_COLUMNS = ("change", "id", "section", "project", "provider", "previous_spend", "current_spend",
               "difference", "percent", "previous_category", "current_category", "previous_value",
               "current_value", "detail")
_safe = neutralise  # text a spreadsheet would run as a formula gets a leading quote


def _number(value: Decimal | None) -> str:
    # Plain numbers (no £ or commas) so a spreadsheet can add them up. Ours never start with "=".
    if value is None:
        return ""
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def write_comparison_csv(comparison: Comparison, path: Path) -> None:
    """Write every change and the totals as one CSV table, one row per change.

    Officer-typed text (ids, names, sections, categories) starting with = + - @ is prefixed with a
    single quote. Our own figures are plain numbers; a negative difference stays a number.
    """
    rows: list[tuple[str, ...]] = []

    def text_row(change: str, line_id: str, section: str, project: str, provider: str,
                 was: Decimal | None = None, now: Decimal | None = None,
                 difference: Decimal | None = None, percent: Decimal | None = None,
                 was_cat: str | None = None, now_cat: str | None = None,
                 before: str = "", after: str = "", detail: str = "") -> None:
        rows.append((change, _safe(line_id), _safe(section), _safe(project), _safe(provider),
                     _number(was), _number(now), _number(difference), _number(percent),
                     _safe(was_cat or ""), _safe(now_cat or ""), _safe(before), _safe(after), _safe(detail)))

    for line in comparison.added:
        text_row("added", line.id, line.section, line.project, line.provider, None, line.spend, line.spend)
    for line in comparison.ended:
        text_row("ended", line.id, line.section, line.project, line.provider, line.spend, None,
                 -line.spend if line.spend is not None else None)
    for ch in comparison.spend_changes:
        text_row(f"spend {ch.kind}", ch.id, ch.section, ch.project, ch.provider, ch.previous, ch.current,
                 ch.difference, ch.percent)
    for mv in comparison.category_moves:
        text_row("category moved", mv.id, mv.section, mv.project, mv.provider, was_cat=mv.previous, now_cat=mv.current,
                 detail=mv.reason)
    for ch in comparison.line_changes:
        text_row(ch.kind, ch.id, ch.section, ch.project, ch.provider, before=ch.previous, after=ch.current,
                 detail=ch.detail)
    for t in (*comparison.sections, comparison.overall):
        text_row("total", "", t.section or "all sections", "", "", t.previous, t.current, t.difference, t.percent)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The same CSV as the other exports (BOM, quoting, line ends); our text is neutralised above already.
    write_csv(path, CSV_COLUMNS, [list(r) for r in rows], safe=True)
