"""Orchestration: find the edition's inputs, run the stages, write the outputs."""

from __future__ import annotations

import logging
import os
import shutil
import time
from typing import TYPE_CHECKING
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .analysis.classify import classify, override_warnings
from .analysis.dates import paper_date
from .analysis.outlook import outlook
from .analysis.schedule import decision_points, schedule
from . import chart_cache, outputs
from .check_summary import summary
from .config import DATA_DIR, Config, load_config
from .edition import Edition, available_editions, parse_edition
from .exports.calendar import calendar_inputs
from .exports.calendar_state import STATE_FILE
from .fingerprint import files_under, inputs_fingerprint, is_file, prose_inputs
from .input.load import (
    ACTION_COLUMN,
    load_register,
    normalise_header,
    pending_actions,
    register_path,
)
from .input.consistency import check_against_edition
from .input.paper_settings import (
    PaperSettings,
    check_offsets,
    final_problems,
    read_paper_settings,
    without_unknown_lines,
)
from .input.register import Register
from .outputs import CALENDAR_RECORD, Sources, output_names
from .preflight import check_templates
from .problems import InputError, Problem
from .publish import check_target, os_problem, own_register, remove_abandoned, save_record, swap_into_place
from .template_files import TEMPLATES

if TYPE_CHECKING:
    from .paper.compose import PaperInput

ROOT = DATA_DIR.parent
# The edition's own files beside its register and prose that a build reads (each optional but paper.toml).
EDITION_FILES = ("paper.toml", "scenarios.toml", "performance.csv")

def resolve_edition(year: str | None, data_dir: Path = DATA_DIR) -> Edition:
    if year:
        return parse_edition(year)
    editions = available_editions(data_dir)
    if not editions:
        raise InputError([Problem(str(data_dir), None, None, "",
                                  "no edition folders found; expected a folder such as data/2024-25 holding register.csv")])
    return editions[-1]


def load_edition(year: str | None, register: str | Path | None = None, data_dir: Path = DATA_DIR
                 ) -> tuple[Edition, Config, Register]:
    edition = resolve_edition(year, data_dir)
    config = load_config(edition.label, data_dir)
    path = register_path(edition, config, register, data_dir)
    # An override against the line's status is refused; a line starting after the year is noted.
    reg = check_against_edition(load_register(path, config), edition)
    return edition, config, reg


def check_register(year: str | None = None, register: str | Path | None = None, data_dir: Path = DATA_DIR) -> str:
    edition, config, reg = load_edition(year, register, data_dir)
    return summary(edition, config, reg, data_dir)


def check_edition(year: str | None = None, register: str | Path | None = None, data_dir: Path = DATA_DIR,
                  templates: Path = TEMPLATES, build_dir: Path | None = None) -> str:
    """Everything `report` depends on, checked by doing all of its work into a temporary folder that
    is then deleted: settings, register, previous edition, templates, prose, charts and every writer.
    So if this passes, report builds (except that report refuses open new-year actions unless --draft;
    they are noted here). build/ is not touched, apart from the chart cache a later report reuses."""
    import tempfile

    edition, config, reg, pending, _ = _load(year, register, data_dir, templates, draft=True)
    _paper_settings(edition, reg, data_dir, False, pending)  # what report would refuse (paper.toml), check refuses
    with tempfile.TemporaryDirectory(prefix="commissioning-check-") as scratch:
        build_edition(edition.label, register=register, out=Path(scratch) / edition.label, force=True,
                      data_dir=data_dir, templates=templates, build_dir=build_dir or BUILD_DIR, draft=True,
                      record=False)
    rendered: list = []
    compose_edition(edition.label, register, data_dir, templates, sources_out=rendered)
    return summary(edition, config, reg, data_dir, rendered) + "\n  Settings, templates and prose are valid too: the paper builds."


# --- the full build --------------------------------------------------------------------------

log = logging.getLogger("pipeline")
BUILD_DIR = ROOT / "build"
_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class BuildResult:
    edition: Edition
    out_dir: Path
    files: tuple[Path, ...]
    skipped: bool  # nothing changed since the last build
    warnings: tuple[str, ...] = ()
    timings: tuple[tuple[str, float], ...] = ()
    notes: tuple[str, ...] = ()  # what the transparency exports leave blank (logged, so --quiet hides them)
    source: str = ""  # the register read, with its sheet for a workbook
    wall: float = 0.0  # seconds the build took, start to finish (stages may overlap, so not their sum)


@contextmanager
def _stage(name: str, timings: list[tuple[str, float]]):
    t0 = time.perf_counter()
    yield
    took = time.perf_counter() - t0
    timings.append((name, took))
    if name != "load":  # logged once we know the build goes ahead, so "up to date" stands alone
        log.info("%-9s %6.2f s", name, took)


