"""The cart tests: the local gateway served over real HTTP on loopback (cart → products and auth → cart
go through it, as in AWS through the HttpApi), with a fault switch in front of the products routes."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.integration.conftest import User
from tests.integration.products_helpers import make_category, make_product, make_store, set_stock

BREAKER_FAILURES = 3
BREAKER_COOLDOWN_SECONDS = 1.0
PRODUCTS_TIMEOUT_SECONDS = 1.5  # generous: an in-process products call can take ~0.3 s under load


class Faults:
    """What the products routes do: answer normally, answer 503, or hang past the client's timeout."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.calls = 0  # requests that reached /internal/products/*

    def __call__(self, app: Any) -> Any:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"].startswith("/internal/products/"):
                self.calls += 1
                if self.mode == "503":
                    await send({"type": "http.response.start", "status": 503,
                                "headers": [(b"content-type", b"application/json")]})
                    await send({"type": "http.response.body", "body": b'{"message":"Service Unavailable"}'})
                    return
                if self.mode == "slow":
                    await asyncio.sleep(PRODUCTS_TIMEOUT_SECONDS * 2)
            await app(scope, receive, send)

        return wrapped


@dataclass
class Served:
    url: str
    faults: Faults
    server: Any = field(repr=False)


@pytest.fixture(scope="module")
def served(project_stack: Any) -> Iterator[Served]:
    """The gateway on http://127.0.0.1:<port>; PRODUCTS_SERVICE_URL and CART_SERVICE_URL point at it."""
    import uvicorn

    from blinkit.settings import get_settings
    from local.gateway import Gateway, asgi_app, server_config

    faults = Faults()
    app = faults(asgi_app(Gateway(project_stack.template, project_stack.functions)))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(server_config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="cart-test-gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test gateway did not start"
        time.sleep(0.02)
    # The stack restores os.environ when the module's stack stops.
    os.environ.update({
        "PRODUCTS_SERVICE_URL": url, "CART_SERVICE_URL": url,
        "PRODUCTS_BREAKER_FAILURES": str(BREAKER_FAILURES),
        "PRODUCTS_BREAKER_COOLDOWN_SECONDS": str(BREAKER_COOLDOWN_SECONDS),
        "PRODUCTS_TIMEOUT_SECONDS": str(PRODUCTS_TIMEOUT_SECONDS),
    })
    get_settings.cache_clear()
    yield Served(url, faults, server)
    server.should_exit = True
    thread.join(timeout=10)
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_clients(api: Any, served: Served) -> Iterator[None]:
    """Each test starts with a closed breaker, working products and no cached stores."""
    from blinkit import upstreams

    def reset() -> None:
        served.faults.mode = "ok"
        served.faults.calls = 0
        upstreams.reset()
        try:
            from products import service as products_service

            products_service.forget_stores()
        except (ImportError, AttributeError):
            pass

    reset()
    yield
    reset()


@dataclass
class Shop:
    store_id: str
    other_store_id: str
    products: list[dict[str, Any]]  # product views as created, with "available" added

    def pid(self, i: int) -> str:
        return str(self.products[i]["product_id"])


def make_shop(api: Any, admin: User, n: int = 6, stock: int = 20, **product_over: Any) -> Shop:
    store = make_store(api, admin)
    other = make_store(api, admin)
    category = make_category(api, admin)
    products = []
    for i in range(n):
        product = make_product(api, admin, category["category_id"], price=1000 + i * 100, mrp=1500 + i * 100,
                               **product_over)
        reply = set_stock(api, admin, store["store_id"], product["product_id"], stock)
        assert reply.status == 200, reply.body
        set_stock(api, admin, other["store_id"], product["product_id"], stock)
        products.append({**product, "available": stock})
    return Shop(store["store_id"], other["store_id"], products)


@pytest.fixture
def shop(api: Any, admin: User) -> Shop:
    return make_shop(api, admin)
