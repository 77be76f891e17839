"""Preview the HTML edition in a browser, rebuilding whenever the register or prose is saved.

Only this computer can see the preview (it listens on 127.0.0.1). `/` opens the paper. Each page
the preview serves carries a small script, added on the way out (never written into the build),
that asks the preview every second whether a rebuild has happened and reloads the page when one
has. A rebuild that finds problems keeps the last good build on show, with a banner across the top
listing the problems; it never stops the preview.
"""

from __future__ import annotations

import functools
import html
import json
import re
import threading
import time
import traceback
from datetime import datetime
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote, urlsplit

from watchfiles import DefaultFilter, watch as watch_changes

from ..problems import InputError, Problem

Printer = Callable[[str], None]

DEFAULT_PORT = 8000
STATUS_PATH = "/__preview__/status"  # what the page asks: {"version": n, "problems": "..."}
POLL_MS = 1000

# Files that editors create while a file is open or being saved; they are not changes to the input.
_IGNORED_NAMES = (
    r"^~\$",          # Excel's "owner" file next to an open workbook
    r"^\.~lock\.",    # LibreOffice's lock file
    r"^\.~",          # our own temporary workbook while it is being written
    r"\.tmp$",
)


def parse_port(value: object) -> int:
    """The port from the command line, or a clear problem (not a traceback) when it is not one."""
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise InputError([Problem("invoke preview --port", None, None, text,
                                  "expected a port number from 1 to 65535, e.g. --port 8000")])
    return int(text)


class PreviewStatus:
    """What the browser needs to know: how many rebuilds have finished, and the last one's problems.

    Shared between the watcher thread (which records rebuilds) and the server threads (which report
    them), hence the lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._problems = ""

    def record(self, problems: str) -> None:
        with self._lock:
            self._version += 1
            self._problems = problems

    def snapshot(self) -> tuple[int, str]:
        with self._lock:
            return self._version, self._problems


def _stamp() -> str:
    return datetime.now().strftime("%H:%M:%S")


def rebuild_once(rebuild: Callable[[], None], reason: str, out: Printer = print,
                 status: PreviewStatus | None = None) -> bool:
    """Run one rebuild and print one line about it. Returns True if it worked.

    Problems in the input are printed in full; any other failure prints its traceback. Neither
    stops the preview: the officer fixes the file, saves, and the next rebuild runs. `status`, when
    given, records the outcome for the browser.
    """
    started = time.perf_counter()
    problems = ""
    try:
        rebuild()
    except InputError as exc:
        problems = exc.report()
        out(f"{_stamp()} not rebuilt ({reason}): the preview still shows the last good build.\n{problems}")
    except Exception:  # a bug, not the officer's input; keep previewing
        problems = f"Unexpected error, please report it:\n{traceback.format_exc()}"
        out(f"{_stamp()} not rebuilt ({reason}): unexpected error, please report it.\n{traceback.format_exc()}")
    else:
        out(f"{_stamp()} rebuilt in {time.perf_counter() - started:.1f} s ({reason})")
    if status is not None:
        status.record(problems)
    return not problems


def watch_and_rebuild(watch: Iterable[Path], rebuild: Callable[[], None], stop_event: threading.Event, *,
                      ignore: Iterable[Path] = (), debounce_ms: int = 500, out: Printer = print,
                      status: PreviewStatus | None = None) -> int:
    """Rebuild each time a file under `watch` changes, until `stop_event` is set. Returns the number of rebuilds tried.

    Changes that arrive together (an editor saving several files) give one rebuild. Paths under
    `ignore` (the build folder) never trigger one, or every build would trigger the next.
    """
    paths = [Path(p) for p in watch]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise InputError([Problem(str(p), None, None, "", "this folder or file to watch does not exist") for p in missing])
    watch_filter = DefaultFilter(
        ignore_entity_patterns=(*DefaultFilter.ignore_entity_patterns, *_IGNORED_NAMES),
        ignore_paths=[Path(p).resolve() for p in ignore],
    )
    count = 0
    for changes in watch_changes(*paths, watch_filter=watch_filter, stop_event=stop_event,
                                 debounce=debounce_ms, raise_interrupt=False):
        if stop_event.is_set():
            break
        names = sorted({Path(path).name for _, path in changes})
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        count += 1
        rebuild_once(rebuild, f"changed: {shown}", out, status)
    return count


# --- what the browser gets -----------------------------------------------------------------------

_BANNER_STYLE = (
    "#preview-banner{position:sticky;top:0;z-index:1000;margin:0;padding:1rem 1.25rem;"
    "background:#fff4f2;color:#0b0c0c;border-bottom:5px solid #d4351c;font:16px/1.4 system-ui,sans-serif;"
    "max-height:50vh;overflow:auto}"
    "#preview-banner h2{margin:0 0 .5rem;font-size:1.2rem;color:#0b0c0c}"
    "#preview-banner p{margin:0 0 .5rem}"
    "#preview-banner pre{margin:0;white-space:pre-wrap;font:14px/1.4 ui-monospace,monospace}"
)


def banner(problems: str, has_build: bool) -> str:
    """The box shown across the top of the page while the last rebuild has failed."""
    kept = ("The page below is the last good build." if has_build
            else "There is no good build to show yet.")
    return (f'<div id="preview-banner" role="alert"><h2>Preview: the last rebuild failed</h2>'
            f"<p>{kept} Fix these problems and save; the page reloads by itself.</p>"
            f"<pre>{html.escape(problems)}</pre></div>")


def reload_script(version: int) -> str:
    """Polls the preview's status and reloads the page once a rebuild has finished (ok or not)."""
    return (
        "<script>(function(){var seen=%d;function poll(){fetch(%s,{cache:'no-store'})"
        ".then(function(r){return r.json();}).then(function(s){if(s.version!==seen){location.reload();}"
        "else{setTimeout(poll,%d);}}).catch(function(){setTimeout(poll,%d);});}"
        "setTimeout(poll,%d);})();</script>" % (version, json.dumps(STATUS_PATH), POLL_MS, 2 * POLL_MS, POLL_MS)
    )


