"""The saga's CreatePayment step: a Razorpay order for exactly the amount, receipt = our order id, made once
however often and however concurrently it runs; Razorpay down is `PaymentProviderUnavailable`."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from blinkit.clock import parse
from blinkit.ids import new_id
from local.lambdas import LambdaError
from local.razorpay import KEY_ID, RazorpayStandIn
from tests.integration.payments.conftest import AMOUNT, create_payment, payment_row


def test_the_checkout_object_and_the_razorpay_order(project_stack: Any, api: Any, razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, "user-1")
    checkout = payment.checkout
    assert {k: checkout[k] for k in ("provider", "key_id", "amount", "currency")} == {
        "provider": "razorpay", "key_id": KEY_ID, "amount": AMOUNT, "currency": "INR"}
    row = payment_row(payment.order_id)
    assert parse(checkout["expires_at"]) > parse(row.created_at)
    order = razorpay.orders[payment.razorpay_order_id]
    assert (order["amount"], order["currency"], order["receipt"], order["notes"]) == (
        AMOUNT, "INR", payment.order_id, {"order_id": payment.order_id})
    assert (row.status, row.user_id, int(row.amount)) == ("created", "user-1", AMOUNT)


def test_create_payment_is_idempotent(project_stack: Any, api: Any, razorpay: RazorpayStandIn) -> None:
    first = create_payment(project_stack, "user-1")
    again = create_payment(project_stack, "user-1", order_id=first.order_id)
    assert again.checkout == first.checkout
    assert [o for o in razorpay.orders.values() if o["receipt"] == first.order_id] == [
        razorpay.orders[first.razorpay_order_id]]


def test_concurrent_creations_make_one_razorpay_order(project_stack: Any, api: Any, razorpay: RazorpayStandIn) -> None:
    order_id = new_id("ord_")

    def attempt(_: int) -> str:
        # As the saga would: a step that finds another attempt mid-creation is retried shortly.
        for _ in range(50):
            try:
                return create_payment(project_stack, "user-1", order_id=order_id).razorpay_order_id
            except LambdaError as exc:
                assert exc.error_type == "PaymentCreationInProgress", exc
                time.sleep(0.05)
        raise AssertionError("never created")

    with ThreadPoolExecutor(4) as pool:
        made = set(pool.map(attempt, range(4)))
    assert len(made) == 1
    assert [o["id"] for o in razorpay.orders.values() if o["receipt"] == order_id] == list(made)


def test_a_retry_after_a_crash_adopts_the_razorpay_order_already_made(project_stack: Any, api: Any,
                                                                      razorpay: RazorpayStandIn) -> None:
    """The first attempt made the Razorpay order and died before recording it; its lease ran out."""
    from blinkit.clock import now_iso
    from payments import razorpay_api, store

    order_id, now = new_id("ord_"), now_iso()
    record = store.PaymentRecord(pk=store.payment_pk(order_id), order_id=order_id, user_id="user-1", amount=AMOUNT,
                                 currency="INR", status=store.CREATING, created_at=now, updated_at=now)
    assert store.claim_creation(record, lease_seconds=-1)  # already expired
    made = razorpay_api.create_order(AMOUNT, "INR", receipt=order_id, notes={"order_id": order_id})
    payment = create_payment(project_stack, "user-1", order_id=order_id)
    assert payment.razorpay_order_id == made["id"]
    assert len([o for o in razorpay.orders.values() if o["receipt"] == order_id]) == 1


def test_another_amount_for_the_same_order_is_refused(project_stack: Any, api: Any, razorpay: RazorpayStandIn) -> None:
    first = create_payment(project_stack, "user-1")
    with pytest.raises(LambdaError) as raised:
        create_payment(project_stack, "user-1", order_id=first.order_id, amount=AMOUNT + 1)
    assert raised.value.error_type == "PaymentAmountChanged"
    assert len(razorpay.orders) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_razorpay_answering_5xx_is_payment_provider_unavailable_and_nothing_is_left_behind(
        project_stack: Any, api: Any, razorpay: RazorpayStandIn, status: int) -> None:
    razorpay.down = status
    order_id = new_id("ord_")
    with pytest.raises(LambdaError) as raised:
        create_payment(project_stack, "user-1", order_id=order_id)
    assert raised.value.error_type == "PaymentProviderUnavailable"
    assert razorpay.orders == {}
    assert payment_row(order_id).status == "creating"  # no Razorpay order: nothing to pay, nothing charged
    razorpay.down = None
    # The saga's retry goes ahead at once (the failed attempt gave its lease back).
    assert create_payment(project_stack, "user-1", order_id=order_id).razorpay_order_id in razorpay.orders


def test_razorpay_unreachable_is_payment_provider_unavailable(project_stack: Any, api: Any) -> None:
    from blinkit.settings import get_settings
    from payments import razorpay_api

    with RazorpayStandIn() as gone:
        closed = gone.url  # nothing listens here once it stops
    previous = os.environ["RAZORPAY_API_URL"]
    os.environ["RAZORPAY_API_URL"] = closed
    get_settings.cache_clear()
    razorpay_api.reset()
    try:
        with pytest.raises(LambdaError) as raised:
            create_payment(project_stack, "user-1")
        assert raised.value.error_type == "PaymentProviderUnavailable"
    finally:
        os.environ["RAZORPAY_API_URL"] = previous
        get_settings.cache_clear()
        razorpay_api.reset()


def test_the_breaker_opens_after_repeated_failures_and_stops_calling_razorpay(
        project_stack: Any, api: Any, razorpay: RazorpayStandIn) -> None:
    from blinkit.settings import get_settings

    razorpay.down = 503
    failures = get_settings().razorpay_breaker_failures
    for _ in range(failures):
        with pytest.raises(LambdaError):
            create_payment(project_stack, "user-1")
    calls = len(razorpay.calls)
    razorpay.down = None
    with pytest.raises(LambdaError) as raised:
        create_payment(project_stack, "user-1")
    assert raised.value.error_type == "PaymentProviderUnavailable"
    assert len(razorpay.calls) == calls, "an open breaker refuses without calling Razorpay"


def test_a_changed_key_secret_takes_effect_without_a_cold_start(project_stack: Any, api: Any,
                                                                razorpay: RazorpayStandIn) -> None:
    from blinkit.settings import get_settings

    assert create_payment(project_stack, "user-1").razorpay_order_id  # the client is built and warm
    previous = os.environ["RAZORPAY_KEY_SECRET"]
    os.environ["RAZORPAY_KEY_SECRET"] = "a-secret-razorpay-does-not-know"
    get_settings.cache_clear()
    try:
        with pytest.raises(LambdaError) as raised:
            create_payment(project_stack, "user-1")
        assert raised.value.error_type == "PaymentRefused"  # Razorpay's 401: our key, not an outage
    finally:
        os.environ["RAZORPAY_KEY_SECRET"] = previous
        get_settings.cache_clear()
    assert create_payment(project_stack, "user-1").razorpay_order_id in razorpay.orders
