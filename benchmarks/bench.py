"""Time and memory of every build stage, on the real edition and on large synthetic registers.

    python -m benchmarks.bench                          # sizes 1000,10000,20000, report only
    python -m benchmarks.bench --sizes 500,5000 --check # exit 1 if a target is missed
    python -m benchmarks.bench --profile 10000          # also cProfile one size's build

Each measurement runs in a fresh Python process (so `maxrss` is that build's own peak and one
size's garbage never weighs on the next), building with pipeline.build.build_edition(force=True)
into an empty temporary build folder (so the chart cache is cold). Per size there are two passes:

  1. timing: wall time of each stage as build_edition reports it; `other` is the rest of the
     build (fingerprinting inputs, the atomic swap). On Linux the process's peak resident memory
     (VmHWM) is reset as each stage starts and read as it ends, giving each stage's own peak;
     `maxrss` is the highest of these (and getrusage's), i.e. the whole build's peak.
  2. memory: the same build again with tracemalloc on, recording the peak of Python-traced memory
     during each stage (tracemalloc slows the build, so its times are not used). Memory allocated
     outside Python's allocators (matplotlib's Agg buffers, lxml trees) is not traced: maxrss is
     the figure the target is checked against. --no-memory skips this pass (it is slow).

The real edition is also built once with `invoke report --force --quiet` (Python and invoke
start-up included, cold chart cache): that wall time is what the 2 s target is checked against.

Targets (from the project brief):
  - the real 2024-25 edition builds end to end in under 2 s;
  - 10,000 lines build in under 10 s with peak memory (maxrss) under 600 MB;
  - 20,000 lines take at most 2.2 times as long as 10,000 (no worse than roughly linear).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2024-25"
STAGES = ("load", "analysis", "charts", "compose", "html", "word", "exports")
DEFAULT_SIZES = (1000, 10000, 20000)
REAL = "2024-25"  # the worker key for the real edition

TARGET_REAL_S = 2.0
TARGET_10K_S = 10.0
TARGET_10K_MB = 600.0
TARGET_SCALING = 2.2


# --- one measurement, in a worker process ------------------------------------------------------

def _maxrss_mb(stage_peaks: dict[str, float] | None = None) -> float:
    """getrusage's maxrss; on Linux a VmHWM reset also lowers it, so the per-stage peaks are folded in."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    mb = kb / 1024 if sys.platform != "darwin" else kb / (1024 * 1024)
    return max([mb, *(stage_peaks or {}).values()])


@contextlib.contextmanager
def _traced_stage_patch(peaks: dict[str, float]):
    """Make build_edition's own stage timer also record tracemalloc's peak for each stage."""
    import pipeline.build as build

    original = build._stage  # noqa: SLF001 - the stage boundary is exactly what we measure

    @contextlib.contextmanager
    def stage(name, timings):
        tracemalloc.reset_peak()
        with original(name, timings):
            yield
        peaks[name] = max(peaks.get(name, 0.0), tracemalloc.get_traced_memory()[1] / 2**20)

    build._stage = stage  # noqa: SLF001
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()
        build._stage = original  # noqa: SLF001


def _rss_hwm_mb() -> float | None:
    """The process's peak resident memory since the last reset (Linux VmHWM), in MB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_rss_hwm() -> bool:
    """Reset VmHWM to the current resident size (Linux >= 4.0), so each stage's own peak can be read."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


@contextlib.contextmanager
def _rss_stage_patch(peaks: dict[str, float]):
    """Record the peak resident memory reached during each stage (all allocations, not only Python's)."""
    import pipeline.build as build

    original = build._stage  # noqa: SLF001

    before = _rss_hwm_mb()  # the peak so far: resetting per stage would otherwise lose it
    if before is not None:
        peaks["before build"] = before

    @contextlib.contextmanager
    def stage(name, timings):
        ok = _reset_rss_hwm()
        with original(name, timings):
            yield
        hwm = _rss_hwm_mb()
        if ok and hwm is not None:
            peaks[name] = max(peaks.get(name, 0.0), hwm)

    build._stage = stage  # noqa: SLF001
    try:
        yield
    finally:
        build._stage = original  # noqa: SLF001


def _warm_imports() -> None:
    """Import what the stages import lazily, so stage times measure work rather than imports."""
    import pipeline.paper.charts  # noqa: F401
    import pipeline.paper.compose  # noqa: F401
    import pipeline.exports.calendar  # noqa: F401
    import pipeline.writers.docx  # noqa: F401
    import pipeline.writers.html  # noqa: F401


