"""Orchestration: find the edition's inputs, run the stages, write the outputs."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .analysis.classify import classify, override_warnings
from .analysis.dates import paper_date
from .analysis.outlook import outlook
from .analysis.schedule import decision_points, schedule
from .config import DATA_DIR, Config, load_config
from .edition import Edition, available_editions, parse_edition
from .exports.calendar import calendar_inputs
from .exports.calendar_state import STATE_FILE, save_state
from .formatting import money, plural
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
from .preflight import check_templates
from .processes import alive
from .problems import InputError, Problem

ROOT = DATA_DIR.parent
# The edition's own files beside its register and prose that a build reads (each optional but paper.toml).
EDITION_FILES = ("paper.toml", "scenarios.toml", "performance.csv")
# templates/ (paper.compose.TEMPLATES): named here so that finding a build up to date does not import
# the composer (Jinja2, markdown-it), which only a build that goes ahead needs.
TEMPLATES = ROOT / "templates"


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


def summary(edition: Edition, config: Config, reg: Register, data_dir: Path = DATA_DIR, rendered: list | None = None
            ) -> str:
    sheet = f" (read from the sheet '{reg.sheet}')" if reg.sheet else ""
    out = [f"{reg.source}: {plural(len(reg), 'line')} for {edition.label} - all valid{sheet}."]
    for section in config.vocabulary.sections:
        lines = reg.in_section(section)
        if lines:
            out.append(f"  {section:<15} {plural(len(lines), 'line'):>10}   {money(reg.total(lines)):>12}")
    out.append(f"  {'total':<15} {plural(len(reg), 'line'):>10}   {money(reg.total()):>12}")
    out.extend(f"  note: {w}" for w in reg.warnings)
    out.extend(f"  note: {n}" for n in analysis_notes(edition, config, reg))
    from .exports.transparency import transparency_gaps

    out.extend(f"  note: {g}" for g in transparency_gaps(reg, config))
    pending = [l.id for l in pending_actions(reg)]
    if pending:
        out.append(f"  note: {plural(len(pending), 'line')} still {'has' if len(pending) == 1 else 'have'} a "
                   f"new_year_action to resolve ({', '.join(pending[:8])}{', ...' if len(pending) > 8 else ''})")
    out.extend(f"  note: {n}" for n in carried_over_notes(edition, config, data_dir, rendered))
    return "\n".join(out)


def carried_over_notes(edition: Edition, config: Config, data_dir: Path = DATA_DIR, rendered: list | None = None
                       ) -> list[str]:
    """Files still marked "not yet reviewed" (the final paper waits for them), then typed dates and
    year labels in the prose that belong to an earlier year, each with its file and line."""
    from .input.review import MARK, edition_files, stale_mentions, unreviewed

    folder = data_dir / edition.label
    prose_dir = config.settings.paper.prose_dir
    marked = unreviewed(folder, prose_dir)
    notes = [f"{len(marked)} {'file is' if len(marked) == 1 else 'files are'} still marked \"{MARK}\", so only a "
             f"draft builds until you delete that line in each: {', '.join(str(p) for p in marked)}"] if marked else []
    stale = stale_mentions(edition_files(folder, prose_dir), edition)
    if rendered is not None:  # dates the prose prints from the register or [facts], found where they are written
        from .input.review import stale_in_rendered

        stale += [s for src in rendered for s in stale_in_rendered(Path(src.file), src.text, src.rendered, edition)
                  if s not in stale]
    notes.extend(f"earlier year in the prose: {s}; check it is still right for {edition.label}"
                 for s in sorted(set(stale), key=lambda s: (str(s.file), s.line)))
    return notes


def analysis_notes(edition: Edition, config: Config, reg: Register) -> list[str]:
    """What the officer should know before the paper is built: register gaps and unexplained acronyms."""
    from .analysis.classify import classify, data_gaps
    from .paper.glossary import unknown_acronyms

    notes = []
    for what, lines in data_gaps(classify(reg, edition, config), config):
        ids = ", ".join(l.id for l in lines[:12]) + (", ..." if len(lines) > 12 else "")
        notes.append(f"{what}: {len(lines)} ({ids}); they still build, and the paper names them in its "
                     "data quality section")
    glossary = config.settings.glossary
    ignore = config.settings.glossary_settings.ignore
    for word, ids in unknown_acronyms(reg, glossary, ignore).items():
        notes.append(f"{word} (in {', '.join(ids[:6])}{', ...' if len(ids) > 6 else ''}) is not in the [glossary] of "
                     "config.toml: add what it stands for, or add it to [glossary_settings] ignore")
    return notes


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


def _digest(paths: list[Path], extra: str = "", by_size: frozenset[Path] = frozenset()) -> str:
    """One hash of the files' names and contents, read a block at a time (a huge file costs time, not
    memory); a file in `by_size` counts by its size and time stamp only (the build refuses it unread)."""
    h = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        h.update(str(p).encode() + b"\0")
        if p in by_size:
            info = p.stat()
            h.update(f"{info.st_size}:{info.st_mtime_ns}".encode())
            continue
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


_RECORD = ".calendar-published.csv"  # the calendar's new record, written by the exports stage into the build


def _fingerprint(inputs: list[Path], extra: str, state: Path, record: bytes | None = None,
                 by_size: frozenset[Path] = frozenset()) -> str:
    """The build's inputs, the calendar's record among them: as it is now, or (`record`) as this build
    leaves it, so the next report of the same inputs finds the build up to date."""
    if record is None:
        record = state.read_bytes() if _is_file(state) else b""
    return _digest([p for p in dict.fromkeys(inputs) if p.exists()], extra + hashlib.sha256(record).hexdigest(),
                   by_size)


def _own_register(edition: Edition, config: Config, register: str | Path | None, data_dir: Path) -> bool:
    """Built from the edition's own register? A build of another file (--register) is a trial: what its
    calendar publishes is not the edition's, so it does not become the edition's record."""
    if register is None:
        return True
    try:
        return Path(register).resolve() == register_path(edition, config, None, data_dir).resolve()
    except InputError:
        return False


def _save_record(state: Path, published: bytes) -> None:
    """After the build is in place: what its calendar published becomes the edition's record."""
    try:
        save_state(state, published)
    except OSError as exc:
        raise InputError([Problem(str(state), None, None, "",
                                  f"the build is complete, but the calendar's record could not be saved "
                                  f"({exc.strerror or exc}); check the folder may be written and build again with "
                                  "--force, so the next calendar knows what this one published")]) from None


