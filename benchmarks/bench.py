"""How fast and how lean a build is, measured against the notebook an analyst would write instead.

    invoke bench                                   # 2024-25, dated 10,000 and 20,000 lines, today's 10,000
    invoke bench --check                           # exit 1 if a target is missed
    python -m benchmarks.bench --sizes 2000 --today 2000 --profile 2000   # smaller; cProfile one build

Everything is measured in one session, one after another, so the ratios compare like with like on
the same machine under the same load:

  baseline   benchmarks/notebook/register-notebook.ipynb, the team's shared baseline (a byte-for-byte
             copy of shared/bench/register-notebook.ipynb), copied beside the register under test and
             executed as a user would: `jupyter nbconvert --to html --execute` (pandas reads
             register.csv beside it, matplotlib draws four charts, two tables are shown, the page is
             exported as HTML), on the same register as the build it is compared with. The notebook
             names a kernel ("ceo") that need not exist here, so nbconvert is told to use this
             environment's Python kernel; the notebook itself is never edited.
  builds     `python -m benchmarks.build_once`: what `invoke report --force --quiet` does in a fresh
             process, Python's and invoke's start-up included, into an empty folder (so the chart cache
             is cold), every output written, the PDF edition included.
  2024-25    the real edition built so; then `invoke report` itself run twice into a new folder, the
             second time with nothing changed: the no-op.
  dated      registers from benchmarks/synthetic.py's `dated` profile: every line with a start, an end,
             extension options and often break dates, both sections, every status, none of the 2024-25
             lines or prose.
  today      the `today` profile (the 2024-25 lines plus generated ones, many undated), for comparison.

With --repeat N, each build and the notebook it is compared with run N times, taking turns, and the
quickest of each is kept: steadier figures on a machine busy with other work.

Memory: while a build runs, this process samples the resident memory of the build and of every
process it forked, every 20 ms, and records the highest sum of their proportional set sizes (Pss:
a page shared by several processes counts once, split among them), which is the memory they really
hold together. The sum of their Rss, which counts shared pages in every process that maps them, and
the exact peak of each process on its own are shown too.

Targets (issues 15 and 20), each a ratio from this one run, the whole `invoke report` (PDF included):
  - 10,000 dated lines cold: at most 0.5 x the notebook on the same register; peak memory under 400 MB;
  - 20,000 dated lines: at most 2 x the 10,000-line time;
  - the 2024-25 edition cold: at most 0.6 x the notebook on the 2024-25 register, its pdf stage at most 0.5 s;
  - a no-op rebuild (nothing changed): under 0.3 s.
With --no-pdf the builds leave the PDF edition out (quicker; the PDF target is then not measured).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2024-25"
NOTEBOOK = Path(__file__).resolve().parent / "notebook" / "register-notebook.ipynb"
SHARED_NOTEBOOK = ROOT.parent / "shared" / "bench" / "register-notebook.ipynb"  # the original, beside the repository
KERNEL = "python3"  # the notebook's own kernel name ("ceo") is the author's; run it on this environment's Python
BENCH_EXTRA = ("nbconvert", "nbclient", "ipykernel")
INSTALL_HINT = "pip install -e '.[bench]'"

DEFAULT_SIZES = (10000, 20000)
TARGET_10K_RATIO = 0.5
TARGET_10K_MB = 400.0
TARGET_SCALING = 2.0
TARGET_REAL_RATIO = 0.6
TARGET_NOOP_S = 0.3
TARGET_PDF_S = 0.5


# --- measuring a command ------------------------------------------------------------------------

def _tree(root: int) -> list[int]:
    """The process and every process descended from it (Linux /proc/<pid>/task/<tid>/children)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(Rss, Pss) of a process in kB. Pss shares each page among the processes that map it, so the Pss
    of a build and the processes it forked add up to the memory they really hold together."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
                    break
    except OSError:
        pass
    return rss, pss


