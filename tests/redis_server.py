"""A `redis-server` of a test's own on a free loopback port, without persistence: for tests that must kill
Redis for real (tests/drills) or configure it in a way the shared server must not be (a password)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time

import redis


class RedisServer:
    """A `redis-server` of our own on a free loopback port, without persistence; `password` makes it require
    AUTH, as the ElastiCache cache does."""

    def __init__(self, password: str | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:  # .ci/run installs it; a missing binary is a broken set-up, not a skip
            raise RuntimeError("this test needs the redis-server binary on PATH")
        self.binary = binary
        self.password = password
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        auth = ["--requirepass", self.password] if self.password else []
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--loglevel", "warning", *auth],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, password=self.password, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no goodbye to clients, no save; the data is gone with the process."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, password=self.password, decode_responses=True, socket_timeout=1)
