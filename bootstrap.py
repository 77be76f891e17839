"""Set up the project in a virtual environment, with nothing but Python 3.11+ (standard library only).

    python3 bootstrap.py            # make .venv and install what `invoke report` needs (Windows: py bootstrap.py)
    python3 bootstrap.py --test     # the same, plus the test tools (`invoke test` does this by itself)

Debian 12 and other recent systems refuse `pip install` outside a virtual environment (PEP 668), and
a stock Debian may lack the venv module's pip (the python3-venv package). This script copes with both:
it makes .venv with pip when it can, else makes it without pip and installs pip into it with the
system's pip or, failing that, with the official get-pip.py. Nothing is installed system-wide.
It says what it is doing at each step, and pip's full output is kept in .venv/install.log.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
GET_PIP = "https://bootstrap.pypa.io/get-pip.py"


def venv_python(folder: Path = VENV) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def has_pip(python: Path) -> bool:
    return subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True).returncode == 0


def make_venv(folder: Path = VENV) -> Path:
    """A virtual environment with pip in it, by whichever way this machine allows."""
    python = venv_python(folder)
    if python.exists() and has_pip(python):
        return python
    try:
        import ensurepip  # noqa: F401 - missing on Debian without python3-venv

        venv.EnvBuilder(with_pip=True).create(folder)
    except (ImportError, subprocess.CalledProcessError):
        venv.EnvBuilder(with_pip=False, clear=True).create(folder)
    if not has_pip(python):
        add_pip(python)
    return python


def add_pip(python: Path) -> None:
    # The system's pip can install into another environment (pip 22.3+: --python) without touching the system.
    system = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "pip"])
    if system.returncode == 0 and has_pip(python):
        return
    print(f"Fetching pip from {GET_PIP} ...")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "get-pip.py"
            urllib.request.urlretrieve(GET_PIP, script)
            subprocess.run([str(python), str(script), "--quiet"], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        sys.exit(f"Could not put pip into {VENV} ({exc}). On Debian or Ubuntu run "
                 "`sudo apt-get install python3-venv`, then `python3 bootstrap.py` again.")


def _say(text: str) -> None:
    print(text, flush=True)


def install(python: Path, extras: str = "", log: Path | None = None, say=_say) -> None:
    """pip install the project (editable) with `extras`, one short line per package as it arrives."""
    log = log or VENV / "install.log"
    target = f".[{extras}]" if extras else "."
    command = [str(python), "-m", "pip", "install", "--progress-bar", "off", "-e", target]
    count = 0
    with log.open("a", encoding="utf-8") as record:
        record.write(f"$ {' '.join(command)}\n")
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   encoding="utf-8", errors="replace")
        assert process.stdout is not None
        for line in process.stdout:
            record.write(line)
            for prefix in ("Collecting ", "Requirement already satisfied: "):
                if line.startswith(prefix):
                    count += 1
                    say(f"  {count:>3}  {line[len(prefix):].split()[0]}")
        code = process.wait()
    if code:
        tail = "".join(log.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)[-25:])
        sys.exit(f"{tail}\nThe installation failed (pip exit code {code}); the full output is in {log}. "
                 "Check the internet connection and run the same command again.")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    test = "--test" in args
    print(f"1/3  Making the virtual environment {VENV} ...", flush=True)
    python = make_venv()
    print("2/3  Updating pip inside it ...", flush=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=False)
    what = "the paper's packages and the test tools" if test else "the packages the paper needs"
    print(f"3/3  Installing {what} (a few minutes the first time; one line per package):", flush=True)
    install(python, "test" if test else "")
    activate = r".venv\Scripts\activate" if os.name == "nt" else ". .venv/bin/activate"
    invoke = r".venv\Scripts\invoke" if os.name == "nt" else ".venv/bin/invoke"
    print(f"Done. Build the paper with `{invoke} report`, or type `{activate}` once per terminal and then "
          "plain `invoke report`.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
