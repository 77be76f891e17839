"""What a build needs besides the register and the prose, checked before any work is done.

`invoke check` and `invoke report` both run these, so a missing or damaged template is reported in
one plain sentence up front rather than as a failure deep inside the Word writer.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .problems import Problem

REFERENCE = "reference.docx"
_REGENERATE = ("regenerate it with `python -m pipeline.writers.reference_docx` "
               "(or restore it with `git checkout templates/reference.docx`)")


def check_templates(templates: Path) -> list[Problem]:
    """Problems with the files in templates/ that every build reads."""
    problems = []
    skeleton = templates / "paper.md"
    if not skeleton.is_file():
        problems.append(Problem(str(skeleton), None, None, "", "the paper's template is missing; restore it with "
                                "`git checkout templates/paper.md`"))
    problems.extend(check_reference_docx(templates / REFERENCE))
    return problems


def check_reference_docx(path: Path) -> list[Problem]:
    """The Word styles file: present, a real .docx, and holding every style the Word writer uses."""
    def bad(what: str) -> list[Problem]:
        return [Problem(str(path), None, None, "", f"{what}; {_REGENERATE}")]

    if not path.is_file():
        return bad("the Word styles file is missing")
    if not zipfile.is_zipfile(path):
        return bad("the Word styles file is damaged (it is not a .docx)")
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            damaged = z.testzip()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return bad("the Word styles file is damaged (it cannot be unpacked)")
    if damaged is not None:
        return bad(f"the Word styles file is damaged (its part {damaged} is corrupt)")
    if not {"word/document.xml", "word/styles.xml", "[Content_Types].xml"} <= names:
        return bad("the Word styles file is not a Word document (its document or styles part is missing)")
    try:
        import docx

        document = docx.Document(str(path))
        present = {(s.name or "").lower() for s in document.styles}
    except Exception as exc:  # python-docx raises many types for a damaged file
        return bad(f"the Word styles file could not be opened ({type(exc).__name__})")
    missing = [name for name in _needed_styles() if name.lower() not in present]
    if missing:
        return bad(f"the Word styles file lacks styles the paper uses ({', '.join(missing)})")
    return []


def _needed_styles() -> tuple[str, ...]:
    """The styles the Word writer asks for; its own list when it publishes one."""
    try:
        from .writers import docx as writer

        names = tuple(getattr(writer, "STYLE_NAMES", ()))
    except Exception:  # pragma: no cover - the writer failing to import is reported by the build itself
        names = ()
    return names or ("Title", "Heading 1", "Heading 2", "Heading 3", "Caption")