def _prose_inputs(prose_dir: Path, max_bytes: int) -> tuple[list[Path], frozenset[Path]]:
    """What of the prose folder shapes the paper: every file's name (a misnamed file is refused, another
    noted), the text of the prose files the composer may read, and only the size of one it refuses as too large."""
    from .paper.prose_files import PROSE_NAME

    try:
        files = [p for p in prose_dir.iterdir() if p.is_file()] if prose_dir.is_dir() else []
    except OSError:
        return [], frozenset()
    readable = [p for p in files if p.suffix == ".md" and PROSE_NAME.match(p.stem)]
    names_only = [p for p in files if p not in readable]
    large = {p for p in readable if p.stat().st_size > max_bytes}
    return [*readable, *names_only], frozenset({*large, *names_only})


def _files_under(folder: Path, pattern: str = "*") -> list[Path]:
    return [p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts] if folder.exists() else []


def output_names(edition: Edition) -> dict[str, str]:
    return {
        "docx": f"commissioning-framework-{edition.label}.docx",
        "html": f"commissioning-framework-{edition.label}.html",
        "pdf": f"commissioning-framework-{edition.label}.pdf",
        "fragment": f"commissioning-framework-{edition.label}.fragment.html",  # the page's body, for the CMS
        "csv": "review-schedule.csv",
        "ics": "review-schedule.ics",
        "plan": "forward-plan.csv",
        "grants_json": "grants-360giving.json",
        "grants_csv": "grants-360giving.csv",
        "contracts_csv": "contracts-register.csv",
        "exports_xlsx": f"commissioning-exports-{edition.label}.xlsx",  # the CSVs above as one workbook
        "performance_csv": "performance.csv",
    }


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
    _check_target(target)
    reg_path = Path(reg.source)
    prose_dir = data_dir / edition.label / config.settings.paper.prose_dir
    # Only the files the build reads: the settings, the front sheet's paper.toml, the register, the prose.
    config_files = [data_dir / "config.toml", data_dir / edition.label / "config.toml"]
    prose_files, by_size = _prose_inputs(prose_dir, int(config.limits.prose_characters) * 4)
    from .csp_build import csp_files

    csp_inputs = csp_files(edition, data_dir)  # they shape the CSP section and its chart
    inputs = [reg_path, *config_files, *csp_inputs, *(data_dir / edition.label / n for n in EDITION_FILES), *prose_files,
              *_files_under(templates), *_files_under(_PACKAGE, "*.py")]
    if prev:
        # The comparison reads the previous edition's register and its settings (paper date, categories).
        inputs += [Path(prev[2].source), data_dir / prev[0].label / "config.toml"]
    state = data_dir / edition.label / STATE_FILE  # the calendar's record: an input, rewritten by the build
    fingerprint = _fingerprint(inputs, edition.label + str(target) + ("draft" if pending else ""), state,
                               by_size=by_size)
    stamp = target / ".fingerprint"
    names = output_names(edition)
    if not force and _is_file(stamp) and stamp.read_text(errors="replace") == fingerprint and all((target / n).exists() for n in names.values()):
        log.info("%s is up to date (nothing changed since the last build; use --force to rebuild)", target)
        return BuildResult(edition, target, tuple(target / n for n in names.values()), True, (), tuple(timings))

    _check_templates(templates)
    # The scenarios chart is drawn from scenarios.toml and the offsets in paper.toml too, the CSP chart
    # from its inputs and the previous edition's register.
    chart_key = _chart_key(reg_path, [*config_files, *(data_dir / edition.label / n for n in ("scenarios.toml", "paper.toml")),
                                      *csp_inputs, *([Path(prev[2].source)] if prev else [])], edition)
    log.info("%-9s %6.2f s", *timings[0])
    with _stage("analysis", timings):
        items, points, review, look, comparison = _analyse(edition, config, reg, prev, settings.offsets)
        calendar = calendar_inputs(config, edition, data_dir)  # settings and record, checked before any file is written

    tmp = target.parent / f".{target.name}.building-{os.getpid()}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(target)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        changes = comparison is not None and f"changes-since-{prev[0].label}.csv"
        analysis = _model_input(edition, config, reg, prev, pending, data_dir, (items, points, review, look, comparison),
                                settings=settings)
        pdf_missing = _run_stages(_Inputs(analysis, calendar, templates, tmp, names, changes,
                                          build_dir / ".cache" / chart_key), jobs, timings, skip)
        published = None  # the calendar's new record (none when the exports stage was skipped)
        if (tmp / _RECORD).exists():
            published = (tmp / _RECORD).read_bytes()
            (tmp / _RECORD).unlink()  # not published: it goes to data/<year>/ once the build is in place
        (tmp / ".fingerprint").write_text(_fingerprint(inputs, edition.label + str(target) + ("draft" if pending else ""),
                                                       state, published, by_size))
        _swap_into_place(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError([_os_problem(exc, target)]) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if record and published is not None and _own_register(edition, config, register, data_dir):
        _save_record(state, published)
    warnings = (*reg.warnings, *override_warnings(items), *paper_notes, *((pdf_missing,) if pdf_missing else ()))
    if len(gaps) > 2:  # the same kind of note every build: one line, and check lists them in full
        log.info("note: %d transparency gaps (blank in the grants and contracts files): see `invoke check`", len(gaps))
    else:
        for gap in gaps:
            log.info("note: %s", gap)
    files = tuple(sorted(p for p in target.rglob("*") if p.is_file() and p.name != ".fingerprint"))
    source = reg.source + (f", sheet '{reg.sheet}'" if reg.sheet else "")
    return BuildResult(edition, target, files, False, warnings, tuple(timings), tuple(gaps), source,
                       wall=time.perf_counter() - started)


@dataclass(frozen=True)
class _Inputs:
    """What the stages after the analysis read; each writes its own files into `tmp`."""
    analysis: object  # paper.compose.PaperInput, without its charts yet
    calendar: object  # exports.calendar.CalendarInputs
    templates: Path
    tmp: Path
    names: dict[str, str]
    changes: str | bool  # the changes CSV's name, when there is a previous edition
    chart_cache: Path


def _run_stages(a: _Inputs, jobs: int | None, timings: list[tuple[str, float]], skip: tuple[str, ...] = ()) -> str | None:
    """Charts, the paper, its writers and the exports, each as soon as what it needs is ready, several
    at once on a machine with several cores (pipeline/parallel.py); the same files as one by one.
    Returns why the PDF edition was not built, if Typst cannot run here (the rest is built)."""
    from dataclasses import replace

    from .parallel import Task, default_jobs, run

    jobs = default_jobs() if jobs is None else jobs
    m = a.analysis
    charts_dir = a.tmp / "charts"
    # Charts depend only on the register, settings and code: reused from the cache when only prose or
    # templates changed. The cache is plain JSON plus the image files, each checked against its recorded
    # hash and shape before it is used: a damaged or tampered entry is drawn again, never published.
    cached = _read_chart_cache(a.chart_cache, charts_dir)
    if cached is not None:
        chart_tasks = [Task("charts", lambda done: cached, inline=True)]
    else:
        shutil.rmtree(charts_dir, ignore_errors=True)
        charts_dir.mkdir(parents=True, exist_ok=True)
        # The charts are independent of each other: one process per core shares them out by cost
        # (paper.charts.chart_parts), never more processes than there are charts.
        from .paper.charts import chart_count

        n = max(1, min(jobs, chart_count()))
        parts = [f"charts:{k + 1}" for k in range(n)] if n > 1 else []

        def draw(k: int):
            from .paper.charts import render_charts

            return render_charts(m.register, m.items, m.review, m.outlook, m.edition, m.config, charts_dir, (k, n),
                                 scenarios=m.scenarios, csp=m.csp, indexed=True)

        def gather(done):
            charts = dict(pair for p in parts for pair in done[p]) if parts else dict(draw(0))
            return keep(tuple(charts[i] for i in sorted(charts)))  # back in the paper's order

        def keep(charts):
            try:
                _write_chart_cache(a.chart_cache, charts)
            except OSError:
                pass  # the cache is an optimisation only
            return tuple(charts)

        def import_charts(done):
            from .paper import charts  # noqa: F401 - matplotlib, once, before the processes that draw are forked

        chart_tasks = [Task("charts:import", import_charts, inline=True),
                       *(Task(p, lambda done, k=k: draw(k), after=("charts:import",)) for k, p in enumerate(parts)),
                       Task("charts", gather, after=("charts:import", *parts), inline=True)]

    pdf_missing: list[str] = []

    def paper(done):
        from .paper.compose import compose

        names = a.names
        if "pdf" not in skip:
            # Asked here, not before the charts: by now Typst has been imported while they were drawn.
            from .writers.pdf import engine_problem

            problem = engine_problem()
            if problem:  # the other editions are still built; the paper links no PDF and the officer is told
                pdf_missing.append(problem)
                names = {k: v for k, v in names.items() if k != "pdf"}
        downloads = _downloads(names, a.changes)
        if m.scenarios:
            downloads = (*downloads, ("Funding scenarios (CSV)", "scenarios.csv"),
                         ("Funding by source and month under each scenario (CSV)", "scenario-funding.csv"))
        downloads = downloads + ((CSP_DOWNLOAD,) if m.csp else ())
        return compose(replace(m, charts=done["charts"], downloads=downloads), a.templates)

    def html(done):
        from .writers.html import write_fragment, write_html

        write_html(done["compose"], a.tmp / a.names["html"], a.templates)
        write_fragment(done["compose"], a.tmp / a.names["fragment"], a.templates)

    def word(done):
        from .writers.docx import write_docx

        write_docx(done["compose"], a.tmp / a.names["docx"], a.templates / "reference.docx")

    def pdf(done):
        if pdf_missing:
            return
        from .writers.pdf import write_pdf

        write_pdf(done["compose"], a.tmp / a.names["pdf"], a.templates)

    def exports(done):
        from .exports.calendar import write_schedule_ics
        from .exports.contracts import write_contracts_csv
        from .exports.giving360 import write_grants
        from .exports.schedule_csv import write_forward_plan_csv, write_schedule_csv

        tmp, names, config = a.tmp, a.names, m.config
        write_schedule_csv(tmp / names["csv"], m.items, m.review)
        write_forward_plan_csv(tmp / names["plan"], m.decisions)
        write_schedule_ics(tmp / names["ics"], m.decisions, m.edition, config.settings.organisation.name, a.calendar,
                           tmp / _RECORD)
        write_grants(tmp / names["grants_json"], tmp / names["grants_csv"], m.register, config)
        write_contracts_csv(tmp / names["contracts_csv"], m.register, config, _contract_dates(m.review))
        if m.scenarios:
            from .exports.scenarios_csv import write_funding_csv, write_scenarios_csv

            write_scenarios_csv(tmp / "scenarios.csv", m.scenarios)
            write_funding_csv(tmp / "scenario-funding.csv", m.scenarios)
        from .exports.performance_csv import write_performance_csv

        write_performance_csv(tmp / names["performance_csv"], m.performance)
        if m.csp is not None:
            from .exports.csp_csv import write_csp_csv

            write_csp_csv(tmp / CSP_DOWNLOAD[1], m.csp)
        if m.comparison is not None:
            from .exports.changes_csv import write_comparison_csv

            write_comparison_csv(m.comparison, tmp / f"changes-since-{m.previous.label}.csv")

    def workbook(done):  # its own stage: openpyxl takes seconds over a large register's 40,000 decisions
        from .exports.workbook import write_exports_workbook

        write_exports_workbook(a.tmp / a.names["exports_xlsx"], m)

    def logged(name: str, took: float) -> None:
        timings.append((name, took))
        log.info("%-9s %6.2f s", name, took)

    # In order of preference when cores are short: the charts and the paper are the longest path.
    tasks = [*chart_tasks, Task("exports", exports), Task("workbook", workbook),
             Task("compose", paper, after=("charts",), inline=True),
             Task("pdf", pdf, after=("compose",)), Task("word", word, after=("compose",)),
             Task("html", html, after=("compose",))]
    run([t for t in tasks if t.name not in skip], jobs, on_done=logged,
        while_waiting=lambda: _import_writers("pdf" not in skip))
    return pdf_missing[0] if pdf_missing else None


def _import_writers(pdf: bool = True) -> None:
    """While the charts are drawn elsewhere: import what composing and writing the paper use (Jinja2,
    markdown-it, python-docx, Typst), so that this is not done after the charts, when the paper
    waits on it."""
    from .paper import compose  # noqa: F401
    from .writers import docx, html  # noqa: F401

    if pdf:
        from .writers.pdf import engine_problem

        engine_problem()  # imports Typst, if it can


def _contract_dates(review) -> dict:
    """The contracts register's review date and latest end after options, per line id: the one place the
    exports read the schedule."""
    return {r.item.line.id: (r.review_start, r.latest_end) for r in review}


# What each published file is, as the web page's download list names it.
_DOWNLOAD_LABELS = {
    "docx": "Word edition", "pdf": "PDF edition", "csv": "Review schedule (CSV)", "plan": "Forward plan of decisions (CSV)",
    "ics": "Decision dates (calendar file)",
    "grants_json": "Grants as 360Giving data (JSON)", "grants_csv": "Grants as 360Giving data (CSV)",
    "contracts_csv": "Contracts register (CSV)",
    "exports_xlsx": "Forward plan, review schedule, contracts register and underspend (Excel workbook)",
    "performance_csv": "Performance and spend by service (CSV)",
}


# Built only for an edition with a csp-allocation.csv, so not among output_names (which every build has).
CSP_DOWNLOAD = ("Community Safety Partnership allocations (CSV)", "csp-allocation.csv")


def _downloads(names: dict[str, str], changes: str | bool) -> tuple[tuple[str, str], ...]:
    found = [(label, names[key]) for key, label in _DOWNLOAD_LABELS.items() if key in names]
    if changes:
        found.append(("Changes since the previous edition (CSV)", str(changes)))
    return tuple(found)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _check_target(target: Path) -> None:
    """The output folder must be ours to replace: new, empty, or a previous build of this tool."""
    for parent in (target, *target.parents):
        try:
            if parent.exists() and not parent.is_dir():
                where = "the output folder" if parent == target else f"{parent}, a folder on the output path,"
                raise InputError([Problem(str(target), None, None, "",
                                          f"{where} is a file, not a folder; choose another --out")])
            if parent.exists():
                break
        except PermissionError:
            break
    if target.is_dir() and any(target.iterdir()) and not (target / ".fingerprint").exists():
        raise InputError([Problem(str(target), None, None, "",
                                  "this output folder already holds files that were not built by this tool; "
                                  "choose an empty or new folder with --out so nothing of yours is replaced")])


def _os_problem(exc: OSError, target: Path) -> Problem:
    """A failure of the disk or the file system, in words; the previous build is always intact."""
    kept = f"{target} is as it was before this build" if target.exists() else "nothing was written"
    where = exc.filename or target
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        what = "the disk is full"
        todo = "free some space (build/ can be emptied with `invoke clean`) and build again"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        what = "permission was refused"
        todo = ("close the paper if it is open in Word or a browser, check you may write there, "
                "or choose another folder with --out")
    elif exc.errno == errno.EROFS:
        what = "the disk is read-only"
        todo = "choose another folder with --out"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        what = "a file stands where a folder is needed"
        todo = "choose another folder with --out, or move that file"
    else:
        what = exc.strerror or type(exc).__name__
        todo = "check the folder and build again"
    return Problem(str(where), None, None, "", f"the build stopped: {what}; {todo}. {kept}")


# --- the chart cache -------------------------------------------------------------------------

_CACHE_FORMAT = "charts-json-3"  # 2: print parts of tall charts are cached too; 3: the records are hashed


def _chart_key(register: Path, config_files: list[Path], edition: Edition) -> str:
    """Everything that shapes a chart: the register, the settings and the code (analysis, charts,
    input, formatting - all of pipeline/), plus the matplotlib version that draws them (read from its
    installed metadata: importing matplotlib takes longer than a build found up to date)."""
    from importlib.metadata import version

    code = _files_under(_PACKAGE, "*.py")
    extra = f"{_CACHE_FORMAT}|{edition.label}|matplotlib {version('matplotlib')}|python {sys.version_info[:2]}"
    return _digest([p for p in [register, *config_files, *code] if p.exists()], extra)


def _records_hash(records: object) -> str:
    return hashlib.sha256(json.dumps(records, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_chart_cache(cache: Path, charts) -> None:
    from .paper.chart_files import print_images

    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = cache.parent / f".{cache.name}.writing-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "files").mkdir(parents=True)
    records = []
    for chart in charts:
        record = {f.name: getattr(chart, f.name) for f in fields(chart) if f.name not in ("svg", "png", "data")}
        record["data"] = asdict(chart.data)
        for kind in ("svg", "png"):
            path = getattr(chart, kind)
            shutil.copyfile(path, staging / "files" / path.name)
            record[kind] = {"name": path.name, "sha256": _sha256(path), "size": path.stat().st_size}
        # A tall chart's print pages (<slug>.print-N.png) travel with it, checked like the rest.
        parts = [path for path in print_images(chart.png) if path != chart.png]
        for path in parts:
            shutil.copyfile(path, staging / "files" / path.name)
        record["print_parts"] = [{"name": path.name, "sha256": _sha256(path), "size": path.stat().st_size}
                                 for path in parts]
        records.append(record)
    # The recorded figures (titles, alt text, data tables) are checked like the images: by their hash.
    index = {"format": _CACHE_FORMAT, "charts": records, "charts_sha256": _records_hash(records)}
    (staging / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(cache, ignore_errors=True)
    try:
        staging.rename(cache)  # one step: another build never sees half an entry
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # a concurrent build wrote it first
    _prune_cache(cache.parent)


def _read_chart_cache(cache: Path, out_dir: Path):
    """The cached charts copied into out_dir and checked there (what is checked is what is published),
    or None when there is no entry or it fails any check."""
    from .paper.chart_files import print_part_path
    from .paper.charts import Chart
    from .paper.model import Column, Table

    index = cache / "index.json"
    if not _is_file(index):
        return None
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT or not isinstance(data.get("charts"), list):
            raise ValueError("unknown cache format")
        if data.get("charts_sha256") != _records_hash(data["charts"]):
            raise ValueError("the recorded charts do not match their recorded hash")
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        charts = []
        for record in data["charts"]:
            files = {}
            for kind in ("svg", "png"):
                entry = record[kind]
                name = entry["name"]
                if not isinstance(name, str) or Path(name).name != name or not name.endswith(f".{kind}"):
                    raise ValueError(f"bad file name {name!r}")
                copy = out_dir / name
                shutil.copyfile(cache / "files" / name, copy)
                if copy.stat().st_size != entry["size"] or _sha256(copy) != entry["sha256"]:
                    raise ValueError(f"{name} does not match its recorded hash")
                (_check_svg if kind == "svg" else _check_png)(copy)
                files[kind] = copy
            for n, entry in enumerate(record.get("print_parts", []), start=1):
                name = entry["name"]
                if name != print_part_path(files["png"], n).name:
                    raise ValueError(f"bad print part name {name!r}")
                copy = out_dir / name
                shutil.copyfile(cache / "files" / name, copy)
                if copy.stat().st_size != entry["size"] or _sha256(copy) != entry["sha256"]:
                    raise ValueError(f"{name} does not match its recorded hash")
                _check_png(copy)
            table = dict(record["data"])
            table["columns"] = tuple(Column(**c) for c in table["columns"])
            for key in ("rows", "totals"):
                table[key] = tuple(tuple(row) for row in table[key])
            chart_table = Table(**table)
            for row in (*chart_table.rows, *chart_table.totals, tuple(c.title for c in chart_table.columns)):
                if not all(isinstance(cell, str) for cell in row):
                    raise ValueError("a chart table cell is not text")
            plain = {k: v for k, v in record.items() if k not in ("svg", "png", "data", "print_parts")}
            if not all(isinstance(v, str) for v in plain.values()):
                raise ValueError("a chart's title or alt text is not text")
            charts.append(Chart(**plain, data=chart_table, svg=files["svg"], png=files["png"]))
        os.utime(cache)  # recently used: kept when the cache is pruned
        return tuple(charts)
    except Exception as exc:  # anything wrong with the entry: draw the charts again
        log.debug("chart cache %s not used: %s", cache.name, exc)
        shutil.rmtree(out_dir, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        return None


_SVG_UNSAFE = ("script", "foreignobject", "iframe", "object", "embed")


def _check_svg(path: Path) -> None:
    """A chart SVG is drawing only: no scripts, event handlers or links out of the file."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(path.read_bytes())
    if not root.tag.endswith("svg"):
        raise ValueError("not an SVG")
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1].lower()
        if tag in _SVG_UNSAFE:
            raise ValueError(f"<{tag}> in a chart")
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                raise ValueError(f"event handler {local} in a chart")
            if local == "href" and not (value.startswith("#") or value.startswith("data:image/")):
                raise ValueError(f"link {value[:40]!r} in a chart")


def _check_png(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as img:
        if img.format != "PNG":
            raise ValueError("not a PNG")
        img.verify()  # reads every chunk and checks its CRC: a truncated file fails here


def _remove_abandoned(target: Path) -> None:
    """Delete temporary folders left by builds that were killed (their process no longer exists)."""
    for leftover in target.parent.glob(f".{target.name}.building-*"):
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in target.parent.glob(f".{target.name}.old-*"):
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not alive(int(pid)) and target.exists():
            shutil.rmtree(leftover, ignore_errors=True)


def _prune_cache(cache_root: Path, keep: int = 8) -> None:
    """Keep the chart cache small: the most recently used entries only."""
    entries = sorted((p for p in cache_root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Put the new build at `target` in one atomic step, so `target` is never missing: a new folder is
    renamed into place; an existing one is exchanged with the new one (Linux renameat2, macOS
    renamex_np) and the old one, now at `tmp`, deleted. Where no exchange exists (Windows), two renames
    are the fallback, and the old build is put back if the second fails."""
    if not target.exists():
        try:
            tmp.rename(target)
            return
        except OSError:
            if not target.exists():
                raise
            # another build put its folder there meanwhile: exchange with it below
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    target.rename(old)
    try:
        tmp.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step. False when the system or file system cannot (nothing is changed)."""
    import ctypes

    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        fn = getattr(libc, "renameat2", None)
        if fn is None:
            return False
        at_fdcwd, rename_exchange = -100, 2
        done = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
    elif sys.platform == "darwin":
        libc = ctypes.CDLL(None, use_errno=True)
        fn = getattr(libc, "renamex_np", None)
        if fn is None:
            return False
        rename_swap = 0x2
        done = fn(os.fsencode(a), os.fsencode(b), rename_swap) == 0
    else:
        return False
    if done:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, getattr(errno, "EOPNOTSUPP", errno.ENOTSUP)):
        return False  # this file system cannot exchange: fall back
    raise OSError(code, os.strerror(code), str(b))


def build_all(force: bool = False, data_dir: Path = DATA_DIR, templates: Path = TEMPLATES,
              build_dir: Path = BUILD_DIR, draft: bool = False) -> list[BuildResult]:
    """Build every edition under data/, oldest first; each writes only its own build/<year>/."""
    return [build_edition(e.label, force=force, data_dir=data_dir, templates=templates, build_dir=build_dir,
                          draft=draft) for e in available_editions(data_dir)]
