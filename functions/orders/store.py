"""The orders domain's tables: orders and checkout idempotency records; coupons and their redemptions.

Keys (table `OrdersTable`):
    pk = ORDER#<order_id>, sk = ORDER          the order: user_id, store_id, address snapshot, items, bill,
                                               totals, status, version (N), status_history, eta, reason,
                                               payment (online: what Razorpay Checkout needs), coupon_code
                                               (asked for) and coupon (applied)
    pk = IDEM#<uid>#<sha256(key)>, sk = IDEM   a checkout's Idempotency-Key: order_id and the body's hash
GSIs (sparse: only orders carry their attributes, projected ALL):
    ByUser   (user_id, created_at)    the caller's orders, newest first
    ByStore  (store_id, created_at)   a store's orders (staff and admin), filtered by status
    ByStatus (status, created_at)     every order in one status (admin)

Every change of an order is one conditional UpdateItem on `version` (and the expected status), so two
concurrent changes can never both win. The idempotency record and the PENDING order are written in one
transaction, so a key always names an order that exists.

Keys (table `CouponsTable`, hash key only, so one transaction can touch any of them):
    pk = COUPON#<CODE>          a coupon (CODE upper-cased): its rule (kind, amounts, validity, limits, scope),
                                is_active, used (N: redemptions so far), listed = "coupon", version (N)
    pk = USE#<CODE>#<uid>       how many times a user has used a coupon: used (N)
    pk = REDEEM#<order_id>      an order's redemption: code, user_id, state (redeemed | released), first_order,
                                discount (paise)
    pk = FIRST#<uid>            the user's first-order claim: order_id (a first-order-only coupon is taken once)
GSI ByListed (listed, code), projected ALL: every coupon by code (only coupon items carry `listed`).

Only the redeem and release transactions change `used` (on the coupon and on the user's use).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from blinkit.attributes import TimestampAttribute
from blinkit.dynamodb import condition_failed_at, connection, failed_conditions, page, save_if, update_if
from blinkit.settings import get_settings

ORDER = "ORDER"
IDEM = "IDEM"
LISTED = "coupon"  # the ByListed hash key of every coupon item


def order_pk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def idem_pk(uid: str, key_hash: str) -> str:
    return f"IDEM#{uid}#{key_hash}"


def coupon_pk(code: str) -> str:
    return f"COUPON#{code.upper()}"


def use_pk(code: str, uid: str) -> str:
    return f"USE#{code.upper()}#{uid}"


def redeem_pk(order_id: str) -> str:
    return f"REDEEM#{order_id}"


def first_pk(uid: str) -> str:
    return f"FIRST#{uid}"


class _Table:
    table_name = get_settings().orders_table
    region = get_settings().aws_region


class _CouponsTable:
    table_name = get_settings().coupons_table
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
    coupon_code = UnicodeAttribute(null=True)  # asked for at checkout (upper-cased)
    coupon = JSONAttribute(null=True)  # applied, once PLACED: {code, title, kind, discount}
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


class ByListed(GlobalSecondaryIndex["CouponRecord"]):
    class Meta:
        index_name = "ByListed"
        projection = AllProjection()

    listed = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute(range_key=True)


class CouponRecord(Model):
    """A coupon; `coupons.Coupon.of(record)` is its rule. Amounts in paise; a null limit is no limit."""

    class Meta(_CouponsTable):
        pass

    pk = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute()  # upper-cased
    title = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    kind = UnicodeAttribute()  # flat | percent | free_delivery
    amount = NumberAttribute(null=True)  # flat: paise off
    percent = NumberAttribute(null=True)  # percent: 1..100
    max_discount = NumberAttribute(null=True)  # percent: the cap, paise
    min_item_total = NumberAttribute(default=0)
    valid_from = TimestampAttribute()
    valid_until = TimestampAttribute(null=True)  # null: no end
    first_order_only = BooleanAttribute(default=False)
    per_user_limit = NumberAttribute(null=True)
    total_limit = NumberAttribute(null=True)
    store_ids = ListAttribute(of=UnicodeAttribute, default=list)
    category_ids = ListAttribute(of=UnicodeAttribute, default=list)
    product_ids = ListAttribute(of=UnicodeAttribute, default=list)
    is_active = BooleanAttribute(default=True)
    used = NumberAttribute(default=0)
    listed = UnicodeAttribute(default=LISTED)
    created_at = TimestampAttribute()
    updated_at = TimestampAttribute()
    version = NumberAttribute(default=1)

    by_listed = ByListed()


class CouponUseRecord(Model):
    """How many times one user has used one coupon (the per-user limit is checked against `used`)."""

    class Meta(_CouponsTable):
        pass

    pk = UnicodeAttribute(hash_key=True)
    used = NumberAttribute(default=0)


class RedemptionRecord(Model):
    """An order's use of a coupon: written by RedeemCoupon, turned `released` (once) by ReleaseCoupon."""

    class Meta(_CouponsTable):
        pass

    pk = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute()
    user_id = UnicodeAttribute()
    state = UnicodeAttribute()  # redeemed | released
    first_order = BooleanAttribute(default=False)
    discount = NumberAttribute()
    created_at = TimestampAttribute()
    updated_at = TimestampAttribute()


