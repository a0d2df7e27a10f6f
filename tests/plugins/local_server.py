"""`make run`'s server as a subprocess on a free port, for the e2e tests and the load benchmark."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from local.config import ROOT
from local.server import BANNER


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def local_server(workdir: Path, redis_url: str | None, startup_timeout: float = 180,
                 env: dict[str, str] | None = None,
                 stop_signal: signal.Signals = signal.SIGINT) -> Iterator[dict[str, Any]]:
    """Start `python -m local run` on a free port with its state file in `workdir` and `env` added; yield its
    state (api, emulator_host, users, ...); stop it with `stop_signal` (Ctrl-C's SIGINT, or the SIGTERM that
    `kill`, systemd and container runtimes send) and check it stopped what it started: its state file is gone
    and its Firebase emulator no longer listens. The caller empties `redis_url` first; with `redis_url` None
    the server embeds a Redis of its own (`make screenshots`, which must not touch a shared one).

    It waits for the "running" line, as a person would, and at that moment asks /health and searches, as a
    client starting right away would: `at_banner` holds what they answered."""
    port = _free_port()
    state = workdir / "stack.json"
    env = {**os.environ, **(env or {}), "BLINKIT_LOCAL_STATE": str(state)}
    if redis_url is None:
        env.pop("REDIS_URL", None)
    else:
        env["REDIS_URL"] = redis_url
    log_path = workdir / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "local", "run", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + startup_timeout
        while BANNER not in log_path.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the local stack did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.1)
        api = f"http://127.0.0.1:{port}"
        health = httpx.get(f"{api}/health", timeout=10)
        search = httpx.get(f"{api}/products/search", params={"q": "milk"}, timeout=10)
        at_banner = {"health": health.status_code, "health_body": health.json(), "search": search.status_code,
                     "search_total": search.json().get("total")}
        info = json.loads(state.read_text())
        emulator = info["emulator_host"]
        yield {**info, "api": api, "state_file": str(state), "log": str(log_path), "at_banner": at_banner}
    finally:
        proc.send_signal(stop_signal)  # the stack stops its emulator and threads either way
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    assert not state.exists(), "the server should remove its state file when it stops"
    assert not _listening(emulator), f"the Firebase emulator at {emulator} outlived the server ({stop_signal.name})"


def _listening(host_port: str) -> bool:
    host, port = host_port.rsplit(":", 1)
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, int(port))) == 0
