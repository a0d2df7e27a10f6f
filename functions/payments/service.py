"""The payments domain's rules: one Razorpay order per order, two roads to one capture, and the ledger.

- `create_payment`: the Razorpay order for exactly the bill's total, `receipt` = our order id. Idempotent
  through our own table (Razorpay is not): the payment row is claimed with a lease before Razorpay is
  called, and a retry whose predecessor died between Razorpay's answer and our write finds that order by its
  receipt instead of making a second one.
- `verify` (Checkout's signature, the customer's road) and `apply_webhook` (Razorpay's signed event) both end
  in `record_captured`, whose ledger append is conditional on the entry not existing and the payment not
  captured: either road alone completes the payment, both together complete it once, in any order, and
  only the one that wrote the capture tells the order (`upstream.payment_completed`).
- Money that does not match the payment (another amount or currency, or a second payment of a captured
  order) never captures: it is appended as a `mismatch` entry and the payment flagged `refund_due`.
- `record_refund` appends a refund only while captured - refunded covers it (a refund made outside our code,
  in Razorpay's dashboard); refunds we ask for are `refunds.py`'s, and their webhooks close them there.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from blinkit.clock import iso, now_iso, parse
from blinkit.errors import BadRequest, Conflict, NotFound, Unauthorized, Unprocessable
from blinkit.observability import logger, metrics
from blinkit.principal import Principal, Role
from blinkit.settings import get_settings
from payments import razorpay_api, refunds, store, upstream
from payments.schemas import (
    CheckoutOut,
    PaymentOut,
    RefundIn,
    RefundItem,
    RefundOut,
    VerifyIn,
    WebhookEvent,
    WebhookOut,
)
from payments.signatures import checkout_signature_valid, webhook_signature_valid
from payments.store import AUTHORIZED, CAPTURED, CREATED, CREATING, FAILED, PaymentRecord, RefundExceedsCaptured

CREATION_LEASE_SECONDS = 30  # longer than a Razorpay call's timeout and our write after it
LATE_PAYMENT_KEY = "late-payment"  # the refund of money captured after the saga stopped waiting
EVENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class PaymentCreationInProgress(Exception):
    """Another invocation is creating this order's Razorpay order right now (retry shortly)."""


class PaymentAmountChanged(Exception):
    """CreatePayment was asked again for this order with another amount, currency or user."""


def payment_out(record: PaymentRecord) -> PaymentOut:
    return PaymentOut(order_id=record.order_id, razorpay_order_id=record.razorpay_order_id,
                      razorpay_payment_id=record.razorpay_payment_id, amount=int(record.amount),
                      currency=record.currency, status=record.status, captured=int(record.captured or 0),
                      refunded=int(record.refunded or 0), refund_due=bool(record.refund_due))


def _payment(order_id: str) -> PaymentRecord:
    found = store.get_payment(order_id)
    assert found is not None, f"payment {order_id} vanished"
    return found


# Creating -----------------------------------------------------------------------------------------------


def _checkout(payment: PaymentRecord) -> CheckoutOut:
    expires = parse(payment.created_at) + timedelta(seconds=get_settings().payment_timeout_seconds)
    return CheckoutOut(key_id=razorpay_api.key_id(), razorpay_order_id=str(payment.razorpay_order_id),
                       amount=int(payment.amount), currency=payment.currency, expires_at=iso(expires))


def _make_razorpay_order(payment: PaymentRecord) -> CheckoutOut:
    """We hold the creation lease: adopt the Razorpay order an earlier attempt made, or make it."""
    order_id = payment.order_id
    try:
        earlier = [o for o in razorpay_api.orders_with_receipt(order_id)
                   if o.get("amount") == int(payment.amount) and o.get("currency") == payment.currency]
        made = earlier[0] if earlier else razorpay_api.create_order(int(payment.amount), payment.currency,
                                                                    receipt=order_id, notes={"order_id": order_id})
    except Exception:
        store.release_creation(order_id)  # let the saga's retry try at once, not after the lease
        raise
    if store.set_razorpay_order(order_id, str(made["id"]), now_iso()):
        logger.info("razorpay order created", extra={"order_id": order_id, "razorpay_order_id": made["id"],
                                                     "adopted": bool(earlier)})
    return _checkout(_payment(order_id))