def previous_register(edition: Edition, data_dir: Path) -> tuple[Edition, Config, Register] | None:
    prev = edition.previous()
    if not (data_dir / prev.label).is_dir():
        return None
    config = load_config(prev.label, data_dir)
    return prev, config, load_register(register_path(prev, config, None, data_dir), config)


def _load(year: str | None, register: str | Path | None, data_dir: Path, templates: Path, draft: bool,
          check: bool = True):
    """The edition's settings, register and previous edition, read and checked, and (with `check`) the templates."""
    edition, config, reg = load_edition(year, register, data_dir)
    from .analysis.ended import ended_with_spend
    from .input.review import unreviewed, unreviewed_problems

    ended = ended_with_spend(reg, edition)  # refused in drafts too: the money would be counted anyway
    pending = pending_actions(reg)
    marked = unreviewed(data_dir / edition.label, config.settings.paper.prose_dir)
    if ended and (draft or not (pending or marked)):
        raise InputError(ended)
    if (pending or marked) and not draft:
        column = next((k for k, _ in pending[0].extra if normalise_header(k) == ACTION_COLUMN), "") if pending else ""
        raise InputError([*ended, *(Problem(reg.source, l.row, column, dict(l.extra)[column],
                                    "this new-year action is not resolved yet: act on it and clear the cell, "
                                    "or build a draft with --draft", sheet=reg.sheet, line=l.id,
                                    cell=reg.cell(l.row, normalise_header(column))) for l in pending),
                          *unreviewed_problems(marked, edition)])
    prev = previous_register(edition, data_dir)
    if check:
        _check_templates(templates)
    return edition, config, reg, pending, prev


def _check_templates(templates: Path) -> None:
    problems = check_templates(templates)
    if problems:
        raise InputError(problems)


def _paper_settings(edition: Edition, reg: Register, data_dir: Path, draft: bool, pending,
                    notes: list[str] | None = None) -> PaperSettings:
    """data/<year>/paper.toml, its offsets checked against the register. A final build (not a draft, no
    open new-year actions) is refused while a cover-report detail is missing or an offset names a line
    the register does not have; a draft (say, built from another register with --register) leaves such
    an offset out of the gap and says so in `notes`."""
    settings = read_paper_settings(data_dir / edition.label)
    unknown = check_offsets(settings, (l.id for l in reg.lines))
    if draft or pending or settings.draft:
        if unknown and notes is not None:
            notes.extend(f"{p} (a draft: the proposal is left out of the funding gap)" for p in unknown)
        return without_unknown_lines(settings, (l.id for l in reg.lines))
    problems = [*unknown, *final_problems(settings)]
    if problems:
        raise InputError(problems)
    return settings


def _analyse(edition: Edition, config: Config, reg: Register, prev, offsets=()):
    """The pure analysis of an edition: categories, decision points, schedule, outlook, comparison."""
    from dataclasses import replace

    from .analysis.gap import funding_gap

    items = classify(reg, edition, config)
    points = decision_points(items, edition, config)
    review = schedule(items, edition, config, points=points)
    look = outlook(reg, edition, config, items)
    look = replace(look, gap=funding_gap(items, offsets, edition, config))
    comparison = None
    if prev:
        from .analysis.compare import compare

        prev_items = classify(prev[2], prev[0], prev[1])
        comparison = compare(prev[2], reg, {c.line.id: c.category for c in prev_items},
                             {c.line.id: c.category for c in items}, {c.line.id: c.reason for c in items},
                             paper_date(edition, config), paper_date(prev[0], prev[1]))
    return items, points, review, look, comparison


def _model_input(edition, config, reg, prev, pending, data_dir: Path, analysed, charts=(), downloads=(),
                 settings: PaperSettings | None = None) -> PaperInput:
    from .paper.compose import PaperInput

    from .scenario_edition import edition_scenarios
    from .csp_build import csp_for_edition

    items, points, review, look, comparison = analysed
    settings = settings if settings is not None else read_paper_settings(data_dir / edition.label)
    from .input.review import unreviewed

    marked = unreviewed(data_dir / edition.label, config.settings.paper.prose_dir)
    return PaperInput(edition, config, reg, items, review, look, charts, comparison, prev[0] if prev else None,
                    data_dir, pending, points, settings, downloads,
                    edition_scenarios(reg, items, edition, config, data_dir / edition.label, settings.offsets),
                    unreviewed=tuple(p.relative_to(data_dir / edition.label).as_posix() for p in marked),
                    declared_draft=settings.draft or bool(settings.missing_final()),
                    performance=_performance(edition, config, reg, data_dir),
                    csp=csp_for_edition(edition, config, reg, prev, data_dir))


