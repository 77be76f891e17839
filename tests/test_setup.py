"""Set-up on a clean machine: the README's two commands install into a virtual environment (Debian 12
refuses system-wide pip installs, PEP 668), and work even where the venv module has no pip."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def two_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Two commands", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]


def test_the_readme_sets_up_a_virtual_environment_and_runs_from_it():
    first, second = two_commands()
    assert first == "python3 bootstrap.py && .venv/bin/invoke report"
    assert second == ".venv/bin/invoke test"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ". .venv/bin/activate" in readme, "the README does not say how to activate the environment later"


def test_ci_installs_into_the_virtual_environment_never_system_wide():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [l.strip() for l in script.splitlines() if l.strip() and not l.strip().startswith("#")]
    assert "python3 bootstrap.py" in commands and ".venv/bin/invoke test" in commands
    assert not [c for c in commands if "pip install" in c or "pip3 install" in c], "a system-wide pip install"
    assert "apt-get install" in script  # the Debian packages the tests need are still installed


@pytest.mark.slow
def test_bootstrap_makes_a_virtual_environment_with_pip_even_without_ensurepip(tmp_path):
    # Debian without python3-venv has no ensurepip: the environment is made without pip and pip is
    # put into it by the system's own pip (pip --python), nothing installed system-wide.
    script = textwrap.dedent(f"""
        import sys
        sys.modules["ensurepip"] = None  # as on a stock Debian 12
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        import bootstrap
        python = bootstrap.make_venv(Path({str(tmp_path / "venv")!r}))
        print(python)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    python = Path(proc.stdout.strip().splitlines()[-1])
    assert python.is_relative_to(tmp_path)
    pip = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True, text=True)
    assert pip.returncode == 0 and str(tmp_path) in pip.stdout, pip.stdout + pip.stderr
