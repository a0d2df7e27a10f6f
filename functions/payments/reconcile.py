"""Reconciliation (scheduled every 5 minutes): a missed webhook never leaves a payment or a refund open.

The sparse `ByOpen` index names what to look at without a scan: payments not captured and refunds requested
or pending, unchanged for `PAYMENT_RECONCILE_AFTER_SECONDS`. Each is asked of Razorpay and settled through
the functions the webhook uses (`service.settle`, `refunds.refresh_refund`): the same rules, one road.

- A payment: `GET /v1/orders/{id}/payments`; an authorised or captured attempt is settled (captured by us if
  only authorised, a mismatch flagged and refunded). A payment that is still not captured once Checkout's time
  (`PAYMENT_TIMEOUT_SECONDS`) and one more reconcile period are over is no longer watched: no money was taken.
- A refund: `GET /v1/refunds/{id}` when Razorpay has it; re-queued if its message was lost.

Metrics: `StuckPayments` (payments still open after this run, past the reconcile age) and `StuckRefunds`
(refunds open longer than `REFUND_STUCK_SECONDS`), both alarmed; `ReconcileSettled` counts what it fixed.
"""

from __future__ import annotations

from datetime import timedelta

from blinkit.clock import iso, now, now_iso, parse
from blinkit.observability import logger, metrics
from blinkit.settings import get_settings
from payments import razorpay_api, refunds, service, store
from payments.store import AUTHORIZED, CAPTURED

BATCH = 100  # per kind and run; what is left is older still, so the next run takes it first


def _reconcile_payment(order_id: str, expire_before: str) -> str:
    payment = store.get_payment(order_id)
    if payment is None or payment.status == CAPTURED:
        return "closed"
    outcome = "waiting"
    if payment.razorpay_order_id:
        for entity in razorpay_api.payments_of_order(payment.razorpay_order_id):
            if entity.get("status") in ("captured", AUTHORIZED):
                outcome = service.settle(order_id, entity, "reconciler")
                if outcome == "captured":
                    break
    if outcome != "captured" and payment.created_at < expire_before:
        store.stop_watching_payment(order_id, now_iso())
        return "expired"
    return outcome


def reconcile() -> dict[str, int]:
    """One run: counts of what was looked at and what changed."""
    settings = get_settings()
    moment = now()
    cutoff = iso(moment - timedelta(seconds=settings.payment_reconcile_after_seconds))
    expire_before = iso(moment - timedelta(seconds=settings.payment_timeout_seconds
                                           + settings.payment_reconcile_after_seconds))
    stuck_refund_before = iso(moment - timedelta(seconds=settings.refund_stuck_seconds))
    counts = {"payments": 0, "settled": 0, "expired": 0, "stuck_payments": 0, "refunds": 0, "refunds_closed": 0,
              "stuck_refunds": 0, "errors": 0}
    for order_id in store.open_payments(cutoff, BATCH):
        counts["payments"] += 1
        try:
            outcome = _reconcile_payment(order_id, expire_before)
        except razorpay_api.PaymentProviderUnavailable:
            outcome = "error"
        counts["settled"] += outcome in ("captured", "mismatch")
        counts["expired"] += outcome == "expired"
        counts["stuck_payments"] += outcome not in ("captured", "mismatch", "expired", "closed")
        counts["errors"] += outcome == "error"
    for order_id, refund_id in store.open_refunds(cutoff, BATCH):
        counts["refunds"] += 1
        refund = store.get_refund(order_id, refund_id)
        try:
            outcome = refunds.refresh_refund(order_id, refund_id)
        except razorpay_api.PaymentProviderUnavailable:
            outcome = "error"
        counts["refunds_closed"] += outcome in ("processed", "failed")
        counts["errors"] += outcome == "error"
        if outcome not in ("processed", "failed", "closed") and refund is not None \
                and parse(refund.created_at) < parse(stuck_refund_before):
            counts["stuck_refunds"] += 1
    metrics.add_metric(name="StuckPayments", unit="Count", value=counts["stuck_payments"])
    metrics.add_metric(name="StuckRefunds", unit="Count", value=counts["stuck_refunds"])
    metrics.add_metric(name="ReconcileSettled", unit="Count", value=counts["settled"] + counts["refunds_closed"])
    logger.info("reconciled", extra=counts)
    return counts
