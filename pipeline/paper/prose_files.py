"""Files in the prose folder that the paper does not read: named, never skipped in silence.

The composer reads data/<year>/prose/<name>.md for each name the templates ask for. A file saved as
`Introduction.md` or `outlook.md.txt` (Windows hides the extension) would otherwise be passed over
while the officer believes their text is in the paper.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..problems import Problem

# The name of a prose file the composer may read, without .md (here, not in prose.py, so that the build's
# up-to-date check can use it without importing Jinja).
PROSE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,80}$")


def _plain_name(path: Path) -> str:
    """outlook.md.txt -> outlook, Introduction.MD -> introduction."""
    name = path.name
    while "." in name:
        name = name.rsplit(".", 1)[0]
    return name.strip().lower()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return b.is_file() and a.samefile(b)
    except OSError:
        return False


def unread_prose(folder: Path | None, read: set[str]) -> tuple[list[Problem], list[str]]:
    """(problems, notes): a file that looks meant as one the paper reads is refused, saying what to rename it
    to; any other file the paper does not read is noted. Hidden files and Office lock files are left alone."""
    problems: list[Problem] = []
    notes: list[str] = []
    if folder is None or not folder.is_dir():
        return problems, notes
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file())
    except OSError:
        return problems, notes
    wanted = {f"{name}.md" for name in read}
    for path in files:
        if path.name in wanted or path.name.startswith((".", "~$")) or path.name.lower() in ("thumbs.db", "desktop.ini"):
            continue
        meant = _plain_name(path)
        if meant in read and _same_file(path, folder / f"{meant}.md"):
            continue  # Windows and macOS find Introduction.md as introduction.md: it is read
        if meant in read:
            problems.append(Problem(str(path), None, None, "",
                                    f"the paper does not read this file: it reads {meant}.md (lower case, ending in "
                                    f".md and nothing after it); rename this file to {meant}.md"))
        else:
            reads = ", ".join(sorted(wanted)) or "no prose files"
            notes.append(f"{path} is not part of the paper: no section reads it (the paper reads {reads})")
    return problems, notes
