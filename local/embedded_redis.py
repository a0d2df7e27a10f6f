"""`make run`'s embedded Redis (no REDIS_URL set): fakeredis' TCP server, made to keep a client's connection
open after an error reply, as Redis does.

fakeredis' request handler (`TCPFakeRequestHandler.handle`, fakeredis 2.40) reads each reply through a redis-py
connection, whose parser *raises* an error reply as `ResponseError`. The handler's `except Exception` writes that
error to the client and then leaves its loop, closing the connection: every error reply hung up on the client.
redis-py runs a registered Lua script as EVALSHA, and the first EVALSHA of a script on a fresh server is answered
NOSCRIPT; the server hung up, and the SCRIPT LOAD that redis-py sends next on that pooled connection failed with
"Connection closed by server" (the session store's first logout-all, role change or refresh answered 503). A real
Redis or Valkey never closes a connection because a command failed, so AWS and the test suite never saw it.

The handler below hands an error reply back to the loop as the reply it is (the loop writes it with fakeredis' own
encoding), so only a real connection problem ends the connection.
"""

from __future__ import annotations

from typing import Any

import redis
from fakeredis import TcpFakeServer
from fakeredis._clients._tcp_server import TCPFakeRequestHandler


class _ErrorRepliesKeepTheConnection(TCPFakeRequestHandler):
    def setup(self) -> None:
        super().setup()
        client = self.current_client
        if getattr(client, "_error_replies_returned", False):  # a reused connection is wrapped already
            return
        read = client.read_response

        def read_response(**kwargs: Any) -> Any:
            try:
                return read(**kwargs)
            except redis.ResponseError as error:  # an error *reply* (NOSCRIPT, WRONGTYPE, ERR ...), not a failure
                return error  # the loop writes an exception as the error reply it was

        client.read_response = read_response
        client._error_replies_returned = True


def embedded_redis(host: str = "127.0.0.1", port: int = 0) -> TcpFakeServer:
    """A fakeredis server (Lua included) on `host:port` (0: a free port), not started: `serve_forever` it."""
    server = TcpFakeServer((host, port), server_type="redis")
    server.RequestHandlerClass = _ErrorRepliesKeepTheConnection
    return server
