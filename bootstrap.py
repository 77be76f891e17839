"""Set up the project in a virtual environment, with nothing but Python 3.11+ (standard library only).

    python3 bootstrap.py            # make .venv and install the project and its test tools into it

Debian 12 and other recent systems refuse `pip install` outside a virtual environment (PEP 668), and
a stock Debian may lack the venv module's pip (the python3-venv package). This script copes with both:
it makes .venv with pip when it can, else makes it without pip and installs pip into it with the
system's pip or, failing that, with the official get-pip.py. Nothing is installed system-wide.
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


def main() -> int:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    python = make_venv()
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=False)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-e", ".[test]"], cwd=ROOT, check=True)
    activate = r".venv\Scripts\activate" if os.name == "nt" else ". .venv/bin/activate"
    print(f"Installed into {VENV}. Run tasks with .venv/bin/invoke, or type `{activate}` once per terminal "
          "and then plain `invoke ...`.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