def _build(data_dir: Path, build_dir: Path) -> tuple[float, dict[str, float]]:
    from pipeline.build import build_edition

    t0 = time.perf_counter()
    result = build_edition(YEAR, data_dir=data_dir, build_dir=build_dir, force=True)
    total = time.perf_counter() - t0
    stages: dict[str, float] = {}
    for name, took in result.timings:
        stages[name] = stages.get(name, 0.0) + took
    stages["other"] = max(0.0, total - sum(stages.values()))
    return total, stages


def measure(size: int | str, seed: int = 2024, memory: bool = True, profile: bool = False) -> dict:
    """Build one register (a synthetic one of `size` lines, or the real edition) and measure it."""
    with tempfile.TemporaryDirectory(prefix="cf-bench-") as tmp_name:
        tmp = Path(tmp_name)
        out: dict = {"size": size}
        if size == REAL:
            from pipeline.config import DATA_DIR

            data_dir = DATA_DIR
            # Cold: a fresh process, lazy imports included, as `invoke report --force` meets it.
            rss: dict[str, float] = {}
            with _rss_stage_patch(rss):
                out["total"], out["stages"] = _build(data_dir, tmp / "build-cold")
            out["maxrss_mb"] = _maxrss_mb(rss)
            out["rss_peak_mb"] = rss
            # Warm: the same process again (imports done), chart cache still cold.
            out["warm_total"], out["warm_stages"] = _build(data_dir, tmp / "build-warm")
            # The chart cache, as a second `invoke report --force` with unchanged data meets it.
            out["cached_total"], _ = _build(data_dir, tmp / "build-warm")
        else:
            from .synthetic import write_edition

            data_dir = tmp / "data"
            write_edition(data_dir, int(size), seed)
            _warm_imports()
            rss: dict[str, float] = {}
            with _rss_stage_patch(rss):
                out["total"], out["stages"] = _build(data_dir, tmp / "build-time")
            out["maxrss_mb"] = _maxrss_mb(rss)
            out["rss_peak_mb"] = rss
        if memory:
            peaks: dict[str, float] = {}
            with _traced_stage_patch(peaks):
                _build(data_dir, tmp / "build-memory")
            out["traced_peak_mb"] = peaks
        if profile:
            out["profile"] = _profile(data_dir, tmp / "build-profile")
        return out


def _profile(data_dir: Path, build_dir: Path, top: int = 15) -> str:
    """cProfile each stage of one build separately; print the hot functions of the slow stages."""
    import cProfile
    import io
    import pstats

    import pipeline.build as build

    profiles: dict[str, cProfile.Profile] = {}
    original = build._stage  # noqa: SLF001

    @contextlib.contextmanager
    def stage(name, timings):
        prof = profiles.setdefault(name, cProfile.Profile())
        with original(name, timings):
            prof.enable()
            try:
                yield
            finally:
                prof.disable()

    build._stage = stage  # noqa: SLF001
    try:
        result = build.build_edition(YEAR, data_dir=data_dir, build_dir=build_dir, force=True)
    finally:
        build._stage = original  # noqa: SLF001
    total = sum(t for _, t in result.timings)
    buf = io.StringIO()
    for name, took in sorted(result.timings, key=lambda nt: -nt[1]):
        if took < 0.1 * total or name not in profiles:
            continue
        buf.write(f"\n=== stage {name}: {took:.2f} s under the profiler ({took / total:.0%}) ===\n")
        stats = pstats.Stats(profiles[name], stream=buf)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


