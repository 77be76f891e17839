"""Orchestration: find the edition's inputs, run the stages, write the outputs."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .analysis.classify import classify, override_warnings
from .paper.compose import TEMPLATES, Analysis, compose
from .config import DATA_DIR, Config, load_config
from .edition import Edition, available_editions, parse_edition
from .formatting import money, plural
from .input.paper_settings import read_paper_settings
from .input.load import ACTION_COLUMN, load_register, normalise_header, pending_actions, register_path
from .analysis.outlook import outlook
from .problems import InputError, Problem
from .input.register import Register
from .analysis.dates import paper_date
from .analysis.schedule import decision_points, schedule

ROOT = DATA_DIR.parent


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
    return edition, config, load_register(path, config)


def summary(edition: Edition, config: Config, reg: Register) -> str:
    out = [f"{reg.source}: {plural(len(reg), 'line')} for {edition.label} - all valid."]
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
    return "\n".join(out)


def analysis_notes(edition: Edition, config: Config, reg: Register) -> list[str]:
    """What the officer should know before the paper is built: register gaps and unexplained acronyms."""
    from .analysis.classify import classify, data_gaps
    from .paper.glossary import unknown_acronyms

    notes = []
    for what, lines in data_gaps(classify(reg, edition, config), config):
        ids = ", ".join(l.id for l in lines[:12]) + (", ..." if len(lines) > 12 else "")
        notes.append(f"{what}: {len(lines)} ({ids}); they still build, and the paper names them in its "
                     "data quality section")
    glossary = config.raw.get("glossary", {})
    ignore = config.raw.get("glossary_settings", {}).get("ignore", [])
    for word, ids in unknown_acronyms(reg, glossary, ignore).items():
        notes.append(f"{word} (in {', '.join(ids[:6])}{', ...' if len(ids) > 6 else ''}) is not in the [glossary] of "
                     "config.toml: add what it stands for, or add it to [glossary_settings] ignore")
    return notes


def check_register(year: str | None = None, register: str | Path | None = None, data_dir: Path = DATA_DIR) -> str:
    edition, config, reg = load_edition(year, register, data_dir)
    return summary(edition, config, reg)


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


@contextmanager
def _stage(name: str, timings: list[tuple[str, float]]):
    t0 = time.perf_counter()
    yield
    took = time.perf_counter() - t0
    timings.append((name, took))
    if name != "load":  # logged once we know the build goes ahead, so "up to date" stands alone
        log.info("%-9s %6.2f s", name, took)


def _digest(paths: list[Path], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        h.update(str(p).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _files_under(folder: Path, pattern: str = "*") -> list[Path]:
    return [p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts] if folder.exists() else []


def output_names(edition: Edition) -> dict[str, str]:
    return {
        "docx": f"commissioning-framework-{edition.label}.docx",
        "html": f"commissioning-framework-{edition.label}.html",
        "pdf": f"commissioning-framework-{edition.label}.pdf",
        "csv": "review-schedule.csv",
        "ics": "review-schedule.ics",
        "plan": "forward-plan.csv",
        "grants_json": "grants-360giving.json",
        "grants_csv": "grants-360giving.csv",
        "contracts_csv": "contracts-register.csv",
    }


def previous_register(edition: Edition, data_dir: Path) -> tuple[Edition, Config, Register] | None:
    prev = edition.previous()
    if not (data_dir / prev.label).is_dir():
        return None
    config = load_config(prev.label, data_dir)
    return prev, config, load_register(register_path(prev, config, None, data_dir), config)


def build_edition(year: str | None = None, register: str | Path | None = None, out: str | Path | None = None,
                  force: bool = False, data_dir: Path = DATA_DIR, templates: Path = TEMPLATES,
                  build_dir: Path = BUILD_DIR, draft: bool = False) -> BuildResult:
    """Build one edition into build/<year>/ (or `out`), atomically: all outputs or none.

    An edition with unresolved new-year actions is refused unless `draft`, which marks the paper as a draft.
    """
    timings: list[tuple[str, float]] = []
    with _stage("load", timings):
        edition, config, reg = load_edition(year, register, data_dir)
        pending = pending_actions(reg)
        if pending and not draft:
            column = next(k for k, _ in pending[0].extra if normalise_header(k) == ACTION_COLUMN)
            raise InputError([Problem(reg.source, l.row, column, dict(l.extra)[column],
                                      "this new-year action is not resolved yet: act on it and clear the cell, "
                                      "or build a draft with --draft") for l in pending])
        prev = previous_register(edition, data_dir)
        from .exports.transparency import transparency_gaps

        gaps = transparency_gaps(reg, config)  # also checks the [transparency] settings before any work
    target = Path(out) if out else build_dir / edition.label
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not (target / ".fingerprint").exists())):
        raise InputError([Problem(str(target), None, None, "",
                                  "this output folder already holds files that were not built by this tool; "
                                  "choose an empty or new folder with --out so nothing of yours is replaced")])
    reg_path = Path(reg.source)
    prose_dir = data_dir / edition.label / config["paper"].get("prose_dir", "prose")
    chart_inputs = [reg_path, data_dir / "config.toml", *_files_under(data_dir / edition.label, "config.toml"),
                    _PACKAGE / "paper" / "charts.py"]
    chart_key = _digest([p for p in chart_inputs if p.exists()], edition.label)
    inputs = [*chart_inputs, *_files_under(prose_dir), *_files_under(templates), *_files_under(_PACKAGE, "*.py")]
    if prev:
        inputs.append(Path(prev[2].source))
    fingerprint = _digest([p for p in inputs if p.exists()], edition.label + str(target) + ("draft" if pending else ""))
    stamp = target / ".fingerprint"
    names = output_names(edition)
    if not force and stamp.exists() and stamp.read_text() == fingerprint and all((target / n).exists() for n in names.values()):
        log.info("%s is up to date (nothing changed since the last build; use --force to rebuild)", target)
        return BuildResult(edition, target, tuple(target / n for n in names.values()), True, (), tuple(timings))

    log.info("%-9s %6.2f s", *timings[0])
    with _stage("analysis", timings):
        items = classify(reg, edition, config)
        points = decision_points(items, edition, config)
        review = schedule(items, edition, config, points=points)
        look = outlook(reg, edition, config, items)
        comparison = None
        if prev:
            from .analysis.compare import compare

            prev_items = classify(prev[2], prev[0], prev[1])
            comparison = compare(prev[2], reg, {c.line.id: c.category for c in prev_items},
                                 {c.line.id: c.category for c in items}, {c.line.id: c.reason for c in items},
                                 paper_date(edition, config), paper_date(prev[0], prev[1]))

    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(target)
    tmp = target.parent / f".{target.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        with _stage("charts", timings):
            charts = _charts(reg, items, review, look, edition, config, tmp / "charts", build_dir / ".cache" / chart_key)
        downloads = _downloads(names, comparison is not None and f"changes-since-{prev[0].label}.csv")
        analysis = Analysis(edition, config, reg, items, review, look, charts, comparison,
                            prev[0] if prev else None, data_dir, pending, points,
                            read_paper_settings(data_dir / edition.label), downloads)
        with _stage("compose", timings):
            doc = compose(analysis, templates)
        with _stage("html", timings):
            from .writers.html import write_html

            write_html(doc, tmp / names["html"], templates)
        with _stage("word", timings):
            from .writers.docx import write_docx

            write_docx(doc, tmp / names["docx"], templates / "reference.docx")
        with _stage("pdf", timings):
            from .writers.pdf import write_pdf

            write_pdf(doc, tmp / names["pdf"], templates)
        with _stage("exports", timings):
            from .exports.calendar import write_schedule_ics
            from .exports.schedule_csv import write_forward_plan_csv, write_schedule_csv

            write_schedule_csv(tmp / names["csv"], items, review)
            write_forward_plan_csv(tmp / names["plan"], points)
            write_schedule_ics(tmp / names["ics"], points, edition, config["organisation"]["name"])
            from .exports.contracts import write_contracts_csv
            from .exports.giving360 import write_grants

            write_grants(tmp / names["grants_json"], tmp / names["grants_csv"], reg, config)
            write_contracts_csv(tmp / names["contracts_csv"], reg, config, _contract_dates(review))
            if comparison is not None:
                from .exports.changes_csv import write_comparison_csv

                write_comparison_csv(comparison, tmp / f"changes-since-{prev[0].label}.csv")
        (tmp / ".fingerprint").write_text(fingerprint)
        _swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    warnings = (*reg.warnings, *override_warnings(items))
    for gap in gaps:
        log.info("note: %s", gap)
    files = tuple(sorted(p for p in target.rglob("*") if p.is_file() and p.name != ".fingerprint"))
    return BuildResult(edition, target, files, False, warnings, tuple(timings), tuple(gaps))


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
}


def _downloads(names: dict[str, str], changes: str | bool) -> tuple[tuple[str, str], ...]:
    found = [(label, names[key]) for key, label in _DOWNLOAD_LABELS.items() if key in names]
    if changes:
        found.append(("Changes since the previous edition (CSV)", str(changes)))
    return tuple(found)


def _charts(reg, items, review, look, edition, config, out_dir: Path, cache: Path):
    """Charts depend only on the register and settings: reuse them when only prose or templates changed."""
    from .paper.charts import Chart, render_charts

    index = cache / "charts.pickle"
    if index.exists():
        try:
            cached = pickle.loads(index.read_bytes())
            shutil.copytree(cache / "files", out_dir)
            os.utime(cache)  # recently used: kept when the cache is pruned
            return tuple(Chart(**{**c, "svg": out_dir / c["svg"], "png": out_dir / c["png"]}) for c in cached)
        except Exception:  # a stale or damaged cache is simply rebuilt
            shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = render_charts(reg, items, review, look, edition, config, out_dir)
    try:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(out_dir, cache / "files")
        records = [{**c.__dict__, "svg": c.svg.name, "png": c.png.name} for c in charts]
        index.write_bytes(pickle.dumps(records))
        _prune_cache(cache.parent)
    except OSError:
        pass  # the cache is an optimisation only
    return charts


def _remove_abandoned(target: Path) -> None:
    """Delete temporary folders left by builds that were killed (their process no longer exists)."""
    for leftover in target.parent.glob(f".{target.name}.building-*"):
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in target.parent.glob(f".{target.name}.old-*"):
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)) and target.exists():
            shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prune_cache(cache_root: Path, keep: int = 8) -> None:
    """Keep the chart cache small: the most recently used entries only."""
    entries = sorted((p for p in cache_root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Replace the previous build in one step; a failure before this point leaves it untouched."""
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def build_all(force: bool = False, data_dir: Path = DATA_DIR, templates: Path = TEMPLATES,
              build_dir: Path = BUILD_DIR, draft: bool = False) -> list[BuildResult]:
    """Build every edition under data/, oldest first; each writes only its own build/<year>/."""
    return [build_edition(e.label, force=force, data_dir=data_dir, templates=templates, build_dir=build_dir,
                          draft=draft) for e in available_editions(data_dir)]
