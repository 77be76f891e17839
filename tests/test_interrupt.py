"""Ctrl+C during a build (issue 22, item 5): it says the build stopped, the previous build is as it
was, and the exit code is 130, as a shell expects of an interrupted command."""

from __future__ import annotations

import hashlib
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # whole builds, a browser or LibreOffice: left out of `invoke test --fast`

ROOT = Path(__file__).resolve().parent.parent
INVOKE = Path(sys.executable).parent / "invoke"


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_ctrl_c_during_a_build_says_so_leaves_the_build_as_it_was_and_exits_130(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = subprocess.run([str(INVOKE), "report", "--year", "2024-25", "--out", str(out), "--quiet"], cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    before = _hashes(out)

    # As a terminal does it: SIGINT to the whole process group, with SIGINT not ignored (a background
    # job of a non-interactive shell would inherit it ignored).
    build = subprocess.Popen([str(INVOKE), "report", "--year", "2024-25", "--out", str(out), "--force"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = b""
    deadline = time.monotonic() + 120
    while b"analysis" not in seen and time.monotonic() < deadline:  # the build is under way
        ready, _, _ = select.select([build.stdout], [], [], 1)
        if ready:
            seen += os.read(build.stdout.fileno(), 4096)
    assert b"analysis" in seen, seen.decode()
    os.killpg(build.pid, signal.SIGINT)
    rest, _ = build.communicate(timeout=120)
    text = (seen + rest).decode()

    assert build.returncode == 130, text
    assert f"Stopped (Ctrl+C): the build stopped before it finished; {out} is as it was before" in text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert _hashes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no half-built folder left behind