def create_payment(order_id: str, user_id: str, amount: int, currency: str = "INR") -> CheckoutOut:
    """The order's Razorpay order for exactly `amount` (idempotent: a second call answers the same one)."""
    now = now_iso()
    payment = store.get_payment(order_id)
    if payment is None:
        claimed = PaymentRecord(pk=store.payment_pk(order_id), order_id=order_id, user_id=user_id, amount=amount,
                                currency=currency, status=CREATING, created_at=now, updated_at=now)
        if store.claim_creation(claimed, CREATION_LEASE_SECONDS):
            return _make_razorpay_order(claimed)
        payment = _payment(order_id)
    if (int(payment.amount), payment.currency, payment.user_id) != (amount, currency, user_id):
        raise PaymentAmountChanged(f"order {order_id} has a payment of {payment.amount} {payment.currency}")
    if payment.razorpay_order_id:
        return _checkout(payment)
    if store.take_over_creation(order_id, CREATION_LEASE_SECONDS, now):
        return _make_razorpay_order(payment)
    raise PaymentCreationInProgress(order_id)


def wait_for_payment(order_id: str, task_token: str) -> bool:
    """The saga's WaitForPayment: keep its callback token on the payment. If the payment was captured before
    the token arrived, complete the wait now. True when the saga was told."""
    payment = store.set_task_token(order_id, task_token, now_iso())
    if payment is None:
        raise NotFound("No such payment", code="unknown-payment")
    if payment.status == CAPTURED:
        return _tell_saga(payment) == "told"
    return False


def _tell_saga(payment: PaymentRecord) -> upstream.Told:
    """Tell the waiting saga the payment is captured; money that arrives after the saga stopped waiting is
    flagged for a refund. A token replaced meanwhile (WaitForPayment retried with a new one) is tried again."""
    for _ in range(3):
        if payment.closed_at:  # the saga timed out and closed the payment: no order will take this money
            flag_refund_due(payment.order_id, "captured after the saga stopped waiting")
            return "saga-gone"
        token = payment.task_token
        if token and not store.claim_notice(payment.order_id, token, now_iso()):
            payment = _payment(payment.order_id)
            if payment.task_token == token:
                return "told"  # the capture's writer and a late WaitForPayment both got here: the other tells it
            continue  # WaitForPayment was retried with a new token: tell that one
        told = upstream.payment_completed(payment.order_id, payment_out(payment).model_dump(), token)
        if told != "saga-gone":
            return told
        payment = _payment(payment.order_id)
        if payment.task_token == token:
            flag_refund_due(payment.order_id, "captured after the saga stopped waiting")
            return "saga-gone"
    return "no-saga"  # tokens kept changing: the WaitForPayment that stores the last one finds the capture itself


def flag_refund_due(order_id: str, why: str) -> None:
    """Money captured on this payment must go back in full (it arrived after the saga stopped waiting): flag it
    (idempotent) and ask for the full refund. The order is never placed with it. (A mismatch is refunded by
    `refunds.refund_mismatch` instead: that money was never captured as the order's.)"""
    if store.set_refund_due(order_id, now_iso()):
        metrics.add_metric(name="PaymentsRefundDue", unit="Count", value=1)
    logger.warning("payment flagged for an automatic refund", extra={"order_id": order_id, "why": why})
    try:  # through the one refund road, once per order (key `late-payment`)
        refunds.request_refund(order_id, None, "Paid after the order had failed", LATE_PAYMENT_KEY, "system")
    except refunds.NothingToRefund:  # refunded already, or nothing was captured after all
        logger.info("nothing left to refund", extra={"order_id": order_id})


def close_payment(order_id: str) -> tuple[str, dict[str, Any]]:
    """The saga stopped waiting (timeout, or its wait failed): close the payment so that money arriving later
    is refunded, and say why the order fails: ("PaymentFailed", detail) when the last attempt failed or the
    money did not match the bill, else ("PaymentTimedOut", detail)."""
    payment = _payment(order_id)
    if not store.close(order_id, now_iso()):
        payment = _payment(order_id)
        if payment.status == CAPTURED:  # the capture raced the timeout: the saga did not take it
            flag_refund_due(order_id, "captured as the saga stopped waiting")
    detail: dict[str, Any] = {"payment_status": payment.status}
    if payment.error_code:
        detail["error_code"] = payment.error_code
    failed = payment.status == FAILED or bool(payment.refund_due and payment.status != CAPTURED)
    metrics.add_metric(name="PaymentsExpired", unit="Count", value=1)
    logger.info("payment closed: the saga stopped waiting", extra={"order_id": order_id, **detail})
    return ("PaymentFailed" if failed else "PaymentTimedOut"), detail


# Recording what Razorpay says --------------------------------------------------------------------------


