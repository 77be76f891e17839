"""Compose the paper: render templates/paper.md with the analysis, include the officer's prose,
and turn the result into the document model that both writers share.

Safety: text from the register is data. Every value printed with {{ }} is escaped for Markdown
(see `_finalize`), so a provider called "<script>" or "{{ x }}" is shown literally; only the
templates and the officer's prose files are read as Markdown and Jinja.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from jinja2 import FileSystemLoader
from markupsafe import Markup

from .. import formatting as fmt
from ..analysis.classify import KEYS, Classified, data_gaps
from ..analysis.dates import paper_date
from ..analysis.decisions import Decision
from ..analysis.decisions import rules as rules_of
from ..analysis.outlook import Outlook
from ..analysis.schedule import ReviewItem
from ..config import Config
from ..edition import Edition
from ..input.paper_settings import PaperSettings
from ..analysis.ended import ended_before
from ..input.review import without_mark
from ..input.register import Line, Register, total_spend
from ..problems import InputError, Problem
from ..template_files import TEMPLATES
from . import tables as parts
from .summarise import RowFacts, SummaryRules, summarise
from .summarise import load_words as summary_words
from . import csp_section
from .check import checked
from .glossary import VALUE_END, VALUE_START, expand_first_use, used
from .markdown import Source, prose_markers, to_blocks
from .model import Block, Contents, Document, Figure, Paragraph, Run, Table
from .prose_files import unread_prose
from .prose import (
    Bounds,
    ProseStop,
    Sandbox,
    at,
    current_place,
    decode,
    freeze,
    prose_path,
    render,
    unknown_names,
)

log = logging.getLogger("pipeline")
_MD_SPECIAL = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


@dataclass(frozen=True)
class PaperInput:
    """Everything the paper is written from, computed before composition."""
    edition: Edition
    config: Config
    register: Register
    items: tuple[Classified, ...]
    review: tuple[ReviewItem, ...]
    outlook: Outlook
    charts: tuple[Any, ...] = ()  # pipeline.charts.Chart
    comparison: Any = None  # pipeline.compare.Comparison, when a previous edition exists
    previous: Edition | None = None
    data_dir: Path | None = None
    pending: tuple[Line, ...] = ()  # lines whose new-year action is unresolved; set only for a draft build
    decisions: tuple[Decision, ...] = ()  # every decision point, by due date (the forward plan)
    front: PaperSettings | None = None  # data/<year>/paper.toml: the front sheet's details
    downloads: tuple[tuple[str, str], ...] = ()  # (what, file name) of the files built beside the paper
    scenarios: Any = None  # pipeline.analysis.scenarios.Scenarios, when the edition has scenarios.toml
    unreviewed: tuple[str, ...] = ()  # files copied by new-year still marked "not yet reviewed"; a draft only
    performance: Any = None  # analysis.performance.PerformanceReport: the return's figures and the underspend
    csp: Any = None  # analysis.csp.CspAllocation, when the edition has a csp-allocation.csv
    declared_draft: bool = False  # paper.toml declares a draft, or the cover report's details are missing

    @property
    def draft(self) -> bool:
        """A draft: open new-year actions, files not yet reviewed, or declared so by paper.toml."""
        return bool(self.pending or self.unreviewed or self.declared_draft)


def _finalize(value: Any) -> str:
    """Every {{ value }} lands in Markdown: escape it so it can only ever be text, and mark it as a value
    (not the author's words) so the glossary never rewrites a project's or provider's name."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    return VALUE_START + _MD_SPECIAL.sub(r"\\\1", str(value)) + VALUE_END


def words(n: int) -> str:
    return _WORDS[n] if 0 <= n < len(_WORDS) else f"{n:,}"


@dataclass
class _Blocks:
    """Blocks built by template calls, referenced from the Markdown by placeholder."""
    items: list[Block] = field(default_factory=list)
    anchors: dict[str, str] = field(default_factory=dict)  # anchor -> the file and line that placed it

    def add(self, block: Block) -> Markup:
        # A table or figure appears once: a second copy (figure("timeline") in prose as well as in the
        # skeleton) would give the page two elements with one id. Refused with the file and line.
        ids = [a for a in (getattr(block, "anchor", ""), getattr(getattr(block, "data", None), "anchor", "")) if a]
        again = next((a for a in ids if a in self.anchors), None)
        if again:
            raise ProseStop(f"this table or figure ({again}) is already in the paper, placed by {self.anchors[again]}; "
                            "each appears once, so remove one of the two")
        place = current_place()
        self.anchors.update(dict.fromkeys(ids, f"{place[0]}, line {place[1]}" if place else "the paper's template"))
        self.items.append(block)
        return Markup(f"\n\n@@block:{len(self.items) - 1}@@\n\n")


def _field_text(line: Line, key: str) -> str:
    value = getattr(line, key)
    if key == "status" and not value:
        return "active"  # a blank status means active, so status="active" finds those lines too
    return "" if value is None else str(value)


def _matches(line: Line, filters: dict[str, tuple[Any, ...]]) -> bool:
    for key, options in filters.items():
        value = _field_text(line, key).lower()
        if not any(value == str(o).lower() for o in options):
            return False
    return True


# Fields of a line whose values come from a vocabulary in data/config.toml.
from ..input.columns import listed as _listed_columns  # noqa: E402 (kept beside its one use)
_VOCABULARY_FIELDS = {c.name: c.vocabulary for c in _listed_columns()}
_FIELDS = tuple(f for f in Line.__dataclass_fields__ if f not in ("extra", "row"))


def _suggest(value: str, options: Iterable[str]) -> str:
    options = [o for o in dict.fromkeys(options) if o]
    lowered = {o.lower(): o for o in options}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f'; did you mean "{lowered[close[0]]}"?' if close else ""


def _shown(filters: dict[str, Any]) -> str:
    return ", ".join(f'{k}="{v}"' if not isinstance(v, (list, tuple)) else f"{k}={list(v)!r}" for k, v in filters.items())


class _Context:
    """The functions and values templates and prose can use. Pure reads of the analysis."""

    def __init__(self, a: PaperInput, blocks: _Blocks, env: Sandbox, prose_dir: Path | None,
                 prose_env: Sandbox | None = None, bounds: Bounds | None = None):
        self.a, self.blocks, self.env, self.prose_dir = a, blocks, env, prose_dir
        self.prose_env, self.bounds = prose_env, bounds
        self.by_id = {c.line.id: c for c in a.items}
        self.figures = 0
        self.problems: list[Problem] = []  # mistakes in the text, reported together once the paper is rendered
        self.sources: list[Source] = []  # every prose file rendered, for the Markdown checks
        self.current_prose: str | None = None
        self.glossary_slot: tuple[int, str, list[str]] | None = None  # filled in once the whole text is known
        self.read: set[str] = set()  # the prose names the templates asked for
        self.templates: Path | None = None
        self._soonest: dict[str, date] | None = None
        from .performance import PerformanceParts

        self.performance = PerformanceParts(a.performance, a.review, blocks.add, _finalize)

    def _problem(self, message: str) -> None:
        place = current_place()
        self.problems.append(at(place[0], place[1], message) if place else Problem("templates", None, None, "", message))

    # --- long tables in print (paper.summarise) -------------------------------------------
    def rules(self, *files: str) -> SummaryRules:
        """When and how a per-line table is summarised in print; `files`: the exports (by the start of
        their names) that hold every line of it, as far as this build makes them."""
        settings = self.a.config.settings.summaries
        built = tuple(name for _, name in self.a.downloads if any(name.startswith(f) for f in files))
        return SummaryRules(self.a.config.settings.paper.list_max_lines, settings.largest,
                            settings.soonest, settings.web_address, built,
                            summary_words(self.templates))

    def soonest(self, line: Line) -> date | None:
        """The line's soonest decision still to take."""
        if self._soonest is None:
            self._soonest = {}
            for d in self.a.decisions:
                if d.counts and (d.line.id not in self._soonest or d.due < self._soonest[d.line.id]):
                    self._soonest[d.line.id] = d.due
        return self._soonest.get(line.id)

    # --- selections ------------------------------------------------------------------------
    def _select(self, filters: dict[str, Any], may_be_empty: bool, helper: str) -> list[Line] | None:
        """The lines matching `filters`, or None when the filters themselves are wrong (reported)."""
        vocab = self.a.config.vocabulary
        checked: dict[str, tuple[Any, ...]] = {}
        ok = True
        for key, wanted in filters.items():
            if key not in _FIELDS:
                self._problem(f"{helper}() has no field {key!r}{_suggest(key, _FIELDS)}; "
                              f"the fields are the register's columns: {', '.join(_FIELDS)}")
                ok = False
                continue
            options = tuple(wanted) if isinstance(wanted, (list, tuple)) else (wanted,)
            known = getattr(vocab, _VOCABULARY_FIELDS.get(key, ""), None)
            if known:
                accepted = {o.lower() for o in known}
                for o in options:
                    if str(o).lower() not in accepted:
                        self._problem(f'{key}="{o}" is not one of the {key} values in data/config.toml '
                                      f"({', '.join(known)}){_suggest(str(o), known)}")
                        ok = False
            checked[key] = options
        if not ok:
            return None
        chosen = [l for l in self.a.register.lines if _matches(l, checked)]
        if not chosen and filters and not may_be_empty and self.current_prose is not None:
            hints = ""
            if len(checked) == 1:
                (key, options), = checked.items()
                hints = _suggest(str(options[0]), (_field_text(l, key) for l in self.a.register.lines))
            self._problem(f"{helper}({_shown(filters)}) matches no line of the register{hints}; check the "
                          f"names against the register, or write {helper}(..., may_be_empty=True) if none is expected")
        return chosen

    def lines(self, may_be_empty: bool = False, **filters: Any) -> list[Line]:
        return self._select(filters, may_be_empty, "lines") or []

    def _selection(self, selection: Iterable[Line] | None, filters: dict[str, Any], may_be_empty: bool,
                   helper: str) -> list[Line] | None:
        if selection is None:
            return self._select(filters, may_be_empty, helper)
        chosen = list(selection)
        if not all(isinstance(l, Line) for l in chosen):
            self._problem(f"{helper}() needs lines, such as lines(term=\"Annual\"), or field=value filters")
            return None
        return chosen

    def total(self, selection: Iterable[Line] | None = None, may_be_empty: bool = False, **filters: Any) -> Decimal:
        return total_spend(self._selection(selection, filters, may_be_empty, "total") or ())

    def count(self, selection: Iterable[Line] | None = None, may_be_empty: bool = False, **filters: Any) -> int:
        return len(self._selection(selection, filters, may_be_empty, "count") or ())

    def last_end(self, selection: Iterable[Line] | None = None, may_be_empty: bool = False, **filters: Any) -> date | None:
        """The latest end date among the selected lines (None if none has one)."""
        chosen = self._selection(selection, filters, may_be_empty, "last_end")
        ends = [l.end_date for l in chosen or () if l.end_date]
        if chosen and not ends and not may_be_empty and self.current_prose is not None:
            self._problem(f"none of the {len(chosen)} lines selected for last_end() has an end date, so there is "
                          "no date to print; choose other lines, or write last_end(..., may_be_empty=True)")
        return max(ends) if ends else None

    def in_category(self, key: str) -> list[Classified]:
        return [c for c in self.a.items if c.category == key]

    # --- blocks ----------------------------------------------------------------------------
    def contents(self, title: str = "Contents") -> Markup:
        return self.blocks.add(Contents(title))

    def figure(self, slug: str) -> Markup:
        chart = next((c for c in self.a.charts if c.slug == slug), None)
        if chart is None:
            from .charts.registry import slugs

            # A known chart absent this year (no scenarios.toml, no csp-allocation.csv) is left out silently;
            # a name no chart has is a mistyped figure, which would otherwise vanish from the paper.
            known = tuple(dict.fromkeys((*slugs(), *(c.slug for c in self.a.charts))))
            if slug not in known:
                self._problem(f'figure("{str(slug)[:60]}") names no chart{_suggest(str(slug), known)}; '
                              f"the charts are {', '.join(known)}")
            return Markup("")
        if f"figure-{slug}" in self.blocks.anchors:
            self.blocks.add(Figure(f"figure-{slug}", "", "", None, None, chart.data))  # refused, with the line
        self.figures += 1  # numbered in order of appearance, so the Panel can refer to "Figure 2"
        return self.blocks.add(Figure(f"figure-{slug}", f"Figure {self.figures}: {chart.title}", chart.alt,
                                      chart.svg, chart.png, chart.data))

    def register_table(self, section: str, caption: str, columns: list[str], total_label: str = "Total") -> Markup:
        from ..input.columns import Column as RegisterColumn
        from ..input.columns import in_paper  # the columns shown are defined with the register's (paper_width)

        shown = in_paper()
        names = [c.name for c in shown]
        lines = self.a.register.in_section(section)

        def shows(line: Line, col: RegisterColumn) -> str:
            value = line.value(col.name)
            return (fmt.plain_money(value) if col.kind == "money" else fmt.uk_date(value) if col.kind == "date"
                    else line.text(col.name))

        def total(col: RegisterColumn) -> str:
            amounts = (v for l in lines if (v := l.value(col.name)) is not None)
            return fmt.plain_money(sum(amounts, Decimal(0))) if col.kind == "money" else ""

        rows = tuple(tuple(shows(l, c) for c in shown) for l in lines)
        cols = _columns(columns, tuple(c.table_kind for c in shown), tuple(c.paper_width for c in shown))
        table = Table(f"table-{section}", caption, cols, rows,
                      ((total_label, *(total(c) for c in shown[1:])),), wide=False,
                      links=tuple(self.performance.link(l.id) for l in lines), link_column=names.index("project"))
        facts = [RowFacts(1, l.spend, self.soonest(l)) for l in lines]
        return self.blocks.add(summarise(table, facts, self.rules("contracts-register", "grants-360giving"),
                                         money_column=names.index("spend"), name_column=names.index("project")))

    def changes_table(self, kind: str, caption: str, columns: list[str], total_label: str = "Total") -> Markup:
        """Tables of the comparison with the previous edition: totals, added, ended, spend, category."""
        cmp = self.a.comparison
        m = fmt.plain_money
        titles = self.a.config.settings.vocabulary.section_titles
        title = lambda key: titles.get(key, key)  # noqa: E731
        if kind == "totals":
            rows = tuple((title(t.section), m(t.previous), m(t.current), _signed(t.difference), _pct(t.percent))
                         for t in cmp.sections)
            o = cmp.overall
            return self.blocks.add(Table("table-changes-totals", caption,
                                         _columns(columns, ("text", "money", "money", "money", "number"), None), rows,
                                         ((total_label, m(o.previous), m(o.current), _signed(o.difference), _pct(o.percent)),),
                                         row_header=True))
        if kind in ("added", "ended"):
            lines = cmp.added if kind == "added" else cmp.ended
            rows = tuple((l.project, l.provider, title(l.section), m(l.spend)) for l in lines)
            table = Table(f"table-changes-{kind}", caption,
                          _columns(columns, ("text", "text", "text", "money"), (2.2, 1.8, 1.0, 1.0)), rows,
                          ((total_label, "", "", m(total_spend(lines))),))
            return self.blocks.add(summarise(table, [RowFacts(1, l.spend) for l in lines], self.rules("changes-since"),
                                             money_column=3))
        if kind == "spend":
            rows = tuple((c.project, c.provider, m(c.previous), m(c.current), _signed(c.difference), _pct(c.percent))
                         for c in cmp.spend_changes)
            table = Table("table-changes-spend", caption, _columns(columns, ("text", "text", "money", "money", "money", "number"),
                                                                   (2.2, 1.8, 1.0, 1.0, 1.0, 0.8)), rows, wide=True)
            facts = [RowFacts(1, abs(c.difference)) for c in cmp.spend_changes]  # the largest changes
            return self.blocks.add(summarise(table, facts, self.rules("changes-since")))
        if kind == "category":
            rows = tuple((c.project, c.provider, c.previous or "", c.current or "", c.reason) for c in cmp.category_moves)
            table = Table("table-changes-category", caption, _columns(columns, ("text", "text", "text", "text", "text"),
                                                                      (2.0, 1.6, 0.7, 0.7, 3.0)), rows)
            return self.blocks.add(summarise(table, [RowFacts()] * len(rows), self.rules("changes-since")))
        if kind == "agreements":
            rows = tuple((c.project, c.provider, c.detail) for c in cmp.line_changes)
            table = Table("table-changes-agreements", caption, _columns(columns, ("text", "text", "text"), (2.0, 1.6, 3.6)),
                          rows)
            return self.blocks.add(summarise(table, [RowFacts()] * len(rows), self.rules("changes-since")))
        raise ValueError(f"unknown changes table {kind!r}; use totals, added, ended, spend, category or agreements")

    def category_schedule(self, key: str, caption: str, columns: list[str], none_scheduled: str,
                          overdue_mark: str = "overdue") -> Markup:
        return self.blocks.add(parts.category_schedule_table(key, self.a.items, self.a.review, caption, columns,
                                                                none_scheduled, overdue_mark,
                                                                self.rules("review-schedule", "forward-plan"),
                                                                self.performance.link))

    def ending_table(self, caption: str, columns: list[str], labels: dict[str, str]) -> Markup:
        return self.blocks.add(parts.ending_table(self.a.items, tuple(labels), labels, caption, columns,
                                                  self.rules("review-schedule"), self.performance.link))

    def front_table(self, caption: str, labels: dict[str, str], placeholder: str) -> Markup:
        """The front sheet's details: a row per field given; a placeholder for a missing one in a draft."""
        front = (self.a.front or PaperSettings()).values
        draft = self.a.draft
        rows = tuple((label, front.get(key) or placeholder) for key, label in labels.items()
                     if front.get(key) or draft)
        if draft:
            rows = tuple((k, "Draft" if k == labels.get("version") else v) for k, v in rows)
        return self.blocks.add(Table("table-front-sheet", caption, _columns(["Item", "Detail"], ("text", "text"),
                                                                            (1.2, 4.0)), rows, row_header=True))

    def scenario_table(self, outcome: Any, caption: str, labels: dict[str, str], posts: bool = True) -> Markup:
        from .scenario_tables import summary_table

        n = self.a.scenarios.outcomes.index(outcome) + 1
        as_at = fmt.uk_date(self.a.scenarios.context.as_at)
        return self.blocks.add(summary_table(outcome, f"table-scenario-{n}", caption, labels, as_at, posts))

    def scenario_services(self, caption: str, columns: list[str], words: dict[str, str]) -> Markup:
        from .scenario_tables import services_table

        return self.blocks.add(services_table(self.a.scenarios.outcomes, caption, columns, words))
    def gap_table(self, caption: str, columns: list[str], kind_words: dict[str, str], undecided: str,
                  remainder_label: str, remainder_open_label: str) -> Markup:
        gap = self.a.outlook.gap
        if gap is None:
            return Markup("")
        return self.blocks.add(parts.gap_table(gap, caption, columns, kind_words, undecided, remainder_label,
                                               remainder_open_label))

    def decisions_table(self, caption: str, columns: list[str], start: date | None, end: date | None) -> Markup:
        self.figures += 0
        n = sum(1 for b in self.blocks.items if isinstance(b, Table) and b.anchor.startswith("table-decisions"))
        window = self.a.config.settings.decisions.review_window_months
        return self.blocks.add(parts.decisions_table(self.a.decisions, caption, columns, start, end, self.a.edition.end,
                                                     window, f"table-decisions-{n + 1}",
                                                     self.rules("forward-plan", "review-schedule")))

    def web_only(self) -> Markup:
        """Everything after this point is published in the HTML edition only (the full register, the
        charts' detail): the print editions keep to the Panel's page budget and link to it."""
        return self.blocks.add(WEB_ONLY)

    def glossary_table(self, caption: str, columns: list[str]) -> Markup:
        """The acronyms the paper uses; filled in after the rest of the paper is written."""
        marker = self.blocks.add(Table("table-glossary", caption, _columns(columns, ("text", "text"), (1.0, 4.0)), ()))
        self.glossary_slot = (len(self.blocks.items) - 1, caption, columns)
        return marker

    # --- officer prose ---------------------------------------------------------------------
    def prose(self, name: str) -> Markup:
        """Include data/<year>/prose/<name>.md, itself a template that may quote computed figures.

        It is rendered in its own sandbox (no loader, read-only values, bounded time and size);
        its mistakes are collected with their line, so every prose file is checked in one run."""
        if self.current_prose is not None:
            self._problem("prose() cannot be used inside a prose file (prose files do not include each other); "
                          "write the text here, or include both files from templates/paper.md")
            return Markup("")
        if self.prose_dir is None or self.prose_env is None:
            return Markup("")
        path = prose_path(self.prose_dir, name)
        if path is not None:
            self.read.add(name)
        if path is None:
            self._problem(f"prose({str(name)[:60]!r}) does not name a file of {self.prose_dir}: give the file name "
                          "without .md, in letters, digits, - and _ only")
            return Markup("")
        if not path.is_file():
            return Markup("")  # an edition may leave a section without text of its own
        file = str(path)
        data = path.read_bytes()
        if len(data) > self.bounds.characters * 4:
            self.problems.append(Problem(file, None, None, "", f"this file is {len(data):,} bytes, more than a prose "
                                         f"file may be; shorten it, or raise prose_characters under [limits]"))
            return Markup("")
        try:
            source = without_mark(decode(data, file))  # the "not yet reviewed" line is for the officer
        except InputError as exc:
            self.problems.extend(exc.problems)
            return Markup("")
        values = self.prose_values()
        unknown = unknown_names(self.prose_env, source, file, values)
        if unknown:
            self.problems.extend(unknown)
            return Markup("")
        self.current_prose = file
        try:
            text = render(self.prose_env, source, file, values, self.bounds)
        except InputError as exc:
            self.problems.extend(exc.problems)
            return Markup("")
        finally:
            self.current_prose = None
        self.sources.append(Source(file, source, text))
        return Markup(prose_markers(len(self.sources) - 1, text))

    def prose_values(self) -> dict[str, Any]:
        """What prose sees: the template values as deep read-only copies (prose() there only explains
        that prose files do not include each other)."""
        return {k: freeze(v) for k, v in self.values().items()}

    def values(self) -> dict[str, Any]:
        a = self.a
        org = freeze(a.config.settings.organisation.as_dict())  # read-only: no text may change a setting
        vocab = a.config.vocabulary
        cats = a.config.settings.categories
        categories = []
        for key in (*vocab.categories, *(k for k in KEYS if k not in vocab.categories and k in cats)):
            members = self.in_category(key)
            categories.append({"key": key, "label": cats[key].label, "description": cats[key].description,
                               "members": members, "count": len(members),
                               "total": total_spend(c.line for c in members)})
        titles = a.config.settings.vocabulary.term_titles
        terms = []
        ended = {c.line.id for c in a.items if ended_before(c.line, a.edition)}  # never committed activity
        current = tuple(c for c in a.items if c.line.id not in ended)
        for term in vocab.terms:
            members = [c for c in current if c.line.term == term]
            if members:
                terms.append({"key": term, "title": titles.get(term, term), "members": members,
                              "total": total_spend(c.line for c in members)})
        sections = [{"key": s, "title": a.config.settings.vocabulary.section_titles.get(s, s),
                     "lines": a.register.in_section(s), "total": a.register.total(a.register.in_section(s))}
                    for s in vocab.sections]
        return {
            "edition": a.edition, "previous": a.previous, "org": org, "register": a.register,
            "items": a.items, "review": a.review, "outlook": a.outlook, "comparison": a.comparison,
            "categories": categories, "terms": terms, "sections": sections, "charts": a.charts,
            "overdue": [r for r in a.review if r.overdue], "pending": a.pending,
            "list_max": a.config.settings.paper.list_max_lines,
            "front_max": a.config.settings.paper.front_decisions,
            "lines": self.lines, "total": self.total, "count": self.count, "last_end": self.last_end, "category": self.in_category,
            "money": fmt.money, "date": fmt.long_date, "uk_date": fmt.uk_date, "month_year": fmt.month_year,
            "percent": fmt.percent, "plural": fmt.plural, "words": words,
            "contents": self.contents, "figure": self.figure, "register_table": self.register_table,
            "changes_table": self.changes_table, "prose": self.prose,
            "decisions": a.decisions, "overdue_decisions": [d for d in a.decisions if d.overdue],
            "due_this_year": parts.decisions_in(a.decisions, a.edition.start, a.edition.end),
            "gaps": data_gaps(a.items, a.config), "as_at": paper_date(a.edition, a.config),
            "term_entries": lambda term: parts.term_entries(current, term),
            "ended_lines": [c.line for c in a.items if c.line.id in ended],
            "category_schedule": self.category_schedule, "ending_table": self.ending_table,
            "glossary_table": self.glossary_table, "front_table": self.front_table,
            "gap": a.outlook.gap, "gap_table": self.gap_table, "web_only": self.web_only,
            "due_groups": lambda ds: parts.due_groups(ds), "decisions_table": self.decisions_table,
            "decisions_by_date": parts.by_date,
            "inferred_mark": lambda line, col: " (inferred)" if col in getattr(line, "inferred", ()) else "",
            "notice_bands": rules_of(a.config).bands, "procurement_bands": rules_of(a.config).procurement,
            "review_window": rules_of(a.config).review_window_months,
            "front": (a.front or PaperSettings()).values, "draft": a.draft, "unreviewed": a.unreviewed,
            "facts": (a.front or PaperSettings()).facts,
            "scenarios": a.scenarios, "scenario_table": self.scenario_table, "scenario_services": self.scenario_services,
            "performance": a.performance, "line_link": self.performance.line_link,
            "services_table": self.performance.services_table, "spend_table": self.performance.spend_table,
            "service_cards": self.performance.service_cards,
            **csp_section.values(self),  # the Community Safety Partnership section's names (csp_section.py)
        }


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "-" if value < 0 else "") + fmt.plain_money(abs(value))


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value:+.1f}%"


