"""Through the gateway on `make run`'s embedded Redis (no REDIS_URL): the first logout, logout-all, role change and
refresh of a fresh server succeed. Each is the first call of its session script there (answered NOSCRIPT, then
loaded on the same connection), which answered 503 while the embedded server hung up after every error reply."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from local.server import redis_server
from tests.integration.conftest import User, login_again

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """This module's stack uses a fresh embedded Redis, started as `make run` starts it, instead of the run's."""
    saved = os.environ.pop("REDIS_URL", None)
    try:
        server = redis_server()
        url = server.__enter__()
    finally:
        if saved is not None:
            os.environ["REDIS_URL"] = saved
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


def test_the_first_call_of_every_session_script_on_a_fresh_embedded_redis_succeeds(
        api: Any, admin: User, customer: User) -> None:
    from auth import service

    scripts = service.sessions()
    assert "127.0.0.1" in str(scripts.r.connection_pool.connection_kwargs.get("host"))
    assert scripts.r.script_exists(scripts._rotate.sha, scripts._set_roles.sha, scripts._delete_all.sha) == [
        False, False, False]

    refreshed = api.post("/auth/refresh-session", token=customer.session_token)
    assert refreshed.status == 200, refreshed.body
    customer.session_token = refreshed.json()["session_token"]

    roles = api.put(f"/admin/users/{customer.uid}/roles", {"roles": ["delivery_partner", "customer"]},
                    token=admin.session_token)
    assert roles.status == 200, roles.body

    second = login_again(api, customer, "iPad")
    assert api.post("/auth/logout", token=second).status == 204
    assert api.post("/auth/logout-all", token=customer.session_token).status == 204
    assert api.get("/users/me", token=customer.session_token).status == 401
