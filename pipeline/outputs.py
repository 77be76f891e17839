"""Every file a build publishes, declared once: its name, its words in the web page's download list,
what it is written from, how, and by which stage.

The build reads nothing else to name the files, link them from the paper and schedule their writing
(pipeline/parallel.py): a new edition of the paper (Markdown, say) is one more `Output` in `OUTPUTS`.
The outputs of one stage are written one after another in one process, in the list's order; the
download list follows the list's order too, so the order of the entries is part of the published page.

A writer is imported only when it runs: finding a build up to date never imports Jinja2 or openpyxl.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Literal

if TYPE_CHECKING:
    from .edition import Edition
    from .exports.calendar import CalendarInputs
    from .paper.compose import PaperInput
    from .paper.model import Document

# The calendar's new record, written by the exports stage into the build folder; the build moves it to
# data/<year>/ once the build is in place (it is not published).
CALENDAR_RECORD = ".calendar-published.csv"


@dataclass(frozen=True)
class Sources:
    """What a writer is given."""
    analysis: PaperInput  # the paper's whole input: register, analysis, settings
    calendar: CalendarInputs  # the calendar's settings and its record of what it published
    templates: Path
    folder: Path  # the build's temporary folder: every output is written into it
    names: dict[str, str]  # each output's file name in this build, by key
    paper: Document | None = None  # the composed paper, for the outputs that need it

    def path(self, key: str) -> Path:
        return self.folder / self.names[key]


@dataclass(frozen=True)
class Output:
    key: str  # how the build, tasks.py and the tests name it
    file: str  # its file name: {label} is the edition's label, {previous} the previous edition's
    write: Callable[[Sources, Path], None] | None  # None: another output's writer writes it too
    label: str = ""  # what the page's download list calls it; "" leaves it out (the page itself)
    stage: str = "exports"  # the build stage (and process) that writes it; its name in the timings
    needs: Literal["analysis", "paper"] = "analysis"  # "paper": written from the composed paper, after it
    when: Callable[[PaperInput], bool] | None = None  # only for an edition that has it; None: every build
    engine: Callable[[], str | None] | None = None  # why it cannot be written on this machine, if it cannot
    prepare: Callable[[], None] | None = None  # done while the charts are drawn (importing its writer)

    def name(self, label: str, previous: str = "") -> str:
        return self.file.format(label=label, previous=previous)


# --- the writers, each given the Sources and the path of its file ---------------------------------------

def _html(s: Sources, path: Path) -> None:
    from .writers.html import write_html

    write_html(s.paper, path, s.templates)


def _fragment(s: Sources, path: Path) -> None:
    from .writers.html import write_fragment

    write_fragment(s.paper, path, s.templates)


def _word(s: Sources, path: Path) -> None:
    from .writers.docx import write_docx

    write_docx(s.paper, path, s.templates / "reference.docx")


def _pdf(s: Sources, path: Path) -> None:
    from .writers.pdf import write_pdf

    write_pdf(s.paper, path, s.templates)


def _typst_problem() -> str | None:
    from .writers.pdf import engine_problem

    return engine_problem()  # imports Typst, if it can


def _import_html() -> None:
    from .writers import html  # noqa: F401


def _import_docx() -> None:
    from .writers import docx  # noqa: F401


def _schedule(s: Sources, path: Path) -> None:
    from .exports.schedule_csv import write_schedule_csv

    write_schedule_csv(path, s.analysis.items, s.analysis.review)


def _plan(s: Sources, path: Path) -> None:
    from .exports.schedule_csv import write_forward_plan_csv

    write_forward_plan_csv(path, s.analysis.decisions)


def _ics(s: Sources, path: Path) -> None:
    from .exports.calendar import write_schedule_ics

    m = s.analysis
    write_schedule_ics(path, m.decisions, m.edition, m.config.settings.organisation.name, s.calendar,
                       s.folder / CALENDAR_RECORD)


def _grants(s: Sources, path: Path) -> None:
    from .exports.giving360 import write_grants

    write_grants(path, s.path("grants_csv"), s.analysis.register, s.analysis.config)  # both from one package


def contract_dates(review) -> dict:
    """The contracts register's review date and latest end after options, per line id: the one place the
    exports read the schedule."""
    return {r.item.line.id: (r.review_start, r.latest_end) for r in review}


def _contracts(s: Sources, path: Path) -> None:
    from .exports.contracts import write_contracts_csv

    write_contracts_csv(path, s.analysis.register, s.analysis.config, contract_dates(s.analysis.review))


def _workbook(s: Sources, path: Path) -> None:  # its own stage: openpyxl takes seconds over 40,000 decisions
    from .exports.workbook import write_exports_workbook

    write_exports_workbook(path, s.analysis)


def _performance(s: Sources, path: Path) -> None:
    from .exports.performance_csv import write_performance_csv

    write_performance_csv(path, s.analysis.performance)


def _changes(s: Sources, path: Path) -> None:
    from .exports.changes_csv import write_comparison_csv

    write_comparison_csv(s.analysis.comparison, path)


def _scenarios(s: Sources, path: Path) -> None:
    from .exports.scenarios_csv import write_scenarios_csv

    write_scenarios_csv(path, s.analysis.scenarios)


def _scenario_funding(s: Sources, path: Path) -> None:
    from .exports.scenarios_csv import write_funding_csv

    write_funding_csv(path, s.analysis.scenarios)


def _csp(s: Sources, path: Path) -> None:
    from .exports.csp_csv import write_csp_csv

    write_csp_csv(path, s.analysis.csp)


def _has_previous(m: PaperInput) -> bool:
    return m.comparison is not None


def _has_scenarios(m: PaperInput) -> bool:
    return bool(m.scenarios)


def _has_csp(m: PaperInput) -> bool:
    return m.csp is not None


# In the order the page lists the downloads.
OUTPUTS: tuple[Output, ...] = (
    Output("html", "commissioning-framework-{label}.html", _html, stage="html", needs="paper", prepare=_import_html),
    Output("fragment", "commissioning-framework-{label}.fragment.html", _fragment,  # the page's body, for the CMS
           stage="html", needs="paper"),
    Output("docx", "commissioning-framework-{label}.docx", _word, "Word edition", stage="word", needs="paper",
           prepare=_import_docx),
    Output("pdf", "commissioning-framework-{label}.pdf", _pdf, "PDF edition", stage="pdf", needs="paper",
           engine=_typst_problem, prepare=_typst_problem),
    Output("csv", "review-schedule.csv", _schedule, "Review schedule (CSV)"),
    Output("plan", "forward-plan.csv", _plan, "Forward plan of decisions (CSV)"),
    Output("ics", "review-schedule.ics", _ics, "Decision dates (calendar file)"),
    Output("grants_json", "grants-360giving.json", _grants, "Grants as 360Giving data (JSON)"),
    Output("grants_csv", "grants-360giving.csv", None, "Grants as 360Giving data (CSV)"),
    Output("contracts_csv", "contracts-register.csv", _contracts, "Contracts register (CSV)"),
    Output("exports_xlsx", "commissioning-exports-{label}.xlsx", _workbook,  # the CSVs as one workbook
           "Forward plan, review schedule, contracts register and underspend (Excel workbook)", stage="workbook"),
    Output("performance_csv", "performance.csv", _performance, "Performance and spend by service (CSV)"),
    Output("changes_csv", "changes-since-{previous}.csv", _changes, "Changes since the previous edition (CSV)",
           when=_has_previous),
    Output("scenarios_csv", "scenarios.csv", _scenarios, "Funding scenarios (CSV)", when=_has_scenarios),
    Output("scenario_funding_csv", "scenario-funding.csv", _scenario_funding,
           "Funding by source and month under each scenario (CSV)", when=_has_scenarios),
    Output("csp_csv", "csp-allocation.csv", _csp, "Community Safety Partnership allocations (CSV)", when=_has_csp),
)

# When cores are short, the stages ready at the same time start in this order (the slowest writer of the
# paper first); a stage not named here starts after these, in the order OUTPUTS first names it.
STAGE_PREFERENCE = ("exports", "workbook", "pdf", "word", "html")


def output_names(edition: Edition) -> dict[str, str]:
    """The file names every build of the edition has, by key (an edition's own extras are left out)."""
    return {o.key: o.name(edition.label) for o in OUTPUTS if o.when is None}


def published(m: PaperInput) -> tuple[Output, ...]:
    """The outputs this edition has."""
    return tuple(o for o in OUTPUTS if o.when is None or o.when(m))


def names(outputs: tuple[Output, ...], m: PaperInput) -> dict[str, str]:
    previous = m.previous.label if m.previous else ""
    return {o.key: o.name(m.edition.label, previous) for o in outputs}


def downloads(outputs: tuple[Output, ...], file_names: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The page's download list: (what it is, file name), for each output that has a label."""
    return tuple((o.label, file_names[o.key]) for o in outputs if o.label)


def stages(outputs: tuple[Output, ...]) -> list[tuple[str, tuple[Output, ...]]]:
    """The outputs grouped by the stage that writes them, stages in order of preference."""
    grouped: dict[str, list[Output]] = {}
    for o in outputs:
        grouped.setdefault(o.stage, []).append(o)
    for stage, group in grouped.items():
        if len({o.needs for o in group}) > 1:
            raise ValueError(f"the {stage} stage mixes outputs written from the analysis and from the paper")
    rank = {stage: n for n, stage in enumerate(STAGE_PREFERENCE)}
    order = sorted(grouped, key=lambda stage: (rank.get(stage, len(rank)), list(grouped).index(stage)))
    return [(stage, tuple(grouped[stage])) for stage in order]


def write_stage(outputs: tuple[Output, ...], sources: Sources, paper: Document | None = None) -> None:
    """Write one stage's outputs, in the list's order."""
    if paper is not None:
        sources = replace(sources, paper=paper)
    for o in outputs:
        if o.write is not None:
            o.write(sources, sources.path(o.key))
