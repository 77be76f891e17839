"""One cold build of an edition in this fresh process, for the benchmark: prints its timings as JSON.

    python -m benchmarks.build_once DATA_DIR BUILD_DIR [--jobs N] [--skip pdf]

What `invoke report --force --quiet` does, start-up included (invoke is imported and tasks.py loaded
as the command line does), but reading the edition from DATA_DIR (a synthetic one, or data/) and
writing into BUILD_DIR, whose chart cache starts empty, so the build is cold; and able to leave a
stage out (the PDF, which the notebook it is compared with does not make).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path


def _peak_mb(who: int) -> float:
    kb = resource.getrusage(who).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


def main(argv: list[str] | None = None) -> int:
    t0 = time.perf_counter()
    p = argparse.ArgumentParser(prog="python -m benchmarks.build_once")
    p.add_argument("data_dir", type=Path)
    p.add_argument("build_dir", type=Path)
    p.add_argument("--year", default="2024-25")
    p.add_argument("--jobs", type=int)
    p.add_argument("--skip", default="", help="stages to leave out, comma-separated (e.g. pdf)")
    p.add_argument("--no-invoke", action="store_true", help="leave out invoke's start-up")
    args = p.parse_args(argv)
    if not args.no_invoke:
        import logging

        from invoke import Collection

        import tasks

        Collection.from_module(tasks)
        logging.basicConfig(level=logging.WARNING, format="%(message)s", force=True)  # as --quiet
    from pipeline.build import build_edition
    from pipeline.parallel import default_jobs

    skip = tuple(s for s in args.skip.split(",") if s)
    result = build_edition(args.year, data_dir=args.data_dir, build_dir=args.build_dir, force=True, jobs=args.jobs,
                           skip=skip)
    print(json.dumps({
        "wall": time.perf_counter() - t0, "build": result.wall, "timings": result.timings,
        "jobs": args.jobs or default_jobs(), "self_mb": _peak_mb(resource.RUSAGE_SELF),
        "children_mb": _peak_mb(resource.RUSAGE_CHILDREN), "files": len(result.files),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
