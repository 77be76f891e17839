"""The preview: serving the build folder, rebuilding when a watched file is saved, and the browser
following along (reloading after each rebuild, showing problems when one fails)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest

from pipeline.cycle.preview import (STATUS_PATH, PreviewStatus, make_server, parse_port, rebuild_once, serve,
                                    watch_and_rebuild)
from pipeline.problems import InputError, Problem

from .a11y import CHROMIUM_ARGS, chromium_path

ROOT = Path(__file__).resolve().parent.parent
PAGE = "commissioning-framework-2024-25.html"

WAIT = 10.0  # seconds; generous, file-change notification can be slow on a busy machine


class Watcher:
    """Runs watch_and_rebuild in a thread and records what it prints and rebuilds."""

    def __init__(self, watch: list[Path], rebuild: Callable[[], None], ignore: list[Path] | None = None) -> None:
        self.lines: list[str] = []
        self.calls = 0
        self.called = threading.Event()
        self.stop = threading.Event()

        def counted() -> None:
            self.calls += 1
            try:
                rebuild()
            finally:
                self.called.set()

        self.thread = threading.Thread(target=watch_and_rebuild, args=(watch, counted, self.stop),
                                       kwargs={"ignore": ignore or [], "debounce_ms": 100, "out": self.lines.append},
                                       daemon=True)

    def __enter__(self) -> "Watcher":
        self.thread.start()
        time.sleep(0.5)  # let the watcher start before the test changes anything
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=WAIT)
        assert not self.thread.is_alive(), "the watcher did not stop when asked"

    def wait_for_rebuild(self) -> None:
        assert self.called.wait(WAIT), "no rebuild after the file changed"
        self.called.clear()
        time.sleep(0.1)  # the line is printed just after the rebuild returns


def test_saving_a_watched_file_rebuilds(tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    register.write_text("id\n")
    with Watcher([tmp_path], lambda: None) as w:
        register.write_text("id,project\n")
        w.wait_for_rebuild()
    assert w.calls == 1
    (line,) = w.lines
    assert " rebuilt in " in line and "register.csv" in line


def test_problems_in_the_input_are_printed_and_watching_goes_on(tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    register.write_text("id\n")
    results = [InputError([Problem("register.csv", 4, "spend", "lots", "expected an amount in pounds")]), None]

    def rebuild() -> None:
        outcome = results.pop(0)
        if outcome:
            raise outcome

    with Watcher([tmp_path], rebuild) as w:
        register.write_text("broken\n")
        w.wait_for_rebuild()
        register.write_text("fixed\n")
        w.wait_for_rebuild()
    assert w.calls == 2
    assert "not rebuilt" in w.lines[0]
    assert "Found 1 problem" in w.lines[0] and 'row 4, column \'spend\': found "lots"' in w.lines[0]
    assert " rebuilt in " in w.lines[1]


def test_build_output_and_office_lock_files_do_not_trigger_rebuilds(tmp_path: Path) -> None:
    data, build = tmp_path / "data", tmp_path / "data" / "build"
    build.mkdir(parents=True)
    with Watcher([data], lambda: None, ignore=[build]) as w:
        (build / "paper.html").write_text("<p>new build</p>")
        (data / "~$register.xlsx").write_bytes(b"owner")
        (data / ".~lock.register.xlsx#").write_text("lock")
        time.sleep(1.0)
        assert w.calls == 0
        (data / "register.xlsx").write_bytes(b"saved")
        w.wait_for_rebuild()
    assert w.calls == 1


def test_an_unexpected_error_is_printed_not_fatal() -> None:
    lines: list[str] = []

    def broken() -> None:
        raise ZeroDivisionError("bug")

    assert rebuild_once(broken, "test", lines.append) is False
    assert "unexpected error" in lines[0] and "ZeroDivisionError" in lines[0]


def test_watching_a_missing_folder_is_explained(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        watch_and_rebuild([tmp_path / "nope"], lambda: None, threading.Event())


def _get(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=WAIT) as response:
        return response.read().decode(), response.headers.get("Cache-Control", "")


@contextmanager
def running(build: Path, page: str = PAGE, status: PreviewStatus | None = None) -> Iterator[str]:
    """A preview server on a free port for the test's duration; yields its address."""
    server = make_server(build, port=0, page=page, status=status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


PAPER = "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><title>Paper</title></head><body><h1>Commissioning Framework</h1></body></html>\n"


def test_server_serves_the_build_folder_to_this_computer_only(tmp_path: Path) -> None:
    (tmp_path / "review-schedule.csv").write_text("id,project\n")
    with running(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")
        body, cache = _get(f"{url}/review-schedule.csv")
    assert body == "id,project\n" and cache == "no-store"


def test_the_preview_opens_on_the_paper_and_only_the_preview_carries_the_reload_script(tmp_path: Path) -> None:
    (tmp_path / PAGE).write_text(PAPER, encoding="utf-8")
    (tmp_path / "commissioning-framework-2024-25.fragment.html").write_text("<div>fragment</div>")
    with running(tmp_path) as url:
        with urllib.request.urlopen(f"{url}/", timeout=WAIT) as response:
            assert response.url == f"{url}/{PAGE}"  # `/` redirects to the paper, not a folder listing
            body = response.read().decode()
        head = urllib.request.urlopen(urllib.request.Request(f"{url}/", method="HEAD"), timeout=WAIT)
        assert head.url == f"{url}/{PAGE}"
    assert "<h1>Commissioning Framework</h1>" in body
    script = re.search(r"<script>(.*?)</script>\s*</body>", body, re.S)
    assert script and STATUS_PATH in script.group(1) and "location.reload()" in script.group(1)
    # the built file itself, the one the website publishes, never carries it
    assert (tmp_path / PAGE).read_text(encoding="utf-8") == PAPER


def test_the_status_counts_rebuilds_and_carries_the_last_problems(tmp_path: Path) -> None:
    status = PreviewStatus()
    with running(tmp_path, status=status) as url:
        assert json.loads(_get(url + STATUS_PATH)[0]) == {"version": 0, "problems": ""}
        problem = InputError([Problem("register.csv", 4, "spend", "lots", "expected an amount in pounds")])
        assert rebuild_once(lambda: (_ for _ in ()).throw(problem), "test", lambda _: None, status) is False
        state = json.loads(_get(url + STATUS_PATH)[0])
        assert state["version"] == 1 and "row 4, column 'spend'" in state["problems"]
        assert rebuild_once(lambda: None, "test", lambda _: None, status) is True
        assert json.loads(_get(url + STATUS_PATH)[0]) == {"version": 2, "problems": ""}


def test_a_failed_rebuild_shows_a_banner_over_the_last_good_build(tmp_path: Path) -> None:
    (tmp_path / PAGE).write_text(PAPER, encoding="utf-8")
    status = PreviewStatus()
    status.record(InputError([Problem("register.csv", 7, "spend", "<b>lots</b>", "expected an amount")]).report())
    with running(tmp_path, status=status) as url:
        body = _get(f"{url}/{PAGE}")[0]
    banner = re.search(r'<div id="preview-banner" role="alert">(.*?)</div>', body, re.S)
    assert banner, body[:500]
    assert "the last rebuild failed" in banner.group(1) and "last good build" in banner.group(1)
    assert "register.csv, row 7, column &#x27;spend&#x27;: found &quot;&lt;b&gt;lots&lt;/b&gt;&quot;" in banner.group(1)
    assert body.index("<body>") < body.index('<div id="preview-banner"') < body.index("<h1>Commissioning Framework</h1>")


def test_before_any_good_build_the_preview_shows_the_problems(tmp_path: Path) -> None:
    status = PreviewStatus()
    status.record(InputError([Problem("register.csv", None, None, "", "the file is empty")]).report())
    with running(tmp_path, status=status) as url:
        body = _get(f"{url}/")[0]
    assert "There is no good build to show yet." in body and "the file is empty" in body
    assert STATUS_PATH in body  # it reloads once a rebuild works


@pytest.mark.parametrize("value", ["abc", "0", "65536", "-1", "80.5", ""])
def test_a_bad_port_is_a_clear_problem(value: str) -> None:
    with pytest.raises(InputError, match="expected a port number from 1 to 65535"):
        parse_port(value)
    assert parse_port("8080") == 8080 and parse_port(8000) == 8000


def test_invoke_preview_explains_a_bad_port_and_shows_the_default(tmp_path: Path) -> None:
    bad = subprocess.run([sys.executable, "-m", "invoke", "preview", "--port", "abc"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2, bad.stderr
    assert 'invoke preview --port: found "abc"; expected a port number from 1 to 65535' in bad.stderr
    assert "Traceback" not in bad.stderr + bad.stdout
    helped = subprocess.run([sys.executable, "-m", "invoke", "--help", "preview"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "(default: 8000)" in helped.stdout


def test_a_port_in_use_is_explained(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(InputError, match="another preview may already be running"):
            make_server(tmp_path, port=taken.getsockname()[1])


def _free_port() -> int:
    with socket.socket() as probe:  # find a free port, then hand it to serve()
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_the_browser_follows_rebuilds_and_shows_a_failed_one(tmp_path: Path, capsys) -> None:
    from playwright.sync_api import sync_playwright

    build, data = tmp_path / "build", tmp_path / "data"
    data.mkdir()
    source = data / "intro.md"
    source.write_text("first")
    rebuilt = threading.Event()

    def rebuild() -> None:
        text = source.read_text()
        try:
            if text.startswith("broken"):
                raise InputError([Problem(str(source), 1, None, text, "expected a sentence, not 'broken'")])
            (build / PAGE).write_text(f"<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head>"
                                      f"<body><p id=\"text\">{text}</p></body></html>")
        finally:
            rebuilt.set()

    port = _free_port()
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(build, [data], rebuild, port),
                              kwargs={"stop_event": stop, "page": PAGE}, daemon=True)
    thread.start()
    try:
        assert rebuilt.wait(WAIT)
        time.sleep(0.5)  # let the watcher start
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/")
                assert page.url.endswith("/" + PAGE) and page.inner_text("#text") == "first"
                # a saved change: the open page reloads by itself and shows the new build
                source.write_text("second")
                page.wait_for_function("document.getElementById('text') && "
                                       "document.getElementById('text').textContent === 'second'", timeout=WAIT * 1000)
                # a broken save: the banner lists the problem, over the last good build
                source.write_text("broken input")
                banner = page.get_by_role("alert")
                banner.wait_for(timeout=WAIT * 1000)
                assert "expected a sentence, not 'broken'" in banner.inner_text()
                assert page.inner_text("#text") == "second"
                # fixed: the banner goes and the new build shows
                source.write_text("third")
                page.wait_for_function("document.getElementById('text') && "
                                       "document.getElementById('text').textContent === 'third'", timeout=WAIT * 1000)
                assert page.get_by_role("alert").count() == 0
            finally:
                browser.close()
    finally:
        stop.set()
        thread.join(timeout=WAIT)
    assert not thread.is_alive()
    out = capsys.readouterr().out
    assert f"Preview: http://127.0.0.1:{port}/" in out
    assert "rebuilt in" in out and "not rebuilt" in out and "Preview stopped." in out


# --- issue 22: the preview's own folder, HTML only, editor files; issue 23: Host header, no traceback ---

def _request(url: str, path: str, host: str | None) -> int:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=WAIT)
    conn.putrequest("GET", path, skip_host=True)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def test_the_preview_answers_only_requests_addressed_to_this_computer(tmp_path: Path) -> None:
    (tmp_path / PAGE).write_text(PAPER, encoding="utf-8")
    with running(tmp_path) as url:
        port = url.rsplit(":", 1)[1]
        for host in ("localhost", f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "LOCALHOST"):
            assert _request(url, f"/{PAGE}", host) == 200, host
        # DNS rebinding: a hostile page whose own name now points at 127.0.0.1 sends that name.
        for host in ("attacker.example", f"attacker.example:{port}", "localhost.attacker.example",
                     "127.0.0.1.nip.io", "", "localhost:x"):
            assert _request(url, f"/{PAGE}", host) in (403, 421), host
            assert _request(url, STATUS_PATH, host) in (403, 421), host
        assert _request(url, f"/{PAGE}", None) in (403, 421)  # no Host header at all


def test_odd_requests_get_an_error_page_never_a_traceback(tmp_path: Path, capfd) -> None:
    (tmp_path / PAGE).write_text(PAPER, encoding="utf-8")
    with running(tmp_path) as url:
        for path in ("/%00.html", "/%00", f"/{PAGE}%00", "/%ff%fe.html", "/..%2f..%2fetc%2fpasswd", "/../../etc/passwd"):
            assert _request(url, path, "localhost") == 404, path
        assert _request(url, f"/{PAGE}", "localhost") == 200  # and it goes on serving
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert "ValueError" not in captured.err + captured.out


@pytest.mark.parametrize("name", ["sedkClmhv", "4913", ".introduction.md.swp", "introduction.md~", "#introduction.md#",
                                  ".#introduction.md", ".goutputstream-ABC123", "introduction.md.tmp",
                                  "~$register.xlsx", ".~lock.register.xlsx#", "register.xlsx.part"])
def test_editor_temp_and_swap_files_are_not_inputs(name: str) -> None:
    from pipeline.cycle.preview import is_input

    assert not is_input(name)


@pytest.mark.parametrize("name", ["introduction.md", "paper.toml", "register.csv", "register.xlsx", "paper.html.j2",
                                  "content.css", "reference.docx"])
def test_the_files_the_paper_is_built_from_are_inputs(name: str) -> None:
    from pipeline.cycle.preview import is_input

    assert is_input(name)


def test_editor_temp_files_saved_beside_the_prose_do_not_rebuild(tmp_path: Path) -> None:
    prose = tmp_path / "prose"
    prose.mkdir()
    with Watcher([tmp_path], lambda: None) as w:
        (prose / "sedkClmhv").write_text("sed -i works on a copy")  # sed -i's temporary file
        (prose / ".introduction.md.swp").write_bytes(b"vim")
        (prose / "introduction.md~").write_text("backup")
        (prose / "4913").write_text("")  # vim's check that it may write here
        time.sleep(1.0)
        assert w.calls == 0
        (prose / "introduction.md").write_text("the text")
        w.wait_for_rebuild()
    assert w.calls == 1


@pytest.mark.slow
def test_a_preview_build_leaves_the_real_build_alone_and_makes_only_the_html(tmp_path: Path, built_2024_25) -> None:
    import shutil

    from pipeline.cycle.preview import build_preview, preview_dir

    from .conftest import copy_data

    data = copy_data(tmp_path)
    build = tmp_path / "build"
    real = build / "2024-25"
    shutil.copytree(built_2024_25.folder, real)  # the real build, as `invoke report` left it
    before = {p.name: p.read_bytes() for p in real.rglob("*") if p.is_file()}
    (data / "2024-25" / "prose" / "outlook.md").write_text("Half-finished thoughts.\n", encoding="utf-8")

    result = build_preview("2024-25", build, data_dir=data)
    assert result.out_dir == preview_dir(build, "2024-25") == build / "preview" / "2024-25"
    names = {p.name for p in result.out_dir.iterdir()}
    assert PAGE in names
    assert not any(n.endswith((".docx", ".pdf")) for n in names)  # Word and PDF are report's job
    assert "Half-finished thoughts." in (result.out_dir / PAGE).read_text(encoding="utf-8")
    # The real build is byte for byte as it was, and is no draft.
    assert {p.name: p.read_bytes() for p in real.rglob("*") if p.is_file()} == before
    assert "Half-finished thoughts." not in (real / PAGE).read_text(encoding="utf-8")