def _mismatch(payment: PaymentRecord, payment_id: str, amount: int, currency: str, source: str, why: str) -> str:
    if store.append_mismatch(payment.order_id, payment_id, amount, currency, source, now_iso()) == "done":
        refunds.refund_mismatch(payment.order_id, payment.user_id, payment_id, amount, currency)
    metrics.add_metric(name="PaymentMismatches", unit="Count", value=1)
    logger.warning("payment does not complete the order: flagged for refund",
                   extra={"order_id": payment.order_id, "razorpay_payment_id": payment_id, "why": why,
                          "amount": amount, "currency": currency, "expected": int(payment.amount)})
    return "mismatch"


def record_captured(order_id: str, payment_id: str, amount: int, currency: str, source: str) -> str:
    """Razorpay captured `amount` of `currency` in `payment_id` for this order. Answers "captured" (this call
    completed the payment and told the order), "duplicate" (already recorded: nothing changed) or
    "mismatch" (not this payment's money: flagged for refund, never captured)."""
    payment = _payment(order_id)
    if (amount, currency) != (int(payment.amount), payment.currency):
        return _mismatch(payment, payment_id, amount, currency, source, "amount or currency")
    outcome = store.append_captured(order_id, payment_id, amount, currency, source, now_iso())
    if outcome == "duplicate":
        return "duplicate"
    if outcome == "refused":  # captured already, by another Razorpay payment: a second payment
        return _mismatch(_payment(order_id), payment_id, amount, currency, source, "order already paid")
    payment = _payment(order_id)
    if payment.captured_at:  # checkout opened to money captured: the customer's wait, as we saw it
        seconds = (parse(payment.captured_at) - parse(payment.created_at)).total_seconds()
        metrics.add_metric(name="TimeToPay", unit="Seconds", value=seconds)
    logger.info("payment captured", extra={"order_id": order_id, "razorpay_payment_id": payment_id,
                                           "source": source})
    metrics.add_metric(name="PaymentsCaptured", unit="Count", value=1)
    _tell_saga(payment)
    return "captured"


def record_authorized(order_id: str, payment_id: str, amount: int, currency: str, source: str) -> str:
    payment = _payment(order_id)
    if (amount, currency) != (int(payment.amount), payment.currency):
        return _mismatch(payment, payment_id, amount, currency, source, "amount or currency")
    return store.append_authorized(order_id, payment_id, amount, currency, source, now_iso())


def record_failed(order_id: str, payment_id: str, error_code: str | None) -> str:
    """A payment attempt failed. The customer may try again in Checkout, so a later capture still counts."""
    moved = store.set_status(order_id, FAILED, (CREATED, AUTHORIZED), now_iso(), error_code=error_code or "FAILED")
    if moved:
        metrics.add_metric(name="PaymentsFailed", unit="Count", value=1)
        logger.info("payment failed", extra={"order_id": order_id, "razorpay_payment_id": payment_id,
                                             "error_code": error_code})
    return "failed" if moved else "ignored"


def record_refund(order_id: str, refund_id: str, amount: int, currency: str, source: str) -> str:
    """A refund of `amount` (Razorpay's `refund_id`): "refunded" or "duplicate"; `RefundExceedsCaptured`
    when captured - refunded does not cover it (nothing written)."""
    outcome = store.append_refunded(order_id, refund_id, amount, currency, source, now_iso())
    if outcome == "refused":
        raise RefundExceedsCaptured(f"{order_id}: a refund of {amount} exceeds what is captured and not refunded")
    return "refunded" if outcome == "done" else "duplicate"


def settle(order_id: str, entity: dict[str, Any], source: str) -> str:
    """Apply a Razorpay payment entity to the order's payment (the reconciler's road: the webhook's rules)."""
    return _settle(_payment(order_id), entity, source)


def _settle(payment: PaymentRecord, entity: dict[str, Any], source: str) -> str:
    """Apply a Razorpay payment entity (fetched, or from a webhook) to our payment: capture what is only
    authorised (when it is this payment's amount), record a capture or a failure."""
    payment_id, status = str(entity["id"]), entity.get("status")
    amount, currency = int(entity["amount"]), str(entity["currency"])
    if status == "authorized":
        if record_authorized(payment.order_id, payment_id, amount, currency, source) == "mismatch":
            return "mismatch"  # never captured: Razorpay releases an uncaptured authorisation by itself
        if payment.closed_at:
            return "ignored"  # the saga stopped waiting: take no money (the authorisation lapses by itself)
        try:
            status = razorpay_api.capture_payment(payment_id, amount, currency).get("status")
        except razorpay_api.PaymentRefused:  # captured meanwhile (the other road, or Razorpay's auto-capture)
            status = razorpay_api.fetch_payment(payment_id).get("status")
    if status == "captured":
        return record_captured(payment.order_id, payment_id, amount, currency, source)
    if status == "failed":
        return record_failed(payment.order_id, payment_id, entity.get("error_code"))
    return "ignored"


