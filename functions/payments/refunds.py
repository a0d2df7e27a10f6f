"""Refunds we ask Razorpay for: requested once per idempotency key, reserved against what was captured, sent
from the refunds queue, closed once.

- `request_refund` is the one way in (the admin route, a cancelled paid order from orders, the saga's late
  payment): the refund's id is derived from the order and the key, and one transaction writes the refund and
  reserves its amount (`refundable -= amount`, `pending += amount`, condition `refundable >= amount`), so
  concurrent requests together never ask for more than was captured and a repeated key changes nothing. Then
  the refund goes on the refunds queue (a lost message is re-queued by the reconciler).
- `send_refund` (the refund worker) asks Razorpay with our refund id as `receipt`; after a failed attempt it
  first looks for a refund Razorpay made under that receipt, so a refund is never asked for twice. A failing
  call raises: the queue retries it, and after 5 receives it is in the DLQ (alarm) with its amount still held.
- `apply_refund_entity` is where every road ends (Razorpay's answer, the `refund.processed`/`refund.failed`
  webhook, the reconciler's fetch): processed closes the refund (ledger entry, pending → refunded) once;
  failed releases the reservation.
- Money that never counted for the order (a mismatch, a second payment) is refunded by `refund_mismatch`
  (kind `mismatch`, no reservation: it is not in the totals); if Razorpay only authorised it, there is nothing
  to refund and Razorpay releases the hold by itself.
"""

from __future__ import annotations

import hashlib
from typing import Any

from blinkit.clock import now_iso
from blinkit.errors import Conflict
from blinkit.ids import crockford
from blinkit.observability import logger, metrics
from payments import razorpay_api, store, upstream
from payments.schemas import RefundOut
from payments.store import (
    CAPTURED,
    FAILED,
    OPEN_REFUND,
    PENDING,
    RELEASED,
    REQUESTED,
    RefundExceedsCaptured,
    RefundRecord,
)


class NothingToRefund(Exception):
    """The order has no captured payment, or all of it is refunded or being refunded."""


class RefundKeyReused(Conflict):
    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was used for another refund of this order",
                         code="idempotency-key-reused")


def refund_id_for(order_id: str, key: str) -> str:
    """The same order and key always name the same refund (`rfd_` + 26 base32 characters of a SHA-256)."""
    digest = hashlib.sha256(f"{order_id}\0{key}".encode()).digest()
    return "rfd_" + crockford(int.from_bytes(digest[:16]), 26)


def refund_out(refund: RefundRecord) -> RefundOut:
    return RefundOut(refund_id=refund.refund_id, order_id=refund.order_id, amount=int(refund.amount),
                     currency=refund.currency, reason=refund.reason, status=refund.status,  # type: ignore[arg-type]
                     razorpay_refund_id=refund.razorpay_refund_id, created_at=refund.created_at)


def _replay(existing: RefundRecord, amount: int | None, reason: str) -> RefundRecord:
    if (amount is not None and amount != int(existing.amount)) or reason != existing.reason:
        raise RefundKeyReused()
    return existing


def _queue(refund: RefundRecord) -> None:
    upstream.queue_refund({"kind": "refund", "order_id": refund.order_id, "refund_id": refund.refund_id})


def request_refund(order_id: str, amount: int | None, reason: str, idempotency_key: str,
                   requested_by: str) -> RefundRecord:
    """Refund `amount` paise of the order's captured payment (None: all that is left), once per key.

    Raises `NothingToRefund` (no captured payment, or nothing left), `RefundExceedsCaptured` (more than
    captured - refunded - pending) and `RefundKeyReused` (the key named another amount or reason)."""
    refund_id = refund_id_for(order_id, idempotency_key)
    existing = store.get_refund(order_id, refund_id)
    if existing is not None:
        return _replay(existing, amount, reason)
    payment = store.get_payment(order_id)
    if payment is None or payment.status != CAPTURED or not payment.razorpay_payment_id:
        raise NothingToRefund(f"order {order_id} has no captured payment")
    wanted = int(payment.refundable) if amount is None else amount
    if wanted <= 0:
        raise NothingToRefund(f"order {order_id} is refunded in full already")
    now = now_iso()
    refund = RefundRecord(pk=store.payment_pk(order_id), sk=store.refund_sk(refund_id), order_id=order_id,
                          refund_id=refund_id, idempotency_key=idempotency_key, user_id=payment.user_id,
                          amount=wanted, currency=payment.currency, reason=reason, requested_by=requested_by,
                          razorpay_payment_id=payment.razorpay_payment_id, kind="order", status=REQUESTED,
                          attempts=0, open=OPEN_REFUND, created_at=now, updated_at=now)
    outcome = store.reserve_refund(refund)
    if outcome == "duplicate":  # the same key at the same moment: the other request wrote it
        found = store.get_refund(order_id, refund_id)
        assert found is not None
        return _replay(found, amount, reason)
    if outcome == "refused":
        raise RefundExceedsCaptured(f"{order_id}: {wanted} is more than is captured and not refunded")
    metrics.add_metric(name="RefundsRequested", unit="Count", value=1)
    logger.info("refund requested", extra={"order_id": order_id, "refund_id": refund_id, "amount": wanted,
                                           "requested_by": requested_by})
    _queue(refund)
    return refund


