"""`make run` says it is running only once it is ready: at that line /health is 200 with a published search
index, and a search finds the demo catalog (tests/plugins/local_server.py asks both the moment it appears)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.server import BANNER

pytestmark = pytest.mark.e2e


def test_the_running_line_comes_once_health_is_200_and_search_finds_the_catalog(server: dict[str, Any]) -> None:
    at_banner = server["at_banner"]
    assert at_banner["health"] == 200, at_banner
    assert at_banner["health_body"]["dependencies"]["search_index"] == {"status": "ok", "detail": None}
    assert at_banner["search"] == 200 and at_banner["search_total"] > 0, at_banner
    assert Path(server["log"]).read_text(errors="replace").count(BANNER) == 1


def test_make_run_starts_without_a_warning(server: dict[str, Any]) -> None:
    """Values the local stack supplies on purpose (the cache endpoint, the secrets) are not reported as missing,
    and nothing else warns on a healthy start: a WARNING line means something for the user to do."""
    log = Path(server["log"]).read_text(errors="replace")
    start = log[:log.index(BANNER)]
    assert "no local value" not in log
    assert [line for line in start.splitlines() if " WARNING " in line or '"level":"WARNING"' in line] == []
