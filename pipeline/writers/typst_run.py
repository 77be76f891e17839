"""One Typst compilation to PDF, safe in a forked process.

Typst lays pages out on a pool of threads that it starts in the first process that compiles. A
process forked after that inherits the pool without its threads, and a compilation there waits for
ever. The build forks its stages, so the PDF stage compiles in a fresh interpreter whenever this
process descends from one that has already compiled (a test session, a preview that built one stage
at a time); otherwise, as in every `invoke report`, it compiles here, with no start-up cost.

    python -m pipeline.writers.typst_run < request.json > edition.pdf   (the fresh interpreter's side)
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

_COMPILED_IN: list[int] = []  # the process that started Typst's threads, if any


def compile_pdf(source: bytes, root: Path, fonts: Path, inputs: dict[str, str], standard: str) -> tuple[bytes, list[str]]:
    """The PDF and Typst's warnings. Raises typst.TypstError (here) or RuntimeError (from elsewhere)."""
    if _COMPILED_IN and _COMPILED_IN[0] != os.getpid():
        return _elsewhere(source, root, fonts, inputs, standard)
    import typst

    if not _COMPILED_IN:
        _COMPILED_IN.append(os.getpid())
    pdf, warnings = typst.compile_with_warnings(source, root=str(root), font_paths=[str(fonts)],
                                                ignore_system_fonts=True, sys_inputs=inputs,
                                                pdf_standards=[standard])
    return pdf, [w.message for w in warnings]


def _elsewhere(source: bytes, root: Path, fonts: Path, inputs: dict[str, str], standard: str) -> tuple[bytes, list[str]]:
    request = json.dumps({"source": base64.b64encode(source).decode("ascii"), "root": str(root),
                          "fonts": str(fonts), "inputs": inputs, "standard": standard})
    proc = subprocess.run([sys.executable, "-m", "pipeline.writers.typst_run"], input=request.encode("utf-8"),
                          capture_output=True, cwd=str(Path(__file__).resolve().parents[2]))
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1][:2000]
                           if proc.stderr.strip() else f"Typst stopped (exit {proc.returncode})")
    answer = json.loads(proc.stdout)
    return base64.b64decode(answer["pdf"]), answer["warnings"]


def _main() -> int:
    import typst

    request = json.loads(sys.stdin.buffer.read())
    try:
        pdf, warnings = typst.compile_with_warnings(
            base64.b64decode(request["source"]), root=request["root"], font_paths=[request["fonts"]],
            ignore_system_fonts=True, sys_inputs=request["inputs"], pdf_standards=[request["standard"]])
    except typst.TypstError as exc:
        print(f"the PDF edition could not be laid out: {exc.message}", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps({"pdf": base64.b64encode(pdf).decode("ascii"),
                                 "warnings": [w.message for w in warnings]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
