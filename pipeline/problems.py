"""Problems found in the officer's input, reported all at once in words they can act on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # spreadsheet row as the user sees it: the header is row 1
    column: str | None
    value: str
    expected: str
    sheet: str = ""  # the worksheet of an .xlsx register
    line: str = ""  # the id of the register line the row holds, so the officer can find it when rows move
    cell: str = ""  # the cell as Excel shows it (F12), for a workbook register

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"line {self.line} at row {self.row}" if self.line else f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'" + (f" (cell {self.cell})" if self.cell else ""))
        elif self.cell:
            where.append(f"cell {self.cell}")
        shown = _show(self.value)
        got = f": found {shown}" if self.value != "" else ""
        return f"{', '.join(where)}{got}; {self.expected}"


def _show(value: str, limit: int = 60) -> str:
    text = value if len(value) <= limit else value[:limit] + "…"
    return repr(text) if any(not c.isprintable() for c in text) else f'"{text}"'


class InputError(Exception):
    """Raised with every problem found, so the officer can fix them in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def report(self) -> str:
        n = len(self.problems)
        head = f"Found {n} problem{'s' if n != 1 else ''} to fix before the paper can be built:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])
