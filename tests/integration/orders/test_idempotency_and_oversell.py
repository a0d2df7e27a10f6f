"""Checkout is idempotent per Idempotency-Key, and concurrent checkouts never sell more than the stock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.integration.conftest import sign_up_and_login
from tests.integration.orders.conftest import (
    add_address,
    checkout,
    executions_of,
    fill_cart,
    order,
    stock,
    wait_done,
)
from tests.integration.products_helpers import assert_problem, set_stock


def test_the_same_key_and_body_replays_the_same_order_as_it_is_now_and_starts_nothing(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3})
    first = checkout(api, customer, address_id, key="checkout-1")
    assert first.status == 202 and first.json()["status"] == "PENDING"
    assert "idempotent-replayed" not in first.headers
    order_id = first.json()["order_id"]
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"
    again = checkout(api, customer, address_id, key="checkout-1")
    assert again.status == 202
    assert again.json() == {"order_id": order_id, "status": "PLACED", "status_url": f"/orders/{order_id}",
                            "reason": None, "reason_detail": None, "payment": None}
    assert again.headers.get("idempotent-replayed") == "true"
    assert len(executions_of(order_id)) == 1
    assert [o["order_id"] for o in api.get("/orders", token=customer.session_token).json()["orders"]] == [order_id]
    assert stock(api, shop, 0) == 17


def test_a_replay_of_a_failed_checkout_answers_failed_with_its_reason(
        api: Any, project_stack: Any, customer: Any, admin: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3})
    assert set_stock(api, admin, shop.store_id, shop.pid(0), 1).status == 200  # the saga will find 1 of 3
    first = checkout(api, customer, address_id, key="checkout-short")
    assert first.status == 202 and first.json()["status"] == "PENDING"
    order_id = first.json()["order_id"]
    wait_done(project_stack, order_id)
    again = checkout(api, customer, address_id, key="checkout-short")
    assert again.status == 202 and again.headers.get("idempotent-replayed") == "true"
    now = order(api, customer, order_id)
    assert (now["status"], now["reason"]) == ("FAILED", "OUT_OF_STOCK")
    assert again.json() == {"order_id": order_id, "status": "FAILED", "status_url": f"/orders/{order_id}",
                            "reason": "OUT_OF_STOCK", "reason_detail": now["reason_detail"], "payment": None}
    assert again.json()["reason_detail"]["items"] == [{"product_id": shop.pid(0), "requested": 3, "available": 1}]
    assert len(executions_of(order_id)) == 1


def test_the_same_key_with_another_body_is_409(api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3})
    order_id = checkout(api, customer, address_id, key="checkout-2").json()["order_id"]
    assert_problem(checkout(api, customer, address_id, key="checkout-2", tip=500), 409, "idempotency-key-reused")
    wait_done(project_stack, order_id)
    assert len(api.get("/orders", token=customer.session_token).json()["orders"]) == 1


def test_a_key_belongs_to_its_user(api: Any, project_stack: Any, customer: Any, other_customer: Any,
                                   shop: Any) -> None:
    mine, theirs = add_address(api, customer), add_address(api, other_customer)
    fill_cart(api, customer, shop, {0: 3})
    fill_cart(api, other_customer, shop, {1: 2})
    a = checkout(api, customer, mine, key="same-key").json()["order_id"]
    b = checkout(api, other_customer, theirs, key="same-key").json()["order_id"]
    assert a != b
    assert {wait_done(project_stack, a)["status"], wait_done(project_stack, b)["status"]} == {"SUCCEEDED"}


def test_concurrent_duplicates_with_one_key_make_one_order_and_one_execution(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3})
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: checkout(api, customer, address_id, key="double-tap"), range(8)))
    assert {r.status for r in replies} == {202}, [r.body for r in replies]
    order_ids = {r.json()["order_id"] for r in replies}
    assert len(order_ids) == 1
    (order_id,) = order_ids
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"
    assert len(executions_of(order_id)) == 1
    assert order(api, customer, order_id)["status"] == "PLACED"
    assert stock(api, shop, 0) == 17


def test_ten_customers_racing_for_the_last_three_units_place_exactly_three_orders(
        api: Any, project_stack: Any, admin: Any, firebase: Any, shop: Any) -> None:
    customers = [sign_up_and_login(api, firebase) for _ in range(10)]
    addresses = [add_address(api, c) for c in customers]
    for c in customers:  # ₹50 a unit: above the ₹49 minimum
        fill_cart(api, c, shop, {3: 1})
    assert set_stock(api, admin, shop.store_id, shop.pid(3), 3).status == 200

    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(lambda ca: checkout(api, ca[0], ca[1]), zip(customers, addresses, strict=True)))
    assert all(r.status == 202 for r in replies), [r.body for r in replies]
    order_ids = [r.json()["order_id"] for r in replies]
    for order_id in order_ids:
        assert wait_done(project_stack, order_id, timeout=120)["status"] == "SUCCEEDED"
    outcomes = [order(api, c, oid) for c, oid in zip(customers, order_ids, strict=True)]
    summary = [(o["status"], o["reason"]) for o in outcomes]
    assert sorted(o["status"] for o in outcomes) == ["FAILED"] * 7 + ["PLACED"] * 3, summary
    assert {o["reason"] for o in outcomes if o["status"] == "FAILED"} == {"OUT_OF_STOCK"}
    assert stock(api, shop, 3) == 0
