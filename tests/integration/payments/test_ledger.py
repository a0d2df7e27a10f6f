"""The ledger's invariant, captured - refunded >= 0, under concurrent refunds; refunds recorded once each."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local.razorpay import RazorpayStandIn, razorpay_id
from tests.integration.conftest import User
from tests.integration.payments.conftest import AMOUNT, create_payment, ledger, payment_row, send_webhook


def _captured(api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> tuple[Any, str]:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id)
    assert send_webhook(api, razorpay, "payment.captured", payment_id=paid["razorpay_payment_id"]).status == 200
    return payment, paid["razorpay_payment_id"]


def test_concurrent_refunds_never_take_more_than_was_captured(api: Any, project_stack: Any, customer: User,
                                                              razorpay: RazorpayStandIn) -> None:
    from payments import service
    from payments.store import RefundExceedsCaptured

    payment, _ = _captured(api, project_stack, customer, razorpay)
    part = AMOUNT * 2 // 5  # 40 %: two fit, a third does not

    def refund(n: int) -> str:
        try:
            return service.record_refund(payment.order_id, f"rfnd_concurrent{n:04d}", part, "INR", "test")
        except RefundExceedsCaptured:
            return "refused"

    with ThreadPoolExecutor(5) as pool:
        outcomes = sorted(pool.map(refund, range(5)))
    assert outcomes == ["refunded", "refunded", "refused", "refused", "refused"]
    row = payment_row(payment.order_id)
    assert (int(row.captured), int(row.refunded), int(row.refundable)) == (AMOUNT, 2 * part, AMOUNT - 2 * part)
    assert [kind for kind, _, _ in ledger(payment.order_id)] == ["captured", "refunded", "refunded"]


def test_the_same_refund_is_recorded_once_even_at_once(api: Any, project_stack: Any, customer: User,
                                                      razorpay: RazorpayStandIn) -> None:
    from payments import service

    payment, _ = _captured(api, project_stack, customer, razorpay)
    with ThreadPoolExecutor(5) as pool:
        outcomes = sorted(pool.map(lambda _: service.record_refund(payment.order_id, "rfnd_SameRefund000001", 1000,
                                                                    "INR", "test"), range(5)))
    assert outcomes == ["duplicate"] * 4 + ["refunded"]
    assert int(payment_row(payment.order_id).refunded) == 1000


def test_a_refund_beyond_the_capture_or_before_it_is_refused(api: Any, project_stack: Any, customer: User,
                                                            razorpay: RazorpayStandIn) -> None:
    from payments import service
    from payments.store import RefundExceedsCaptured

    unpaid = create_payment(project_stack, customer.uid)
    with pytest.raises(RefundExceedsCaptured):
        service.record_refund(unpaid.order_id, razorpay_id("rfnd_"), 100, "INR", "test")
    payment, _ = _captured(api, project_stack, customer, razorpay)
    with pytest.raises(RefundExceedsCaptured):
        service.record_refund(payment.order_id, razorpay_id("rfnd_"), AMOUNT + 1, "INR", "test")
    assert service.record_refund(payment.order_id, razorpay_id("rfnd_"), AMOUNT, "INR", "test") == "refunded"
    with pytest.raises(RefundExceedsCaptured):
        service.record_refund(payment.order_id, razorpay_id("rfnd_"), 1, "INR", "test")
    assert ledger(unpaid.order_id) == []
    row = payment_row(payment.order_id)
    assert (int(row.refunded), int(row.refundable)) == (AMOUNT, 0)


def test_refund_processed_webhooks_are_recorded_once_and_never_past_the_capture(
        api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> None:
    from payments import razorpay_api

    payment, payment_id = _captured(api, project_stack, customer, razorpay)
    client, _ = razorpay_api._parts()  # the SDK, as the refunds queue (next slice) will call it
    refund = client.payment.refund(payment_id, {"amount": 3000})
    body, headers = razorpay.webhook("refund.processed", refund_id=refund["id"])
    assert api.post("/payments/webhook", raw=body, headers=headers).json() == {"outcome": "processed"}
    assert api.post("/payments/webhook", raw=body, headers=headers).json() == {"outcome": "duplicate"}
    # Another delivery of the same refund under a new event id: the ledger entry exists, nothing moves.
    assert send_webhook(api, razorpay, "refund.processed", refund_id=refund["id"]).status == 200
    row = payment_row(payment.order_id)
    assert (int(row.refunded), int(row.refundable)) == (3000, AMOUNT - 3000)
    assert ledger(payment.order_id) == sorted([("captured", payment_id, AMOUNT), ("refunded", refund["id"], 3000)])
    # A refund event claiming more than is left is not recorded (and is not an error for Razorpay to retry).
    razorpay.refunds["rfnd_TooMuchRefund1"] = {**refund, "id": "rfnd_TooMuchRefund1", "amount": AMOUNT}
    reply = send_webhook(api, razorpay, "refund.processed", refund_id="rfnd_TooMuchRefund1")
    assert reply.status == 200 and reply.json() == {"outcome": "ignored"}
    assert int(payment_row(payment.order_id).refunded) == 3000
