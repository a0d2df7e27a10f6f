"""Refunds we ask for: reserved once per key, sent from the refunds queue to the Razorpay stand-in (real SDK),
closed once by Razorpay's answer, the webhook or the reconciler; retried, then dead-lettered; money that was
not the order's refunded automatically; the customer told at "refund initiated" and "refund processed"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local.razorpay import RazorpayStandIn
from tests.integration.conftest import User
from tests.integration.payments.conftest import (
    AMOUNT,
    captured,
    create_payment,
    drain_refunds,
    ledger,
    payment_row,
    pump_refunds,
    refund_row,
    send_webhook,
    take,
)


def _refunds_at(razorpay: RazorpayStandIn, payment_id: str) -> list[dict[str, Any]]:
    return [r for r in razorpay.refunds.values() if r["payment_id"] == payment_id]


def _totals(order_id: str) -> tuple[int, int, int, int]:
    row = payment_row(order_id)
    return int(row.captured), int(row.refunded), int(row.pending), int(row.refundable)


def test_a_refund_is_reserved_once_per_key_sent_once_and_closed_with_both_notifications(
        api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> None:
    from payments import refunds

    payment, payment_id = captured(api, project_stack, razorpay, customer.uid)
    first = refunds.request_refund(payment.order_id, 3000, "Milk could not be packed", "key-1", "admin-uid")
    again = refunds.request_refund(payment.order_id, 3000, "Milk could not be packed", "key-1", "admin-uid")
    assert again.refund_id == first.refund_id and first.status == "requested"
    assert _totals(payment.order_id) == (AMOUNT, 0, 3000, AMOUNT - 3000)  # reserved, not yet refunded
    with pytest.raises(refunds.RefundKeyReused):
        refunds.request_refund(payment.order_id, 4000, "Milk could not be packed", "key-1", "admin-uid")

    assert drain_refunds(project_stack) == 1  # one message for two requests with the same key
    at_razorpay = _refunds_at(razorpay, payment_id)
    assert [(r["amount"], r["receipt"]) for r in at_razorpay] == [(3000, first.refund_id)]
    row = refund_row(payment.order_id, first.refund_id)
    assert (row.status, row.razorpay_refund_id, int(row.attempts)) == ("processed", at_razorpay[0]["id"], 1)
    assert _totals(payment.order_id) == (AMOUNT, 3000, 0, AMOUNT - 3000)
    assert ("refunded", at_razorpay[0]["id"], 3000) in ledger(payment.order_id)
    told = take(project_stack, "NotificationsQueue")
    assert sorted((m["type"], m["user_id"], m["data"]["amount"], m["idempotency_key"]) for m in told) == [
        ("refund.initiated", customer.uid, 3000, f"{first.refund_id}:initiated"),
        ("refund.processed", customer.uid, 3000, f"{first.refund_id}:processed")]


def test_partial_refunds_summing_past_the_capture_are_refused_even_at_once(
        api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> None:
    from payments import refunds
    from payments.store import RefundExceedsCaptured

    payment, payment_id = captured(api, project_stack, razorpay, customer.uid)
    part = AMOUNT * 2 // 5  # 40 %: two fit, a third does not

    def ask(n: int) -> str:
        try:
            return refunds.request_refund(payment.order_id, part, "Items missing", f"part-{n}", "admin-uid").status
        except RefundExceedsCaptured:
            return "refused"

    with ThreadPoolExecutor(5) as pool:
        assert sorted(pool.map(ask, range(5))) == ["refused"] * 3 + ["requested"] * 2
    assert _totals(payment.order_id) == (AMOUNT, 0, 2 * part, AMOUNT - 2 * part)
    drain_refunds(project_stack)
    assert sum(r["amount"] for r in _refunds_at(razorpay, payment_id)) == 2 * part
    assert _totals(payment.order_id) == (AMOUNT, 2 * part, 0, AMOUNT - 2 * part)
    with pytest.raises(refunds.NothingToRefund):  # a payment never captured has nothing to give back
        refunds.request_refund(create_payment(project_stack, customer.uid).order_id, None, "Cancelled", "c", "x")


def test_a_pending_refund_closes_on_its_webhook_once(api: Any, project_stack: Any, customer: User,
                                                     razorpay: RazorpayStandIn) -> None:
    from payments import refunds

    payment, payment_id = captured(api, project_stack, razorpay, customer.uid)
    razorpay.new_refund_status = "pending"
    refund = refunds.request_refund(payment.order_id, None, "Order cancelled", "cancel", "orders")
    drain_refunds(project_stack)
    row = refund_row(payment.order_id, refund.refund_id)
    assert (row.status, int(refund.amount)) == ("pending", AMOUNT)
    razorpay.process_refund(row.razorpay_refund_id)
    for _ in range(2):  # Razorpay redelivers under a new event id: closed once all the same
        reply = send_webhook(api, razorpay, "refund.processed", refund_id=row.razorpay_refund_id)
        assert reply.status == 200, reply.body
    assert refund_row(payment.order_id, refund.refund_id).status == "processed"
    assert _totals(payment.order_id) == (AMOUNT, AMOUNT, 0, 0)
    assert [kind for kind, _, _ in ledger(payment.order_id)].count("refunded") == 1
    told = [m["type"] for m in take(project_stack, "NotificationsQueue")]
    assert sorted(told) == ["refund.initiated", "refund.processed"]
    assert len(_refunds_at(razorpay, payment_id)) == 1


def test_a_refund_failing_five_times_lands_in_the_dead_letter_queue_keeping_its_reservation(
        api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import boto3

    from blinkit.settings import get_settings
    from local.template import Template
    from payments import razorpay_api, refunds

    # A breaker that never opens here: each of the five receives really calls Razorpay and fails.
    monkeypatch.setenv("RAZORPAY_BREAKER_FAILURES", "100")
    get_settings.cache_clear()
    razorpay_api.reset()
    payment, payment_id = captured(api, project_stack, razorpay, customer.uid)
    refund = refunds.request_refund(payment.order_id, 2500, "Bread could not be packed", "k", "staff-uid")
    razorpay.down = 503
    receives = 0
    while (stats := pump_refunds(project_stack)).received:
        assert (stats.received, stats.failed) == (1, 1)
        receives += 1
    assert receives == 5  # maxReceiveCount: the sixth receive moved it to the DLQ instead
    (dead,) = take(project_stack, "RefundsDeadLetterQueue")
    assert (dead["kind"], dead["refund_id"]) == ("refund", refund.refund_id)
    row = refund_row(payment.order_id, refund.refund_id)
    assert (row.status, int(row.attempts)) == ("requested", 5) and "PaymentProviderUnavailable" in row.error
    assert _totals(payment.order_id) == (AMOUNT, 0, 2500, AMOUNT - 2500)  # still held: nobody else takes it
    alarm = Template.load("template.yaml").resources["RefundsDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["RefundsDeadLetterQueue", "QueueName"]}
    assert (alarm["MetricName"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "ApproximateNumberOfMessagesVisible", 0, "GreaterThanThreshold")

    # Razorpay is back and the message is redriven: refunded once (it looks for its receipt first).
    calls = len(razorpay.calls)
    razorpay.down = None
    boto3.client("sqs").send_message(QueueUrl=project_stack.resources.queues["RefundsQueue"]["url"],
                                     MessageBody=json.dumps(dead))
    assert drain_refunds(project_stack) == 1
    assert [r["amount"] for r in _refunds_at(razorpay, payment_id)] == [2500]
    assert [path.rsplit("/", 1)[-1] for _, path in razorpay.calls[calls:]] == ["refunds", "refund"]
    assert _totals(payment.order_id) == (AMOUNT, 2500, 0, AMOUNT - 2500)


def test_money_that_is_not_the_orders_is_refunded_automatically(api: Any, project_stack: Any, customer: User,
                                                               razorpay: RazorpayStandIn) -> None:
    payment, first_id = captured(api, project_stack, razorpay, customer.uid)
    second = razorpay.pay(payment.razorpay_order_id)  # a second payment of a paid order
    assert send_webhook(api, razorpay, "payment.captured", payment_id=second["razorpay_payment_id"]).status == 200
    assert payment_row(payment.order_id).refund_due
    drain_refunds(project_stack)
    assert _refunds_at(razorpay, first_id) == []
    assert [r["amount"] for r in _refunds_at(razorpay, second["razorpay_payment_id"])] == [AMOUNT]
    assert ("mismatch_refunded", _refunds_at(razorpay, second["razorpay_payment_id"])[0]["id"], AMOUNT) in \
        ledger(payment.order_id)
    assert _totals(payment.order_id) == (AMOUNT, 0, 0, AMOUNT)  # the order's own payment is untouched


def _reconcile(project_stack: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The scheduled job as EventBridge invokes it, looking at everything (no minimum age)."""
    from blinkit.settings import get_settings

    monkeypatch.setenv("PAYMENT_RECONCILE_AFTER_SECONDS", "0")
    get_settings.cache_clear()
    event = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    return dict(project_stack.functions.invoke("ReconcilePaymentsFunction", event))