def inject(page: str, version: int, problems: str) -> str:
    """The page as the preview serves it: banner (if the last rebuild failed) first in <body>,
    reload script last."""
    extra_head = f"<style>{_BANNER_STYLE}</style>" if problems else ""
    if extra_head:
        page = re.sub(r"</head>", lambda m: extra_head + m.group(0), page, count=1, flags=re.I) \
            if re.search(r"</head>", page, re.I) else extra_head + page
        body = re.search(r"<body[^>]*>", page, re.I)
        at = body.end() if body else 0
        page = page[:at] + banner(problems, True) + page[at:]
    script = reload_script(version)
    end = page.lower().rfind("</body>")
    return page[:end] + script + page[end:] if end >= 0 else page + script


def waiting_page(version: int, problems: str) -> str:
    """What `/` shows before there is any good build."""
    body = banner(problems, False) if problems else "<p>Building the paper&hellip;</p>"
    return ("<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Preview</title>"
            f"<style>{_BANNER_STYLE}</style></head><body>{body}{reload_script(version)}</body></html>")


class _Handler(SimpleHTTPRequestHandler):
    page: str = ""  # file name of the paper in the build folder
    status: PreviewStatus

    def end_headers(self) -> None:
        # Never let the browser show an old build after a refresh.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # one line per rebuild is all the officer should see

    def _send(self, body: str, content_type: str) -> None:
        data = body.encode("utf-8")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _special(self) -> bool:
        """Answer the status, `/` and HTML pages (with the reload script); False for other files."""
        path = unquote(urlsplit(self.path).path)
        version, problems = self.status.snapshot()
        if path == STATUS_PATH:
            self._send(json.dumps({"version": version, "problems": problems}), "application/json")
        elif path == "/":
            if self.page and (Path(self.directory) / self.page).is_file():
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", "/" + self.page)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send(waiting_page(version, problems), "text/html; charset=utf-8")
        else:
            file = Path(self.translate_path(self.path))
            if file.suffix.lower() != ".html" or not file.is_file():
                return False
            self._send(inject(file.read_text(encoding="utf-8"), version, problems), "text/html; charset=utf-8")
        return True

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        if not self._special():
            super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802 - the base class's name
        if not self._special():
            super().do_HEAD()


def make_server(build_dir: Path, port: int = DEFAULT_PORT, *, page: str = "",
                status: PreviewStatus | None = None) -> ThreadingHTTPServer:
    """An HTTP server for `build_dir` on 127.0.0.1 (port 0 picks a free one), with `/` opening
    `page`. Not started yet."""
    handler = functools.partial(type("PreviewHandler", (_Handler,), {"page": page, "status": status or PreviewStatus()}),
                                directory=str(build_dir))
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise InputError([Problem(f"http://127.0.0.1:{port}/", None, None, "",
                                  f"the preview could not start ({exc.strerror or exc}); another preview may "
                                  "already be running - stop it, or choose another port")]) from None


def serve(build_dir: Path, watch: list[Path], rebuild: Callable[[], None], port: int = DEFAULT_PORT, *,
          page: str = "", stop_event: threading.Event | None = None) -> None:
    """Build once, serve `build_dir` at http://127.0.0.1:<port>/ (opening `page`) and rebuild on
    changes until Ctrl+C.

    `stop_event` lets a caller (or a test) end the preview without Ctrl+C.
    """
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    status = PreviewStatus()
    server = make_server(build_dir, port, page=page, status=status)
    thread = threading.Thread(target=server.serve_forever, name="preview-server", daemon=True)
    thread.start()
    stop = stop_event or threading.Event()
    try:
        print(f"Preview: http://127.0.0.1:{server.server_address[1]}/")
        rebuild_once(rebuild, "first build", status=status)
        print("Watching for saved changes. Press Ctrl+C to stop.")
        watch_and_rebuild(watch, rebuild, stop, ignore=[build_dir], status=status)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        print("Preview stopped.")