@dataclass
class Run:
    wall: float
    peak_mb: float  # highest sampled sum of proportional resident memory (Pss) over the process tree
    rss_mb: float  # highest sampled sum of Rss: counts pages a forked process shares with its parent twice
    stdout: str
    stderr: str
    returncode: int
    cpu: float = 0.0  # user + system seconds of the command and everything it started


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(cmd: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT, interval: float = 0.02) -> Run:
    """Run a command; its wall time (process start to exit) and the peak resident memory of its tree."""
    peak = [0, 0]
    done = threading.Event()
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        while not done.is_set():
            sizes = [_memory_kb(p) for p in _tree(proc.pid)]
            peak[0] = max(peak[0], sum(pss for _, pss in sizes))
            peak[1] = max(peak[1], sum(rss for rss, _ in sizes))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    if sys.platform.startswith("linux"):
        sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    if sampler.is_alive():
        sampler.join()
    return Run(wall, peak[0] / 1024, peak[1] / 1024, out, err, proc.returncode, _children_cpu() - cpu0)


def best(runs: list[Run]) -> Run:
    """Of repeated runs, the quickest (the one least held up by whatever else the machine was doing)."""
    return min(runs, key=lambda r: r.wall)


def _check(run: Run, what: str) -> Run:
    if run.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {run.returncode}):\n{run.stderr[-4000:]}")
    return run


# --- the three kinds of run ---------------------------------------------------------------------

def notebook(register: Path, work: Path) -> Run:
    """The baseline: the notebook, copied beside a copy of the register (it reads register.csv from its
    own folder), executed and exported to HTML by nbconvert, as a user runs it."""
    out = work / "notebook"
    out.mkdir(parents=True, exist_ok=True)
    _copy_for_pandas(register, out / "register.csv")
    shutil.copyfile(NOTEBOOK, out / NOTEBOOK.name)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--execute", NOTEBOOK.name,
           f"--ExecutePreprocessor.kernel_name={KERNEL}", "--output-dir", str(out), "--output", "report"]
    run = _check(measure(cmd, env=env, cwd=out), "the notebook baseline")
    if not (out / "report.html").exists():
        raise RuntimeError("the notebook ran but wrote no HTML")
    return run


_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _copy_for_pandas(register: Path, dest: Path) -> None:
    """The register for the notebook: the same rows, with any day/month/year date written year-month-day.
    The synthetic registers mix both ways of writing a date, as officers do; the pipeline reads both,
    but the notebook's pd.to_datetime takes its format from the first date and stops at the other."""
    text = register.read_text(encoding="utf-8-sig")
    dest.write_text(_UK_DATE.sub(lambda m: f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}", text), encoding="utf-8")


def build_cold(data_dir: Path, build_dir: Path, jobs: int | None = None, skip: tuple[str, ...] = ()) -> tuple[Run, dict]:
    """A cold build of an edition (data_dir/2024-25) in a fresh process; its stage timings come back as JSON."""
    cmd = [sys.executable, "-m", "benchmarks.build_once", str(data_dir), str(build_dir)]
    if skip:
        cmd += ["--skip", ",".join(skip)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    run = _check(measure(cmd), f"the build of {data_dir}")
    return run, json.loads(run.stdout.strip().splitlines()[-1])


def build_real(work: Path, skip: tuple[str, ...] = ()) -> tuple[Run, dict, Run]:
    """The real edition: a cold build (chart cache empty, every output) in a fresh process, start-up
    included; then `invoke report` itself twice, the second time with nothing changed (the no-op)."""
    from pipeline.build import BUILD_DIR
    from pipeline.config import DATA_DIR

    run, info = build_cold(DATA_DIR, work / "cold", skip=skip)
    cache = BUILD_DIR / ".cache"
    had = {p.name for p in cache.iterdir()} if cache.is_dir() else set()
    cmd = [sys.executable, "-m", "invoke", "report", "--quiet", "--year", YEAR, "--out", str(work / "cli" / YEAR)]
    try:
        _check(measure(cmd), "invoke report on the 2024-25 edition")
        noop = _check(measure(cmd), "the no-op invoke report")
    finally:
        if cache.is_dir():  # leave build/.cache as it was
            for p in cache.iterdir():
                if p.name not in had:
                    shutil.rmtree(p, ignore_errors=True)
    return run, info, noop


def pdf_pages(build_dir: Path) -> int | None:
    """How many pages the PDF edition a build wrote under `build_dir` has (None: no PDF, or no pypdf)."""
    found = sorted(build_dir.rglob("*.pdf"))
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(str(found[0])).pages) if found else None


# --- the session --------------------------------------------------------------------------------

@dataclass
class Results:
    machine: str
    rows: list[dict] = field(default_factory=list)  # one per measurement, for the table
    targets: list[tuple[str, bool | None, str]] = field(default_factory=list)
    profile: str = ""


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((l.split(":", 1)[1].strip() for l in fh if l.startswith("model name")), cpu)
    except OSError:
        pass
    ram = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(next(l for l in fh if l.startswith("MemTotal")).split()[1])
        ram = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load average {os.getloadavg()[0]:.1f} at the start"
    return (f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}), "
            f"{cpu}{ram}; Python {platform.python_version()}{load}")


