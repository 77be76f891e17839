"""How long and how much memory each hostile input of issue 23 costs before it is refused or built.

    python -m benchmarks.hostile                 # every case, one fresh process each
    python -m benchmarks.hostile --check         # exit 1 if a case misses its target
    python -m benchmarks.hostile --case sum-2000 # one case

The test suite (tests/test_hostile.py) checks that each case is refused with its message, or builds,
but asserts no wall-clock time: this measures them. Each case runs in a fresh Python process on a
private copy of data/ (Python's start-up and imports included); the parent records the wall time and
the process's peak resident memory (its own and its children's, from the operating system).

Target for every case (issue 23): finish within [limits] prose_seconds (5 s) plus a few seconds, and
within 500 MB. A case that builds is measured against the unchanged edition built the same way in the
same run ("baseline"): at most its time plus 5 + 5 s; a case that only loads and checks, within 5 + 5 s.
Builds leave the PDF edition out (the PDF engine is measured by the main benchmark).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2024-25"
TARGET_SECONDS = 5 + 5  # prose_seconds, plus a few
TARGET_MB = 500


def _prose(name: str, text: str) -> Callable[[Path], None]:
    def change(data: Path) -> None:
        (data / YEAR / "prose" / name).write_text(text, encoding="utf-8")
    return change


def _settings(text: str) -> Callable[[Path], None]:
    def change(data: Path) -> None:
        (data / YEAR / "config.toml").write_text(text, encoding="utf-8")
    return change


def _styled_workbook(rows: int) -> Callable[[Path], None]:
    """The register as a workbook with one styled empty cell in column XFD on each of `rows` rows."""
    def change(data: Path) -> None:
        import csv

        import openpyxl
        from openpyxl.styles import PatternFill

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Register"
        register = data / YEAR / "register.csv"
        with register.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                ws.append(row)
        fill = PatternFill("solid", fgColor="FFFF00")
        for r in range(1, rows + 1):
            ws.cell(row=r, column=16_384).fill = fill
        wb.save(data / YEAR / "register.xlsx")
        register.unlink()
    return change


def _huge_prose_files(data: Path) -> None:
    for name in ("video.mp4", "huge.md"):  # sparse: 3 GB each on paper
        with (data / YEAR / "prose" / name).open("wb") as fh:
            fh.truncate(3 * 1024 ** 3)


# name -> (how the data folder is changed, what runs: "check" (load and check), "build" (no PDF))
CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "baseline": (lambda data: None, "build"),  # the unchanged edition: what every build case is measured against
    "sum-300": (_prose("outlook.md", "{{ ([[0]*100000]*300)|sum(start=[])|length }}\n"), "build"),
    "sum-2000": (_prose("outlook.md", "{{ ([[0]*100000]*2000)|sum(start=[])|length }}\n"), "build"),
    "doubling": (_prose("outlook.md", "{% set ns = namespace(x=[0]) %}{% for i in range(100000) %}"
                                      "{% set ns.x = [ns.x, ns.x] %}{% endfor %}{{ ns.x }}\n"), "build"),
    "headings-2000": (_prose("additional.md", "".join(f"### Heading {i}\n\n" for i in range(2000))), "build"),
    "headings-20000-same": (_prose("additional.md", "".join(f"### Same\n\nText {i}.\n\n" for i in range(20_000))),
                            "build"),
    # The same with [limits] prose_headings raised to let them through: composing and writing them.
    "headings-20000-allowed": (lambda data: (_settings("[limits]\nprose_headings = 20000\n")(data),
                                             _prose("additional.md", "".join(f"### Same\n\nText {i}.\n\n"
                                                                             for i in range(20_000)))(data)), "build"),
    "workbook-xfd-20000": (_styled_workbook(20_000), "check"),
    "workbook-xfd-90000": (_styled_workbook(90_000), "check"),
    "subject-width": (_settings('[paper]\nsubject = "{name:>300000000}"\n'), "check"),
    "prose-folder-3gb": (_huge_prose_files, "build"),
}


def _child(case: str, data: Path, out: Path) -> int:
    """Run one case in this process: 0 built or checked, 2 refused (as the command line exits)."""
    from pipeline.build import build_edition, load_edition
    from pipeline.problems import InputError

    try:
        if CASES[case][1] == "check":
            load_edition(YEAR, data_dir=data)
        else:
            build_edition(YEAR, data_dir=data, out=out, force=True, build_dir=out.parent / "cache", skip=("pdf",))
    except InputError as exc:
        print(exc.report().splitlines()[-1][:200])
        return 2
    return 0


def measure(case: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="hostile-bench-") as scratch:
        data = Path(scratch) / "data"
        data.mkdir()
        shutil.copy(ROOT / "data" / "config.toml", data / "config.toml")
        shutil.copytree(ROOT / "data" / YEAR, data / YEAR)
        CASES[case][0](data)
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "benchmarks.hostile", "--child", case, "--data", str(data),
                                 "--out", str(Path(scratch) / "out" / YEAR)], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        output = proc.communicate()[0]
        wall = time.perf_counter() - t0
        # The child's own peak; its forked chart processes are counted by RUSAGE_CHILDREN in the child
        # itself, so the peak of the two is the most any one process held.
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    mb = peak_kb / 1024 if sys.platform != "darwin" else peak_kb / 1024 / 1024
    return {"case": case, "exit": proc.returncode, "seconds": round(wall, 2), "peak_mb": round(mb),
            "kind": CASES[case][1], "said": output.strip().splitlines()[-1][:160] if output.strip() else ""}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--child")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.data, args.out)
    results = []
    baseline = 0.0
    for case in ["baseline", *(c for c in (args.case or CASES) if c != "baseline")]:
        # One case at a time in its own process: RUSAGE_CHILDREN is a high-water mark over all children,
        # so each is measured by a fresh parent.
        proc = subprocess.run([sys.executable, "-c", f"import json, benchmarks.hostile as h; "
                               f"print(json.dumps(h.measure({case!r})))"], cwd=ROOT, capture_output=True, text=True)
        result = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else \
            {"case": case, "exit": None, "said": proc.stderr[-300:]}
        if case == "baseline":
            baseline = result.get("seconds", 0.0)
        target = TARGET_SECONDS + (baseline if result.get("kind") == "build" else 0.0)
        result["ok"] = (result.get("exit") in (0, 2) and result["seconds"] <= target
                        and result["peak_mb"] <= TARGET_MB)
        results.append(result)
        print(f"{case:<22} exit {result.get('exit')}  {result.get('seconds', '?'):>7} s  {result.get('peak_mb', '?'):>5} MB"
              f"  {'ok' if result['ok'] else 'MISSED'}  {result.get('said', '')}", flush=True)
    missed = [r["case"] for r in results if not r["ok"]]
    print(f"targets: {TARGET_SECONDS} s (builds: the baseline's {baseline} s plus that) and {TARGET_MB} MB per case; "
          + (f"missed by {', '.join(missed)}" if missed else "all met"))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
