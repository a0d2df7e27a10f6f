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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def local_server(workdir: Path, redis_url: str, startup_timeout: float = 180,
                 env: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
    """Start `python -m local run` on a free port with its state file in `workdir` and `env` added; yield its
    state (api, emulator_host, users, ...); stop it as Ctrl-C does. The caller empties `redis_url` first."""
    port = _free_port()
    state = workdir / "stack.json"
    env = {**os.environ, **(env or {}), "REDIS_URL": redis_url, "BLINKIT_LOCAL_STATE": str(state)}
    log_path = workdir / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "local", "run", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:  # the state file is written just before uvicorn binds the port: read it once /health answers
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the local stack did not start:\n" + log_path.read_text()[-3000:])
            if state.exists():
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
            time.sleep(0.3)
        info = json.loads(state.read_text())
        yield {**info, "api": f"http://127.0.0.1:{port}", "state_file": str(state), "log": str(log_path)}
    finally:
        proc.send_signal(signal.SIGINT)  # as Ctrl-C: the stack stops its emulator and threads
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    assert not state.exists(), "the server should remove its state file when it stops"
