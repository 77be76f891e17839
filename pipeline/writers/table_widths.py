"""Column widths for printed tables (Word and PDF): room for every word, the same widths for tables
of the same kind.

Widths are estimated from Arial's advance widths (Liberation Sans, the PDF's font, has the same
metrics), so both print editions lay a table out alike without asking a layout engine.
"""

from __future__ import annotations

from typing import Iterable

from ..paper.model import Table

NO_WRAP_KINDS = ("money", "number", "date")  # columns whose cells must never break

# Advance widths of Arial (metrically Helvetica) for ASCII 32-126, in thousandths of an em.
_ARIAL = dict(zip(map(chr, range(32, 127)), (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    *[556] * 10, 278, 278, 584, 584, 584, 556, 1015,
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722,
    667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333,
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333,
    500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584)))
_ARIAL.update({"£": 556, "€": 556, "–": 556, "—": 1000, "’": 222, "‘": 222, "“": 333, "”": 333,
               "…": 1000})
_BOLD = 1.1  # Arial Bold is about a tenth wider than Arial
_SAFETY = 1.06  # estimates err on the wide side: a word must never be split
_SLACK = 40  # twips of room beyond the cell margins
_MAX_WORD_SHARE = 0.4  # a text column's longest word claims at most this share of the width

BODY, HEADING, TOTAL = "body", "heading", "total"  # the three kinds of table text


def table_kind(table: Table) -> tuple:
    """Tables are of the same kind when their columns are: same titles, kinds and alignment."""
    return tuple((c.title, c.kind, c.align) for c in table.columns)


class TableMetrics:
    """Estimates how much room table text needs, to size columns so that no word is split.

    `sizes` are the font sizes in points of body, heading and total rows; `padding` is the left plus
    right cell padding in twips. Tables of the same kind (see `table_kind`) registered with `share`
    get the same minimum widths, so their columns line up from one table to the next.
    """

    def __init__(self, sizes: dict[str, float], padding: float) -> None:
        self.sizes = {k: v * 20 for k, v in sizes.items()}  # twips per em
        self.padding = padding + _SLACK
        self._cache: dict[tuple[str, str, bool], float] = {}
        self._groups: dict[tuple, list[Table]] = {}
        self._group_minimums: dict[tuple[tuple, int], list[int]] = {}

    def share(self, tables: Iterable[Table]) -> None:
        """Register every table of the paper: those of one kind are sized together."""
        for table in tables:
            self._groups.setdefault(table_kind(table), []).append(table)
        self._group_minimums.clear()

    def width(self, text: str, style: str = BODY, bold: bool = False) -> float:
        """Twips the longest line of `text` takes on one line (no cell padding)."""
        key = (text, style, bold)
        if key not in self._cache:
            ems = max((sum(_ARIAL.get(c, 1000 if ord(c) >= 0x2E80 else 600) for c in line)
                       for line in text.splitlines() or [""]), default=0) / 1000
            self._cache[key] = ems * self.sizes[style] * (_BOLD if bold else 1) * _SAFETY
        return self._cache[key]

    def longest_word(self, text: str, style: str = BODY, bold: bool = False) -> float:
        return max((self.width(word, style, bold) for word in text.split()), default=0)

    def fits(self, text: str, column_width: int, bold: bool = False) -> bool:
        return self.width(text, HEADING, bold) + self.padding <= column_width

    def minimum_widths(self, table: Table, total: int) -> list[int]:
        """Per column, the most that any table of this kind needs: room for its longest word
        (header included), or for its longest value whole in money, number and date columns,
        which never wrap."""
        group = self._groups.get(table_kind(table))
        if not group or not any(t is table for t in group):
            return self._own_minimums(table, total)
        key = (table_kind(table), total)
        if key not in self._group_minimums:
            self._group_minimums[key] = [max(widths) for widths in
                                         zip(*(self._own_minimums(t, total) for t in group))]
        return self._group_minimums[key]

    def _own_minimums(self, table: Table, total: int) -> list[int]:
        minimums = []
        for j, column in enumerate(table.columns):
            whole = column.kind in NO_WRAP_KINDS
            measure = self.width if whole else self.longest_word
            bold_body = table.row_header and j == 0
            need = self.longest_word(column.title, HEADING, bold=True)
            for rows, style, bold in ((table.rows, BODY, bold_body), (table.totals, TOTAL, True)):
                values = {row[j] for row in rows if j < len(row)}
                need = max([need, *(measure(_printable(v), style, bold) for v in values)])
            need += self.padding
            if not whole:
                need = min(need, total * _MAX_WORD_SHARE)
            minimums.append(int(need + 0.999))
        return minimums

    def column_widths(self, table: Table, total: int) -> list[int]:
        """Column widths in twips summing to at most `total`: each column at least its minimum
        (see minimum_widths), the rest shared in proportion to Column.width."""
        return share_widths(self.minimum_widths(table, total), [max(c.width, 0.01) for c in table.columns],
                            total)

    def too_wide(self, table: Table, total: int) -> bool:
        """Whether the columns cannot all fit their longest word in `total` twips."""
        return sum(self.minimum_widths(table, total)) > total


def share_widths(minimums: list[int], weights: list[float], total: int) -> list[int]:
    if sum(minimums) >= total:  # not even the minimums fit: shrink them all alike
        return [int(total * m / sum(minimums)) for m in minimums]
    fixed: dict[int, int] = {}
    while True:
        free = [j for j in range(len(weights)) if j not in fixed]
        left = total - sum(fixed.values())
        weight = sum(weights[j] for j in free)
        share = {j: left * weights[j] / weight for j in free}
        short = [j for j in free if share[j] < minimums[j]]
        if not short:
            break
        for j in short:  # too narrow at its share: give it its minimum, share out the rest again
            fixed[j] = minimums[j]
    return [fixed[j] if j in fixed else int(share[j]) for j in range(len(weights))]


def _printable(text: str) -> str:
    return "".join(c for c in text if c >= " " or c in "\t\n")
