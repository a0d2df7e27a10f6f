"""One scenario per failure path of the order saga, each run for real on the local stack's state machine.

| scenario                      | order                              | stock          | execution ends in |
|-------------------------------|------------------------------------|----------------|-------------------|
| empty cart                    | FAILED CART_EMPTY                  | untouched      | OrderNotPlaced    |
| out of stock                  | FAILED OUT_OF_STOCK (short items)  | untouched      | OrderNotPlaced    |
| address outside the radius    | FAILED NOT_SERVICEABLE             | reserved, back | OrderNotPlaced    |
| item total below the minimum  | FAILED BELOW_MINIMUM               | reserved, back | OrderNotPlaced    |
| CreateOrder crashes           | FAILED INTERNAL                    | reserved, back | OrderNotPlaced    |
| ClearCart keeps failing       | PLACED (the cart is left as it is) | taken          | OrderPlaced       |
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.orders.conftest import (
    FAR,
    add_address,
    checkout,
    drain_notifications,
    execution_arn,
    fill_cart,
    order,
    stock,
    wait_done,
)
from tests.integration.products_helpers import set_stock


@dataclass
class Scenario:
    cart: dict[int, int]
    address: dict[str, Any] | None = None
    before: Callable[..., None] | None = None  # (api, admin, shop, monkeypatch) after filling the cart


def _sell_out(api: Any, admin: Any, shop: Any, monkeypatch: Any) -> None:
    assert set_stock(api, admin, shop.store_id, shop.pid(0), 1).status == 200


def _crash_create_order(api: Any, admin: Any, shop: Any, monkeypatch: Any) -> None:
    from orders import jobs

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("simulated crash in CreateOrder")

    monkeypatch.setattr(jobs, "check_transition", boom)


SCENARIOS = {
    "empty-cart": (Scenario(cart={}), "CART_EMPTY"),
    "out-of-stock": (Scenario(cart={0: 3, 1: 1}, before=_sell_out), "OUT_OF_STOCK"),
    "not-serviceable": (Scenario(cart={0: 3}, address=FAR), "NOT_SERVICEABLE"),
    "below-minimum": (Scenario(cart={0: 2}), "BELOW_MINIMUM"),  # 4000 < 4900
    "create-order-crash": (Scenario(cart={0: 3}, before=_crash_create_order), "INTERNAL"),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_failure_path_ends_failed_with_its_reason_and_stock_exactly_as_before(
        name: str, api: Any, project_stack: Any, customer: Any, admin: Any, shop: Any, monkeypatch: Any) -> None:
    scenario, reason = SCENARIOS[name]
    address_id = add_address(api, customer, scenario.address) if scenario.address else add_address(api, customer)
    fill_cart(api, customer, shop, scenario.cart)
    if scenario.before:
        scenario.before(api, admin, shop, monkeypatch)
    before = [stock(api, shop, i) for i in range(3)]
    drain_notifications(project_stack)

    reply = checkout(api, customer, address_id)
    assert reply.status == 202, reply.body
    order_id = reply.json()["order_id"]
    result = wait_done(project_stack, order_id)

    assert result["status"] == "SUCCEEDED", result  # compensated: nothing for the failed-execution alarm
    failed = order(api, customer, order_id)
    assert failed["status"] == "FAILED" and failed["reason"] == reason, failed
    assert [h["status"] for h in failed["status_history"]] == ["PENDING", "FAILED"]
    assert [stock(api, shop, i) for i in range(3)] == before
    assert [(m["type"], m["data"]["reason"]) for m in drain_notifications(project_stack)] == [
        ("order.failed", reason)]
    if reason == "OUT_OF_STOCK":
        assert failed["reason_detail"]["items"] == [{"product_id": shop.pid(0), "requested": 3, "available": 1}]
    if scenario.cart:  # the cart is kept, so the customer can fix it and try again
        assert len(api.get("/cart", token=customer.session_token).json()["items"]) == len(scenario.cart)


def test_a_failing_clear_cart_is_retried_and_does_not_undo_the_placed_order(
        api: Any, project_stack: Any, customer: Any, shop: Any, monkeypatch: Any) -> None:
    from cart import store as cart_store

    calls = []

    def broken_clear(*args: Any, **kwargs: Any) -> None:
        calls.append(args)
        raise RuntimeError("simulated carts table outage")

    monkeypatch.setattr(cart_store, "clear_for_order", broken_clear)
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3})
    drain_notifications(project_stack)
    order_id = checkout(api, customer, address_id).json()["order_id"]

    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"
    assert order(api, customer, order_id)["status"] == "PLACED"
    assert stock(api, shop, 0) == 17
    assert len(calls) == 3  # the first try and two retries
    assert [m["type"] for m in drain_notifications(project_stack)] == ["order.placed"]
    history = project_stack.executor.history(execution_arn(order_id))
    failed = [e for e in history if e["type"] == "TaskFailed"]
    assert len(failed) == 3 and all(json.loads(e["taskFailedEventDetails"]["cause"])["errorType"] == "RuntimeError"
                                    for e in failed)