class FirstOrderClaim(Model):
    """A user's first order that used a first-order-only coupon: at most one per user."""

    class Meta(_CouponsTable):
        pass

    pk = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute()


def get_coupon(code: str) -> CouponRecord | None:
    """The coupon with this code (any case), or None."""
    try:
        return CouponRecord.get(coupon_pk(code), consistent_read=True)
    except CouponRecord.DoesNotExist:
        return None


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


# Coupons as admins keep them (orders.offers) ---------------------------------------------------------------


def new_coupon(values: dict[str, Any], now: datetime) -> CouponRecord:
    """A coupon record from a create's values (timestamps as datetimes): nothing used yet, version 1."""
    return CouponRecord(pk=coupon_pk(values["code"]), **values, used=0, listed=LISTED, version=1, created_at=now,
                        updated_at=now)


def insert_coupon(record: CouponRecord) -> bool:
    """Write a new coupon; False, nothing written, when its code is taken."""
    return save_if(record, CouponRecord.pk.does_not_exist())


def write_coupons(records: list[CouponRecord]) -> None:
    """Write coupons whatever is there (BatchWriteItem): the local seed's."""
    with CouponRecord.batch_write() as batch:
        for record in records:
            batch.save(record)


def update_coupon(record: CouponRecord, version: int, changes: dict[str, Any], now: datetime) -> bool:
    """Apply `changes` (a None clears the attribute) if the coupon is still at `version`; version + 1. False,
    nothing written, if it changed since (the record is refreshed in place otherwise)."""
    actions = [getattr(CouponRecord, name).remove() if value is None else getattr(CouponRecord, name).set(value)
               for name, value in changes.items()]
    actions += [CouponRecord.updated_at.set(now), CouponRecord.version.add(1)]
    return update_if(record, actions, CouponRecord.version == version)


def deactivate_coupon(record: CouponRecord, now: datetime) -> bool:
    """Make an active coupon inactive (version + 1); False if it was not active any more."""
    actions = [CouponRecord.is_active.set(False), CouponRecord.updated_at.set(now), CouponRecord.version.add(1)]
    return update_if(record, actions, CouponRecord.is_active == True)  # noqa: E712 (a DynamoDB condition)


def listed_coupons() -> list[CouponRecord]:
    """Every coupon, by code (dozens: one query, a page or two)."""
    return list(CouponRecord.by_listed.query(LISTED))


def user_uses(uid: str, codes: list[str]) -> dict[str, int]:
    """How many times the user has used each of these coupons (a code never used is left out)."""
    keys = list(dict.fromkeys(use_pk(code, uid) for code in codes))
    return {record.pk.split("#", 2)[1]: int(record.used or 0) for record in CouponUseRecord.batch_get(keys)}


# Coupon redemptions ------------------------------------------------------------------------------------

REDEEMED, RELEASED = "redeemed", "released"


def user_used(code: str, uid: str) -> int:
    """How many times `uid` has used the coupon (redeemed and not released)."""
    try:
        return int(CouponUseRecord.get(use_pk(code, uid), consistent_read=True).used or 0)
    except CouponUseRecord.DoesNotExist:
        return 0


def has_first_claim(uid: str, *, other_than: str | None = None) -> bool:
    """Whether a first-order claim of `uid` exists for an order other than `other_than`."""
    try:
        claim = FirstOrderClaim.get(first_pk(uid), consistent_read=True)
    except FirstOrderClaim.DoesNotExist:
        return False
    return claim.order_id != other_than


