"""Checkout end to end on the local stack: POST /orders, the saga on moto's interpreter, the order PLACED."""

from __future__ import annotations

from typing import Any

from tests.integration.orders.conftest import (
    add_address,
    checkout,
    drain_notifications,
    executions_of,
    fill_cart,
    order,
    stock,
    wait_done,
)
from tests.integration.products_helpers import assert_problem


def test_checkout_answers_202_pending_at_once_then_places_the_order_with_bill_eta_and_stock_taken(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    drain_notifications(project_stack)
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 2, 1: 1})  # 2 x 2000 + 1 x 3000 = 7000 paise
    reply = checkout(api, customer, address_id, tip=1000, instructions="Ring twice")
    assert reply.status == 202, reply.body
    accepted = reply.json()
    order_id = accepted["order_id"]
    assert accepted == {"order_id": order_id, "status": "PENDING", "status_url": f"/orders/{order_id}",
                        "reason": None, "reason_detail": None, "payment": None}
    assert order(api, customer, order_id)["status"] in {"PENDING", "PLACED"}  # it exists at once

    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"
    placed = order(api, customer, order_id)
    assert placed["status"] == "PLACED" and placed["store_id"] == shop.store_id
    assert [h["status"] for h in placed["status_history"]] == ["PENDING", "PLACED"]
    assert {(i["product_id"], i["quantity"], i["line_total"]) for i in placed["items"]} == {
        (shop.pid(0), 2, 4000), (shop.pid(1), 1, 3000)}
    assert placed["bill"] == [
        {"code": "item_total", "label": "Item total", "amount": 7000},
        {"code": "delivery_fee", "label": "Delivery fee", "amount": 2500},
        {"code": "small_cart_fee", "label": "Small cart fee", "amount": 2000},
        {"code": "handling_fee", "label": "Handling fee", "amount": 400},
        {"code": "tip", "label": "Delivery partner tip", "amount": 1000},
    ]
    assert placed["total"] == 12900 and placed["item_total"] == 7000
    assert placed["address"]["address_id"] == address_id and placed["instructions"] == "Ring twice"
    assert placed["eta_minutes"]["max"] == placed["eta_minutes"]["min"] + 5
    assert (stock(api, shop, 0), stock(api, shop, 1)) == (18, 19)
    cart = api.get("/cart", token=customer.session_token).json()
    assert cart["items"] == []
    messages = drain_notifications(project_stack)
    assert [(m["type"], m["user_id"], m["data"]["order_id"]) for m in messages] == [
        ("order.placed", customer.uid, order_id)]
    assert messages[0]["idempotency_key"] == f"{order_id}:PLACED"
    assert len(executions_of(order_id)) == 1


def test_checkout_without_an_idempotency_key_is_400(api: Any, customer: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    reply = api.post("/orders", {"address_id": address_id}, token=customer.session_token)
    assert_problem(reply, 400, "idempotency-key-required")


def test_checkout_with_an_unknown_address_is_422_and_writes_nothing(api: Any, customer: Any, shop: Any) -> None:
    fill_cart(api, customer, shop, {0: 3})
    reply = checkout(api, customer, "adr_" + "0" * 26)
    assert_problem(reply, 422, "unknown-address")
    assert api.get("/orders", token=customer.session_token).json()["orders"] == []


def test_checkout_refuses_bad_input(api: Any, customer: Any) -> None:
    for body in ({}, {"address_id": "nope"}, {"address_id": "adr_" + "0" * 26, "tip": -1},
                 {"address_id": "adr_" + "0" * 26, "payment_method": "card"},
                 {"address_id": "adr_" + "0" * 26, "extra": 1}):
        reply = api.post("/orders", body, token=customer.session_token, headers={"idempotency-key": "k-1"})
        assert_problem(reply, 422)


def test_blank_instructions_are_absent_and_a_retry_without_them_is_the_same_request(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3})
    first = checkout(api, customer, address_id, key="blank-instructions", instructions="   ")
    assert first.status == 202, first.body
    order_id = first.json()["order_id"]
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"
    assert order(api, customer, order_id)["instructions"] is None
    placed = {**first.json(), "status": "PLACED"}  # a replay answers the order as it is now
    again = checkout(api, customer, address_id, key="blank-instructions", instructions="")
    assert again.status == 202 and again.json() == placed
    assert again.headers.get("idempotent-replayed") == "true"
    replayed = checkout(api, customer, address_id, key="blank-instructions")
    assert replayed.status == 202 and replayed.json() == placed


def test_a_blank_address_id_is_422_naming_it_on_checkout_and_quote(api: Any, customer: Any) -> None:
    for blank in ("", "   "):
        reply = api.post("/orders", {"address_id": blank}, token=customer.session_token,
                         headers={"idempotency-key": "k-blank"})
        assert [e["field"] for e in assert_problem(reply, 422)["errors"]] == ["address_id"]
        reply = api.post("/orders/quote", {"address_id": blank}, token=customer.session_token)
        assert [e["field"] for e in assert_problem(reply, 422)["errors"]] == ["address_id"]


def test_checkout_needs_a_session(api: Any) -> None:
    reply = api.post("/orders", {"address_id": "adr_" + "0" * 26}, headers={"idempotency-key": "k-1"})
    assert reply.status == 401


def test_a_quote_prices_the_cart_like_checkout_and_changes_nothing(api: Any, customer: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 2, 1: 1})
    reply = api.post("/orders/quote", {"address_id": address_id, "tip": 1000}, token=customer.session_token)
    assert reply.status == 200, reply.body
    quote = reply.json()
    assert quote["store_id"] == shop.store_id and quote["serviceable"] is True
    assert quote["item_total"] == 7000 and quote["total"] == 12900
    assert [b["code"] for b in quote["bill"]] == ["item_total", "delivery_fee", "small_cart_fee", "handling_fee",
                                                  "tip"]
    assert quote["eta_minutes"]["max"] == quote["eta_minutes"]["min"] + 5
    assert (stock(api, shop, 0), stock(api, shop, 1)) == (20, 20)
    assert api.get("/orders", token=customer.session_token).json()["orders"] == []
    assert len(api.get("/cart", token=customer.session_token).json()["items"]) == 2


def test_a_quote_says_when_the_address_is_out_of_reach_and_refuses_empty_or_small_carts(
        api: Any, customer: Any, shop: Any) -> None:
    from tests.integration.orders.conftest import FAR

    near, far = add_address(api, customer), add_address(api, customer, FAR)
    assert_problem(api.post("/orders/quote", {"address_id": near}, token=customer.session_token), 422, "cart-empty")
    fill_cart(api, customer, shop, {0: 1})  # 2000 < 4900
    assert_problem(api.post("/orders/quote", {"address_id": near}, token=customer.session_token), 422,
                   "below-minimum")
    fill_cart(api, customer, shop, {0: 2})
    reply = api.post("/orders/quote", {"address_id": far}, token=customer.session_token)
    assert reply.status == 200 and reply.json()["serviceable"] is False
    assert_problem(api.post("/orders/quote", {"address_id": near, "tip": 20000}, token=customer.session_token),
                   422, "invalid-tip")