def _performance(edition: Edition, config: Config, reg: Register, data_dir: Path):
    """The edition's performance return, read and checked against its register and paper date, analysed."""
    from .analysis.performance import analyse
    from .input.performance import load_returns

    as_at = paper_date(edition, config)
    returns = load_returns(data_dir / edition.label, reg, config, as_at)
    return analyse(reg, returns, edition, config, as_at)


def compose_edition(year: str | None = None, register: str | Path | None = None, data_dir: Path = DATA_DIR,
                    templates: Path = TEMPLATES, sources_out: list | None = None):
    """The document model alone, without charts and writing nothing: the quick way to try prose."""
    from .paper.compose import compose

    edition, config, reg, pending, prev = _load(year, register, data_dir, templates, draft=True)
    settings = _paper_settings(edition, reg, data_dir, True, pending)
    return compose(_model_input(edition, config, reg, prev, pending, data_dir,
                                _analyse(edition, config, reg, prev, settings.offsets), settings=settings),
                   templates, sources_out)


def build_edition(year: str | None = None, register: str | Path | None = None, out: str | Path | None = None,
                  force: bool = False, data_dir: Path = DATA_DIR, templates: Path = TEMPLATES,
                  build_dir: Path = BUILD_DIR, draft: bool = False, jobs: int | None = None,
                  skip: tuple[str, ...] = (), record: bool = True) -> BuildResult:
    """Build one edition into build/<year>/ (or `out`), atomically: all outputs or none.

    An edition with unresolved new-year actions is refused unless `draft`, which marks the paper as a draft.
    `jobs`: how many stages may run at once (default: one per core; 1 runs them one after another).
    `skip`: stages to leave out (the benchmark times the PDF edition on its own); the build is then incomplete.
    `record`: save what the calendar published into data/<year>/calendar-published.csv once the build has
    succeeded (`check` builds a trial, which must not; nor does a build of another register, `register`).
    """
    started = time.perf_counter()
    timings: list[tuple[str, float]] = []
    with _stage("load", timings):
        # The templates are checked once the build is known to go ahead: an unchanged set passed the last build.
        edition, config, reg, pending, prev = _load(year, register, data_dir, templates, draft, check=False)
        from .exports.transparency import transparency_gaps

        gaps = transparency_gaps(reg, config)  # also checks the [transparency] settings before any work
        from .exports.grant_ids import check_grant_identifiers

        check_grant_identifiers(reg, config)

        paper_notes: list[str] = []
        settings = _paper_settings(edition, reg, data_dir, draft, pending, paper_notes)
    target = Path(out) if out else build_dir / edition.label
    if target.is_symlink():
        # A published folder that is a link (build/2024-25 -> /srv/www/paper) is updated where it points:
        # exchanging the link itself would leave the published folder with the old paper.
        target = Path(os.path.realpath(target))
    check_target(target)
    reg_path = Path(reg.source)
    prose_dir = data_dir / edition.label / config.settings.paper.prose_dir
    # Only the files the build reads: the settings, the front sheet's paper.toml, the register, the prose.
    config_files = [data_dir / "config.toml", data_dir / edition.label / "config.toml"]
    prose_files, by_size = prose_inputs(prose_dir, int(config.limits.prose_characters) * 4)
    from .csp_build import csp_files

    csp_inputs = csp_files(edition, data_dir)  # they shape the CSP section and its chart
    inputs = [reg_path, *config_files, *csp_inputs, *(data_dir / edition.label / n for n in EDITION_FILES), *prose_files,
              *files_under(templates), *files_under(_PACKAGE, "*.py")]
    if prev:
        # The comparison reads the previous edition's register and its settings (paper date, categories).
        inputs += [Path(prev[2].source), data_dir / prev[0].label / "config.toml"]
    state = data_dir / edition.label / STATE_FILE  # the calendar's record: an input, rewritten by the build
    fingerprint = inputs_fingerprint(inputs, edition.label + str(target) + ("draft" if pending else ""), state,
                                     by_size=by_size)
    stamp = target / ".fingerprint"
    names = output_names(edition)
    if not force and is_file(stamp) and stamp.read_text(errors="replace") == fingerprint and all((target / n).exists() for n in names.values()):
        log.info("%s is up to date (nothing changed since the last build; use --force to rebuild)", target)
        return BuildResult(edition, target, tuple(target / n for n in names.values()), True, (), tuple(timings))

    _check_templates(templates)
    # The scenarios chart is drawn from scenarios.toml and the offsets in paper.toml too, the CSP chart
    # from its inputs and the previous edition's register.
    chart_key = chart_cache.key(reg_path, [*config_files, *(data_dir / edition.label / n for n in ("scenarios.toml", "paper.toml")),
                                      *csp_inputs, *([Path(prev[2].source)] if prev else [])], edition)
    log.info("%-9s %6.2f s", *timings[0])
    with _stage("analysis", timings):
        items, points, review, look, comparison = _analyse(edition, config, reg, prev, settings.offsets)
        calendar = calendar_inputs(config, edition, data_dir)  # settings and record, checked before any file is written

    tmp = target.parent / f".{target.name}.building-{os.getpid()}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned(target)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        analysis = _model_input(edition, config, reg, prev, pending, data_dir, (items, points, review, look, comparison),
                                settings=settings)
        sources = Sources(analysis, calendar, templates, tmp, outputs.names(outputs.published(analysis), analysis))
        missing = _run_stages(sources, build_dir / ".cache" / chart_key, jobs, timings, skip)
        published = None  # the calendar's new record (none when the exports stage was skipped)
        if (tmp / CALENDAR_RECORD).exists():
            published = (tmp / CALENDAR_RECORD).read_bytes()
            (tmp / CALENDAR_RECORD).unlink()  # not published: it goes to data/<year>/ once the build is in place
        (tmp / ".fingerprint").write_text(inputs_fingerprint(inputs, edition.label + str(target) + ("draft" if pending else ""),
                                                             state, published, by_size))
        swap_into_place(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError([os_problem(exc, target)]) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if record and published is not None and own_register(edition, config, register, data_dir):
        save_record(state, published)
    warnings = (*reg.warnings, *override_warnings(items), *paper_notes, *missing)
    if len(gaps) > 2:  # the same kind of note every build: one line, and check lists them in full
        log.info("note: %d transparency gaps (blank in the grants and contracts files): see `invoke check`", len(gaps))
    else:
        for gap in gaps:
            log.info("note: %s", gap)
    files = tuple(sorted(p for p in target.rglob("*") if p.is_file() and p.name != ".fingerprint"))
    source = reg.source + (f", sheet '{reg.sheet}'" if reg.sheet else "")
    return BuildResult(edition, target, files, False, warnings, tuple(timings), tuple(gaps), source,
                       wall=time.perf_counter() - started)


def _run_stages(sources: Sources, cache: Path, jobs: int | None, timings: list[tuple[str, float]],
                skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Charts, the paper and every output (pipeline/outputs.py), each stage as soon as what it needs is
    ready, several at once on a machine with several cores (pipeline/parallel.py); the same files as
    one by one. Returns why an output could not be written here (Typst missing, say): the rest is built."""
    from dataclasses import replace

    from .chart_stage import chart_tasks
    from .parallel import Task, default_jobs, run

    jobs = default_jobs() if jobs is None else jobs
    m = sources.analysis
    to_write = outputs.published(m)
    missing: dict[str, str] = {}  # output key: why it cannot be written on this machine

    def paper(done):
        from .paper.compose import compose

        for o in to_write:
            # Asked here, not before the charts: by now Typst has been imported while they were drawn.
            problem = o.engine() if o.engine and o.stage not in skip else None
            if problem:  # the other outputs are still built; the paper does not link this one and the officer is told
                missing[o.key] = problem
        linked = outputs.downloads(tuple(o for o in to_write if o.key not in missing), sources.names)
        return compose(replace(m, charts=done["charts"], downloads=linked), sources.templates)

    def stage(group: tuple[outputs.Output, ...]):
        def write(done):
            outputs.write_stage(tuple(o for o in group if o.key not in missing), sources, done.get("compose"))
        return write

    def logged(name: str, took: float) -> None:
        timings.append((name, took))
        log.info("%-9s %6.2f s", name, took)

    def prepare() -> None:
        """While the charts are drawn elsewhere: import what composing and writing the paper use (Jinja2,
        markdown-it, python-docx, Typst), so that this is not done after the charts, when the paper waits on it."""
        from .paper import compose  # noqa: F401

        for o in to_write:
            if o.prepare and o.stage not in skip:
                o.prepare()

    # In order of preference when cores are short: the charts and the paper are the longest path.
    groups = outputs.stages(to_write)
    tasks = [*chart_tasks(m, sources.folder / "charts", cache, jobs),
             *(Task(name, stage(group)) for name, group in groups if group[0].needs == "analysis"),
             Task("compose", paper, after=("charts",), inline=True),
             *(Task(name, stage(group), after=("compose",)) for name, group in groups if group[0].needs == "paper")]
    run([t for t in tasks if t.name not in skip], jobs, on_done=logged, while_waiting=prepare)
    return tuple(missing.values())


def build_all(force: bool = False, data_dir: Path = DATA_DIR, templates: Path = TEMPLATES,
              build_dir: Path = BUILD_DIR, draft: bool = False) -> list[BuildResult]:
    """Build every edition under data/, oldest first; each writes only its own build/<year>/."""
    return [build_edition(e.label, force=force, data_dir=data_dir, templates=templates, build_dir=build_dir,
                          draft=draft) for e in available_editions(data_dir)]