def missing_extra() -> list[str]:
    return [name for name in BENCH_EXTRA if importlib.util.find_spec(name) is None]


def session(sizes: list[int], today: list[int], seed: int, real: bool, pdf: bool, profile: int | None,
            stream, repeat: int = 1) -> Results:
    """Every measurement of one benchmark run. With repeat > 1 the build and the notebook are run in
    turn that many times, and the quickest of each is kept."""
    from .synthetic import write_edition

    res = Results(machine())
    repeat = max(1, repeat)
    skip = () if pdf else ("pdf",)

    def say(text: str) -> None:
        print(text, file=stream, flush=True)

    def row(what: str, run: Run, **extra) -> dict:
        return {"what": what, "wall": run.wall, "cpu": run.cpu, "mb": run.peak_mb, **extra}

    def build_row(what: str, run: Run, info: dict, **extra) -> dict:
        return row(what, run, stages=info["timings"], inside=info["wall"], self_mb=info["self_mb"],
                   children_mb=info["children_mb"], jobs=info["jobs"], **extra)

    with tempfile.TemporaryDirectory(prefix="cf-bench-") as tmp_name:
        work = Path(tmp_name)
        if real:
            say("2024-25: invoke report --force (cold chart cache), the no-op, and the notebook ...")
            from pipeline.config import DATA_DIR

            colds, noops, bases = [], [], []
            for k in range(repeat):
                cold, info, noop = build_real(work / f"real-{k}", skip)
                colds.append((cold, info))
                noops.append(noop)
                bases.append(notebook(DATA_DIR / YEAR / "register.csv", work / f"nb-real-{k}"))
            (cold, info), noop, base = min(colds, key=lambda ri: ri[0].wall), best(noops), best(bases)
            ratio = cold.wall / base.wall
            res.rows += [build_row("2024-25 edition: build, cold", cold, info, ratio=ratio,
                                   pages=pdf_pages(work / "real-0" / "cold")),
                         row("2024-25 edition: the notebook", base),
                         row("2024-25 edition: no-op invoke report", noop)]
            res.targets.append((f"2024-25 cold <= {TARGET_REAL_RATIO:g} x the notebook", ratio <= TARGET_REAL_RATIO,
                                f"{cold.wall:.2f} s / {base.wall:.2f} s = {ratio:.2f}"))
            took = dict(info["timings"]).get("pdf")
            res.targets.append((f"2024-25 pdf stage <= {TARGET_PDF_S:g} s",
                                None if took is None else took <= TARGET_PDF_S,
                                "not measured (--no-pdf)" if took is None else
                                f"{took:.2f} s ({pdf_pages(work / 'real-0' / 'cold')} pages)"))
            res.targets.append((f"no-op rebuild < {TARGET_NOOP_S:g} s", noop.wall < TARGET_NOOP_S,
                                f"{noop.wall:.2f} s (`invoke report` with nothing changed, start-up included)"))
        built: dict[int, Run] = {}
        for size in sizes:
            data = work / f"dated-{size}"
            write_edition(data, size, seed, profile="dated")
            say(f"{size:,} dated lines: the build (cold, fresh process) and the notebook ...")
            runs, bases = [], []
            for k in range(repeat):
                runs.append(build_cold(data, work / f"build-dated-{size}-{k}", skip=skip))
                bases.append(notebook(data / YEAR / "register.csv", work / f"nb-{size}-{k}"))
            run, info = min(runs, key=lambda ri: ri[0].wall)
            base = best(bases)
            built[size] = run
            ratio = run.wall / base.wall
            res.rows.append(build_row(f"{size:,} dated lines: build", run, info, ratio=ratio,
                                      pages=pdf_pages(work / f"build-dated-{size}-0")))
            res.rows.append(row(f"{size:,} dated lines: the notebook", base))
            if size == 10000:
                res.targets.append((f"10,000 dated lines cold <= {TARGET_10K_RATIO:g} x the notebook",
                                    ratio <= TARGET_10K_RATIO, f"{run.wall:.2f} s / {base.wall:.2f} s = {ratio:.2f}"))
                res.targets.append((f"10,000 dated lines peak memory < {TARGET_10K_MB:g} MB",
                                    run.peak_mb < TARGET_10K_MB,
                                    f"{run.peak_mb:.0f} MB, all processes together (Pss; their Rss added up, "
                                    f"counting shared pages in each: {run.rss_mb:.0f} MB; largest single process: "
                                    f"{max(info['self_mb'], info['children_mb']):.0f} MB)"))
        if 10000 in built and 20000 in built:
            ratio = built[20000].wall / built[10000].wall
            res.targets.append((f"20,000 dated lines <= {TARGET_SCALING:g} x 10,000", ratio <= TARGET_SCALING,
                                f"{built[20000].wall:.2f} s / {built[10000].wall:.2f} s = {ratio:.2f}"))
        for size in today:
            data = work / f"today-{size}"
            write_edition(data, size, seed, profile="today")
            say(f"{size:,} lines of today's profile: the build ...")
            run, info = min((build_cold(data, work / f"build-today-{size}-{k}", skip=skip) for k in range(repeat)),
                            key=lambda ri: ri[0].wall)
            res.rows.append(build_row(f"{size:,} lines, today's profile: build", run, info))
        if profile:
            data = work / f"profile-{profile}"
            write_edition(data, profile, seed, profile="dated")
            say(f"cProfile of {profile:,} dated lines, one stage after another ...")
            res.profile = profile_build(data, work / "build-profile")
    return res