def measure_cli() -> float:
    """Wall time of `invoke report --force --quiet` on the real edition, process start included.

    The register is copied to a new path so the chart cache (keyed by the register's path and
    bytes) is cold; the cache entry this creates under build/.cache is removed afterwards.
    """
    from pipeline.build import BUILD_DIR
    from pipeline.config import DATA_DIR

    cache = BUILD_DIR / ".cache"
    had = {p.name for p in cache.iterdir()} if cache.is_dir() else set()
    with tempfile.TemporaryDirectory(prefix="cf-bench-cli-") as tmp_name:
        register = Path(tmp_name) / "register.csv"
        register.write_bytes((DATA_DIR / YEAR / "register.csv").read_bytes())
        cmd = [sys.executable, "-m", "invoke", "report", "--force", "--quiet", "--year", YEAR,
               "--register", str(register), "--out", str(Path(tmp_name) / "build" / YEAR)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        took = time.perf_counter() - t0
    if cache.is_dir():
        for p in cache.iterdir():
            if p.name not in had:
                shutil.rmtree(p, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError(f"invoke report failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return took


def _run_worker(size: int | str, seed: int, memory: bool, profile: bool, in_process: bool) -> dict:
    if in_process:
        return measure(size, seed, memory, profile)
    cmd = [sys.executable, "-m", "benchmarks.bench", "--worker", str(size), "--seed", str(seed)]
    if not memory:
        cmd.append("--no-memory")
    if profile:
        cmd.append("--profile-worker")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker for {size} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- report ------------------------------------------------------------------------------------

def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def format_table(results: list[dict]) -> str:
    cols = ["register", *STAGES, "other", "total", "maxrss"]
    widths = [16, *[9] * (len(STAGES) + 2), 9]
    lines = ["Wall time per stage (s), and the process's peak resident memory:",
             _row(cols, widths), _row(["-" * w for w in widths], widths)]
    for r in results:
        label = "2024-25 (real)" if r["size"] == REAL else f"{int(r['size']):,} lines"
        s = r["stages"]
        cells = [label, *[f"{s.get(n, 0.0):.2f}" for n in STAGES], f"{s.get('other', 0.0):.2f}",
                 f"{r['total']:.2f}", f"{r['maxrss_mb']:.0f} MB"]
        lines.append(_row(cells, widths))
        if r["size"] == REAL:
            lines.append(f"{'':16}  warm process (imports done): {r['warm_total']:.2f} s; "
                         f"with the chart cache: {r['cached_total']:.2f} s")
            if "cli_total" in r:
                lines.append(f"{'':16}  `invoke report --force --quiet` (Python and invoke start-up included, "
                             f"cold chart cache): {r['cli_total']:.2f} s")
    if any(r.get("rss_peak_mb") for r in results):
        lines += ["", "Peak resident memory of the process during each stage (MB, Linux VmHWM reset per stage):",
                  _row(["register", *STAGES], widths[:len(STAGES) + 1]),
                  _row(["-" * w for w in widths[:len(STAGES) + 1]], widths[:len(STAGES) + 1])]
        for r in results:
            if not r.get("rss_peak_mb"):
                continue
            label = "2024-25 (real)" if r["size"] == REAL else f"{int(r['size']):,} lines"
            p = r["rss_peak_mb"]
            lines.append(_row([label, *[f"{p.get(n, 0.0):.0f}" for n in STAGES]], widths[:len(STAGES) + 1]))
    if any("traced_peak_mb" in r for r in results):
        lines += ["", "Peak Python-traced memory during each stage (MB, tracemalloc):",
                  _row(["register", *STAGES], widths[:len(STAGES) + 1]),
                  _row(["-" * w for w in widths[:len(STAGES) + 1]], widths[:len(STAGES) + 1])]
        for r in results:
            if "traced_peak_mb" not in r:
                continue
            label = "2024-25 (real)" if r["size"] == REAL else f"{int(r['size']):,} lines"
            p = r["traced_peak_mb"]
            lines.append(_row([label, *[f"{p.get(n, 0.0):.1f}" for n in STAGES]], widths[:len(STAGES) + 1]))
    lines.append("")
    for r in results:
        stages = {k: v for k, v in r["stages"].items()}
        name, took = max(stages.items(), key=lambda kv: kv[1])
        label = "2024-25 (real)" if r["size"] == REAL else f"{int(r['size']):,} lines"
        lines.append(f"{label}: slowest stage is {name} ({took:.2f} s, {took / r['total']:.0%} of the build)")
    return "\n".join(lines)


def check_targets(results: list[dict]) -> list[tuple[str, bool | None, str]]:
    """(target, met or None when not measured, what was found)."""
    by_size = {r["size"]: r for r in results}
    out: list[tuple[str, bool | None, str]] = []
    real = by_size.get(REAL)
    if real is None:
        out.append((f"2024-25 end to end < {TARGET_REAL_S:g} s", None, "not measured"))
    else:
        # The officer's end to end is the command line, start-up included, when it was measured.
        wall = real.get("cli_total", real["total"])
        how = ("`invoke report --force`, start-up included, cold chart cache" if "cli_total" in real
               else "build_edition in a fresh process, cold chart cache")
        out.append((f"2024-25 end to end < {TARGET_REAL_S:g} s", wall < TARGET_REAL_S,
                    f"{wall:.2f} s ({how}; build_edition alone {real['total']:.2f} s)"))
    ten = by_size.get(10000)
    out.append((f"10,000 lines < {TARGET_10K_S:g} s", None if ten is None else ten["total"] < TARGET_10K_S,
                "not measured" if ten is None else f"{ten['total']:.2f} s"))
    out.append((f"10,000 lines peak memory < {TARGET_10K_MB:g} MB",
                None if ten is None else ten["maxrss_mb"] < TARGET_10K_MB,
                "not measured" if ten is None else f"maxrss {ten['maxrss_mb']:.0f} MB"))
    twenty = by_size.get(20000)
    if ten is None or twenty is None:
        out.append((f"20,000 lines <= {TARGET_SCALING:g} x 10,000", None, "not measured"))
    else:
        ratio = twenty["total"] / ten["total"]
        out.append((f"20,000 lines <= {TARGET_SCALING:g} x 10,000", ratio <= TARGET_SCALING,
                    f"{twenty['total']:.2f} s / {ten['total']:.2f} s = {ratio:.2f}x"))
    return out


def format_targets(targets: list[tuple[str, bool | None, str]]) -> str:
    mark = {True: "met   ", False: "MISSED", None: "n/a   "}
    return "\n".join(["Targets:", *(f"  [{mark[ok]}] {name}: {found}" for name, ok, found in targets)])


def _parse_sizes(sizes) -> list[int]:
    if sizes is None or sizes == "":
        return list(DEFAULT_SIZES)
    if isinstance(sizes, str):
        return [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()]
    if isinstance(sizes, int):
        return [sizes]
    return [int(s) for s in sizes]


def main(sizes=None, check: bool = False, seed: int = 2024, memory: bool = True, real: bool = True,
         profile: int | None = None, in_process: bool = False, stream=None) -> int:
    """Run the benchmark and print the report. Returns the exit code (1 only if `check` and a target is missed).

    `sizes` may be a list of ints or a comma-separated string such as "1000,10000,20000".
    """
    stream = stream or sys.stdout
    wanted: list[int | str] = ([REAL] if real else []) + _parse_sizes(sizes)
    results = []
    for size in wanted:
        label = "the real 2024-25 edition" if size == REAL else f"{size:,} synthetic lines"
        print(f"building {label} ...", file=stream, flush=True)
        results.append(_run_worker(size, seed, memory, profile == size, in_process))
        if size == REAL:
            print("running `invoke report --force` on the real edition ...", file=stream, flush=True)
            results[-1]["cli_total"] = measure_cli()
    print("", file=stream)
    print(format_table(results), file=stream)
    targets = check_targets(results)
    print("", file=stream)
    print(format_targets(targets), file=stream)
    for r in results:
        if "profile" in r:
            print(f"\ncProfile of the {r['size']:,}-line build:\n{r['profile']}", file=stream)
    if in_process:
        print("\n(note: --in-process: maxrss is the whole process's peak so far, not one build's)", file=stream)
    missed = [name for name, ok, _ in targets if ok is False]
    return 1 if (check and missed) else 0


def _cli(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                   help="comma-separated register sizes in lines (default: %(default)s)")
    p.add_argument("--check", action="store_true", help="exit with code 1 if a target is missed")
    p.add_argument("--seed", type=int, default=2024, help="seed of the synthetic registers")
    p.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass (faster)")
    p.add_argument("--no-real", action="store_true", help="skip the real 2024-25 edition")
    p.add_argument("--profile", type=int, metavar="SIZE", help="also print a cProfile of the build of this size")
    p.add_argument("--in-process", action="store_true", help="measure in this process instead of one per size")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--profile-worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        size = args.worker if args.worker == REAL else int(args.worker)
        result = measure(size, args.seed, not args.no_memory, args.profile_worker)
        sys.stdout.write(json.dumps(result) + "\n")
        return 0
    return main(args.sizes, check=args.check, seed=args.seed, memory=not args.no_memory, real=not args.no_real,
                profile=args.profile, in_process=args.in_process)


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    raise SystemExit(_cli())
