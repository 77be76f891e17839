"""Preview the HTML edition in a browser, rebuilding whenever the register or prose is saved.

Only this computer can see the preview: it listens on 127.0.0.1 and answers only requests addressed
to localhost, 127.0.0.1 or [::1] (a web page elsewhere cannot reach it by DNS rebinding). It builds
into its own folder, build/preview/<year>/, never the real build/<year>/, and only the HTML edition
(the Word and PDF editions are what `invoke report` is for). `/` opens the paper. Each page
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
POLL_MS = 500  # with the short debounce, a saved change shows within about 2 s
DEBOUNCE_MS = 250
FOLDER = "preview"  # build/preview/<year>/: the preview's own, so the real build is never a draft
SKIPPED_STAGES = ("word", "pdf")  # the preview shows the HTML edition only
ALLOWED_HOSTS = ("localhost", "127.0.0.1", "[::1]")

# Files that editors create while a file is open or being saved; they are not changes to the input.
_IGNORED_NAMES = (
    r"^~\$",          # Excel's "owner" file next to an open workbook
    r"^\.~lock\.",    # LibreOffice's lock file
    r"^\.",           # hidden files: our own temporary workbook, vim's .x.swp, emacs's .#x, gedit's .goutputstream-*
    r"^#.*#$",        # emacs's auto-save file
    r"~$",            # backup copies (x.md~)
    r"\.(?:tmp|swp|swx|swo|bak|kate-swp|part|crdownload)$",
)
# What the preview is built from. Anything else (sed's sedXXXXXX, vim's 4913, a download in progress)
# is not an input, so saving it never rebuilds.
WATCHED_SUFFIXES = (".md", ".toml", ".csv", ".xlsx", ".xlsm", ".j2", ".css", ".docx", ".html", ".txt")


def preview_dir(build_dir: Path, label: str) -> Path:
    """Where the preview of an edition is built: beside the real builds, never one of them."""
    return Path(build_dir) / FOLDER / label


def build_preview(label: str, build_dir: Path, **where):
    """One preview build: a draft of the HTML edition into build/preview/<year>/ (`where`: data_dir,
    templates), never touching build/<year>/; the chart cache is shared with `invoke report`."""
    from ..build import build_edition

    return build_edition(label, out=preview_dir(build_dir, label), draft=True, force=True, skip=SKIPPED_STAGES,
                         build_dir=build_dir, **where)


class _InputFilter(DefaultFilter):
    """watchfiles' default filter (no .git, __pycache__ ...) plus editor files, and inputs only."""

    def __call__(self, change, path: str) -> bool:
        if not super().__call__(change, path):
            return False
        p = Path(path)
        return p.suffix.lower() in WATCHED_SUFFIXES or (not p.suffix and p.is_dir())


def is_input(path: Path | str) -> bool:
    """Would saving this file rebuild the preview? (The filter's rule, for one name.)"""
    name = Path(path).name
    return (not any(re.search(p, name) for p in _IGNORED_NAMES)
            and Path(name).suffix.lower() in WATCHED_SUFFIXES)


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
                      ignore: Iterable[Path] = (), debounce_ms: int = DEBOUNCE_MS, out: Printer = print,
                      status: PreviewStatus | None = None) -> int:
    """Rebuild each time a file under `watch` changes, until `stop_event` is set. Returns the number of rebuilds tried.

    Changes that arrive together (an editor saving several files) give one rebuild. Paths under
    `ignore` (the build folder) never trigger one, or every build would trigger the next.
    """
    paths = [Path(p) for p in watch]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise InputError([Problem(str(p), None, None, "", "this folder or file to watch does not exist") for p in missing])
    watch_filter = _InputFilter(
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

    def _host_allowed(self) -> bool:
        """Only requests addressed to this computer by name: a page on another site that rebinds its
        own name to 127.0.0.1 sends its own name as the Host, and is refused."""
        host = (self.headers.get("Host") or "").strip().lower()
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[:host.find("]") + 1]
        port = host[len(name) + 1:] if host[len(name):].startswith(":") else ""
        return name in ALLOWED_HOSTS and (not port or port.isdigit())

    def _answer(self, serve_file: Callable[[], None]) -> None:
        """Every request: refused unless addressed to localhost; any failure a plain error page, never a traceback."""
        if not self._host_allowed():
            self.send_error(421, "Misdirected Request", "The preview answers only http://localhost or http://127.0.0.1.")
            return
        try:
            if not self._special():
                serve_file()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away (a reload, say): nothing to tell anyone
        except (ValueError, OSError, UnicodeError):  # a request no file can answer, such as /%00.html
            try:
                self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            except OSError:
                pass

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
        self._answer(super().do_GET)

    def do_HEAD(self) -> None:  # noqa: N802 - the base class's name
        self._answer(super().do_HEAD)

    def send_head(self):  # type: ignore[no-untyped-def] - the base class's
        try:
            return super().send_head()
        except ValueError:  # a path the file system cannot hold (an embedded NUL)
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return None


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        pass  # a failed request never prints a traceback; the handler has already answered what it could


def make_server(build_dir: Path, port: int = DEFAULT_PORT, *, page: str = "",
                status: PreviewStatus | None = None) -> ThreadingHTTPServer:
    """An HTTP server for `build_dir` on 127.0.0.1 (port 0 picks a free one), with `/` opening
    `page`. Not started yet."""
    handler = functools.partial(type("PreviewHandler", (_Handler,), {"page": page, "status": status or PreviewStatus()}),
                                directory=str(build_dir))
    try:
        return _QuietServer(("127.0.0.1", port), handler)
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