# The two roads ------------------------------------------------------------------------------------------


def verify(principal: Principal, body: VerifyIn) -> PaymentOut:
    """Checkout's answer, from the customer: the order must be theirs (else 404), the signature Razorpay's."""
    payment = store.get_payment(body.order_id)
    if payment is None or payment.user_id != principal.uid:
        raise NotFound("No such payment", code="unknown-payment")
    if payment.razorpay_order_id != body.razorpay_order_id or not checkout_signature_valid(
            razorpay_api.key_secret(), body.razorpay_order_id, body.razorpay_payment_id, body.razorpay_signature):
        raise BadRequest("The payment signature does not match this order", code="invalid-signature")
    if payment.status == CAPTURED and payment.razorpay_payment_id == body.razorpay_payment_id:
        return payment_out(payment)  # a repeated verify: already done, no call to Razorpay
    try:
        entity = razorpay_api.fetch_payment(body.razorpay_payment_id)
    except razorpay_api.PaymentRefused as exc:
        raise BadRequest("Razorpay knows no such payment", code="unknown-razorpay-payment") from exc
    if entity.get("order_id") != payment.razorpay_order_id:  # a valid signature makes this Razorpay's bug
        raise Conflict("The payment belongs to another order", code="payment-order-mismatch")
    _settle(payment, entity, "verify")
    return payment_out(_payment(body.order_id))


HANDLED = {"payment.authorized", "payment.captured", "payment.failed", "order.paid", "refund.processed",
           "refund.failed"}


def _check_shape(event: WebhookEvent) -> None:
    """Every handled event carries the payment; refund events also the refund."""
    if event.event not in HANDLED:
        raise BadRequest(f"Unknown event {event.event[:60]!r}", code="unknown-event")
    needed = ("payment", "refund") if event.event.startswith("refund.") else ("payment",)
    missing = [name for name in needed if event.entity(name) is None]
    if missing:
        raise BadRequest(f"A {event.event} event carries {' and '.join(needed)}", code="malformed-event")


def _apply(event: WebhookEvent) -> str:
    payment_entity = event.entity("payment")
    assert payment_entity is not None  # _check_shape
    payment = store.payment_of_razorpay_order(payment_entity.order_id) if payment_entity.order_id else None
    if payment is None:
        logger.warning("webhook for a Razorpay order we do not know", extra={
            "event": event.event, "razorpay_order_id": payment_entity.order_id})
        return "ignored"
    if event.event in ("refund.processed", "refund.failed"):
        refund = event.entity("refund")
        assert refund is not None  # _check_shape
        ours = store.get_refund(payment.order_id, refund.receipt) if refund.receipt else None
        if ours is not None:  # a refund we asked for (its receipt is our refund id): close or release it
            status = "processed" if event.event == "refund.processed" else "failed"
            outcome = refunds.apply_refund_entity(ours, {"id": refund.id, "status": status}, "webhook")
            return "ignored" if outcome == "closed" else "processed"
        if event.event == "refund.failed":  # not one of ours (made in Razorpay's dashboard): nothing moved here
            logger.warning("refund failed", extra={"order_id": payment.order_id, "refund_id": refund.id})
            return "ignored"
        try:
            record_refund(payment.order_id, refund.id, refund.amount, refund.currency, "webhook")
        except RefundExceedsCaptured:
            logger.error("refund exceeds what is captured", extra={"order_id": payment.order_id,
                                                                   "refund_id": refund.id})
            return "ignored"
        return "processed"
    # payment.captured, order.paid and payment.authorized and payment.failed say what the payment entity says.
    _settle(payment, payment_entity.model_dump(), "webhook")
    return "processed"