def has_order_in(uid: str, statuses: tuple[str, ...], *, other_than: str | None = None) -> bool:
    """Whether `uid` has an order in one of `statuses` other than `other_than` (stops at the first found)."""
    query = OrderRecord.by_user.query(uid, filter_condition=OrderRecord.status.is_in(*statuses))
    return any(order.order_id != other_than for order in query)


def get_redemption(order_id: str) -> RedemptionRecord | None:
    try:
        return RedemptionRecord.get(redeem_pk(order_id), consistent_read=True)
    except RedemptionRecord.DoesNotExist:
        return None


class CouponTaken(Exception):
    """The redemption's conditional write failed: `which` of the coupon's limits stood in the way
    (`coupon`: inactive, gone or fully redeemed; `user`: the user's limit; `first`: a first order is claimed)."""

    def __init__(self, which: str) -> None:
        self.which = which
        super().__init__(which)


def redeem(*, order_id: str, uid: str, code: str, discount: int, per_user_limit: int | None,
           first_order_only: bool, now: datetime) -> RedemptionRecord:
    """Count one use of the coupon for the order, all or nothing, in ONE transaction:
    put the order's redemption (once per order); the coupon's `used + 1` if it is active and below its total
    limit; the user's `used + 1` if below `per_user_limit`; the user's first-order claim if the coupon is for
    first orders only. A retry for the same order answers the redemption it made. Raises `CouponTaken`."""
    redemption = RedemptionRecord(pk=redeem_pk(order_id), code=code, user_id=uid, state=REDEEMED,
                                  first_order=first_order_only, discount=discount, created_at=now, updated_at=now)
    coupon_ok = (CouponRecord.is_active == True) & (  # noqa: E712 (a pynamodb condition, not a comparison)
        CouponRecord.total_limit.does_not_exist() | (CouponRecord.used < CouponRecord.total_limit))
    use_ok = None if per_user_limit is None else (
        CouponUseRecord.used.does_not_exist() | (CouponUseRecord.used < per_user_limit))
    # Sending order (blinkit.dynamodb): puts (the redemption, then the claim), then updates (coupon, use).
    positions = ["redemption", *(["first"] if first_order_only else []), "coupon", "user"]
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(redemption, condition=RedemptionRecord.pk.does_not_exist())
            if first_order_only:
                tx.save(FirstOrderClaim(pk=first_pk(uid), order_id=order_id),
                        condition=FirstOrderClaim.pk.does_not_exist())
            tx.update(CouponRecord(pk=coupon_pk(code)), actions=[CouponRecord.used.add(1)], condition=coupon_ok)
            tx.update(CouponUseRecord(pk=use_pk(code, uid)), actions=[CouponUseRecord.used.add(1)],
                      condition=use_ok)
    except TransactWriteError as exc:
        failed = [positions[i] for i in failed_conditions(exc) if i < len(positions)]
        if not failed:
            raise
        if "redemption" in failed:  # this order redeemed already (a retry): answer that redemption
            existing = get_redemption(order_id)
            if existing is not None:
                return existing
        raise CouponTaken(next(which for which in ("coupon", "user", "first") if which in failed)) from None
    return redemption


def release(order_id: str, now: datetime) -> bool:
    """Give the order's use back, once: the redemption redeemed → released, the coupon's and the user's `used`
    - 1 and the first-order claim deleted, in ONE transaction conditional on the redemption still being
    redeemed. False (nothing changed) when the order has no redemption or it was released already."""
    redemption = get_redemption(order_id)
    if redemption is None or redemption.state != REDEEMED:
        return False
    code, uid = redemption.code, redemption.user_id
    try:
        with TransactWrite(connection=connection()) as tx:  # deletes, then updates: the redemption is 0 or 1
            if redemption.first_order:
                tx.delete(FirstOrderClaim(pk=first_pk(uid)),
                          condition=(FirstOrderClaim.order_id == order_id) | FirstOrderClaim.pk.does_not_exist())
            tx.update(redemption, actions=[RedemptionRecord.state.set(RELEASED), RedemptionRecord.updated_at.set(now)],
                      condition=RedemptionRecord.state == REDEEMED)
            tx.update(CouponRecord(pk=coupon_pk(code)), actions=[CouponRecord.used.add(-1)])
            tx.update(CouponUseRecord(pk=use_pk(code, uid)), actions=[CouponUseRecord.used.add(-1)])
    except TransactWriteError as exc:
        if condition_failed_at(exc, 1 if redemption.first_order else 0):
            return False  # released by a concurrent run
        raise
    return True
