"""A stand-in's HTTP server: a ThreadingHTTPServer on a free loopback port, served from a daemon thread.

    class MyStandIn(LoopbackServer):
        thread_name = "local-mine"
        def handler(self) -> type[BaseHTTPRequestHandler]: ...   # the request handler class, bound to self

    with MyStandIn() as stand_in:
        stand_in.url   # http://127.0.0.1:<port>
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class JsonHandler(BaseHTTPRequestHandler):
    """What every stand-in's request handler shares: HTTP/1.1 keep-alive, no access log, JSON answers."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and make run print enough
        pass

    def _answer(self, status: int, body: dict[str, Any] | None) -> None:
        """`body` as JSON, or an empty answer for None."""
        raw = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if raw:
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class LoopbackServer:
    thread_name = "local-loopback"

    def __init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self) -> Self:
        if self._server is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
            self._server.daemon_threads = True
            self._thread = threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"
