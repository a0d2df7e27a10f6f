"""Verify and webhook are two roads to one fact: either alone completes the payment, both together complete it
once, in any order, also at once on threads; money that is not the payment's never captures."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from local.razorpay import RazorpayStandIn
from tests.integration.conftest import User
from tests.integration.log_helpers import captured_log_lines
from tests.integration.payments.conftest import (
    AMOUNT,
    create_payment,
    ledger,
    payment_row,
    send_webhook,
    verify_body,
)


def _verify(api: Any, customer: User, payment: Any, paid: dict[str, Any]) -> Any:
    return api.post("/payments/verify", verify_body(payment, paid), token=customer.session_token)


def test_webhook_before_verify(api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id)
    with captured_log_lines("INFO") as lines:
        hook = send_webhook(api, razorpay, "payment.captured", payment_id=paid["razorpay_payment_id"])
        assert hook.status == 200 and hook.json()["outcome"] == "processed"
        assert payment_row(payment.order_id).status == "captured"
        verified = _verify(api, customer, payment, paid)
    assert verified.status == 200 and verified.json()["status"] == "captured"
    assert ledger(payment.order_id) == [("captured", paid["razorpay_payment_id"], AMOUNT)]
    assert len(lines.with_value("payment captured")) == 1


def test_verify_before_webhook(api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id)
    with captured_log_lines("INFO") as lines:
        assert _verify(api, customer, payment, paid).json()["status"] == "captured"
        hook = send_webhook(api, razorpay, "order.paid", payment_id=paid["razorpay_payment_id"])
    assert hook.status == 200 and hook.json()["outcome"] == "processed"
    row = payment_row(payment.order_id)
    assert (row.status, int(row.captured), int(row.refundable)) == ("captured", AMOUNT, AMOUNT)
    assert ledger(payment.order_id) == [("captured", paid["razorpay_payment_id"], AMOUNT)]
    assert len(lines.with_value("payment captured")) == 1


def test_both_roads_twice_capture_once(api: Any, project_stack: Any, customer: User,
                                       razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id)
    with captured_log_lines("INFO") as lines:
        for _ in range(2):
            assert _verify(api, customer, payment, paid).status == 200
            for event in ("payment.captured", "order.paid"):  # each delivery its own event id
                assert send_webhook(api, razorpay, event, payment_id=paid["razorpay_payment_id"]).status == 200
    assert ledger(payment.order_id) == [("captured", paid["razorpay_payment_id"], AMOUNT)]
    assert int(payment_row(payment.order_id).captured) == AMOUNT
    assert len(lines.with_value("payment captured")) == 1


def test_both_roads_at_once_capture_once(api: Any, project_stack: Any, customer: User,
                                         razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id)
    hooks = [razorpay.webhook(event, payment_id=paid["razorpay_payment_id"])
             for event in ("payment.captured", "order.paid", "payment.captured", "order.paid")]

    def road(n: int) -> int:
        if n % 2:
            return int(_verify(api, customer, payment, paid).status)
        body, headers = hooks[n // 2]
        return int(api.post("/payments/webhook", raw=body, headers=headers).status)

    with captured_log_lines("INFO") as lines, ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(road, range(8)))
    assert statuses == [200] * 8
    assert ledger(payment.order_id) == [("captured", paid["razorpay_payment_id"], AMOUNT)]
    row = payment_row(payment.order_id)
    assert (row.status, int(row.captured), int(row.refundable)) == ("captured", AMOUNT, AMOUNT)
    assert len(lines.with_value("payment captured")) == 1


def test_an_authorised_payment_is_captured_by_verify(api: Any, project_stack: Any, customer: User,
                                                     razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id, capture=False)
    reply = _verify(api, customer, payment, paid)
    assert reply.status == 200 and reply.json()["status"] == "captured", reply.body
    assert razorpay.payments[paid["razorpay_payment_id"]]["status"] == "captured"
    assert ("POST", f"/v1/payments/{paid['razorpay_payment_id']}/capture") in razorpay.calls
    assert ledger(payment.order_id) == [("authorized", paid["razorpay_payment_id"], AMOUNT),
                                        ("captured", paid["razorpay_payment_id"], AMOUNT)]


def test_an_authorised_webhook_captures_and_the_later_captured_event_changes_nothing(
        api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id, capture=False)
    assert send_webhook(api, razorpay, "payment.authorized", payment_id=paid["razorpay_payment_id"]).status == 200
    assert payment_row(payment.order_id).status == "captured"
    assert send_webhook(api, razorpay, "payment.captured", payment_id=paid["razorpay_payment_id"]).status == 200
    assert [kind for kind, _, _ in ledger(payment.order_id)] == ["authorized", "captured"]


def test_an_amount_mismatch_never_captures(api: Any, project_stack: Any, customer: User,
                                           razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    short = razorpay.pay(payment.razorpay_order_id, amount=AMOUNT - 100)
    reply = _verify(api, customer, payment, short)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert (body["status"], body["captured"], body["refund_due"]) == ("created", 0, True)
    assert send_webhook(api, razorpay, "payment.captured", payment_id=short["razorpay_payment_id"]).status == 200
    other_currency = razorpay.pay(payment.razorpay_order_id, currency="USD")
    assert send_webhook(api, razorpay, "order.paid", payment_id=other_currency["razorpay_payment_id"]).status == 200
    row = payment_row(payment.order_id)
    assert (row.status, int(row.captured), int(row.refundable), row.refund_due) == ("created", 0, 0, True)
    assert ledger(payment.order_id) == sorted([("mismatch", short["razorpay_payment_id"], AMOUNT - 100),
                                               ("mismatch", other_currency["razorpay_payment_id"], AMOUNT)])


def test_an_authorised_mismatch_is_never_captured_at_razorpay(api: Any, project_stack: Any, customer: User,
                                                              razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    paid = razorpay.pay(payment.razorpay_order_id, capture=False, amount=AMOUNT + 5000)
    assert _verify(api, customer, payment, paid).json()["status"] == "created"
    assert razorpay.payments[paid["razorpay_payment_id"]]["status"] == "authorized"
    assert not [call for call in razorpay.calls if call[1].endswith("/capture")]


def test_a_second_payment_of_a_paid_order_is_flagged_for_refund(api: Any, project_stack: Any, customer: User,
                                                                razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    first, second = razorpay.pay(payment.razorpay_order_id), razorpay.pay(payment.razorpay_order_id)
    assert _verify(api, customer, payment, first).json()["status"] == "captured"
    assert send_webhook(api, razorpay, "payment.captured", payment_id=second["razorpay_payment_id"]).status == 200
    row = payment_row(payment.order_id)
    assert (row.razorpay_payment_id, int(row.captured), row.refund_due) == (first["razorpay_payment_id"], AMOUNT, True)
    assert ledger(payment.order_id) == sorted([("captured", first["razorpay_payment_id"], AMOUNT),
                                               ("mismatch", second["razorpay_payment_id"], AMOUNT)])


def test_a_failed_attempt_then_a_successful_one(api: Any, project_stack: Any, customer: User,
                                                razorpay: RazorpayStandIn) -> None:
    payment = create_payment(project_stack, customer.uid)
    failed = razorpay.fail(payment.razorpay_order_id)
    assert send_webhook(api, razorpay, "payment.failed", payment_id=failed["id"]).status == 200
    row = payment_row(payment.order_id)
    assert (row.status, row.error_code) == ("failed", "BAD_REQUEST_ERROR")
    paid = razorpay.pay(payment.razorpay_order_id)
    assert _verify(api, customer, payment, paid).json()["status"] == "captured"
    # A late failure of the old attempt never undoes the capture.
    assert send_webhook(api, razorpay, "payment.failed", payment_id=failed["id"]).status == 200
    assert payment_row(payment.order_id).status == "captured"



def test_the_saga_seam_a_stored_task_token_is_answered_once_whichever_comes_first(
        api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> None:
    """The next slice's WaitForPayment keeps its task token on the payment (`service.wait_for_payment`); the
    capture answers it with SendTaskSuccess once, and a token that arrives after the capture is answered at
    once. No execution waits on these tokens here, so Step Functions (moto) refuses them: the seam takes that
    as "the saga stopped waiting" and the payment stays captured."""
    from payments import service

    stale = "payment completed after its saga stopped waiting"
    waiting = create_payment(project_stack, customer.uid)
    assert service.wait_for_payment(waiting.order_id, "token-waiting") is False  # nothing paid yet
    assert payment_row(waiting.order_id).task_token == "token-waiting"
    paid = razorpay.pay(waiting.razorpay_order_id)
    with captured_log_lines("INFO") as lines:
        assert _verify(api, customer, waiting, paid).json()["status"] == "captured"
        assert send_webhook(api, razorpay, "payment.captured", payment_id=paid["razorpay_payment_id"]).status == 200
    assert [line["order_id"] for line in lines.with_value(stale)] == [waiting.order_id]

    late = create_payment(project_stack, customer.uid)
    with captured_log_lines("INFO") as lines:
        assert _verify(api, customer, late, razorpay.pay(late.razorpay_order_id)).json()["status"] == "captured"
        assert service.wait_for_payment(late.order_id, "token-late") is False
    assert [line["order_id"] for line in lines.with_value("payment completed; no saga waiting for it yet")] == [
        late.order_id]
    assert [line["order_id"] for line in lines.with_value(stale)] == [late.order_id]
    assert payment_row(late.order_id).status == "captured"
