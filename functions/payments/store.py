"""The payments table: one payment per order, its append-only money ledger, and webhook event ids.

Keys (table `PaymentsTable`):
    pk = PAYMENT#<order_id>, sk = PAYMENT                 the payment: user, Razorpay order, amount, currency,
                                                          status, running totals (captured, refunded,
                                                          refundable = captured - refunded), flags
    pk = PAYMENT#<order_id>, sk = LEDGER#<kind>#<ref>     one ledger entry, never changed or deleted: kind
                                                          authorized | captured | refunded | mismatch, ref the
                                                          Razorpay payment or refund id; amount in paise
    pk = EVENT#<event id>,   sk = EVENT                   a webhook event already applied; expires_at (TTL)
    pk = PAYMENT#<order_id>, sk = REFUND#<refund_id>      a refund we asked for: amount, reason, who, status
                                                          requested → pending → processed | failed, the
                                                          Razorpay refund id once Razorpay has it
GSI ByRazorpayOrder (razorpay_order_id, sparse: payments only): a webhook names Razorpay's order, not ours.
GSI ByOpen (open, updated_at; sparse, keys only): what the reconciler looks at without a scan. `open` is
"payment" while a payment is not captured, "refund" while a refund is requested or pending; it is removed when
that closes.

Money moves only in transactions that append a ledger entry (condition: no entry with this key yet, so a
repeated capture or refund appends nothing) and change the payment's totals (condition: the state allows it).
A refund's condition is `refundable >= amount`: DynamoDB conditions cannot add, so the difference is kept as
its own attribute, and captured - refunded >= 0 holds under any number of concurrent refunds.

A refund we ask for is reserved first (`reserve_refund`: refundable -= amount, pending += amount, with the
same condition), so concurrent requests can never together ask Razorpay for more than was captured; it is
closed once (`close_refund`: the ledger entry, pending -= amount, refunded += amount) or released
(`release_refund`: pending -= amount, refundable += amount). captured = refunded + pending + refundable always.
"""

from __future__ import annotations

import time
from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from blinkit.dynamodb import connection, failed_conditions, save_if, update_if
from blinkit.settings import get_settings

PAYMENT, EVENT = "PAYMENT", "EVENT"
CREATING, CREATED, AUTHORIZED, CAPTURED, FAILED = "creating", "created", "authorized", "captured", "failed"
# A refund's states: reserved and queued, accepted by Razorpay, money returned, given up (reservation released).
REQUESTED, PENDING, PROCESSED = "requested", "pending", "processed"
RELEASED = "released"  # a mismatched payment Razorpay only authorised: it releases the hold by itself
OPEN_PAYMENT, OPEN_REFUND = "payment", "refund"


def payment_pk(order_id: str) -> str:
    return f"PAYMENT#{order_id}"


def ledger_sk(kind: str, ref: str) -> str:
    return f"LEDGER#{kind}#{ref}"


def refund_sk(refund_id: str) -> str:
    return f"REFUND#{refund_id}"


class _Table:
    table_name = get_settings().payments_table
    region = get_settings().aws_region


class ByRazorpayOrder(GlobalSecondaryIndex["PaymentRecord"]):
    class Meta:
        index_name = "ByRazorpayOrder"
        projection = KeysOnlyProjection()

    razorpay_order_id = UnicodeAttribute(hash_key=True)


class PaymentsByOpen(GlobalSecondaryIndex["PaymentRecord"]):
    """ByOpen as payments are read from it (one index, two models: pynamodb types an index by its model)."""

    class Meta:
        index_name = "ByOpen"
        projection = KeysOnlyProjection()

    open = UnicodeAttribute(hash_key=True)
    updated_at = UnicodeAttribute(range_key=True)


class RefundsByOpen(GlobalSecondaryIndex["RefundRecord"]):
    class Meta:
        index_name = "ByOpen"
        projection = KeysOnlyProjection()

    open = UnicodeAttribute(hash_key=True)
    updated_at = UnicodeAttribute(range_key=True)


class PaymentRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=PAYMENT)
    order_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute()
    razorpay_order_id = UnicodeAttribute(null=True)
    razorpay_payment_id = UnicodeAttribute(null=True)
    captured = NumberAttribute(default=0)
    refunded = NumberAttribute(default=0)
    refundable = NumberAttribute(default=0)
    pending = NumberAttribute(default=0)  # paise reserved by refunds asked for and not yet processed
    refund_due = BooleanAttribute(default=False)
    open = UnicodeAttribute(null=True)  # ByOpen: set while the reconciler should look at it
    claimed_until = NumberAttribute(null=True)  # epoch s: who creates the Razorpay order, until when
    task_token = UnicodeAttribute(null=True)  # the saga's WaitForPayment callback
    told_token = UnicodeAttribute(null=True)  # the token whose saga was (being) told of the capture: once per token
    closed_at = UnicodeAttribute(null=True)  # the saga stopped waiting (timeout): money arriving later goes back
    error_code = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    captured_at = UnicodeAttribute(null=True)
    by_razorpay_order = ByRazorpayOrder()
    by_open = PaymentsByOpen()


class RefundRecord(Model):
    """A refund we asked for (sk REFUND#<refund_id>); `refund_id` is Razorpay's `receipt` for it."""

    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    order_id = UnicodeAttribute()
    refund_id = UnicodeAttribute()
    idempotency_key = UnicodeAttribute()
    user_id = UnicodeAttribute()  # the customer, told at "refund initiated" and "refund processed"
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    reason = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    razorpay_payment_id = UnicodeAttribute()  # the Razorpay payment the money goes back from
    kind = UnicodeAttribute(default="order")  # order: from the captured payment; mismatch: money not the order's
    status = UnicodeAttribute()
    razorpay_refund_id = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
    open = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    by_open = RefundsByOpen()


class LedgerRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    ref = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    source = UnicodeAttribute()  # verify | webhook | ... : which road wrote it
    at = UnicodeAttribute()


class EventRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=EVENT)
    event = UnicodeAttribute()
    at = UnicodeAttribute()
    expires_at = NumberAttribute()


class PaymentConflict(Exception):
    """The payment was not in a state the write allows (another writer got there first)."""


class RefundExceedsCaptured(Exception):
    """A refund would take more than what is captured and not yet refunded."""


# Payments -----------------------------------------------------------------------------------------------


def get_payment(order_id: str) -> PaymentRecord | None:
    try:
        return PaymentRecord.get(payment_pk(order_id), PAYMENT, consistent_read=True)
    except PaymentRecord.DoesNotExist:
        return None


def payment_of_razorpay_order(razorpay_order_id: str) -> PaymentRecord | None:
    """The payment of a Razorpay order: the index (keys only) names it, its key reads it consistently."""
    for found in PaymentRecord.by_razorpay_order.query(razorpay_order_id, limit=1):
        return get_payment(found.pk.removeprefix("PAYMENT#"))
    return None


def claim_creation(record: PaymentRecord, lease_seconds: int) -> bool:
    """Insert the payment as `creating` with a lease, unless it exists; False when it does."""
    record.claimed_until = int(time.time()) + lease_seconds
    record.open = OPEN_PAYMENT
    return save_if(record, PaymentRecord.pk.does_not_exist())


def take_over_creation(order_id: str, lease_seconds: int, now: str) -> bool:
    """Take the creation lease of a payment still `creating` whose lease ran out (its creator died)."""
    record = PaymentRecord(pk=payment_pk(order_id), sk=PAYMENT)
    epoch = int(time.time())
    return update_if(record, [PaymentRecord.claimed_until.set(epoch + lease_seconds),
                              PaymentRecord.updated_at.set(now)],
                     (PaymentRecord.status == CREATING) & (PaymentRecord.claimed_until < epoch))


def release_creation(order_id: str) -> None:
    """Give up the creation lease (the Razorpay call failed): the next attempt may take it at once."""
    update_if(PaymentRecord(pk=payment_pk(order_id), sk=PAYMENT), [PaymentRecord.claimed_until.set(0)],
              PaymentRecord.status == CREATING)


def set_razorpay_order(order_id: str, razorpay_order_id: str, now: str) -> bool:
    """`creating` → `created` with its Razorpay order; False if the payment already has one."""
    record = PaymentRecord(pk=payment_pk(order_id), sk=PAYMENT)
    return update_if(record, [PaymentRecord.razorpay_order_id.set(razorpay_order_id),
                              PaymentRecord.status.set(CREATED), PaymentRecord.claimed_until.remove(),
                              PaymentRecord.updated_at.set(now)],
                     PaymentRecord.pk.exists() & PaymentRecord.razorpay_order_id.does_not_exist())


def set_task_token(order_id: str, token: str, now: str) -> PaymentRecord | None:
    """Remember the saga's callback token on the payment (refreshed in place); None for a missing payment."""
    record = PaymentRecord(pk=payment_pk(order_id), sk=PAYMENT)
    if update_if(record, [PaymentRecord.task_token.set(token), PaymentRecord.updated_at.set(now)],
                 PaymentRecord.pk.exists()):
        return record
    return None


