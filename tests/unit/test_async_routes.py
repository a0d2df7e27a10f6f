"""Every route and every dependency of every domain's app is `async def`, so FastAPI runs them on the request's
event loop. A plain `def` would run in a worker thread: a hand-off per dependency per request, which cost the add
to cart more than its own work outside DynamoDB (blinkit/security.py says why that is safe in Lambda)."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest

from blinkit.openapi import _api_routes, _calls

DOMAINS = ["auth", "cart", "delivery", "notifications", "orders", "payments", "products"]


def _name(call: Any) -> str:
    return f"{getattr(call, '__module__', '?')}.{getattr(call, '__qualname__', type(call).__name__)}"


def _runs_in_a_thread(call: Any) -> bool:
    """What FastAPI decides for a dependency or endpoint: a plain function (or an object whose `__call__` is one)
    goes to the thread pool."""
    real = inspect.unwrap(call)
    if inspect.isroutine(real):
        return not inspect.iscoroutinefunction(real)
    return not inspect.iscoroutinefunction(type(real).__call__)


@pytest.mark.parametrize("domain", DOMAINS)
def test_no_route_or_dependency_runs_in_a_worker_thread(domain: str) -> None:
    app = importlib.import_module(f"{domain}.app").app
    routes = list(_api_routes(app.routes))
    assert routes, f"{domain} has no routes"
    threaded = sorted({_name(call) for route in routes for call in [route.endpoint, *_calls(route.dependant)]
                       if _runs_in_a_thread(call)})
    assert threaded == [], f"{domain}: make these `async def`: {threaded}"


def test_the_check_sees_a_plain_def_dependency() -> None:
    def plain() -> None: ...

    async def coroutine() -> None: ...

    class Bearer:  # FastAPI's security schemes are objects with an async __call__
        async def __call__(self) -> None: ...

    assert _runs_in_a_thread(plain)
    assert not _runs_in_a_thread(coroutine)
    assert not _runs_in_a_thread(Bearer())
