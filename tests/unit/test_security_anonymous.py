"""The anonymous verdict: guests pass the app's guard, `optional_user` makes them None, `current_user` 401s."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from blinkit.errors import ServiceUnavailable, Unauthorized
from blinkit.security import current_user, optional_user, verdict_problem


def _run(dependency: Any, request: Any) -> Any:
    """The dependencies are `async def` (FastAPI awaits them on the request's loop): run one to its answer."""
    return asyncio.run(dependency(request))


class _Request:
    def __init__(self, context: dict[str, Any] | None) -> None:
        event = {"requestContext": {"authorizer": {"lambda": context}}} if context is not None else {}
        self.scope = {"aws.event": event}


def test_anonymous_passes_the_guard_and_the_route_decides() -> None:
    assert verdict_problem({"auth_state": "anonymous"}) is None
    assert _run(optional_user, _Request({"auth_state": "anonymous"})) is None
    with pytest.raises(Unauthorized):
        _run(current_user, _Request({"auth_state": "anonymous"}))


def test_optional_user_still_refuses_invalid_and_unavailable_verdicts() -> None:
    with pytest.raises(Unauthorized):
        _run(optional_user, _Request({"auth_state": "invalid"}))
    with pytest.raises(ServiceUnavailable):
        _run(optional_user, _Request({"auth_state": "unavailable"}))
    with pytest.raises(Unauthorized):
        _run(optional_user, _Request(None))  # no authorizer ran: never guess
    principal = _run(optional_user, _Request({"auth_state": "ok", "uid": "u1", "session_id": "s", "roles": "customer"}))
    assert principal is not None and principal.uid == "u1" and principal.roles == frozenset({"customer"})