def refund_mismatch(order_id: str, user_id: str, razorpay_payment_id: str, amount: int, currency: str) -> bool:
    """Give back money Razorpay took for this order that is not the order's (automatic; once per payment)."""
    refund_id = refund_id_for(order_id, f"mismatch:{razorpay_payment_id}")
    now = now_iso()
    refund = RefundRecord(pk=store.payment_pk(order_id), sk=store.refund_sk(refund_id), order_id=order_id,
                          refund_id=refund_id, idempotency_key=f"mismatch:{razorpay_payment_id}", user_id=user_id,
                          amount=amount, currency=currency, reason="This payment did not match the order",
                          requested_by="system", razorpay_payment_id=razorpay_payment_id, kind="mismatch",
                          status=REQUESTED, attempts=0, open=OPEN_REFUND, created_at=now, updated_at=now)
    if not store.add_mismatch_refund(refund):
        return False
    _queue(refund)
    return True


# Razorpay ------------------------------------------------------------------------------------------------


def _notify(refund: RefundRecord, stage: str) -> None:
    upstream.notify({"type": f"refund.{stage}", "user_id": refund.user_id,
                     "data": {"order_id": refund.order_id, "refund_id": refund.refund_id,
                              "amount": int(refund.amount), "reason": refund.reason},
                     "idempotency_key": f"{refund.refund_id}:{stage}"})


def apply_refund_entity(refund: RefundRecord, entity: dict[str, Any], source: str) -> str:
    """What Razorpay says of our refund (its answer, a webhook, a fetch): "processed", "pending", "failed",
    or "closed" when the refund was closed already (nothing changed)."""
    status, razorpay_refund_id = entity.get("status"), str(entity.get("id") or "")
    now = now_iso()
    if status == "processed":
        if store.close_refund(refund, razorpay_refund_id, source, now) != "done":
            return "closed"
        metrics.add_metric(name="RefundsProcessed", unit="Count", value=1)
        logger.info("refund processed", extra={"order_id": refund.order_id, "refund_id": refund.refund_id,
                                               "razorpay_refund_id": razorpay_refund_id, "source": source})
        _notify(refund, "processed")
        return "processed"
    if status == "failed":
        if store.release_refund(refund, FAILED, f"Razorpay: refund {razorpay_refund_id} failed", now) != "done":
            return "closed"
        metrics.add_metric(name="RefundsFailed", unit="Count", value=1)
        logger.error("refund failed at Razorpay: its amount is refundable again", extra={
            "order_id": refund.order_id, "refund_id": refund.refund_id, "razorpay_refund_id": razorpay_refund_id})
        return "failed"
    if refund.status == REQUESTED:
        store.set_refund_pending(refund.order_id, refund.refund_id, razorpay_refund_id, now)
    return "pending"


def _made_earlier(refund: RefundRecord) -> dict[str, Any] | None:
    """The refund Razorpay made under our receipt in an attempt whose answer we lost, if any."""
    for found in razorpay_api.refunds_of_payment(refund.razorpay_payment_id):
        if found.get("receipt") == refund.refund_id:
            return found
    return None


def send_refund(order_id: str, refund_id: str) -> str:
    """The refund worker's step for one queued refund; raises (for the queue to retry) when Razorpay fails."""
    refund = store.get_refund(order_id, refund_id)
    if refund is None:
        logger.error("a queued refund that does not exist", extra={"order_id": order_id, "refund_id": refund_id})
        return "unknown"
    if refund.status != REQUESTED:
        return refund.status  # a redelivery: Razorpay has it (pending) or it is closed
    tried_before = int(refund.attempts or 0) > 0
    if store.mark_attempt(order_id, refund_id, now_iso()) is None:
        return "closed"
    try:
        if refund.kind == "mismatch":
            held = razorpay_api.fetch_payment(refund.razorpay_payment_id)
            if held.get("status") != "captured":
                store.release_refund(refund, RELEASED, f"Razorpay holds it {held.get('status')}: released by Razorpay",
                                     now_iso())
                return RELEASED
        entity = _made_earlier(refund) if tried_before else None
        if entity is None:
            entity = razorpay_api.create_refund(refund.razorpay_payment_id, int(refund.amount), receipt=refund_id,
                                                notes={"order_id": order_id, "refund_id": refund_id})
    except (razorpay_api.PaymentProviderUnavailable, razorpay_api.PaymentRefused) as exc:
        store.note_refund_error(order_id, refund_id, f"{type(exc).__name__}: {exc}", now_iso())
        raise
    _notify(refund, "initiated")
    return apply_refund_entity(refund, entity, "api")


def refresh_refund(order_id: str, refund_id: str) -> str:
    """The reconciler's look at an open refund: fetch it from Razorpay and apply what it says; re-queue one
    whose message was lost (never tried). One that failed attempts stays with its queue and DLQ."""
    refund = store.get_refund(order_id, refund_id)
    if refund is None or refund.status not in (REQUESTED, PENDING):
        return "closed"
    if refund.status == PENDING and refund.razorpay_refund_id:
        return apply_refund_entity(refund, razorpay_api.fetch_refund(refund.razorpay_refund_id), "reconciler")
    if int(refund.attempts or 0) == 0:
        _queue(refund)
        return "requeued"
    earlier = _made_earlier(refund)
    return apply_refund_entity(refund, earlier, "reconciler") if earlier else "waiting"


def refunds_of_order(order_id: str) -> list[RefundOut]:
    return [refund_out(r) for r in store.refunds_of(order_id)]

