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
    section = readme.split("### Linux, and the two commands", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]


def test_the_readme_sets_up_a_virtual_environment_and_runs_from_it():
    first, second = two_commands()
    assert first == "python3 bootstrap.py && .venv/bin/invoke report"
    assert second == ".venv/bin/invoke test"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ". .venv/bin/activate" in readme, "the README does not say how to activate the environment later"


def test_the_readme_opens_with_the_officers_guide_for_windows_and_macos():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^(#{2,3}) (.+)$", readme, re.M)
    assert headings[0] == ("##", "Officer's guide")  # the first thing after the title and one paragraph
    guide = readme.split("## Officer's guide", 1)[1].split("\n## ", 1)[0]
    for sub in ("Windows", "macOS", "Linux, and the two commands", "The PDF edition"):
        assert ("###", sub) in headings
    windows = guide.split("### Windows", 1)[1].split("###", 1)[0]
    assert "python.org" in windows and "py bootstrap.py" in windows and "Add python.exe to PATH" in windows
    macos = guide.split("### macOS", 1)[1].split("###", 1)[0]
    assert "python.org" in macos and "python3 bootstrap.py" in macos
    assert "needs nothing extra on Windows, macOS or Linux" in guide
    assert "about 20 minutes" in guide  # how long `invoke test` takes
    assert "[docs/developers.md](docs/developers.md)" in readme
    developers = (ROOT / "docs" / "developers.md").read_text(encoding="utf-8")
    assert "## Design" in developers and "## Speed" in developers and "## For developers" not in developers
    assert "## Speed" not in readme


def test_ci_installs_into_the_virtual_environment_never_system_wide():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [l.strip() for l in script.splitlines() if l.strip() and not l.strip().startswith("#")]
    assert "python3 bootstrap.py" in commands and ".venv/bin/invoke test" in commands
    assert commands.index("python3 bootstrap.py") < commands.index(".venv/bin/invoke test")
    assert "pip wheel -v" in script and "deprecat" in script  # the packaging check
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


def _build_log(project: Path, out: Path) -> tuple[int, str]:
    """Build the project as pip does when installing it, with the build backend's own output shown (-v)."""
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(out), str(project)],
                          capture_output=True, text=True, timeout=900)
    return proc.returncode, proc.stdout + proc.stderr


def _deprecations(log: str) -> list[str]:
    return [line for line in log.splitlines() if "deprecat" in line.lower()]


@pytest.mark.slow
def test_installing_gives_no_setuptools_deprecation_warning(tmp_path: Path) -> None:
    # A copy of what pip builds, so the check also runs against a known-bad pyproject.toml (below).
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        (project / name).write_bytes((ROOT / name).read_bytes())
    (project / "pipeline").mkdir()
    (project / "pipeline" / "__init__.py").write_text("")
    code, log = _build_log(project, tmp_path / "wheels")
    assert code == 0, log[-3000:]
    assert _deprecations(log) == [], "\n".join(_deprecations(log))

    # The check can fail: the licence table setuptools deprecated (builds stop after 2027-02-18) is caught.
    text = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in text
    (project / "pyproject.toml").write_text(text.replace('license = "MIT"', 'license = { text = "MIT" }'),
                                            encoding="utf-8")
    code, log = _build_log(project, tmp_path / "wheels-old")
    assert code == 0, log[-3000:]
    assert _deprecations(log), "the old licence table gave no deprecation warning: the check cannot fail"


def test_the_officers_install_leaves_the_test_tools_out_and_invoke_test_adds_them() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = " ".join(project["dependencies"]).lower()
    for tool in ("pytest", "playwright", "nbconvert", "ipykernel", "hypothesis"):
        assert tool not in runtime
    source = (ROOT / "bootstrap.py").read_text(encoding="utf-8")
    assert 'install(python, "test" if test else "")' in source  # only --test adds the extra

    sys.path.insert(0, str(ROOT))
    import tasks

    test_extra = " ".join(project["optional-dependencies"]["test"]).lower().replace("-", "_")
    for module in tasks.TEST_MODULES:
        assert module.split("_")[0] in test_extra or module in ("nbconvert", "nbclient", "ipykernel"), module
    assert "_install_test_tools()" in (ROOT / "tasks.py").read_text(encoding="utf-8")


def test_bootstrap_shows_each_package_as_it_installs(tmp_path: Path, monkeypatch) -> None:
    sys.path.insert(0, str(ROOT))
    import bootstrap

    # pip's output as it arrives, stood in for by a script that prints what pip prints.
    fake = tmp_path / "fakepip.py"
    fake.write_text("import sys\nprint('Obtaining file:///x')\nprint('Collecting invoke>=2.2')\n"
                    "print('Requirement already satisfied: pandas>=2.1 in /x (3.1)')\nprint('Collecting Jinja2>=3.1')\n")
    real_popen = subprocess.Popen

    def popen(command, **kwargs):
        return real_popen([sys.executable, str(fake)], **{k: v for k, v in kwargs.items() if k != "cwd"})

    monkeypatch.setattr(bootstrap.subprocess, "Popen", popen)
    shown: list[str] = []
    bootstrap.install(Path(sys.executable), "", log=tmp_path / "install.log", say=shown.append)
    assert shown == ["    1  invoke>=2.2", "    2  pandas>=2.1", "    3  Jinja2>=3.1"]
    assert "Collecting Jinja2" in (tmp_path / "install.log").read_text()