def claim_notice(order_id: str, token: str, now: str) -> bool:
    """Claim telling the saga waiting on `token` of the capture; False when `token` is no longer the payment's or
    another caller claimed it (a second SendTaskSuccess for a finished task would read as a saga gone)."""
    return update_if(PaymentRecord(pk=payment_pk(order_id), sk=PAYMENT),
                     [PaymentRecord.told_token.set(token), PaymentRecord.updated_at.set(now)],
                     (PaymentRecord.task_token == token)
                     & (PaymentRecord.told_token.does_not_exist() | (PaymentRecord.told_token != token)))


def close(order_id: str, now: str) -> bool:
    """The saga stopped waiting: mark the payment closed unless it is captured; False when it was captured
    (the capture raced the timeout) or is closed already."""
    return update_if(PaymentRecord(pk=payment_pk(order_id), sk=PAYMENT),
                     [PaymentRecord.closed_at.set(now), PaymentRecord.updated_at.set(now)],
                     PaymentRecord.pk.exists() & (PaymentRecord.status != CAPTURED)
                     & PaymentRecord.closed_at.does_not_exist())


def set_refund_due(order_id: str, now: str) -> bool:
    """Flag money on this payment that must go back; False when it was flagged already."""
    return update_if(PaymentRecord(pk=payment_pk(order_id), sk=PAYMENT),
                     [PaymentRecord.refund_due.set(True), PaymentRecord.updated_at.set(now)],
                     PaymentRecord.pk.exists()
                     & (PaymentRecord.refund_due.does_not_exist() | (PaymentRecord.refund_due == False)))  # noqa: E712


def set_status(order_id: str, status: str, allowed_from: tuple[str, ...], now: str,
               error_code: str | None = None) -> bool:
    """Move the payment's status when it is in one of `allowed_from`; False otherwise."""
    actions = [PaymentRecord.status.set(status), PaymentRecord.updated_at.set(now)]
    if error_code is not None:
        actions.append(PaymentRecord.error_code.set(error_code))
    return update_if(PaymentRecord(pk=payment_pk(order_id), sk=PAYMENT), actions,
                     PaymentRecord.status.is_in(*allowed_from))


# Ledger -------------------------------------------------------------------------------------------------


def _entry(order_id: str, kind: str, ref: str, amount: int, currency: str, source: str, now: str) -> LedgerRecord:
    return LedgerRecord(pk=payment_pk(order_id), sk=ledger_sk(kind, ref), kind=kind, ref=ref, amount=amount,
                        currency=currency, source=source, at=now)


def _append(order_id: str, entry: LedgerRecord | RefundRecord, actions: list[Any], condition: Any) -> str:
    """Append `entry` and update the payment by `actions` under `condition`, in one transaction.

    Answers "done", "duplicate" (this entry exists: nothing written) or "refused" (the payment's condition
    was false). Items are sent puts first, then updates: the entry is position 0, the payment 1.
    """
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(entry, condition=type(entry).sk.does_not_exist())
            tx.update(PaymentRecord(pk=payment_pk(order_id), sk=PAYMENT), actions=actions, condition=condition)
    except TransactWriteError as exc:
        failed = failed_conditions(exc)
        if not failed:
            raise
        return "duplicate" if 0 in failed else "refused"
    return "done"


def append_authorized(order_id: str, payment_id: str, amount: int, currency: str, source: str, now: str) -> str:
    """An authorisation (money held, not taken): created or failed → authorized; once per Razorpay payment."""
    return _append(order_id, _entry(order_id, "authorized", payment_id, amount, currency, source, now),
                   [PaymentRecord.status.set(AUTHORIZED), PaymentRecord.razorpay_payment_id.set(payment_id),
                    PaymentRecord.updated_at.set(now)],
                   PaymentRecord.status.is_in(CREATED, FAILED))


def append_captured(order_id: str, payment_id: str, amount: int, currency: str, source: str, now: str) -> str:
    """The capture: the payment becomes captured with this Razorpay payment, totals grow by `amount`.
    Refused when the payment is already captured (by another Razorpay payment) or its amount or currency
    differs: those are the caller's to record as a mismatch."""
    return _append(order_id, _entry(order_id, "captured", payment_id, amount, currency, source, now),
                   [PaymentRecord.status.set(CAPTURED), PaymentRecord.razorpay_payment_id.set(payment_id),
                    PaymentRecord.captured.add(amount), PaymentRecord.refundable.add(amount),
                    PaymentRecord.captured_at.set(now), PaymentRecord.updated_at.set(now),
                    PaymentRecord.open.remove()],
                   (PaymentRecord.status != CAPTURED) & (PaymentRecord.amount == amount)
                   & (PaymentRecord.currency == currency))


