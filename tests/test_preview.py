"""The preview: serving the build folder and rebuilding when a watched file is saved."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable

import pytest

from pipeline.cycle.preview import make_server, rebuild_once, serve, watch_and_rebuild
from pipeline.problems import InputError, Problem

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


def test_server_serves_the_build_folder_to_this_computer_only(tmp_path: Path) -> None:
    (tmp_path / "paper.html").write_text("<h1>Commissioning Framework</h1>")
    server = make_server(tmp_path, port=0)
    assert server.server_address[0] == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        body, cache = _get(f"http://127.0.0.1:{server.server_address[1]}/paper.html")
    finally:
        server.shutdown()
        server.server_close()
    assert "Commissioning Framework" in body
    assert cache == "no-store"


def test_a_port_in_use_is_explained(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(InputError, match="another preview may already be running"):
            make_server(tmp_path, port=taken.getsockname()[1])


def test_serve_builds_serves_and_rebuilds_until_stopped(tmp_path: Path, capsys) -> None:
    build, data = tmp_path / "build", tmp_path / "data"
    data.mkdir()
    source = data / "intro.md"
    source.write_text("first")
    rebuilt = threading.Event()

    def rebuild() -> None:
        (build / "index.html").write_text(f"<p>{source.read_text()}</p>")
        rebuilt.set()

    with socket.socket() as probe:  # find a free port, then hand it to serve()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(build, [data], rebuild, port), kwargs={"stop_event": stop}, daemon=True)
    thread.start()
    try:
        assert rebuilt.wait(WAIT)
        rebuilt.clear()
        time.sleep(0.5)
        assert _get(f"http://127.0.0.1:{port}/")[0] == "<p>first</p>"
        source.write_text("second")
        assert rebuilt.wait(WAIT)
        time.sleep(0.2)
        assert _get(f"http://127.0.0.1:{port}/")[0] == "<p>second</p>"
    finally:
        stop.set()
        thread.join(timeout=WAIT)
    assert not thread.is_alive()
    out = capsys.readouterr().out
    assert f"Preview: http://127.0.0.1:{port}/" in out
    assert "rebuilt in" in out and "Preview stopped." in out
