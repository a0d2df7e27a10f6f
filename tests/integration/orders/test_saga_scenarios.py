"""One scenario per failure path of the order saga, each run for real on the local stack's state machine.

| scenario                      | order                              | stock          | execution ends in |
|-------------------------------|------------------------------------|----------------|-------------------|
| empty cart                    | FAILED CART_EMPTY                  | untouched      | OrderNotPlaced    |
| product deactivated in cart   | FAILED PRODUCT_UNAVAILABLE (lines) | untouched      | OrderNotPlaced    |
| max_per_order lowered in cart | FAILED ABOVE_MAX_PER_ORDER (lines) | untouched      | OrderNotPlaced    |
| store deactivated before      | FAILED STORE_INACTIVE              | untouched      | OrderNotPlaced    |
| out of stock                  | FAILED OUT_OF_STOCK (short items)  | untouched      | OrderNotPlaced    |
| store deactivated mid-saga    | FAILED STORE_INACTIVE              | reserved, back | OrderNotPlaced    |
| address outside the radius    | FAILED NOT_SERVICEABLE             | reserved, back | OrderNotPlaced    |
| item total below the minimum  | FAILED BELOW_MINIMUM               | reserved, back | OrderNotPlaced    |
| CreateOrder crashes           | FAILED INTERNAL                    | reserved, back | OrderNotPlaced    |
| ClearCart keeps failing       | PLACED (the cart is left as it is) | taken          | OrderPlaced       |

Online orders (paid by verify, webhook or both; a declined attempt, nobody paying, another amount, money after
the timeout, Razorpay down at CreatePayment) have their own table in test_online_saga.py.
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
    detail: Callable[[Any], dict[str, Any]] | None = None  # (shop) -> what the order's reason_detail holds


def _line(shop: Any, i: int, requested: int, allowed: int) -> dict[str, Any]:
    return {"product_id": shop.pid(i), "name": shop.products[i]["name"], "requested": requested, "allowed": allowed}


def _sell_out(api: Any, admin: Any, shop: Any, monkeypatch: Any) -> None:
    assert set_stock(api, admin, shop.store_id, shop.pid(0), 1).status == 200


def _deactivate_product_3(api: Any, admin: Any, shop: Any, monkeypatch: Any) -> None:
    assert api.delete(f"/products/{shop.pid(3)}", token=admin.session_token).status == 204


def _lower_max_per_order_to_2(api: Any, admin: Any, shop: Any, monkeypatch: Any) -> None:
    assert api.patch(f"/products/{shop.pid(0)}", {"max_per_order": 2}, token=admin.session_token).status == 200


def _deactivate_store(api: Any, admin: Any, shop: Any, monkeypatch: Any) -> None:
    assert api.patch(f"/stores/{shop.store_id}", {"is_active": False}, token=admin.session_token).status == 200


def _deactivate_store_once_stock_is_reserved(api: Any, admin: Any, shop: Any, monkeypatch: Any) -> None:
    """The store is switched off between ReserveStock and PriceOrder (LoadCart saw it active)."""
    from blinkit.clock import now_iso
    from products import store as products_store

    reserve = products_store.reserve

    def reserve_then_deactivate(*args: Any, **kwargs: Any) -> Any:
        result = reserve(*args, **kwargs)
        assert products_store.update_store(shop.store_id, {"is_active": False}, now_iso()) is not None
        return result

    monkeypatch.setattr(products_store, "reserve", reserve_then_deactivate)


def _crash_create_order(api: Any, admin: Any, shop: Any, monkeypatch: Any) -> None:
    from orders import jobs

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("simulated crash in CreateOrder")

    monkeypatch.setattr(jobs, "check_transition", boom)


SCENARIOS = {
    "empty-cart": (Scenario(cart={}), "CART_EMPTY"),
    "product-unavailable": (Scenario(cart={0: 3, 3: 2}, before=_deactivate_product_3,
                                     detail=lambda shop: {"items": [_line(shop, 3, 2, 0)]}), "PRODUCT_UNAVAILABLE"),
    "above-max-per-order": (Scenario(cart={0: 5, 1: 1}, before=_lower_max_per_order_to_2,
                                     detail=lambda shop: {"items": [_line(shop, 0, 5, 2)]}), "ABOVE_MAX_PER_ORDER"),
    "store-inactive": (Scenario(cart={0: 3}, before=_deactivate_store,
                                detail=lambda shop: {"store_id": shop.store_id}), "STORE_INACTIVE"),
    "store-inactive-mid-saga": (Scenario(cart={0: 3}, before=_deactivate_store_once_stock_is_reserved,
                                         detail=lambda shop: {"store_id": shop.store_id}), "STORE_INACTIVE"),
    "out-of-stock": (Scenario(cart={0: 3, 1: 1}, before=_sell_out, detail=lambda shop: {
        "items": [{"product_id": shop.pid(0), "requested": 3, "available": 1}]}), "OUT_OF_STOCK"),
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
    if scenario.detail:
        expected = scenario.detail(shop)
        assert {k: failed["reason_detail"].get(k) for k in expected} == expected, failed["reason_detail"]
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