def append_mismatch(order_id: str, payment_id: str, amount: int, currency: str, source: str, now: str) -> str:
    """Money that must not complete the order (wrong amount or currency, or a second payment): kept in the
    ledger for the record and the payment flagged `refund_due`; the totals do not change."""
    return _append(order_id, _entry(order_id, "mismatch", payment_id, amount, currency, source, now),
                   [PaymentRecord.refund_due.set(True), PaymentRecord.updated_at.set(now)],
                   PaymentRecord.pk.exists())


def append_refunded(order_id: str, refund_id: str, amount: int, currency: str, source: str, now: str) -> str:
    """A refund of `amount`: refused unless that much is captured and not yet refunded."""
    return _append(order_id, _entry(order_id, "refunded", refund_id, amount, currency, source, now),
                   [PaymentRecord.refunded.add(amount), PaymentRecord.refundable.add(-amount),
                    PaymentRecord.updated_at.set(now)],
                   (PaymentRecord.refundable >= amount) & (PaymentRecord.currency == currency))


def ledger(order_id: str) -> list[LedgerRecord]:
    return list(LedgerRecord.query(payment_pk(order_id), LedgerRecord.sk.startswith("LEDGER#"),
                                   consistent_read=True))


# Refunds we ask for --------------------------------------------------------------------------------------


def get_refund(order_id: str, refund_id: str) -> RefundRecord | None:
    try:
        return RefundRecord.get(payment_pk(order_id), refund_sk(refund_id), consistent_read=True)
    except RefundRecord.DoesNotExist:
        return None


def refunds_of(order_id: str) -> list[RefundRecord]:
    return list(RefundRecord.query(payment_pk(order_id), RefundRecord.sk.startswith("REFUND#"),
                                   consistent_read=True))


def reserve_refund(refund: RefundRecord) -> str:
    """Record a refund of the captured payment and reserve its amount: "done", "duplicate" (a refund with this
    id exists: nothing written) or "refused" (not captured, or captured - refunded - pending is too small)."""
    amount = int(refund.amount)
    return _append(refund.order_id, refund,
                   [PaymentRecord.refundable.add(-amount), PaymentRecord.pending.add(amount),
                    PaymentRecord.updated_at.set(refund.updated_at)],
                   (PaymentRecord.status == CAPTURED) & (PaymentRecord.refundable >= amount)
                   & (PaymentRecord.currency == refund.currency))


def add_mismatch_refund(refund: RefundRecord) -> bool:
    """Record a refund of money that never counted for the order (no reservation: it is not in the totals)."""
    return save_if(refund, RefundRecord.sk.does_not_exist())


def mark_attempt(order_id: str, refund_id: str, now: str) -> RefundRecord | None:
    """Count an attempt at asking Razorpay; None unless the refund is still `requested`."""
    record = RefundRecord(pk=payment_pk(order_id), sk=refund_sk(refund_id))
    if update_if(record, [RefundRecord.attempts.add(1), RefundRecord.updated_at.set(now)],
                 RefundRecord.status == REQUESTED):
        return record
    return None


def note_refund_error(order_id: str, refund_id: str, error: str, now: str) -> None:
    update_if(RefundRecord(pk=payment_pk(order_id), sk=refund_sk(refund_id)),
              [RefundRecord.error.set(error[:500]), RefundRecord.updated_at.set(now)],
              RefundRecord.status == REQUESTED)


def set_refund_pending(order_id: str, refund_id: str, razorpay_refund_id: str, now: str) -> bool:
    """Razorpay accepted the refund and has not processed it yet: `requested` → `pending` with its id."""
    return update_if(RefundRecord(pk=payment_pk(order_id), sk=refund_sk(refund_id)),
                     [RefundRecord.status.set(PENDING), RefundRecord.razorpay_refund_id.set(razorpay_refund_id),
                      RefundRecord.error.remove(), RefundRecord.updated_at.set(now)],
                     RefundRecord.status == REQUESTED)


