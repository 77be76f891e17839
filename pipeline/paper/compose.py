"""Compose the paper: render templates/paper.md with the analysis, include the officer's prose,
and turn the result into the document model that both writers share.

Safety: text from the register is data. Every value printed with {{ }} is escaped for Markdown
(see `_finalize`), so a provider called "<script>" or "{{ x }}" is shown literally; only the
templates and the officer's prose files are read as Markdown and Jinja.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .. import formatting as fmt
from ..analysis.classify import ANNUAL, KEYS, Classified
from ..config import Config
from ..edition import Edition
from .markdown import to_blocks
from .model import Block, Column, Contents, Document, Figure, Table
from ..analysis.outlook import Outlook
from ..problems import InputError, Problem
from ..input.register import Line, Register, total_spend
from ..analysis.classify import data_gaps
from ..analysis.dates import paper_date
from ..analysis.decisions import Decision
from ..input.paper_settings import PaperSettings
from . import sections as parts
from .glossary import VALUE_END, VALUE_START, expand_first_use, used
from ..analysis.schedule import ReviewItem

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_MD_SPECIAL = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


@dataclass(frozen=True)
class Analysis:
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

    def add(self, block: Block) -> Markup:
        self.items.append(block)
        return Markup(f"\n\n@@block:{len(self.items) - 1}@@\n\n")


def _matches(line: Line, filters: dict[str, Any]) -> bool:
    for key, wanted in filters.items():
        value = getattr(line, key)
        options = wanted if isinstance(wanted, (list, tuple)) else (wanted,)
        if not any(str(value).lower() == str(o).lower() for o in options):
            return False
    return True


class _Context:
    """The functions and values templates and prose can use. Pure reads of the analysis."""

    def __init__(self, a: Analysis, blocks: _Blocks, env: SandboxedEnvironment, prose_dir: Path | None):
        self.a, self.blocks, self.env, self.prose_dir = a, blocks, env, prose_dir
        self.by_id = {c.line.id: c for c in a.items}
        self.figures = 0
        self.glossary_slot: tuple[int, str, list[str]] | None = None  # filled in once the whole text is known

    # --- selections ------------------------------------------------------------------------
    def lines(self, **filters: Any) -> list[Line]:
        unknown = [k for k in filters if k not in Line.__dataclass_fields__]
        if unknown:
            raise ValueError(f"lines() has no field {unknown[0]!r}; use one of the register's columns")
        return [l for l in self.a.register.lines if _matches(l, filters)]

    def total(self, selection: Iterable[Line] | None = None, **filters: Any) -> Decimal:
        return total_spend(self.lines(**filters) if selection is None else selection)

    def count(self, selection: Iterable[Line] | None = None, **filters: Any) -> int:
        return len(list(self.lines(**filters) if selection is None else selection))

    def last_end(self, selection: Iterable[Line] | None = None, **filters: Any) -> date | None:
        """The latest end date among the selected lines (None if none has one)."""
        ends = [l.end_date for l in (self.lines(**filters) if selection is None else selection) if l.end_date]
        return max(ends) if ends else None

    def in_category(self, key: str) -> list[Classified]:
        return [c for c in self.a.items if c.category == key]

    # --- blocks ----------------------------------------------------------------------------
    def contents(self, title: str = "Contents") -> Markup:
        return self.blocks.add(Contents(title))

    def figure(self, slug: str) -> Markup:
        chart = next((c for c in self.a.charts if c.slug == slug), None)
        if chart is None:
            return Markup("")
        self.figures += 1  # numbered in order of appearance, so the Panel can refer to "Figure 2"
        return self.blocks.add(Figure(f"figure-{slug}", f"Figure {self.figures}: {chart.title}", chart.alt,
                                      chart.svg, chart.png, chart.data))

    def register_table(self, section: str, caption: str, columns: list[str], total_label: str = "Total") -> Markup:
        lines = self.a.register.in_section(section)
        rows = tuple((l.term, l.priority, l.project, l.provider, fmt.plain_money(l.spend)) for l in lines)
        cols = _columns(columns, ("text", "text", "text", "text", "money"), (0.8, 1.2, 2.2, 1.8, 1.0))
        return self.blocks.add(Table(f"table-{section}", caption, cols, rows,
                                     ((total_label, "", "", "", fmt.plain_money(total_spend(lines))),), wide=False))

    def category_table(self, key: str, caption: str, columns: list[str], total_label: str = "Total") -> Markup:
        items = self.in_category(key)
        rows = tuple((c.line.project, c.line.provider, fmt.plain_money(c.line.spend), c.reason
                      + ("" if not c.disagrees else f" (set to {c.category} by the officer)")) for c in items)
        cols = _columns(columns, ("text", "text", "money", "text"), (2.0, 1.6, 1.0, 3.4))
        return self.blocks.add(Table(f"table-category-{key}", caption, cols, rows,
                                     ((total_label, "", fmt.plain_money(total_spend(c.line for c in items)), ""),)))

    def schedule_table(self, caption: str, columns: list[str], overdue_mark: str = "Overdue") -> Markup:
        rows = tuple((
            r.quarter_short, r.item.line.project, r.item.line.provider, fmt.plain_money(r.item.line.spend),
            r.item.category, fmt.uk_date(r.end_date), fmt.uk_date(r.latest_end),
            fmt.uk_date(r.review_start) + (f" ({overdue_mark})" if r.overdue else ""), fmt.uk_date(r.decision_due),
        ) for r in self.a.review)
        cols = _columns(columns, ("text", "text", "text", "money", "text", "date", "date", "date", "date"),
                        (1.0, 2.2, 1.6, 1.0, 0.7, 1.0, 1.0, 1.3, 1.0))
        return self.blocks.add(Table("table-schedule", caption, cols, rows, wide=True))

    def breakdown_table(self, pairs: Iterable[tuple[str, Decimal]], caption: str, columns: list[str],
                        anchor: str, total_label: str = "Total") -> Markup:
        pairs = list(pairs)
        rows = tuple((name, fmt.plain_money(value)) for name, value in pairs)
        totals = ((total_label, fmt.plain_money(sum((v for _, v in pairs), Decimal(0)))),)
        return self.blocks.add(Table(anchor, caption, _columns(columns, ("text", "money"), (3.0, 1.0)), rows,
                                     totals, row_header=True))

    def changes_table(self, kind: str, caption: str, columns: list[str], total_label: str = "Total") -> Markup:
        """Tables of the comparison with the previous edition: totals, added, ended, spend, category."""
        cmp = self.a.comparison
        m = fmt.plain_money
        titles = self.a.config["vocabulary"].get("section_titles", {})
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
            return self.blocks.add(Table(f"table-changes-{kind}", caption,
                                         _columns(columns, ("text", "text", "text", "money"), (2.2, 1.8, 1.0, 1.0)), rows,
                                         ((total_label, "", "", m(total_spend(lines))),)))
        if kind == "spend":
            rows = tuple((c.project, c.provider, m(c.previous), m(c.current), _signed(c.difference), _pct(c.percent))
                         for c in cmp.spend_changes)
            return self.blocks.add(Table("table-changes-spend", caption,
                                         _columns(columns, ("text", "text", "money", "money", "money", "number"),
                                                  (2.2, 1.8, 1.0, 1.0, 1.0, 0.8)), rows, wide=True))
        if kind == "category":
            rows = tuple((c.project, c.provider, c.previous or "", c.current or "", c.reason) for c in cmp.category_moves)
            return self.blocks.add(Table("table-changes-category", caption,
                                         _columns(columns, ("text", "text", "text", "text", "text"),
                                                  (2.0, 1.6, 0.7, 0.7, 3.0)), rows))
        if kind == "agreements":
            rows = tuple((c.project, c.provider, c.detail) for c in cmp.line_changes)
            return self.blocks.add(Table("table-changes-agreements", caption,
                                         _columns(columns, ("text", "text", "text"), (2.0, 1.6, 3.6)), rows))
        raise ValueError(f"unknown changes table {kind!r}; use totals, added, ended, spend, category or agreements")

    def category_schedule(self, key: str, caption: str, columns: list[str], none_scheduled: str,
                          overdue_mark: str = "overdue") -> Markup:
        return self.blocks.add(parts.category_schedule_table(key, self.a.items, self.a.review, caption, columns,
                                                                none_scheduled, overdue_mark))

    def ending_table(self, caption: str, columns: list[str], labels: dict[str, str]) -> Markup:
        return self.blocks.add(parts.ending_table(self.a.items, tuple(labels), labels, caption, columns))

    def causes_table(self, caption: str, columns: list[str], labels: dict[str, str]) -> Markup:
        return self.blocks.add(parts.causes_table(self.a.outlook.causes, labels, caption, columns))

    def front_table(self, caption: str, labels: dict[str, str], placeholder: str) -> Markup:
        """The front sheet's details: a row per field given; a placeholder for a missing one in a draft."""
        front = (self.a.front or PaperSettings()).values
        draft = bool(self.a.pending)
        rows = tuple((label, front.get(key) or placeholder) for key, label in labels.items()
                     if front.get(key) or draft)
        if draft:
            rows = tuple((k, "Draft" if k == labels.get("version") else v) for k, v in rows)
        return self.blocks.add(Table("table-front-sheet", caption, _columns(["Item", "Detail"], ("text", "text"),
                                                                            (1.2, 4.0)), rows, row_header=True))

    def glossary_table(self, caption: str, columns: list[str]) -> Markup:
        """The acronyms the paper uses; filled in after the rest of the paper is written."""
        marker = self.blocks.add(Table("table-glossary", caption, _columns(columns, ("text", "text"), (1.0, 4.0)), ()))
        self.glossary_slot = (len(self.blocks.items) - 1, caption, columns)
        return marker

    # --- officer prose ---------------------------------------------------------------------
    def prose(self, name: str) -> Markup:
        """Include data/<year>/prose/<name>.md, itself a template that may quote computed figures."""
        if self.prose_dir is None:
            return Markup("")
        path = self.prose_dir / f"{name}.md"
        if not path.exists():
            return Markup("")
        return Markup(render_source(self.env, path.read_text(encoding="utf-8-sig"), str(path), self.values()))

    def values(self) -> dict[str, Any]:
        a = self.a
        org = a.config["organisation"]
        vocab = a.config.vocabulary
        cats = a.config["categories"]
        categories = []
        for key in (*vocab.categories, *(k for k in KEYS if k not in vocab.categories and k in cats)):
            members = self.in_category(key)
            categories.append({"key": key, "label": cats[key]["label"], "description": cats[key]["description"],
                               "members": members, "count": len(members),
                               "total": total_spend(c.line for c in members)})
        titles = a.config["vocabulary"].get("term_titles", {})
        terms = []
        for term in vocab.terms:
            members = [c for c in a.items if c.line.term == term]
            if members:
                terms.append({"key": term, "title": titles.get(term, term), "members": members,
                              "total": total_spend(c.line for c in members)})
        sections = [{"key": s, "title": a.config["vocabulary"].get("section_titles", {}).get(s, s),
                     "lines": a.register.in_section(s), "total": a.register.total(a.register.in_section(s))}
                    for s in vocab.sections]
        return {
            "edition": a.edition, "previous": a.previous, "org": org, "register": a.register,
            "items": a.items, "review": a.review, "outlook": a.outlook, "comparison": a.comparison,
            "categories": categories, "terms": terms, "sections": sections, "charts": a.charts,
            "overdue": [r for r in a.review if r.overdue], "pending": a.pending,
            "list_max": int(a.config["paper"].get("list_max_lines", 150)),
            "lines": self.lines, "total": self.total, "count": self.count, "last_end": self.last_end, "category": self.in_category,
            "money": fmt.money, "date": fmt.long_date, "uk_date": fmt.uk_date, "month_year": fmt.month_year,
            "percent": fmt.percent, "plural": fmt.plural, "words": words,
            "contents": self.contents, "figure": self.figure, "register_table": self.register_table,
            "category_table": self.category_table, "schedule_table": self.schedule_table,
            "breakdown_table": self.breakdown_table,
            "changes_table": self.changes_table, "prose": self.prose,
            "decisions": a.decisions, "overdue_decisions": [d for d in a.decisions if d.overdue],
            "due_this_year": parts.decisions_in(a.decisions, a.edition.start, a.edition.end),
            "gaps": data_gaps(a.items, a.config), "causes": a.outlook.causes, "as_at": paper_date(a.edition, a.config),
            "term_entries": lambda term: parts.term_entries(a.items, term),
            "category_schedule": self.category_schedule, "ending_table": self.ending_table,
            "causes_table": self.causes_table, "glossary_table": self.glossary_table, "front_table": self.front_table,
            "front": (a.front or PaperSettings()).values, "draft": bool(a.pending),
            "facts": (a.front or PaperSettings()).facts,
        }


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "-" if value < 0 else "") + fmt.plain_money(abs(value))


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value:+.1f}%"


