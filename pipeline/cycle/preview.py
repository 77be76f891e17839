"""Preview the HTML edition in a browser, rebuilding whenever the register or prose is saved.

Only this computer can see the preview (it listens on 127.0.0.1). A rebuild that finds problems in
the input prints them and keeps the last good build on show; it never stops the preview.
"""

from __future__ import annotations

import functools
import threading
import time
import traceback
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable

from watchfiles import DefaultFilter, watch as watch_changes

from ..problems import InputError, Problem

Printer = Callable[[str], None]

# Files that editors create while a file is open or being saved; they are not changes to the input.
_IGNORED_NAMES = (
    r"^~\$",          # Excel's "owner" file next to an open workbook
    r"^\.~lock\.",    # LibreOffice's lock file
    r"^\.~",          # our own temporary workbook while it is being written
    r"\.tmp$",
)


def _stamp() -> str:
    return datetime.now().strftime("%H:%M:%S")


def rebuild_once(rebuild: Callable[[], None], reason: str, out: Printer = print) -> bool:
    """Run one rebuild and print one line about it. Returns True if it worked.

    Problems in the input are printed in full; any other failure prints its traceback. Neither
    stops the preview: the officer fixes the file, saves, and the next rebuild runs.
    """
    started = time.perf_counter()
    try:
        rebuild()
    except InputError as exc:
        out(f"{_stamp()} not rebuilt ({reason}): the preview still shows the last good build.\n{exc.report()}")
        return False
    except Exception:  # a bug, not the officer's input; keep previewing
        out(f"{_stamp()} not rebuilt ({reason}): unexpected error, please report it.\n{traceback.format_exc()}")
        return False
    out(f"{_stamp()} rebuilt in {time.perf_counter() - started:.1f} s ({reason})")
    return True


def watch_and_rebuild(watch: Iterable[Path], rebuild: Callable[[], None], stop_event: threading.Event, *,
                      ignore: Iterable[Path] = (), debounce_ms: int = 500, out: Printer = print) -> int:
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
        rebuild_once(rebuild, f"changed: {shown}", out)
    return count


class _Handler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        # Never let the browser show an old build after a refresh.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # one line per rebuild is all the officer should see


def make_server(build_dir: Path, port: int = 8000) -> ThreadingHTTPServer:
    """An HTTP server for `build_dir` on 127.0.0.1 (port 0 picks a free one). Not started yet."""
    handler = functools.partial(_Handler, directory=str(build_dir))
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise InputError([Problem(f"http://127.0.0.1:{port}/", None, None, "",
                                  f"the preview could not start ({exc.strerror or exc}); another preview may "
                                  "already be running - stop it, or choose another port")]) from None


def _page(build_dir: Path) -> str:
    """The page to open: index.html, or the only HTML file, else the folder listing."""
    if (build_dir / "index.html").exists():
        return ""
    pages = sorted(p.name for p in build_dir.glob("*.html"))
    return pages[0] if len(pages) == 1 else ""


def serve(build_dir: Path, watch: list[Path], rebuild: Callable[[], None], port: int = 8000, *,
          stop_event: threading.Event | None = None) -> None:
    """Build once, serve `build_dir` at http://127.0.0.1:<port>/ and rebuild on changes until Ctrl+C.

    `stop_event` lets a caller (or a test) end the preview without Ctrl+C.
    """
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    rebuild_once(rebuild, "first build")
    server = make_server(build_dir, port)
    thread = threading.Thread(target=server.serve_forever, name="preview-server", daemon=True)
    thread.start()
    stop = stop_event or threading.Event()
    try:
        print(f"Preview: http://127.0.0.1:{server.server_address[1]}/{_page(build_dir)}")
        print("Watching for saved changes. Press Ctrl+C to stop.")
        watch_and_rebuild(watch, rebuild, stop, ignore=[build_dir])
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        print("Preview stopped.")
