"""Verify's and the webhook's signatures: valid, wrong, missing, another order's, replayed, one byte changed."""

from __future__ import annotations

from typing import Any

from local.razorpay import RazorpayStandIn
from tests.integration.conftest import User
from tests.integration.payments.conftest import (
    AMOUNT,
    create_payment,
    ledger,
    payment_row,
    send_webhook,
    verify_body,
)


def test_a_valid_checkout_signature_captures_the_payment_once(api: Any, project_stack: Any, customer: User,
                                                            razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id)
    reply = api.post("/payments/verify", verify_body(payment, paid), token=customer.session_token)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert (body["status"], body["captured"], body["refunded"], body["refund_due"]) == ("captured", AMOUNT, 0, False)
    assert body["razorpay_payment_id"] == paid["razorpay_payment_id"]
    assert ledger(payment.order_id) == [("captured", paid["razorpay_payment_id"], AMOUNT)]

    fetches = len(razorpay.calls)
    again = api.post("/payments/verify", verify_body(payment, paid), token=customer.session_token)  # replayed
    assert again.status == 200 and again.json() == body
    assert len(razorpay.calls) == fetches, "a repeated verify asks Razorpay nothing"
    assert ledger(payment.order_id) == [("captured", paid["razorpay_payment_id"], AMOUNT)]


def test_a_wrong_signature_is_400_and_changes_nothing(api: Any, project_stack: Any, customer: User,
                                                     razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id)
    wrong = {**verify_body(payment, paid), "razorpay_signature": "0" * 64}
    reply = api.post("/payments/verify", wrong, token=customer.session_token)
    assert reply.status == 400 and reply.json()["type"].endswith("/invalid-signature"), reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    flipped = paid["razorpay_signature"][:-1] + ("0" if paid["razorpay_signature"][-1] != "0" else "1")
    reply = api.post("/payments/verify", {**verify_body(payment, paid), "razorpay_signature": flipped},
                     token=customer.session_token)
    assert reply.status == 400
    assert payment_row(payment.order_id).status == "created" and ledger(payment.order_id) == []


def test_a_missing_signature_is_422(api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id)
    body = verify_body(payment, paid)
    del body["razorpay_signature"]
    reply = api.post("/payments/verify", body, token=customer.session_token)
    assert reply.status == 422 and "razorpay_signature" in reply.body.decode()
    assert payment_row(payment.order_id).status == "created"


def test_another_orders_signature_is_refused(api: Any, project_stack: Any, customer: User,
                                             razorpay: RazorpayStandIn) -> None:
    mine, other = create_payment(project_stack, customer.uid), create_payment(project_stack, customer.uid)
    paid_other = razorpay.pay(other.razorpay_order_id)
    # The other order's Checkout answer, presented for this order: as sent, and with this order's Razorpay id.
    for body in (verify_body(mine, paid_other),
                 {**verify_body(mine, paid_other), "razorpay_order_id": mine.razorpay_order_id}):
        reply = api.post("/payments/verify", body, token=customer.session_token)
        assert reply.status == 400 and reply.json()["type"].endswith("/invalid-signature"), reply.body
    assert payment_row(mine.order_id).status == "created" and ledger(mine.order_id) == []


def test_a_signed_webhook_captures_and_a_replay_is_a_duplicate(api: Any, project_stack: Any, customer: User,
                                                              razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id)
    body, headers = razorpay.webhook("payment.captured", payment_id=paid["razorpay_payment_id"])
    first = api.post("/payments/webhook", raw=body, headers=headers)
    assert first.status == 200 and first.json() == {"outcome": "processed"}, first.body
    replay = api.post("/payments/webhook", raw=body, headers=headers)
    assert replay.status == 200 and replay.json() == {"outcome": "duplicate"}
    assert payment_row(payment.order_id).status == "captured"
    assert ledger(payment.order_id) == [("captured", paid["razorpay_payment_id"], AMOUNT)]


def test_unsigned_badly_signed_and_changed_webhooks_are_401_and_change_nothing(
        api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id)
    body, headers = razorpay.webhook("payment.captured", payment_id=paid["razorpay_payment_id"])
    unsigned = {k: v for k, v in headers.items() if k != "x-razorpay-signature"}
    _, other_secret = razorpay.webhook("payment.captured", payment_id=paid["razorpay_payment_id"],
                                       secret="someone-elses-secret")
    one_byte = body.replace(b'"captured"', b'"Captured"', 1)
    assert len(one_byte) == len(body) and one_byte != body
    trailing_space = body + b" "
    for raw, sent in ((body, unsigned), (body, {**headers, "x-razorpay-signature": "f" * 64}),
                      (body, {**headers, "x-razorpay-signature": other_secret["x-razorpay-signature"]}),
                      (one_byte, headers), (trailing_space, headers), (body, {**headers, "x-razorpay-signature": ""})):
        reply = api.post("/payments/webhook", raw=raw, headers=sent)
        assert reply.status == 401, reply.body
        assert reply.json()["type"].endswith("/invalid-signature")
    assert payment_row(payment.order_id).status == "created" and ledger(payment.order_id) == []
    # The same event id, properly signed, is still applied: refused attempts were never remembered.
    assert api.post("/payments/webhook", raw=body, headers=headers).json() == {"outcome": "processed"}


def test_a_webhook_signed_with_the_key_secret_is_refused(api: Any, project_stack: Any, customer: User,
                                                        razorpay: RazorpayStandIn) -> None:
    from local.razorpay import KEY_SECRET

    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id)
    reply = send_webhook(api, razorpay, "payment.captured", payment_id=paid["razorpay_payment_id"],
                         secret=KEY_SECRET)
    assert reply.status == 401
    assert payment_row(payment.order_id).status == "created"
