"""The validated register: one frozen Line per service or grant, in the order the officer listed them."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable

from . import columns

if TYPE_CHECKING:
    import pandas as pd

# The register's own columns, in the order the workbook and exports use them (defined in input/columns.py).
COLUMNS: tuple[str, ...] = columns.names()
# Columns whose value the `inferred` column may mark as a guess rather than a recorded fact.
INFERABLE: tuple[str, ...] = columns.inferable()
REQUIRED: tuple[str, ...] = columns.required()


@dataclass(frozen=True)
class Line:
    id: str
    section: str
    term: str
    priority: str
    project: str
    provider: str
    spend: Decimal | None  # None: not separately costed
    funding_source: str = ""
    start_date: date | None = None
    end_date: date | None = None
    extension_options: tuple[int, ...] = ()  # years, e.g. (1, 1) for "1+1"
    status: str = ""  # blank means active
    category: str | None = None  # officer's override
    notes: str = ""
    break_dates: tuple[date, ...] = ()  # break clauses: the agreement may be ended at each of these dates
    provider_org_id: str = ""  # org-id.guide identifier, e.g. GB-CHC-1234567
    award_date: date | None = None
    procurement_route: str = ""
    sme: bool | None = None  # None: not recorded
    vcse: bool | None = None
    grant_purpose: str = ""
    grant_conditions: str = ""
    posts: Decimal | None = None  # people or posts funded; None: not recorded (never read as zero)
    agreement: str = ""  # lines with the same agreement share one set of decisions
    option_holder: str = ""  # the partner who holds the contract and its options ("" = the office)
    decide_with: str = ""  # an agreement this line is tied to: its decisions fall no later than that one's
    decision_by: date | None = None  # the date the officer set for a decision on a line under review
    inferred: tuple[str, ...] = ()  # columns whose values are inferred, not recorded (INFERABLE)
    # The table's columns without a field above (their parsed values), then the columns the register format
    # does not define (kept as text, named in Register.extra_columns).
    extra: tuple[tuple[str, Any], ...] = ()
    row: int = field(default=0, compare=False)  # spreadsheet row, for messages only

    @property
    def extension_years(self) -> int:
        return sum(self.extension_options)

    @property
    def extension_text(self) -> str:
        return "+".join(str(n) for n in self.extension_options)

    def value(self, column: str) -> Any:
        """The parsed value of a register column, whether or not Line has a field of that name."""
        if column in _FIELDS:
            return getattr(self, column)
        for name, value in self.extra:
            if name == column:
                return value
        return columns.by_name()[column].empty

    def text(self, column: str) -> str:
        """The cell as the register writes it (ISO dates, 1+1, yes/no), for the CSV and workbook writers."""
        value = self.value(column)
        col = columns.by_name().get(column)
        kind = col.kind if col else "text"
        if kind == "years":
            return "+".join(str(n) for n in value)
        if kind == "dates":
            return ";".join(d.isoformat() for d in value)
        if kind == "columns":
            return ";".join(value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, date):
            return value.isoformat()
        return "" if value is None else str(value)


_FIELDS = frozenset(f.name for f in fields(Line)) - {"extra", "row"}


@dataclass(frozen=True)
class Register:
    source: str
    lines: tuple[Line, ...]
    extra_columns: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)
    sheet: str = field(default="", compare=False)  # the worksheet read, for an .xlsx register
    positions: tuple[tuple[str, int], ...] = field(default=(), compare=False)  # workbook column (1 = A) per column name

    def cell(self, row: int | None, column: str) -> str:
        """The cell as Excel names it (F12), for messages about a workbook register; blank for a CSV."""
        at = dict(self.positions).get(column)
        if not self.sheet or at is None or not row:
            return ""
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(at)}{row}"

    def __len__(self) -> int:
        return len(self.lines)

    def __iter__(self):
        return iter(self.lines)

    def in_section(self, section: str) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.section == section)

    def total(self, lines: Iterable[Line] | None = None) -> Decimal:
        return total_spend(self.lines if lines is None else lines)

    def frame(self) -> pd.DataFrame:
        """The register as a typed pandas table (one row per line, extra columns appended)."""
        import pandas as pd  # imported here: building the paper does not need pandas, so start-up stays quick

        names = columns.names()
        records = []
        for line in self.lines:
            rec: dict[str, Any] = {name: line.value(name) for name in names}
            for name in ("extension_options", "break_dates", "inferred"):
                rec[name] = line.text(name)
            rec["row"] = line.row
            rec.update((k, v) for k, v in line.extra if k in self.extra_columns)
            records.append(rec)
        df = pd.DataFrame.from_records(records, columns=[*names, "row", *self.extra_columns])
        df["spend"] = df["spend"].map(lambda v: None if v is None else float(v)).astype("Float64")
        for col in ("start_date", "end_date"):
            df[col] = pd.to_datetime(df[col])
        return df


def total_spend(lines: Iterable[Line]) -> Decimal:
    return sum((line.spend for line in lines if line.spend is not None), Decimal(0))
