"""What the 2024-25 edition publishes, in a form to compare: the CSV and JSON exports as they are, the
calendar as icalendar reads it back, the HTML page's, the Word file's and the PDF's text.

tests/test_reference_outputs.py builds the edition (several stages at once) and compares it with
tests/reference/2024-25/, so making a build faster can never change what is published. When a change
to the paper or the exports is meant, regenerate the reference and review the difference:

    python -m tests.reference_outputs --update && git diff tests/reference/
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2024-25"
REFERENCE = Path(__file__).resolve().parent / "reference" / YEAR
# Published files compared byte for byte (UTF-8 text with fixed line ends).
EXACT = ("review-schedule.csv", "forward-plan.csv", "contracts-register.csv", "grants-360giving.csv",
         "grants-360giving.json", "csp-allocation.csv")


class _Text(HTMLParser):
    """The text a reader sees, one block a line: script and style left out."""

    BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "caption", "figcaption", "dt", "dd", "div",
              "section", "header", "footer", "nav", "table", "title", "text", "summary", "details", "br"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.out.append("\n")
        elif tag in ("td", "th"):
            self.out.append(" | ")
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(f"[image: {alt}]")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    lines = (re.sub(r"\s+", " ", line).strip() for line in "".join(parser.out).split("\n"))
    return "\n".join(line for line in lines if line) + "\n"


def docx_text(path: Path) -> str:
    """Every paragraph and table row of the Word file's body, in order."""
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(str(path))
    out = []
    for block in doc.element.body.iterchildren():
        if block.tag == qn("w:p"):
            text = "".join(t.text or "" for t in block.iter(qn("w:t")))
            if text.strip():
                out.append(text.strip())
        elif block.tag == qn("w:tbl"):
            for row in block.iter(qn("w:tr")):
                cells = ["".join(t.text or "" for t in cell.iter(qn("w:t"))).strip() for cell in row.iter(qn("w:tc"))]
                out.append(" | ".join(cells))
    return "\n".join(out) + "\n"


def calendar_events(data: bytes) -> str:
    """The calendar as icalendar parses it: each event's properties, decoded, as JSON lines."""
    from icalendar import Calendar

    cal = Calendar.from_ical(data)
    out = [json.dumps({k: str(v) for k, v in sorted(cal.items())}, ensure_ascii=False)]
    for ev in cal.walk("VEVENT"):
        fields = {}
        for key in sorted(ev.keys()):
            value = ev[key]
            if key == "CATEGORIES":
                fields[key] = list(value.cats)
            elif key in ("DTSTART", "DTEND", "DTSTAMP"):
                fields[key] = ev.decoded(key).isoformat()
            else:
                fields[key] = str(value)
        out.append(json.dumps(fields, ensure_ascii=False))
    return "\n".join(out) + "\n"


def pdf_text(path: Path) -> str:
    """The PDF edition's text as poppler lays it out (pdftotext -layout, a table row a line), spaces collapsed,
    without the running footer ("Page X of Y"), which says only where pages break."""
    import shutil
    import subprocess

    tool = shutil.which("pdftotext")
    if tool is None:
        raise RuntimeError("pdftotext is not installed (apt-get install poppler-utils)")
    text = subprocess.run([tool, "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    lines = (re.sub(r"\s+", " ", line).strip() for line in text.replace("\f", "\n").splitlines())
    return "\n".join(line for line in lines if line and not re.fullmatch(r"Page \d+ of \d+", line)) + "\n"


def published(folder: Path) -> dict[str, str]:
    """name -> text to compare, for a built 2024-25 folder."""
    out = {name: (folder / name).read_text(encoding="utf-8-sig") for name in EXACT}
    out["review-schedule.ics.events"] = calendar_events((folder / "review-schedule.ics").read_bytes())
    out[f"commissioning-framework-{YEAR}.html.txt"] = html_text(
        (folder / f"commissioning-framework-{YEAR}.html").read_text(encoding="utf-8"))
    out[f"commissioning-framework-{YEAR}.docx.txt"] = docx_text(folder / f"commissioning-framework-{YEAR}.docx")
    out[f"commissioning-framework-{YEAR}.pdf.txt"] = pdf_text(folder / f"commissioning-framework-{YEAR}.pdf")
    return out


def build(out: Path, **kwargs) -> Path:
    from pipeline.build import build_edition

    target = out / YEAR
    build_edition(YEAR, out=target, build_dir=out / "cache", force=True, **kwargs)
    return target


def update() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = build(Path(tmp), jobs=1)
        REFERENCE.mkdir(parents=True, exist_ok=True)
        for name, text in published(folder).items():
            (REFERENCE / name).write_text(text, encoding="utf-8", newline="")
    print(f"wrote {REFERENCE}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.reference_outputs", description=__doc__.split("\n\n")[0])
    p.add_argument("--update", action="store_true", help="rebuild 2024-25 one stage at a time and rewrite the reference")
    args = p.parse_args(argv)
    if not args.update:
        p.print_help()
        return 2
    update()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
