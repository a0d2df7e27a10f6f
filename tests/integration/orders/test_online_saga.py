"""Online orders in the saga, run for real on the local stack's state machine with the Razorpay stand-in paid
the way Checkout pays it, and settled through verify and/or signed webhooks (the roads a client and Razorpay
take).

| scenario                         | order                  | stock          | payment                    |
|----------------------------------|------------------------|----------------|----------------------------|
| paid, verify                     | PLACED                 | taken          | captured once              |
| paid, webhook                    | PLACED                 | taken          | captured once              |
| paid, verify and webhooks, twice | PLACED                 | taken          | captured once              |
| paid, both roads 3 times at once | PLACED                 | taken          | captured once              |
| attempt failed, never paid       | FAILED PAYMENT_FAILED  | reserved, back | failed, closed             |
| nobody pays                      | FAILED PAYMENT_TIMEOUT | reserved, back | closed                     |
| paid after the timeout (late)    | FAILED PAYMENT_TIMEOUT | reserved, back | captured, refunded in full |
| paid another amount              | FAILED PAYMENT_FAILED  | reserved, back | never captured, refund_due |
| Razorpay down at CreatePayment   | FAILED PAYMENT_FAILED  | reserved, back | none: nothing charged      |

A paid order gets one notification: `order.placed` saying the payment was received.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.orders.conftest import (
    add_address,
    checkout,
    drain_notifications,
    execution_arn,
    fill_cart,
    order,
    stock,
    wait_done,
)

SHORT_TIMEOUT = 3  # seconds: PaymentTimeoutSeconds for the scenarios that play an expired Checkout


@pytest.fixture(autouse=True)
def _fresh_razorpay(project_stack: Any) -> Iterator[None]:
    from blinkit import aws
    from payments import razorpay_api

    razorpay_api.reset()
    aws.reset()
    project_stack.razorpay.reset()
    yield
    project_stack.razorpay.reset()
    razorpay_api.reset()


@pytest.fixture
def short_timeout(monkeypatch: Any) -> Iterator[None]:
    from blinkit.settings import get_settings

    monkeypatch.setenv("PAYMENT_TIMEOUT_SECONDS", str(SHORT_TIMEOUT))
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("PAYMENT_TIMEOUT_SECONDS")
    get_settings.cache_clear()


def online_checkout(api: Any, customer: Any, shop: Any, stack: Any) -> tuple[str, list[int]]:
    """Fill the cart (₹60 + ₹30 of two products), check out online; (order id, stock of 0..2 before)."""
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 2, 1: 1})
    before = [stock(api, shop, i) for i in range(3)]
    drain_notifications(stack)
    reply = checkout(api, customer, address_id, payment_method="online")
    assert reply.status == 202, reply.body
    assert reply.json()["status"] == "PENDING"
    return str(reply.json()["order_id"]), before


def checkout_payment(api: Any, customer: Any, order_id: str, timeout: float = 30) -> dict[str, Any]:
    """The order's `payment` object, once the saga has priced the order (the client polls for it)."""
    deadline = time.monotonic() + timeout
    while True:
        found = order(api, customer, order_id)
        if found.get("payment"):
            assert found["status"] == "PENDING", found
            return dict(found["payment"])
        assert time.monotonic() < deadline, f"no payment object on {order_id}: {found}"
        time.sleep(0.05)


def verify(api: Any, customer: Any, order_id: str, paid: dict[str, Any]) -> Any:
    body = {"order_id": order_id, **{k: paid[k] for k in ("razorpay_order_id", "razorpay_payment_id",
                                                          "razorpay_signature")}}
    return api.post("/payments/verify", body, token=customer.session_token)


def webhook(api: Any, razorpay: Any, event: str, payment_id: str) -> Any:
    body, headers = razorpay.webhook(event, payment_id=payment_id)
    return api.post("/payments/webhook", raw=body, headers=headers)


def payment_row(order_id: str) -> Any:
    from payments import store

    return store.get_payment(order_id)


def captured_entries(order_id: str) -> list[str]:
    from payments import store

    return [e.ref for e in store.ledger(order_id) if e.kind == "captured"]


def transitions(stack: Any, order_id: str) -> list[str]:
    """The states the execution entered, in order (each one a Step Functions state transition)."""
    return [e["stateEnteredEventDetails"]["name"] for e in stack.executor.history(execution_arn(order_id))
            if e["type"].endswith("StateEntered")]


def _pay_by_verify(api: Any, customer: Any, razorpay: Any, order_id: str, rzp_order: str) -> None:
    assert verify(api, customer, order_id, razorpay.pay(rzp_order)).json()["status"] == "captured"