def profile_build(data_dir: Path, build_dir: Path, top: int = 14) -> str:
    """cProfile of each stage of one build, run one after another in this process (jobs=1)."""
    import cProfile
    import io
    import pstats

    import pipeline.build as build

    prof = cProfile.Profile()
    prof.enable()
    result = build.build_edition(YEAR, data_dir=data_dir, build_dir=build_dir, force=True, jobs=1)
    prof.disable()
    buf = io.StringIO()
    buf.write("stages: " + ", ".join(f"{n} {t:.2f} s" for n, t in result.timings) + "\n")
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


# --- report -------------------------------------------------------------------------------------

def format_results(res: Results) -> str:
    lines = [f"Machine: {res.machine}", "",
             f"{'measurement':44} {'wall (s)':>9} {'cpu (s)':>8} {'peak MB':>8}  wall vs notebook"]
    for r in res.rows:
        ratio = f"  {r['ratio']:.2f} x" if "ratio" in r else ""
        lines.append(f"{r['what']:44} {r['wall']:9.2f} {r['cpu']:8.2f} {r['mb']:8.0f}{ratio}")
    stage_rows = [r for r in res.rows if "stages" in r]
    if stage_rows:
        lines += ["", "Stages of each build (seconds each took; stages overlap, several run at once):"]
        for r in stage_rows:
            stages = ", ".join(f"{n} {t:.2f}" for n, t in r["stages"])
            lines.append(f"  {r['what']} ({r['jobs']} at once; {r['inside']:.2f} s inside the process, peaks "
                         f"{r['self_mb']:.0f} MB build, {r['children_mb']:.0f} MB largest forked stage): {stages}")
    pdf_rows = [(r["what"], dict(r["stages"]).get("pdf"), r.get("pages")) for r in stage_rows]
    if any(t is not None for _, t, _ in pdf_rows):
        lines += ["", "The pdf stage of each build (Typst; part of the times above):"]
        lines += [f"  {what}: {took:.2f} s" + (f", {pages} pages" if pages else "")
                  for what, took, pages in pdf_rows if took is not None]
    mark = {True: "met   ", False: "MISSED", None: "n/a   "}
    lines += ["", "Targets (ratios from this run):", *(f"  [{mark[ok]}] {name}: {found}" for name, ok, found in res.targets)]
    if res.profile:
        lines += ["", res.profile]
    return "\n".join(lines)


