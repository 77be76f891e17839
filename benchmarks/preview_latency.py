"""How long the preview takes to show a saved change to the 2024-25 prose (issue 22: about 2 s).

    python -m benchmarks.preview_latency [--saves 5]

On a copy of data/, it starts the preview as `invoke preview` does (server, watcher, HTML-only draft
builds into build/preview/<year>/), saves a one-word change to the introduction, and times each
save until the rebuild has finished. The page asks for the rebuild count every POLL_MS, so a
browser shows the change at most that much later: both are printed, and their sum is the figure to
compare with 2 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from pipeline.config import DATA_DIR
from pipeline.cycle.preview import POLL_MS, STATUS_PATH, build_preview, serve
from pipeline.template_files import TEMPLATES

YEAR = "2024-25"


def _version(port: int) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{STATUS_PATH}", headers={"Host": "localhost"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return int(json.loads(response.read())["version"])


def measure(saves: int = 5, port: int = 0) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="preview-latency-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(DATA_DIR, data)
        build = Path(tmp) / "build"
        prose = data / YEAR / "prose" / "introduction.md"
        original = prose.read_text(encoding="utf-8")
        if not port:
            import socket

            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
        stop = threading.Event()
        thread = threading.Thread(
            target=serve, args=(build / "preview" / YEAR, [data / YEAR, data / "config.toml", TEMPLATES],
                                lambda: build_preview(YEAR, build, data_dir=data)),
            kwargs={"port": port, "page": f"commissioning-framework-{YEAR}.html", "stop_event": stop}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if _version(port) >= 1:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        time.sleep(1.0)  # the watcher starts after the first build
        times = []
        try:
            for n in range(saves):
                seen = _version(port)
                started = time.perf_counter()
                prose.write_text(original.replace("commissions", f"commissions{'' if n % 2 else ' now'}", 1),
                                 encoding="utf-8")
                while _version(port) == seen and time.perf_counter() - started < 60:
                    time.sleep(0.02)
                times.append(time.perf_counter() - started)
                time.sleep(0.5)
        finally:
            stop.set()
            thread.join(timeout=30)
        return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=5)
    args = parser.parse_args()
    times = measure(args.saves)
    poll = POLL_MS / 1000
    print(f"save -> rebuilt: {', '.join(f'{t:.2f}' for t in times)} s (median {sorted(times)[len(times) // 2]:.2f} s); "
          f"the page polls every {poll:.1f} s, so it shows the change within "
          f"{sorted(times)[len(times) // 2] + poll:.2f} s (median, at worst)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
