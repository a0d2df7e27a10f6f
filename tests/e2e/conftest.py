"""`make run`'s server as a subprocess on a free port, with its own state file and this run's Redis database,
shared by every e2e test module."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import pytest

from tests.plugins.local_server import local_server
from tests.plugins.stack import flush_keeping_claim


# One server for the whole e2e package: starting the stack (emulator, moto, seeding) is the slow part. It is
# stopped with SIGTERM, as `kill` and service managers stop it (the load benchmark stops its own with Ctrl-C's
# SIGINT); either way local_server checks that the emulator it started is gone.
@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[dict[str, Any]]:
    flush_keeping_claim(redis_url)  # the server shares this run's database; other tests clean up after it
    with local_server(tmp_path_factory.mktemp("stack"), redis_url, stop_signal=signal.SIGTERM) as info:
        yield info
