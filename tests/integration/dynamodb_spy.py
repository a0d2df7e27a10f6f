"""Sees the DynamoDB calls a test makes, at botocore's one choke point (`BaseClient._make_api_call`), so a test can
count or name them; the patch goes through the caller's monkeypatch and is undone with it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest


def spy_dynamodb(monkeypatch: pytest.MonkeyPatch, record: Callable[[str, dict[str, Any]], None], *,
                 this_thread_only: bool = False) -> None:
    """Calls `record(operation, params)` before each DynamoDB call, then makes the call. `this_thread_only`: only
    the calls of the thread that installs the spy (the local stack answers internal HTTP calls in other threads
    of the same process, and those calls are another domain's)."""
    import botocore.client

    me, call = threading.get_ident(), botocore.client.BaseClient._make_api_call

    def spied(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb" and (
                not this_thread_only or threading.get_ident() == me):
            record(operation, params)
        return call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spied)
