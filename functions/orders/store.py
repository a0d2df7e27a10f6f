"""The orders table: orders and checkout idempotency records.

Keys (table `OrdersTable`):
    pk = ORDER#<order_id>, sk = ORDER          the order: user_id, store_id, address snapshot, items, bill,
                                               totals, status, version (N), status_history, eta, reason,
                                               payment (online: what Razorpay Checkout needs)
    pk = IDEM#<uid>#<sha256(key)>, sk = IDEM   a checkout's Idempotency-Key: order_id and the body's hash
GSIs (sparse: only orders carry their attributes, projected ALL):
    ByUser   (user_id, created_at)    the caller's orders, newest first
    ByStore  (store_id, created_at)   a store's orders (staff and admin), filtered by status
    ByStatus (status, created_at)     every order in one status (admin)

Every change of an order is one conditional UpdateItem on `version` (and the expected status), so two
concurrent changes can never both win. The idempotency record and the PENDING order are written in one
transaction, so a key always names an order that exists.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from blinkit.dynamodb import condition_failed_at, connection, page, update_if
from blinkit.settings import get_settings

ORDER = "ORDER"
IDEM = "IDEM"


def order_pk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def idem_pk(uid: str, key_hash: str) -> str:
    return f"IDEM#{uid}#{key_hash}"


class _Table:
    table_name = get_settings().orders_table
    region = get_settings().aws_region


class ByUser(GlobalSecondaryIndex["OrderRecord"]):
    class Meta:
        index_name = "ByUser"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByStore(GlobalSecondaryIndex["OrderRecord"]):
    class Meta:
        index_name = "ByStore"
        projection = AllProjection()

    store_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByStatus(GlobalSecondaryIndex["OrderRecord"]):
    class Meta:
        index_name = "ByStatus"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OrderRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=ORDER)
    order_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    store_id = UnicodeAttribute(null=True)
    partner_id = UnicodeAttribute(null=True)
    delivery_otp = UnicodeAttribute(null=True)  # 4 digits, shown to the owner only; checked at delivery
    address = JSONAttribute()
    items = JSONAttribute(null=True)
    bill = JSONAttribute(null=True)
    item_total = NumberAttribute(null=True)
    total = NumberAttribute(null=True)
    tip = NumberAttribute(default=0)
    payment_method = UnicodeAttribute(default="cod")
    payment = JSONAttribute(null=True)  # online: Razorpay Checkout's object, set by the saga's AwaitPayment
    instructions = UnicodeAttribute(null=True)
    eta = JSONAttribute(null=True)
    status = UnicodeAttribute()
    version = NumberAttribute()
    status_history = JSONAttribute()
    reason = UnicodeAttribute(null=True)
    reason_detail = JSONAttribute(null=True)
    correlation_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    by_user = ByUser()
    by_store = ByStore()
    by_status = ByStatus()


class IdempotencyRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=IDEM)
    order_id = UnicodeAttribute()
    body_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()


def get_order(order_id: str, *, consistent: bool = True) -> OrderRecord | None:
    try:
        return OrderRecord.get(order_pk(order_id), ORDER, consistent_read=consistent)
    except OrderRecord.DoesNotExist:
        return None


def get_idempotency(uid: str, key_hash: str) -> IdempotencyRecord | None:
    try:
        return IdempotencyRecord.get(idem_pk(uid, key_hash), IDEM, consistent_read=True)
    except IdempotencyRecord.DoesNotExist:
        return None


def insert_pending(order: OrderRecord, idem: IdempotencyRecord) -> bool:
    """Write the idempotency record and the PENDING order together; False if the key was already used."""
    try:
        with TransactWrite(connection=connection()) as tx:  # two puts: the key's record 0, the order 1
            tx.save(idem, condition=IdempotencyRecord.pk.does_not_exist())
            tx.save(order, condition=OrderRecord.pk.does_not_exist())
    except TransactWriteError as exc:
        if condition_failed_at(exc, 0):
            return False
        raise
    return True


class VersionConflict(Exception):
    """The order changed (status or version) since it was read."""


def update_order(order: OrderRecord, *, expected_status: str | None = None, **changes: Any) -> OrderRecord:
    """Apply `changes` if the order is still at the version (and status) it was read with; version + 1."""
    condition = OrderRecord.version == int(order.version)
    if expected_status is not None:
        condition &= OrderRecord.status == expected_status
    actions = [getattr(OrderRecord, name).set(value) for name, value in changes.items()]
    actions.append(OrderRecord.version.add(1))
    if not update_if(order, actions, condition):
        raise VersionConflict(order.order_id)
    return order


def orders_of_user(uid: str, limit: int, start: dict[str, Any] | None) -> tuple[list[OrderRecord], Any]:
    return page(OrderRecord.by_user.query(uid, scan_index_forward=False, limit=limit, last_evaluated_key=start))


def orders_of_store(store_id: str, status: str | None, limit: int, start: dict[str, Any] | None
                    ) -> tuple[list[OrderRecord], Any]:
    condition = OrderRecord.status == status if status else None
    return page(OrderRecord.by_store.query(store_id, filter_condition=condition, scan_index_forward=False,
                                           limit=limit, last_evaluated_key=start))


def orders_in_status(status: str, limit: int, start: dict[str, Any] | None) -> tuple[list[OrderRecord], Any]:
    return page(OrderRecord.by_status.query(status, scan_index_forward=False, limit=limit,
                                            last_evaluated_key=start))


SUMMARY_ATTRIBUTES = ("status", "total", "reason", "payment_method", "created_at")


def orders_in_status_between(status: str, since: str, until: str, cap: int) -> tuple[list[dict[str, Any]], bool]:
    """Orders now in `status` created in [since, until) (ISO instants), newest first, at most `cap`, as dicts of
    `SUMMARY_ATTRIBUTES` only; and whether more were left unread. One ByStatus key-range query (paged by
    DynamoDB's 1 MB pages), never a scan."""
    condition = OrderRecord.created_at.between(since, until)
    results = OrderRecord.by_status.query(status, condition, scan_index_forward=False, limit=cap + 1,
                                          attributes_to_get=list(SUMMARY_ATTRIBUTES))
    found = [{name: getattr(record, name) for name in SUMMARY_ATTRIBUTES} for record in results]
    # `between` is inclusive: an order made at the very instant the next day starts is the next day's
    found = [order for order in found if order["created_at"] < until]
    return found[:cap], len(found) > cap