def _sizes(text: str | None, default: tuple[int, ...] = ()) -> list[int]:
    if text is None:
        return list(default)
    return [int(s.replace("_", "").replace(",", "")) for s in str(text).split(",") if s.strip()]


def main(sizes=None, today=(), check: bool = False, seed: int = 2024, real: bool = True, pdf: bool = True,
         profile: int | None = None, stream=None, repeat: int = 1) -> int:
    """Run the benchmark and print the report. Returns the exit code: 2 if the bench extra is missing,
    1 if `check` and a target is missed, else 0."""
    stream = stream or sys.stdout
    missing = missing_extra()
    if missing:
        print(f"The benchmark runs a Jupyter notebook as its baseline, and {', '.join(missing)} "
              f"{'is' if len(missing) == 1 else 'are'} not installed. Install the bench extra:\n\n"
              f"    {INSTALL_HINT}\n", file=sys.stderr)
        return 2
    os.environ.setdefault("MPLBACKEND", "Agg")
    sizes = list(sizes) if isinstance(sizes, (list, tuple)) else _sizes(sizes, DEFAULT_SIZES)
    today = list(today) if isinstance(today, (list, tuple)) else _sizes(today)
    res = session(sizes, today, seed, real, pdf, profile, stream, repeat)
    print("", file=stream)
    print(format_results(res), file=stream)
    missed = [name for name, ok, _ in res.targets if ok is False]
    return 1 if (check and missed) else 0


def _cli(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                   help="dated register sizes, comma-separated (default: %(default)s)")
    p.add_argument("--today", default="10000", help="sizes of today's profile to build too (default: %(default)s; "
                                                     "'' for none)")
    p.add_argument("--check", action="store_true", help="exit with code 1 if a target is missed")
    p.add_argument("--seed", type=int, default=2024, help="seed of the synthetic registers")
    p.add_argument("--no-real", action="store_true", help="skip the real 2024-25 edition")
    p.add_argument("--no-pdf", action="store_true", help="leave the PDF edition out of the builds (the PDF target is not measured)")
    p.add_argument("--profile", type=int, metavar="SIZE", help="also print a cProfile of a dated build of this size")
    p.add_argument("--repeat", type=int, default=1, help="run each build and notebook this many times, in turn, "
                                                          "and keep the quickest of each (steadier on a busy machine)")
    args = p.parse_args(argv)
    return main(_sizes(args.sizes), _sizes(args.today), check=args.check, seed=args.seed, real=not args.no_real,
                pdf=not args.no_pdf, profile=args.profile, repeat=args.repeat)


if __name__ == "__main__":
    raise SystemExit(_cli())