def _refund_transaction(refund: RefundRecord, refund_actions: list[Any], payment_actions: list[Any],
                        ledger_entry: LedgerRecord | None) -> str:
    """The refund's move (condition: still requested or pending) with the payment's totals and, when money
    moved, its ledger entry (condition: new), in one transaction. "done", "duplicate" (the entry exists) or
    "closed" (the refund was closed by someone else). Positions: the entry (a put) 0, then the updates."""
    try:
        with TransactWrite(connection=connection()) as tx:
            if ledger_entry is not None:
                tx.save(ledger_entry, condition=LedgerRecord.sk.does_not_exist())
            tx.update(RefundRecord(pk=refund.pk, sk=refund.sk), actions=refund_actions,
                      condition=RefundRecord.status.is_in(REQUESTED, PENDING))
            tx.update(PaymentRecord(pk=refund.pk, sk=PAYMENT), actions=payment_actions,
                      condition=PaymentRecord.pk.exists())
    except TransactWriteError as exc:
        failed = failed_conditions(exc)
        if not failed:
            raise
        return "duplicate" if ledger_entry is not None and 0 in failed else "closed"
    return "done"


def close_refund(refund: RefundRecord, razorpay_refund_id: str, source: str, now: str) -> str:
    """Razorpay processed the refund: its ledger entry, the refund `processed`, pending → refunded (a refund of
    mismatched money only gets its entry: it was never in the totals)."""
    amount = int(refund.amount)
    kind = "refunded" if refund.kind == "order" else "mismatch_refunded"
    entry = _entry(refund.order_id, kind, razorpay_refund_id, amount, refund.currency, source, now)
    payment_actions = [PaymentRecord.updated_at.set(now)]
    if refund.kind == "order":
        payment_actions += [PaymentRecord.pending.add(-amount), PaymentRecord.refunded.add(amount)]
    return _refund_transaction(refund, [RefundRecord.status.set(PROCESSED),
                                        RefundRecord.razorpay_refund_id.set(razorpay_refund_id),
                                        RefundRecord.error.remove(), RefundRecord.open.remove(),
                                        RefundRecord.updated_at.set(now)], payment_actions, entry)


def release_refund(refund: RefundRecord, status: str, error: str, now: str) -> str:
    """The refund will not happen (`failed`, or `released` for a hold Razorpay lets go of): its reservation
    goes back to refundable."""
    amount = int(refund.amount)
    payment_actions = [PaymentRecord.updated_at.set(now)]
    if refund.kind == "order":
        payment_actions += [PaymentRecord.pending.add(-amount), PaymentRecord.refundable.add(amount)]
    return _refund_transaction(refund, [RefundRecord.status.set(status), RefundRecord.error.set(error[:500]),
                                        RefundRecord.open.remove(), RefundRecord.updated_at.set(now)],
                               payment_actions, None)


# What the reconciler looks at ---------------------------------------------------------------------------


def open_payments(before: str, limit: int) -> list[str]:
    """Order ids of payments not captured and unchanged since `before` (oldest first)."""
    return [r.pk.removeprefix("PAYMENT#") for r in
            PaymentRecord.by_open.query(OPEN_PAYMENT, PaymentRecord.updated_at < before, limit=limit)]


def open_refunds(before: str, limit: int) -> list[tuple[str, str]]:
    """(order id, refund id) of refunds requested or pending and unchanged since `before` (oldest first)."""
    return [(r.pk.removeprefix("PAYMENT#"), r.sk.removeprefix("REFUND#")) for r in
            RefundRecord.by_open.query(OPEN_REFUND, RefundRecord.updated_at < before, limit=limit)]


def stop_watching_payment(order_id: str, now: str) -> bool:
    """The payment needs no more reconciling (it expired uncaptured)."""
    return update_if(PaymentRecord(pk=payment_pk(order_id), sk=PAYMENT),
                     [PaymentRecord.open.remove(), PaymentRecord.updated_at.set(now)],
                     PaymentRecord.open.exists() & (PaymentRecord.status != CAPTURED))


# Webhook events -----------------------------------------------------------------------------------------


def claim_event(event_id: str, event: str, now: str) -> bool:
    """Remember a webhook event id; False if it was seen already."""
    days = get_settings().payment_event_days
    return save_if(EventRecord(pk=f"EVENT#{event_id}", event=event, at=now,
                               expires_at=int(time.time()) + days * 86400), EventRecord.pk.does_not_exist())


def forget_event(event_id: str) -> None:
    """Let a retry of this event through again (applying it failed on our side)."""
    EventRecord(pk=f"EVENT#{event_id}", sk=EVENT).delete()