_columns = parts.columns
# Marks where the web-only part of the paper begins (see _Context.web_only); never reaches a writer.
WEB_ONLY = Paragraph((Run("web edition only"),), "note")


def _environment(templates: Path) -> Sandbox:
    from .prose import environment

    return environment(loader=FileSystemLoader(str(templates)), finalize=_finalize)


def _prose_environment() -> Sandbox:
    from .prose import environment

    return environment(loader=None, finalize=_finalize)  # no loader: prose reads no other file


def render_source(env: Sandbox, source: str, name: str, values: dict[str, Any]) -> str:
    """Render template text, turning mistakes into a message naming file and line."""
    return render(env, source, name, values)


def compose(a: PaperInput, templates: Path = TEMPLATES, sources_out: list | None = None) -> Document:
    """The document model. `sources_out`, when given, receives every prose file as written and rendered."""
    env = _environment(templates)
    blocks = _Blocks()
    prose_dir = a.data_dir / a.edition.label / a.config.settings.paper.prose_dir if a.data_dir else None
    limits = a.config.limits
    ctx = _Context(a, blocks, env, prose_dir, _prose_environment(),
                   Bounds(float(limits.prose_seconds), int(limits.prose_characters)))
    ctx.templates = templates
    values = ctx.values()
    skeleton = templates / "paper.md"
    text = _read_template(skeleton)
    problems = unknown_names(env, text, str(skeleton), values)
    if problems:
        raise InputError(problems)
    source = render_source(env, text, str(skeleton), values)
    glossary = dict(a.config.settings.glossary)
    if ctx.glossary_slot is not None:
        index, caption, titles = ctx.glossary_slot
        register_text = (f"{l.project} {l.provider} {l.notes} {l.funding_source}" for l in a.register.lines)
        rows = tuple((acronym, glossary[acronym]) for acronym in used([source, *register_text], glossary))
        blocks.items[index] = Table("table-glossary", caption, _columns(titles, ("text", "text"), (1.0, 4.0)), rows,
                                    row_header=True)
    front_source = templates / "front.md"
    front: tuple = ()
    placeholder = lambda i: blocks.items[i] if 0 <= i < len(blocks.items) else None  # noqa: E731
    if front_source.exists():
        rendered = render_source(env, _read_template(front_source), str(front_source), values)
        front = tuple(to_blocks(rendered, placeholder, (), str(front_source)))
    try:
        body = to_blocks(source, placeholder, ctx.sources, str(skeleton), int(limits.prose_headings))
    except InputError as exc:
        ctx.problems.extend(exc.problems)
        body = []
    if sources_out is not None:
        sources_out.extend(ctx.sources)
    misnamed, unused = unread_prose(prose_dir, ctx.read)
    ctx.problems.extend(misnamed)
    if ctx.problems:
        raise InputError(_unique(ctx.problems))
    for note in unused:
        log.info("note: %s", note)
    # Acronyms are spelled out at their first use, the front sheet being read first.
    cut = next((i for i, b in enumerate(body) if b is WEB_ONLY), len(body))
    body = [b for b in body if b is not WEB_ONLY]
    everything = expand_first_use((*front, *body), glossary)
    front, body = everything[:len(front)], everything[len(front):]
    body, web = body[:cut], body[cut:]
    org = a.config.settings.organisation
    names = {"short_name": org.short_name, "name": org.name, "area": org.area, "year": a.edition.label}
    paper = a.config.settings.paper
    return checked(Document(
        title=paper.title.format(**names) + (" (draft)" if a.draft else ""), subtitle=org.name, author=org.name if org.author is None else org.author,
        subject=paper.subject.format(**names), date=a.edition.start, blocks=tuple(body),
        keywords=paper.keywords, front=front,
        version=("Draft" if a.draft else (a.front.get("version") if a.front else "")),
        published=a.front.meeting_date if a.front else None,
        contact=a.front.get("contact") if a.front else "", downloads=a.downloads,
        web=(*web, *ctx.performance.web),
        print_chart_data=paper.print_chart_data,
    ))


def _read_template(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError([Problem(str(path), None, None, "", "the paper's template is missing; restore it from the "
                                  "project (git checkout templates/)")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem(str(path), None, None, "", "the paper's template is not saved as UTF-8 text")]) from None


def _unique(problems: list[Problem]) -> list[Problem]:
    """One message per mistake: a prose file rendered in a loop reports the same line once."""
    return list(dict.fromkeys(problems))