_columns = parts.columns


def _environment(templates: Path) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(templates)), undefined=StrictUndefined, finalize=_finalize,
        autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def render_source(env: SandboxedEnvironment, source: str, name: str, values: dict[str, Any]) -> str:
    """Render officer-written text, turning template mistakes into a message naming file and line."""
    try:
        return env.from_string(source).render(values)
    except TemplateSyntaxError as exc:
        raise InputError([Problem(name, None, None, "", f"line {exc.lineno}: the template text is not valid ({exc.message}); "
                                  "check the {{ }} and {% %} markers")]) from None
    except UndefinedError as exc:
        raise InputError([Problem(name, None, None, "", f"{exc.message}; check the spelling of the name inside {{{{ }}}}")]) from None
    except (TemplateError, ValueError, TypeError, AttributeError) as exc:
        raise InputError([Problem(name, None, None, "", f"a figure could not be computed ({exc})")]) from None


def compose(a: Analysis, templates: Path = TEMPLATES) -> Document:
    env = _environment(templates)
    blocks = _Blocks()
    prose_dir = a.data_dir / a.edition.label / a.config["paper"].get("prose_dir", "prose") if a.data_dir else None
    ctx = _Context(a, blocks, env, prose_dir)
    values = ctx.values()
    skeleton = templates / "paper.md"
    source = render_source(env, skeleton.read_text(encoding="utf-8"), str(skeleton), values)
    glossary = {str(k): str(v) for k, v in a.config.raw.get("glossary", {}).items()}
    if ctx.glossary_slot is not None:
        index, caption, titles = ctx.glossary_slot
        register_text = (f"{l.project} {l.provider} {l.notes} {l.funding_source}" for l in a.register.lines)
        rows = tuple((acronym, glossary[acronym]) for acronym in used([source, *register_text], glossary))
        blocks.items[index] = Table("table-glossary", caption, _columns(titles, ("text", "text"), (1.0, 4.0)), rows,
                                    row_header=True)
    front_source = templates / "front.md"
    front: tuple = ()
    if front_source.exists():
        rendered = render_source(env, front_source.read_text(encoding="utf-8"), str(front_source), values)
        front = tuple(to_blocks(rendered, lambda i: blocks.items[i]))
    # Acronyms are spelled out at their first use, the front sheet being read first.
    everything = expand_first_use((*front, *to_blocks(source, lambda i: blocks.items[i])), glossary)
    front, body = everything[:len(front)], everything[len(front):]
    org = a.config["organisation"]
    names = {"short_name": org["short_name"], "name": org["name"], "area": org.get("area", ""), "year": a.edition.label}
    paper = a.config["paper"]
    return Document(
        title=paper["title"].format(**names) + (" (draft)" if a.pending else ""), subtitle=org["name"], author=org.get("author", org["name"]),
        subject=paper["subject"].format(**names), date=a.edition.start, blocks=tuple(body),
        keywords=tuple(paper.get("keywords", ())), front=front,
        version=("Draft" if a.pending else (a.front.get("version") if a.front else "")),
        published=a.front.meeting_date if a.front else None,
        contact=a.front.get("contact") if a.front else "", downloads=a.downloads,
    )