def _pay_by_webhook(api: Any, customer: Any, razorpay: Any, order_id: str, rzp_order: str) -> None:
    paid = razorpay.pay(rzp_order)
    assert webhook(api, razorpay, "payment.captured", paid["razorpay_payment_id"]).json()["outcome"] == "processed"


def _pay_by_both_twice(api: Any, customer: Any, razorpay: Any, order_id: str, rzp_order: str) -> None:
    paid = razorpay.pay(rzp_order, capture=False)  # authorised only: our first road captures it
    for _ in range(2):
        assert webhook(api, razorpay, "payment.authorized", paid["razorpay_payment_id"]).status == 200
        assert verify(api, customer, order_id, paid).json()["status"] == "captured"
        assert webhook(api, razorpay, "order.paid", paid["razorpay_payment_id"]).status == 200


def _pay_by_both_at_once(api: Any, customer: Any, razorpay: Any, order_id: str, rzp_order: str) -> None:
    paid = razorpay.pay(rzp_order)
    calls = [lambda: verify(api, customer, order_id, paid)] * 3 + [
        lambda event=event: webhook(api, razorpay, event, paid["razorpay_payment_id"])
        for event in ("payment.captured", "order.paid", "payment.captured")]
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        assert {reply.status for reply in pool.map(lambda call: call(), calls)} == {200}


ROADS = {"verify": _pay_by_verify, "webhook": _pay_by_webhook, "both-twice": _pay_by_both_twice,
         "both-at-once": _pay_by_both_at_once}


@pytest.mark.parametrize("road", sorted(ROADS))
def test_a_paid_online_order_is_placed_once_whichever_road_tells_us(
        road: str, api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    razorpay = project_stack.razorpay
    order_id, before = online_checkout(api, customer, shop, project_stack)
    payment = checkout_payment(api, customer, order_id)
    assert set(payment) == {"provider", "key_id", "razorpay_order_id", "amount", "currency", "expires_at"}
    assert (payment["provider"], payment["currency"]) == ("razorpay", "INR")
    assert payment["razorpay_order_id"] in razorpay.orders  # made at Razorpay for the bill (checked once placed)

    ROADS[road](api, customer, razorpay, order_id, payment["razorpay_order_id"])
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"

    placed = order(api, customer, order_id)
    assert placed["status"] == "PLACED" and placed["total"] == payment["amount"], placed
    assert placed["payment"] == payment  # still there for the client once placed
    assert [h["status"] for h in placed["status_history"]] == ["PENDING", "PLACED"]
    assert [stock(api, shop, i) for i in range(3)] == [before[0] - 2, before[1] - 1, before[2]]
    assert len(captured_entries(order_id)) == 1 and payment_row(order_id).refund_due is False
    notes = drain_notifications(project_stack)
    assert [(m["type"], m["data"].get("paid")) for m in notes] == [("order.placed", payment["amount"])]
    # Twelve state transitions for a paid order: the nine of a COD one (seven before, plus the HasCoupon and
    # PaymentMethod Choices) and CreatePayment, AwaitPayment and WaitForPayment.
    assert transitions(project_stack, order_id) == [
        "LoadCart", "ReserveStock", "PriceOrder", "HasCoupon", "PaymentMethod", "CreatePayment", "AwaitPayment",
        "WaitForPayment", "CreateOrder", "ClearCart", "Notify", "OrderPlaced"]


def test_cash_on_delivery_skips_the_payment_states(api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3})
    order_id = checkout(api, customer, address_id).json()["order_id"]
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"
    placed = order(api, customer, order_id)
    assert (placed["status"], placed["payment_method"], placed["payment"]) == ("PLACED", "cod", None)
    assert payment_row(order_id) is None and project_stack.razorpay.calls == []
    assert transitions(project_stack, order_id) == [
        "LoadCart", "ReserveStock", "PriceOrder", "HasCoupon", "PaymentMethod", "CreateOrder", "ClearCart", "Notify",
        "OrderPlaced"]


def test_a_replayed_online_checkout_shows_the_payment_object(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3})
    first = checkout(api, customer, address_id, key="online-replay", payment_method="online")
    order_id = first.json()["order_id"]
    payment = checkout_payment(api, customer, order_id)
    again = checkout(api, customer, address_id, key="online-replay", payment_method="online")
    assert again.status == 202 and again.headers.get("idempotent-replayed") == "true"
    assert (again.json()["status"], again.json()["payment"]) == ("PENDING", payment)


def _fail_attempt(api: Any, customer: Any, razorpay: Any, order_id: str, rzp_order: str) -> None:
    failed = razorpay.fail(rzp_order)  # the UPI request declined; Checkout lets the customer retry, who gives up
    assert webhook(api, razorpay, "payment.failed", failed["id"]).json()["outcome"] == "processed"


