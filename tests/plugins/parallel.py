"""Pytest plugin: how `make test` splits the suite between xdist workers (`-n 2 --dist loadfile`).

A whole test file goes to one worker, so module-scoped stacks are built once. The e2e package is one unit
on top of that: its modules share one `make run` server (a package-scoped fixture, the slowest set-up of
the suite), which two workers would each start; the browser package likewise.
"""

from __future__ import annotations

from typing import Any

import pytest

ONE_UNIT = ("tests/e2e/", "tests/browser/")


def _scope(nodeid: str) -> str:
    for prefix in ONE_UNIT:
        if nodeid.startswith(prefix):
            return prefix
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class PackageAwareLoadFile(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

    return PackageAwareLoadFile(config, log)
