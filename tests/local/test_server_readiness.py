"""`make run`'s readiness wait (local.server.wait_until_ready) against a stand-in /health that is slow to be ready."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from local.server import wait_until_ready

BUILDING = {"status": "degraded", "dependencies": {
    "redis": {"status": "ok", "detail": None}, "catalog_table": {"status": "ok", "detail": None},
    "search_index": {"status": "building", "detail": "No search index has been published yet"}}}


class Health:
    """Answers 503 (BUILDING) until `ready_after` requests were made, then 200."""

    def __init__(self, ready_after: int | None) -> None:
        self.ready_after, self.calls = ready_after, 0


@pytest.fixture
def health() -> Iterator[tuple[str, Health]]:
    state = Health(ready_after=None)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.calls += 1
            ready = state.ready_after is not None and state.calls > state.ready_after
            body = json.dumps({"status": "ok", "dependencies": {}} if ready else BUILDING).encode()
            self.send_response(200 if ready else 503)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/health", state
    finally:
        server.shutdown()
        server.server_close()


def test_it_returns_once_health_answers_200(health: tuple[str, Health]) -> None:
    url, state = health
    state.ready_after = 3
    assert wait_until_ready(url, timeout=10, interval=0.01) is None
    assert state.calls == 4  # three 503s, then the 200


def test_on_timeout_it_says_which_component_is_not_ready(health: tuple[str, Health]) -> None:
    url, state = health
    started = time.monotonic()
    why = wait_until_ready(url, timeout=0.3, interval=0.05)
    assert why == "search_index is building (No search index has been published yet)"
    assert 0.3 <= time.monotonic() - started < 5 and state.calls >= 2


def test_a_server_that_never_answers_is_named_as_such() -> None:
    with socket.socket() as s:  # a port nobody listens on once this closes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert wait_until_ready(f"http://127.0.0.1:{port}/health", timeout=0.2, interval=0.05) == \
        "the API did not answer (ConnectError)"


def test_it_stops_waiting_when_asked(health: tuple[str, Health]) -> None:
    url, state = health
    assert wait_until_ready(url, timeout=60, interval=0.01, stopped=lambda: state.calls >= 2) is not None
    assert state.calls == 2

