"""`make run`'s server as a subprocess on a free port, with its own state file and this run's Redis database,
shared by every e2e test module."""

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
import pytest

from local.config import ROOT
from tests.plugins.stack import flush_keeping_claim


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def local_server(workdir: Path, redis_url: str, startup_timeout: float = 180) -> Iterator[dict[str, Any]]:
    """Start `python -m local run`; yield its state (api, emulator_host, users, ...); stop it as Ctrl-C does."""
    port = _free_port()
    state = workdir / "stack.json"
    flush_keeping_claim(redis_url)  # the server shares this run's database; other tests clean up after it
    env = {**os.environ, "REDIS_URL": redis_url, "BLINKIT_LOCAL_STATE": str(state)}
    log_path = workdir / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "local", "run", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + startup_timeout
        while not state.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the local stack did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.3)
        info = json.loads(state.read_text())
        while True:  # the state file is written just before uvicorn binds the port
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
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


# One server for the whole e2e package: starting the stack (emulator, moto, seeding) is the slow part.
@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[dict[str, Any]]:
    with local_server(tmp_path_factory.mktemp("stack"), redis_url) as info:
        yield info
