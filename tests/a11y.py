"""Accessibility checks in a real browser: axe-core in headless Debian Chromium via Playwright.

Reusable by any test:

    from tests.a11y import axe_violations, format_violations
    violations = axe_violations(path_to_html)
    assert not violations, format_violations(violations)

Chromium is Debian's package (`apt-get install -y chromium`), not Playwright's download. When it is
missing these helpers raise ChromiumMissing rather than skip: CI installs it, so a missing browser
is a broken set-up, not a reason to pass.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ChromiumMissing(RuntimeError):
    pass


def chromium_path(candidates: list[str | None] | None = None) -> str:
    """Debian's Chromium: $CHROMIUM, else `chromium` on PATH, else /usr/bin/chromium."""
    if candidates is None:
        candidates = [os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ChromiumMissing(
        "Chromium is not installed, so the accessibility (axe-core) checks cannot run. "
        "Install Debian's package with `apt-get install -y chromium` (Playwright's own "
        "`playwright install` download is not used), or point $CHROMIUM at a Chromium binary.")


@contextmanager
def open_page(html_path: Path, width: int = 1280, height: int = 900) -> Iterator[object]:
    """A Playwright page showing the file at the given viewport width.

    Any request other than the file itself and data: URIs is recorded in page.external_requests
    (the page must be self-contained) and aborted.
    """
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    url = Path(html_path).resolve().as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            external: list[str] = []

            def _route(route):
                request_url = route.request.url
                if request_url == url or request_url.startswith("data:"):
                    route.continue_()
                else:
                    external.append(request_url)
                    route.abort()

            page.route("**/*", _route)
            page.external_requests = external
            page.goto(url, wait_until="load")
            yield page
        finally:
            browser.close()


def run_axe(page, tags: tuple[str, ...] = WCAG_TAGS) -> list[dict]:
    """Run axe-core (bundled with axe-playwright-python) on an open page; return its violations."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]}
    return list(Axe().run(page, options=options).response["violations"])


def axe_violations(html_path: Path, width: int = 1280, tags: tuple[str, ...] = WCAG_TAGS) -> list[dict]:
    """axe-core violations of WCAG 2.0/2.1/2.2 A and AA for an HTML file, at the given width."""
    with open_page(html_path, width=width) as page:
        return run_axe(page, tags)


def format_violations(violations: list[dict]) -> str:
    """One readable block per rule: id, impact, help, link, and each failing element."""
    if not violations:
        return "no accessibility violations"
    lines = [f"{len(violations)} axe-core rule(s) failed:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact') or 'n/a'}): {v['help']}  [{v.get('helpUrl', '')}]")
        for node in v.get("nodes", []):
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
            html = (node.get("html") or "").strip()
            if html:
                lines.append(f"      html: {html[:200]}")
    return "\n".join(lines)


def screenshot(html_path: Path, png_path: Path, width: int = 1280, media: str = "screen") -> Path:
    """Full-page PNG of the file at the given width ('print' media to preview the printed look)."""
    with open_page(html_path, width=width) as page:
        page.emulate_media(media=media)
        page.screenshot(path=str(png_path), full_page=True)
    return Path(png_path)