def _nobody_pays(api: Any, customer: Any, razorpay: Any, order_id: str, rzp_order: str) -> None:
    pass


def _pay_another_amount(api: Any, customer: Any, razorpay: Any, order_id: str, rzp_order: str) -> None:
    paid = razorpay.pay(rzp_order, amount=100)  # ₹1 instead of the bill: never completes the order
    assert webhook(api, razorpay, "payment.captured", paid["razorpay_payment_id"]).status == 200
    assert verify(api, customer, order_id, paid).status == 200


UNPAID = {"attempt-failed": (_fail_attempt, "PAYMENT_FAILED", False),
          "nobody-pays": (_nobody_pays, "PAYMENT_TIMEOUT", False),
          "another-amount": (_pay_another_amount, "PAYMENT_FAILED", True)}


@pytest.mark.parametrize("name", sorted(UNPAID))
@pytest.mark.usefixtures("short_timeout")
def test_an_unpaid_online_order_fails_at_the_timeout_and_its_stock_comes_back(
        name: str, api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    play, reason, refund_due = UNPAID[name]
    order_id, before = online_checkout(api, customer, shop, project_stack)
    payment = checkout_payment(api, customer, order_id)
    play(api, customer, project_stack.razorpay, order_id, payment["razorpay_order_id"])

    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"
    failed = order(api, customer, order_id)
    assert (failed["status"], failed["reason"]) == ("FAILED", reason), failed
    assert [stock(api, shop, i) for i in range(3)] == before
    assert captured_entries(order_id) == []
    row = payment_row(order_id)
    assert row.closed_at and bool(row.refund_due) is refund_due
    assert [(m["type"], m["data"]["reason"]) for m in drain_notifications(project_stack)] == [
        ("order.failed", reason)]


@pytest.mark.usefixtures("short_timeout")
def test_money_captured_after_the_timeout_is_refunded_in_full_and_never_places_the_order(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    razorpay = project_stack.razorpay
    order_id, before = online_checkout(api, customer, shop, project_stack)
    payment = checkout_payment(api, customer, order_id)
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"  # nobody paid in time
    assert order(api, customer, order_id)["reason"] == "PAYMENT_TIMEOUT"
    assert payment_row(order_id).refund_due is False

    paid = razorpay.pay(payment["razorpay_order_id"])  # the customer's bank answers late
    assert verify(api, customer, order_id, paid).json()["status"] == "captured"
    assert webhook(api, razorpay, "payment.captured", paid["razorpay_payment_id"]).status == 200
    row = payment_row(order_id)
    # Refunded in full through the one refund road: the whole amount is reserved (pending, or refunded once the
    # refund worker has run), none of it left to refund again.
    assert (row.status, row.refund_due, int(row.refundable)) == ("captured", True, 0)
    assert int(row.pending) + int(row.refunded) == payment["amount"]
    assert order(api, customer, order_id)["status"] == "FAILED"
    assert [stock(api, shop, i) for i in range(3)] == before


def test_razorpay_down_at_create_payment_fails_the_order_with_nothing_charged(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    razorpay = project_stack.razorpay
    razorpay.down = 503
    order_id, before = online_checkout(api, customer, shop, project_stack)
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"
    failed = order(api, customer, order_id)
    assert (failed["status"], failed["reason"], failed["payment"]) == ("FAILED", "PAYMENT_FAILED", None), failed
    assert failed["reason_detail"]["error"] == "PaymentProviderUnavailable"
    assert [stock(api, shop, i) for i in range(3)] == before
    assert razorpay.orders == {} and razorpay.payments == {}
    assert len(razorpay.calls) == 3  # the first try and the saga's two retries, each refused at once


def test_a_capture_told_twice_to_a_waiting_saga_places_the_order_and_flags_nothing(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    """The capture's writer and a WaitForPayment that stored the token just before it both find a captured
    payment with a token: only one tells Step Functions (a second SendTaskSuccess for a finished task would be
    refused and read as a saga gone, flagging a refund for a placed order)."""
    from payments import service

    order_id, _ = online_checkout(api, customer, shop, project_stack)
    payment = checkout_payment(api, customer, order_id)
    deadline = time.monotonic() + 10
    while not (token := payment_row(order_id).task_token):  # WaitForPayment has stored it
        assert time.monotonic() < deadline
        time.sleep(0.05)
    _pay_by_verify(api, customer, project_stack.razorpay, order_id, payment["razorpay_order_id"])
    assert service.wait_for_payment(order_id, token) is True  # a late copy of WaitForPayment: already told

    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"
    assert order(api, customer, order_id)["status"] == "PLACED"
    row = payment_row(order_id)
    assert (row.status, row.refund_due, row.told_token) == ("captured", False, token)