def apply_webhook(raw_body: bytes, signature: str | None, event_id: str | None) -> WebhookOut:
    """Razorpay's event: the signature over the raw body first (nothing else is read before it holds), then
    the event id (a repeat changes nothing), then the event."""
    if not webhook_signature_valid(razorpay_api.webhook_secret(), raw_body, signature):
        raise Unauthorized("The webhook signature does not match", code="invalid-signature", headers={})
    if not event_id or not EVENT_ID.match(event_id):
        raise BadRequest("The x-razorpay-event-id header is required", code="missing-event-id")
    try:
        event = WebhookEvent.model_validate_json(raw_body)
        _check_shape(event)
    except ValidationError as exc:
        raise BadRequest("The event is not a Razorpay event", code="malformed-event") from exc
    if not store.claim_event(event_id, event.event, now_iso()):
        metrics.add_metric(name="WebhookDuplicates", unit="Count", value=1)
        return WebhookOut(outcome="duplicate")
    try:
        outcome = _apply(event)
    except BaseException:
        store.forget_event(event_id)  # Razorpay retries what we did not answer 2xx: let that retry in
        raise
    logger.info("webhook applied", extra={"event": event.event, "event_id": event_id, "outcome": outcome})
    return WebhookOut(outcome="processed" if outcome != "ignored" else "ignored")


# Refunds by an admin or the order's store staff ----------------------------------------------------------


def _items_amount(order: dict[str, Any], items: list[RefundItem]) -> int:
    """What the customer paid for these items: their lines' prices at checkout less their share of the coupon;
    422 naming a bad line."""
    lines = {line.get("product_id"): line for line in order.get("items") or []}
    wanted: dict[str, int] = {}
    for item in items:
        wanted[item.product_id] = wanted.get(item.product_id, 0) + item.quantity
    errors = []
    for index, (product_id, quantity) in enumerate(wanted.items()):
        line = lines.get(product_id)
        if line is None:
            errors.append({"field": f"items.{index}.product_id", "message": "not in this order",
                           "code": "not-in-order"})
        elif quantity > int(line.get("quantity", 0)):
            errors.append({"field": f"items.{index}.quantity", "message": f"the order has {line.get('quantity')}",
                           "code": "above-ordered-quantity"})
    if errors:
        raise Unprocessable("Some items are not in this order as given", code="invalid-items", errors=errors)
    charged = sum(int(lines[p].get("price", 0)) * q for p, q in wanted.items())
    return charged - items_coupon_share(order, wanted)


def items_coupon_share(order: dict[str, Any], wanted: dict[str, int]) -> int:
    """The part of a flat or percent coupon's discount that these items (product id -> units) carried: the
    customer paid them less it, so their refund is less it too (else a partial refund of a discounted order
    pays back more than the items cost). The discount was taken from the lines it `applies_to` (every line
    when that is absent), in proportion to their price, so an item outside them carried none; rounded down,
    in the customer's favour. A free-delivery coupon discounted the fee, not the items: 0."""
    coupon = order.get("coupon") or {}
    if coupon.get("kind") not in ("flat", "percent"):
        return 0
    lines = {line.get("product_id"): line for line in order.get("items") or []}
    scope = set(lines) if coupon.get("applies_to") is None else set(coupon["applies_to"]) & set(lines)

    def cost(product_id: Any, units: int) -> int:
        return int(lines[product_id].get("price", 0)) * units

    scope_total = sum(cost(p, int(lines[p].get("quantity", 0))) for p in scope)
    if scope_total <= 0:
        return 0
    carried = sum(cost(p, units) for p, units in wanted.items() if p in scope)
    return min(int(coupon.get("discount") or 0), scope_total) * carried // scope_total


def admin_refund(principal: Principal, order_id: str, body: RefundIn, key: str) -> RefundOut:
    """A refund of part of a paid order by an admin or the order's store staff (another store's order: 404).
    Idempotent per key (kept with the refund in the payments table, as money must never move twice)."""
    if (body.amount is None) == (body.items is None):
        raise Unprocessable("Give either amount or items", code="amount-or-items",
                            errors=[{"field": "amount", "message": "give either amount or items",
                                     "code": "amount-or-items"}])
    order = upstream.order_of(order_id)
    if order is None or (not principal.has_any(Role.ADMIN) and order.get("store_id") != principal.store_id):
        raise NotFound("No such order")
    amount = body.amount if body.amount is not None else _items_amount(order, body.items or [])
    try:
        refund = refunds.request_refund(order_id, amount, body.reason, key, principal.uid)
    except refunds.NothingToRefund as exc:
        raise Conflict("This order has no captured online payment to refund", code="not-paid-online") from exc
    except RefundExceedsCaptured as exc:
        payment = store.get_payment(order_id)
        left = int(payment.refundable) if payment else 0
        raise Unprocessable(f"A refund of {amount} paise is more than the {left} paise captured and not yet "
                            "refunded", code="refund-exceeds-captured",
                            errors=[{"field": "amount", "message": f"at most {left}",
                                     "code": "refund-exceeds-captured"}]) from exc
    return refunds.refund_out(refund)
