"""`make run`'s bound on clients' requests (local/gateway.py `asgi_app(public_concurrency=...)`): at most N run
their functions at once, the next waits its turn, and calls between services (an /internal/ route, or any route
called through blinkit.service_client) never wait behind clients, as they would not in AWS."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import httpx
import pytest

from local.gateway import Gateway, asgi_app, is_service_call
from local.template import HttpRoute

SERVICE_AGENT = "blinkit-cart (service-client)"  # what blinkit.service_client sends


class _Functions:
    """Each invocation records itself as started, then holds its instance until `release` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started: list[str] = []
        self._lock = threading.Lock()

    def invoke(self, function_id: str, event: Any) -> Any:
        with self._lock:
            self.started.append(event["rawPath"])
        assert self.release.wait(10), "the test never released the functions"
        return {"statusCode": 200, "headers": {"content-type": "application/json"},
                "body": json.dumps({"path": event["rawPath"]})}


class _Template:
    def http_routes(self) -> list[HttpRoute]:
        return [HttpRoute("GET", "/stores", "Stores", "Route", "HttpApi", None),
                HttpRoute("POST", "/internal/products/batch", "Batch", "Route", "HttpApi", None)]


async def _until(condition: Any, what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_clients_wait_their_turn_and_service_calls_never_wait() -> None:
    functions = _Functions()
    app = asgi_app(Gateway(_Template(), functions), public_concurrency=1)  # type: ignore[arg-type]

    async def scenario() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://local") as client:
            first = asyncio.create_task(client.get("/stores?n=1"))
            await _until(lambda: functions.started == ["/stores"], "the first client's request to start")
            second = asyncio.create_task(client.get("/stores?n=2"))
            internal = asyncio.create_task(client.post("/internal/products/batch", json={}))
            via_client = asyncio.create_task(client.get("/stores?n=3", headers={"user-agent": SERVICE_AGENT}))
            # The two service calls start beside the first client's request; the second client's does not.
            await _until(lambda: len(functions.started) == 3, "both service calls to start")
            await asyncio.sleep(0.1)
            assert sorted(functions.started) == ["/internal/products/batch", "/stores", "/stores"]
            assert not second.done()
            functions.release.set()
            replies = await asyncio.gather(first, second, internal, via_client)
            assert len(functions.started) == 4  # the second client's request ran once the first was done
            return [reply.status_code for reply in replies]

    assert asyncio.run(scenario()) == [200, 200, 200, 200]


def test_without_a_bound_every_request_runs_at_once() -> None:
    functions = _Functions()
    app = asgi_app(Gateway(_Template(), functions))  # type: ignore[arg-type]

    async def scenario() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://local") as client:
            requests = [asyncio.create_task(client.get(f"/stores?n={n}")) for n in range(3)]
            await _until(lambda: len(functions.started) == 3, "three clients' requests to run at once")
            functions.release.set()
            return [reply.status_code for reply in await asyncio.gather(*requests)]

    assert asyncio.run(scenario()) == [200, 200, 200]


def test_what_counts_as_a_service_call() -> None:
    assert is_service_call("/internal/users/u1/contact", {})
    assert is_service_call("/stores", {"user-agent": SERVICE_AGENT})
    assert not is_service_call("/stores", {"user-agent": "Mozilla/5.0"})
    assert not is_service_call("/stores", {})
    assert not is_service_call("/cart/internal/x", {})  # only the /internal/ prefix, not the word anywhere


def test_run_refuses_a_bound_that_is_not_a_count(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from local.__main__ import main

    assert main(["run", "--concurrency", "-1"]) == 2
    assert "--concurrency (or BLINKIT_CONCURRENCY) must be 0 (no bound) or more, got '-1'" in capsys.readouterr().err
    monkeypatch.setenv("BLINKIT_CONCURRENCY", "two")
    assert main(["run"]) == 2
    assert "got 'two'" in capsys.readouterr().err