def test_reconciliation_applies_a_missed_payment_captured(api: Any, project_stack: Any, customer: User,
                                                         razorpay: RazorpayStandIn,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from payments import store

    payment = create_payment(project_stack, customer.uid)
    waiting = create_payment(project_stack, customer.uid)  # still in Checkout: stays open
    paid = razorpay.pay(payment.razorpay_order_id)  # captured at Razorpay; neither verify nor webhook came
    assert payment_row(payment.order_id).status == "created"
    counts = _reconcile(project_stack, monkeypatch)
    assert counts["settled"] >= 1 and counts["stuck_payments"] >= 1
    row = payment_row(payment.order_id)
    assert (row.status, row.razorpay_payment_id, int(row.captured), row.open) == (
        "captured", paid["razorpay_payment_id"], AMOUNT, None)
    assert ("captured", paid["razorpay_payment_id"], AMOUNT) in ledger(payment.order_id)
    assert payment_row(waiting.order_id).open == "payment"
    assert payment.order_id not in store.open_payments("9999", 1000)  # off the reconciler's list
    _reconcile(project_stack, monkeypatch)  # a second run changes nothing
    assert ledger(payment.order_id).count(("captured", paid["razorpay_payment_id"], AMOUNT)) == 1


def test_reconciliation_applies_a_missed_refund_processed(api: Any, project_stack: Any, customer: User,
                                                         razorpay: RazorpayStandIn,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from payments import refunds

    payment, _ = captured(api, project_stack, razorpay, customer.uid)
    razorpay.new_refund_status = "pending"
    refund = refunds.request_refund(payment.order_id, 1000, "Damaged item", "damaged", "staff-uid")
    drain_refunds(project_stack)
    pending = refund_row(payment.order_id, refund.refund_id)
    razorpay.process_refund(pending.razorpay_refund_id)  # the refund.processed webhook never arrives
    take(project_stack, "NotificationsQueue")
    counts = _reconcile(project_stack, monkeypatch)
    assert counts["refunds_closed"] >= 1
    assert refund_row(payment.order_id, refund.refund_id).status == "processed"
    assert _totals(payment.order_id) == (AMOUNT, 1000, 0, AMOUNT - 1000)
    assert [m["type"] for m in take(project_stack, "NotificationsQueue")] == ["refund.processed"]
    _reconcile(project_stack, monkeypatch)
    assert _totals(payment.order_id) == (AMOUNT, 1000, 0, AMOUNT - 1000)  # closed once


def test_a_payment_captured_after_its_saga_stopped_waiting_is_refunded_in_full_once(
        api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> None:
    """The saga's WaitForPayment keeps a task token on the payment; no execution waits on this one (moto
    refuses it as a timed-out saga would), so the capture is a late success: the order will not be placed."""
    from payments import service

    payment = create_payment(project_stack, customer.uid)
    service.wait_for_payment(payment.order_id, "token-of-a-saga-that-timed-out")
    paid = razorpay.pay(payment.razorpay_order_id)
    for _ in range(2):  # both roads: the capture is recorded, and refunded, once
        assert send_webhook(api, razorpay, "payment.captured", payment_id=paid["razorpay_payment_id"]).status == 200
    assert drain_refunds(project_stack) == 1
    assert [r["amount"] for r in _refunds_at(razorpay, paid["razorpay_payment_id"])] == [AMOUNT]
    assert _totals(payment.order_id) == (AMOUNT, AMOUNT, 0, 0)


def test_a_refund_razorpay_made_before_we_heard_back_is_adopted_not_asked_twice(
        api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> None:
    from blinkit.clock import now_iso
    from payments import razorpay_api, refunds, store

    payment, payment_id = captured(api, project_stack, razorpay, customer.uid)
    refund = refunds.request_refund(payment.order_id, 2000, "Short by one item", "short", "staff-uid")
    # An earlier attempt: counted, and Razorpay made the refund under our receipt, but the worker died first.
    store.mark_attempt(payment.order_id, refund.refund_id, now_iso())
    made = razorpay_api.create_refund(payment_id, 2000, receipt=refund.refund_id, notes={})
    assert drain_refunds(project_stack) == 1
    assert [r["id"] for r in _refunds_at(razorpay, payment_id)] == [made["id"]]
    row = refund_row(payment.order_id, refund.refund_id)
    assert (row.status, row.razorpay_refund_id) == ("processed", made["id"])
    assert _totals(payment.order_id) == (AMOUNT, 2000, 0, AMOUNT - 2000)


def test_a_refund_razorpay_fails_later_gives_its_amount_back_to_refundable(
        api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> None:
    from payments import refunds

    payment, _ = captured(api, project_stack, razorpay, customer.uid)
    razorpay.new_refund_status = "pending"
    refund = refunds.request_refund(payment.order_id, 4000, "Wrong item delivered", "wrong", "staff-uid")
    drain_refunds(project_stack)
    pending = refund_row(payment.order_id, refund.refund_id)
    razorpay.process_refund(pending.razorpay_refund_id, "failed")
    assert send_webhook(api, razorpay, "refund.failed", refund_id=pending.razorpay_refund_id).status == 200
    row = refund_row(payment.order_id, refund.refund_id)
    assert (row.status, row.open) == ("failed", None) and "failed" in row.error
    assert _totals(payment.order_id) == (AMOUNT, 0, 0, AMOUNT)  # refundable again: a new request may take it
    assert [m["type"] for m in take(project_stack, "NotificationsQueue")] == ["refund.initiated"]
    assert refunds.request_refund(payment.order_id, 4000, "Wrong item delivered", "wrong-again", "staff-uid")
