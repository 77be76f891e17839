"""The register's columns, defined once: what each holds, how it is checked and where it is shown.

The loader parses and checks each cell by its column's kind and vocabulary; the officer's workbook
takes its help sheet, number formats and drop-down lists from here; new-year, the contracts register
and the paper's register table follow the same table. A new column is one `Column(...)` below (and,
for a column the analysis reads by name, a field of `register.Line`; any other column's value is kept
on the line and read with `Line.value`).

Everything reads `TABLE` when it runs (through the functions at the end), not a copy taken at import,
so a test may extend it with `monkeypatch.setattr(columns, "TABLE", ...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# What a cell holds, and the value of a blank cell (blank is "not recorded", never zero).
KINDS: dict[str, Any] = {
    "id": "",          # the line's own reference: unique, kept as text
    "text": "",        # free text
    "name": "",        # a short agreement name, the same on every line it covers
    "org_id": "",      # an org-id.guide organisation identifier
    "money": None,     # pounds, Decimal
    "date": None,      # a date
    "dates": (),       # one or more dates separated by ';', in date order
    "years": (),       # whole years such as 1+1 (extension options)
    "bool": None,      # yes or no
    "number": None,    # a count of people or posts, Decimal
    "columns": (),     # names of inferable columns separated by ';'
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # one of KINDS
    required: bool = False  # the header row must have it
    filled: bool = False  # every line needs a value in it
    vocabulary: str = ""  # the config.vocabulary list its values come from (an empty list allows any text)
    inferable: bool = False  # the `inferred` column may mark its value as a guess
    help: str = ""  # what to put in it, as the workbook's "How to fill in" sheet says
    contracts: str = ""  # its heading in contracts-register.csv ("": not there)
    paper_width: float | None = None  # its relative width in the paper's register table (None: not shown)
    excel_check: bool = False  # Excel itself refuses a wrong value as it is typed (amounts and agreement dates)
    blank: Any = ...  # the value of a blank cell, when not the kind's (the category override is None)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r}; expected one of {', '.join(KINDS)}")

    @property
    def empty(self) -> Any:
        return KINDS[self.kind] if self.blank is ... else self.blank

    @property
    def table_kind(self) -> str:
        """Its kind in a table of the paper (amounts and numbers are right-aligned)."""
        return self.kind if self.kind in ("money", "number", "date") else "text"


_PICK = "Pick from the drop-down list."

TABLE: tuple[Column, ...] = (
    Column("id", "id", required=True, filled=True, contracts="Reference",
           help="A short reference that stays with the service or grant for good, such as VS-001. Each line needs "
                "its own. Keep the same id from year to year, and never reuse an old one for something new: that "
                "is how one year is matched with the next."),
    Column("section", required=True, filled=True, vocabulary="sections",
           help=f"Which table of the paper the line belongs in. {_PICK}"),
    Column("term", required=True, filled=True, vocabulary="terms", paper_width=0.8,
           help="How the paper groups the line (long-term, medium-term, partnership, annual, short-term, or to be "
                f"confirmed). {_PICK}"),
    Column("priority", required=True, filled=True, vocabulary="priorities", contracts="Service Area",
           paper_width=1.2, help=f"The area of designated funding the line comes under. {_PICK}"),
    Column("project", required=True, filled=True, contracts="Title", paper_width=2.2,
           help="The name of the service, project or grant as the paper should print it."),
    Column("provider", required=True, filled=True, contracts="Supplier Name", paper_width=1.8,
           help="Who delivers it: the organisation holding the contract or receiving the grant."),
    Column("spend", "money", required=True, inferable=True, contracts="Value (GBP)", paper_width=1.0,
           excel_check=True,
           help="The column must be there. The amount for the year in pounds, as a number (for example 12345). "
                "Leave the cell blank only if the line is not separately costed (blank means not recorded, never "
                "zero). Never type a negative amount."),
    Column("funding_source",
           help="Where the money comes from, for example MoJ Victims Grant or Home Office. Leave blank if it is the "
                "core budget or not known."),
    Column("start_date", "date", inferable=True, contracts="Start Date", excel_check=True,
           help="The day the current agreement started, as a date (for example 01/04/2024)."),
    Column("end_date", "date", inferable=True, contracts="End Date", excel_check=True,
           help="The day the current agreement ends, as a date (for example 31/03/2025). Leave blank if it runs on "
                "with no end date. It must not be before the start date."),
    Column("extension_options", "years", inferable=True, contracts="Extension Options (years)",
           help="Extensions the agreement allows, in whole years: 1 for one year, 2 for two, 1+1 for two separate "
                "one-year extensions. Blank if there are none. When you take an extension, move the end date on "
                "and remove that option."),
    Column("status", vocabulary="statuses",
           help="Where the line stands. Leave blank when it is simply running (active). Pick from the drop-down "
                "list otherwise."),
    Column("category", vocabulary="categories", blank=None,
           help="Leave blank to let the paper work out the commissioning category (a to d) from the dates. Fill it "
                "in only to override that: a = recently re-commissioned, b = ending and under review, c = review "
                "planned later, d = funded for 12 months or less."),
    Column("notes", contracts="Description",
           help="A sentence or two about the service that the paper can use. Plain text."),
    Column("break_dates", "dates", inferable=True,
           help="Dates at which the agreement may be ended early (break clauses), for example 31/03/2027; "
                "31/03/2028. Separate several dates with a semicolon."),
    # What the transparency exports need that only the officer knows (all optional).
    Column("provider_org_id", "org_id", contracts="Supplier Registration Number",
           help="The provider's organisation identifier for the transparency exports, for example GB-CHC-1234567 "
                "for a charity or GB-COH-01234567 for a company (see org-id.guide)."),
    Column("award_date", "date", help="The day the contract or grant was awarded, as a date."),
    Column("procurement_route", vocabulary="procurement_routes", contracts="Procurement Route",
           help=f"How the agreement was procured. {_PICK}"),
    Column("sme", "bool", contracts="SME",
           help="yes if the provider is a small or medium-sized enterprise, no if not; blank if not known."),
    Column("vcse", "bool", contracts="VCSE",
           help="yes if the provider is a voluntary, community or social enterprise, no if not; blank if not known."),
    Column("grant_purpose", help="For grants: what the grant is for, as published on the transparency page."),
    Column("grant_conditions", help="For grants: the conditions attached to the grant."),
    # People or posts the service funds (optional): what a cut or an ending affects. Blank: not recorded.
    Column("posts", "number",
           help="How many people or posts the service funds, as a number (for example 3, or 2.5 for part-time "
                "posts). The funding scenarios say how many are affected when money ends. Leave blank if not "
                "known: a blank is never read as none."),
    # How decisions are shared and what is a guess (all optional; see the README's register table).
    Column("agreement", "name", inferable=True,
           help="A short name for the agreement a line shares with others, for example Substance misuse "
                "contracts. Lines with the same name share one decision and one set of dates. Leave blank for a "
                "line with its own agreement."),
    Column("option_holder",
           help="Who holds the contract and its extension options, when it is a partner (for example Leicester "
                "City Council). The paper then shows the option as the partner's decision, with the date by which "
                "the office must give its view."),
    Column("decide_with", "name",
           help="The agreement name (as in another line's agreement column) this line is tied to: its decisions "
                "are then dated no later than that agreement's first decision."),
    Column("decision_by", "date",
           help="For a line under review: the date by which the decision to continue or decommission is to be "
                "taken. Blank: the review window from data/config.toml applies."),
    Column("inferred", "columns",
           help="The columns of this line whose values are inferred rather than recorded, separated by ; (for "
                "example start_date;end_date). The paper marks each such value as inferred."),
)


# --- what the rest of the pipeline reads (always from TABLE as it is now) -------------------------

_index: tuple[tuple[Column, ...], dict[str, Column]] = ((), {})


def by_name() -> dict[str, Column]:
    """Each column by its name, in table order."""
    global _index
    if _index[0] is not TABLE:  # rebuilt only when TABLE is replaced
        _index = (TABLE, {c.name: c for c in TABLE})
    return _index[1]


def names() -> tuple[str, ...]:
    return tuple(c.name for c in TABLE)


def required() -> tuple[str, ...]:
    return tuple(c.name for c in TABLE if c.required)


def inferable() -> tuple[str, ...]:
    return tuple(c.name for c in TABLE if c.inferable)


def listed() -> tuple[Column, ...]:
    """The columns whose values come from a list in data/config.toml, in table order."""
    return tuple(c for c in TABLE if c.vocabulary)


def in_paper() -> tuple[Column, ...]:
    """The columns of the paper's register table, in table order."""
    return tuple(c for c in TABLE if c.paper_width is not None)
