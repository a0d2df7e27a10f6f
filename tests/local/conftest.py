"""Fixtures for the local stack's own tests: a tiny test-only SAM template and the stack built from it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.stack import LocalStack

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_TEMPLATE = FIXTURES / "template.yaml"
# The fixture's ElastiCache endpoint has no local value; tests supply it as `make run` would.
OVERRIDES = {"REDIS_URL": "redis://127.0.0.1:6379/15"}


@pytest.fixture(autouse=True)
def _restore_process_state() -> Iterator[None]:
    """Whatever a test starts, os.environ and sys.path end as they began."""
    environ, path = dict(os.environ), list(sys.path)
    yield
    os.environ.clear()
    os.environ.update(environ)
    sys.path[:] = path


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack(FIXTURE_TEMPLATE, env_overrides=OVERRIDES) as running:
        yield running


@pytest.fixture
def handlers(stack: LocalStack) -> object:
    """The fixture handler module, imported the way the stack imports it (for its concurrency probe)."""
    assert stack.functions is not None
    stack.functions.handler_of("SlowFunction")
    return sys.modules["fixture_app.handlers"]
