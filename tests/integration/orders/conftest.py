"""The orders tests: the cart tests' gateway over loopback HTTP (the saga's LoadCart calls products, the
checkout calls auth's internal address route, PriceOrder reads products' stores), plus checkout helpers."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from tests.integration.cart.conftest import Served, Shop, _fresh_clients, make_shop, served  # noqa: F401
from tests.integration.conftest import User
from tests.integration.products_helpers import FAR_AWAY, HOME, make_category, make_product, make_store, set_stock

SAGA = "OrderSagaStateMachine"
NEAR = {"label": "Home", "line1": "12, 4th Cross, Indiranagar", "city": "Bengaluru", "pincode": "560038",
        "lat": HOME[0], "lng": HOME[1]}
FAR = {**NEAR, "label": "Airport", "line1": "Kempegowda International Airport", "pincode": "560300",
       "lat": FAR_AWAY[0], "lng": FAR_AWAY[1]}
FEES = {"delivery_fee": 2500, "free_delivery_threshold": 19900, "small_cart_fee": 2000, "small_cart_threshold": 9900,
        "handling_fee": 400, "late_night_fee": 0, "minimum_order": 4900, "max_tip": 10000}


@pytest.fixture(autouse=True)
def _orders_clients(served: Served) -> Iterator[None]:  # noqa: F811 (the cart tests' fixture)
    from blinkit import aws, upstreams
    from blinkit.settings import get_settings

    os.environ["AUTH_SERVICE_URL"] = served.url
    get_settings.cache_clear()
    upstreams.reset()
    aws.reset()
    yield
    upstreams.reset()
    aws.reset()


@pytest.fixture
def shop(api: Any, admin: User) -> Shop:
    """Two stores at HOME with the issue's default fees (minimum ₹49, tips up to ₹100); six products, 20 each."""
    store = make_store(api, admin, fees=FEES)
    other = make_store(api, admin, fees=FEES)
    category = make_category(api, admin)
    products = []
    for i in range(6):
        product = make_product(api, admin, category["category_id"], price=2000 + i * 1000, mrp=2500 + i * 1000)
        assert set_stock(api, admin, store["store_id"], product["product_id"], 20).status == 200
        products.append({**product, "available": 20})
    return Shop(store["store_id"], other["store_id"], products)


def add_address(api: Any, user: User, body: dict[str, Any] = NEAR) -> str:
    reply = api.post("/users/me/addresses", body, token=user.session_token)
    assert reply.status == 201, reply.body
    return str(reply.json()["address_id"])


def fill_cart(api: Any, user: User, shop: Shop, quantities: dict[int, int]) -> None:
    for i, quantity in quantities.items():
        body = {"store_id": shop.store_id, "product_id": shop.pid(i), "quantity": quantity}
        reply = api.post("/cart/items", body, token=user.session_token)
        assert reply.status == 200, reply.body


def checkout(api: Any, user: User, address_id: str, *, key: str | None = None, tip: int = 0, **extra: Any) -> Any:
    body = {"address_id": address_id, "payment_method": "cod", "tip": tip, **extra}
    return api.post("/orders", body, token=user.session_token,
                    headers={"idempotency-key": key or f"key-{uuid.uuid4()}"})


def execution_arn(order_id: str) -> str:
    sfn = boto3.client("stepfunctions")
    machine = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"] == SAGA)
    return machine.replace(":stateMachine:", ":execution:") + f":{order_id}"


def executions_of(order_id: str) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions")
    machine = execution_arn(order_id).rsplit(":", 1)[0].replace(":execution:", ":stateMachine:")
    found = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine):
        found.extend(e for e in page["executions"] if e["name"] == order_id)
    return found


def wait_done(stack: Any, order_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not executions_of(order_id):
        assert time.monotonic() < deadline, f"no execution for {order_id}"
        time.sleep(0.05)
    return dict(stack.executor.wait(execution_arn(order_id), timeout=timeout))


def order(api: Any, user: User, order_id: str) -> dict[str, Any]:
    reply = api.get(f"/orders/{order_id}", token=user.session_token)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def stock(api: Any, shop: Shop, i: int, store_id: str | None = None) -> int:
    reply = api.get(f"/products/{shop.pid(i)}", query=f"store_id={store_id or shop.store_id}")
    assert reply.status == 200, reply.body
    return int(reply.json()["available"])


def drain_notifications(stack: Any) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = stack.resources.queues["NotificationsQueue"]["url"]
    messages = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return messages
        for m in got:
            messages.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


@dataclass
class Placed:
    order_id: str
    address_id: str


def place(api: Any, stack: Any, user: User, shop: Shop, quantities: dict[int, int] | None = None) -> Placed:
    address_id = add_address(api, user)
    fill_cart(api, user, shop, quantities or {0: 2, 1: 1})
    reply = checkout(api, user, address_id)
    assert reply.status == 202, reply.body
    order_id = reply.json()["order_id"]
    assert wait_done(stack, order_id)["status"] == "SUCCEEDED"
    assert order(api, user, order_id)["status"] == "PLACED"
    return Placed(order_id, address_id)
