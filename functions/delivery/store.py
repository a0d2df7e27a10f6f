"""The delivery table: partners, deliveries (one per order) and route points.

Keys (table `DeliveryTable`):
    pk = PARTNER#<uid>,       sk = PARTNER      a partner: profile, status (available|busy|offline), the current
                                                order with its pickup/drop coordinates, and the latest location
    pk = DELIVERY#<order_id>, sk = DELIVERY     a delivery: customer, store, drop, OTP, status, the partner
    pk = ROUTE#<order_id>,    sk = PT#<ms>      one location point of a delivery; expires_at (TTL, 30 days)
GSI ByStore (store_id, status_uid = "<status>#<uid>", sparse: partners only): the free partners of a store
(begins_with "available#") for assignment, and the admin list.

A delivery follows its order's status (the orders domain's `order_status` messages, and the partner's own
pickup and delivery): `order_version` keeps the order version its status came from, and every change is
conditional on a newer one, so repeated or out-of-order news never moves it backwards; a closed delivery
(DELIVERED, CANCELLED, FAILED) never changes again and its partner, if still on it, is available.

Claiming a partner is one transaction: the partner goes available → busy with the order (condition: still
available) and the delivery gets that partner (condition: none yet). So two orders never take one partner,
and an order never gets two.
"""

from __future__ import annotations

import time
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from blinkit.dynamodb import connection, failed_conditions, page, save_if, update_if
from blinkit.settings import get_settings

PARTNER, DELIVERY = "PARTNER", "DELIVERY"
AVAILABLE, BUSY, OFFLINE = "available", "busy", "offline"
# A delivery's status is its order's (plus UNASSIGNED: nobody was free in time). Closed ones never change again.
CLOSED = frozenset({"DELIVERED", "CANCELLED", "FAILED"})
ON_THE_WAY = frozenset({"OUT_FOR_DELIVERY", "ARRIVED"})


def partner_pk(uid: str) -> str:
    return f"PARTNER#{uid}"


def delivery_pk(order_id: str) -> str:
    return f"DELIVERY#{order_id}"


def route_pk(order_id: str) -> str:
    return f"ROUTE#{order_id}"


def status_uid(status: str, uid: str) -> str:
    return f"{status}#{uid}"


class _Table:
    table_name = get_settings().delivery_table
    region = get_settings().aws_region


class ByStore(GlobalSecondaryIndex["PartnerRecord"]):
    class Meta:
        index_name = "ByStore"
        projection = AllProjection()

    store_id = UnicodeAttribute(hash_key=True)
    status_uid = UnicodeAttribute(range_key=True)


class PartnerRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=PARTNER)
    uid = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute()
    vehicle = UnicodeAttribute()
    store_id = UnicodeAttribute()
    status = UnicodeAttribute()
    status_uid = UnicodeAttribute()
    # The current delivery, copied here at assignment so that a location update needs no other read.
    order_id = UnicodeAttribute(null=True)
    picked_up = NumberAttribute(null=True)  # 1 once the order left the store
    store_lat = NumberAttribute(null=True)
    store_lng = NumberAttribute(null=True)
    drop_lat = NumberAttribute(null=True)
    drop_lng = NumberAttribute(null=True)
    # The latest location (loc_ms orders updates: an older fix never overwrites a newer one).
    lat = NumberAttribute(null=True)
    lng = NumberAttribute(null=True)
    accuracy_m = NumberAttribute(null=True)
    heading = NumberAttribute(null=True)
    speed_kmph = NumberAttribute(null=True)
    loc_ms = NumberAttribute(null=True)
    located_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    by_store = ByStore()


class DeliveryRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=DELIVERY)
    order_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    store_id = UnicodeAttribute()
    store = JSONAttribute()  # {store_id, name, lat, lng}
    drop = JSONAttribute()  # {address, lat, lng}
    otp = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # the order's (PACKED ... DELIVERED, CANCELLED, FAILED), or UNASSIGNED
    order_version = NumberAttribute(null=True)  # the order version `status` was taken from: older news is stale
    partner_id = UnicodeAttribute(null=True)
    partner_name = UnicodeAttribute(null=True)
    partner_phone = UnicodeAttribute(null=True)
    vehicle = UnicodeAttribute(null=True)
    eta_minutes = NumberAttribute(null=True)
    assigned_at = UnicodeAttribute(null=True)
    picked_up_at = UnicodeAttribute(null=True)
    delivered_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class RoutePointRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    lat = NumberAttribute()
    lng = NumberAttribute()
    accuracy_m = NumberAttribute(null=True)
    heading = NumberAttribute(null=True)
    speed_kmph = NumberAttribute(null=True)
    recorded_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # TTL (epoch seconds); DynamoDB deletes late, so reads filter on it


# Partners -----------------------------------------------------------------------------------------------


def get_partner(uid: str) -> PartnerRecord | None:
    try:
        return PartnerRecord.get(partner_pk(uid), PARTNER, consistent_read=True)
    except PartnerRecord.DoesNotExist:
        return None


def insert_partner(record: PartnerRecord) -> bool:
    """False if this user is already a partner."""
    return save_if(record, PartnerRecord.pk.does_not_exist())


class StateConflict(Exception):
    """The item was not in the state the write expected (someone else changed it first)."""


def set_partner_status(uid: str, status: str, now: str) -> PartnerRecord:
    """available ⇄ offline; refused (StateConflict) while busy or for a missing partner."""
    record = PartnerRecord(pk=partner_pk(uid), sk=PARTNER)
    if not update_if(record, [PartnerRecord.status.set(status), PartnerRecord.status_uid.set(status_uid(status, uid)),
                              PartnerRecord.updated_at.set(now)],
                     PartnerRecord.pk.exists() & (PartnerRecord.status != BUSY)):
        raise StateConflict(uid)
    return record


def free_partners(store_id: str) -> list[PartnerRecord]:
    return list(PartnerRecord.by_store.query(store_id, PartnerRecord.status_uid.startswith(f"{AVAILABLE}#")))


def partners_of_store(store_id: str, status: str | None, limit: int, start: dict[str, Any] | None
                      ) -> tuple[list[PartnerRecord], Any]:
    condition = PartnerRecord.status_uid.startswith(f"{status}#") if status else None
    return page(PartnerRecord.by_store.query(store_id, condition, limit=limit, last_evaluated_key=start))


def record_location(uid: str, point: dict[str, Any], loc_ms: int) -> PartnerRecord | None:
    """The partner's latest location, if newer than the one stored: one conditional UpdateItem that returns
    the whole item (the current order and its coordinates). None when an equal or newer fix is stored."""
    record = PartnerRecord(pk=partner_pk(uid), sk=PARTNER)
    actions = [getattr(PartnerRecord, name).set(value) for name, value in point.items() if value is not None]
    actions += [PartnerRecord.loc_ms.set(loc_ms)]
    removed = [name for name, value in point.items() if value is None]
    actions += [getattr(PartnerRecord, name).remove() for name in removed]
    condition = PartnerRecord.pk.exists() & (PartnerRecord.loc_ms.does_not_exist() | (PartnerRecord.loc_ms < loc_ms))
    return record if update_if(record, actions, condition) else None


# Deliveries ---------------------------------------------------------------------------------------------


def get_delivery(order_id: str) -> DeliveryRecord | None:
    try:
        return DeliveryRecord.get(delivery_pk(order_id), DELIVERY, consistent_read=True)
    except DeliveryRecord.DoesNotExist:
        return None


def insert_delivery(record: DeliveryRecord) -> DeliveryRecord:
    """Create the delivery unless it exists (a re-delivered message); returns the stored one."""
    if save_if(record, DeliveryRecord.pk.does_not_exist()):
        return record
    found = get_delivery(record.order_id)
    assert found is not None
    return found


def claim(delivery: DeliveryRecord, partner: PartnerRecord, now: str) -> bool:
    """Partner available → busy with this order, and the order gets this partner, atomically.

    False when the partner is no longer available (another order took them) or the order already has one.
    """
    store, drop = delivery.store, delivery.drop
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(PartnerRecord(pk=partner.pk, sk=PARTNER), actions=[
                PartnerRecord.status.set(BUSY), PartnerRecord.status_uid.set(status_uid(BUSY, partner.uid)),
                PartnerRecord.order_id.set(delivery.order_id), PartnerRecord.picked_up.remove(),
                PartnerRecord.store_lat.set(store["lat"]), PartnerRecord.store_lng.set(store["lng"]),
                PartnerRecord.drop_lat.set(drop["lat"]), PartnerRecord.drop_lng.set(drop["lng"]),
                PartnerRecord.updated_at.set(now)],
                condition=(PartnerRecord.status == AVAILABLE) & PartnerRecord.order_id.does_not_exist())
            tx.update(DeliveryRecord(pk=delivery.pk, sk=DELIVERY), actions=[
                DeliveryRecord.partner_id.set(partner.uid), DeliveryRecord.partner_name.set(partner.name),
                DeliveryRecord.partner_phone.set(partner.phone), DeliveryRecord.vehicle.set(partner.vehicle),
                DeliveryRecord.assigned_at.set(now), DeliveryRecord.updated_at.set(now)],
                condition=DeliveryRecord.partner_id.does_not_exist())
    except TransactWriteError as exc:
        if failed_conditions(exc):  # either item's: the partner was taken, or the order has one
            return False
        raise
    return True


def update_delivery(order_id: str, **changes: Any) -> None:
    DeliveryRecord(pk=delivery_pk(order_id), sk=DELIVERY).update(
        actions=[getattr(DeliveryRecord, k).set(v) for k, v in changes.items()])


def mark_unassigned(order_id: str, now: str) -> bool:
    """Nobody was free in time: UNASSIGNED, unless the order moved on meanwhile (a cancel must stay closed)."""
    return update_if(DeliveryRecord(pk=delivery_pk(order_id), sk=DELIVERY),
                     [DeliveryRecord.status.set("UNASSIGNED"), DeliveryRecord.updated_at.set(now)],
                     DeliveryRecord.status == "PACKED")


def _freed(uid: str, now: str) -> list[Any]:
    """A partner's update back to available with no order."""
    return [PartnerRecord.status.set(AVAILABLE), PartnerRecord.status_uid.set(status_uid(AVAILABLE, uid)),
            PartnerRecord.order_id.remove(), PartnerRecord.picked_up.remove(),
            PartnerRecord.store_lat.remove(), PartnerRecord.store_lng.remove(),
            PartnerRecord.drop_lat.remove(), PartnerRecord.drop_lng.remove(), PartnerRecord.updated_at.set(now)]


def _is_news(version: int | None) -> Any:
    """The delivery exists, is open, and has not taken its status from this order version or a later one (a
    message without a version, as queued before versions were sent, only needs the delivery open)."""
    condition = DeliveryRecord.pk.exists() & ~DeliveryRecord.status.is_in(*CLOSED)
    if version is not None:
        condition &= DeliveryRecord.order_version.does_not_exist() | (DeliveryRecord.order_version < version)
    return condition


def follow(order_id: str, partner_id: str | None, status: str, version: int | None, now: str) -> bool:
    """The delivery takes its order's `status` at `version`, and its partner with it: on the way (picked up),
    or, for a closed status, available again (only if still on this order: he may have moved on). One
    transaction; False, nothing written, when this is stale news (the delivery is closed, or already at this
    version or a later one), so repeated and out-of-order messages never move a delivery backwards."""
    actions = [DeliveryRecord.status.set(status), DeliveryRecord.updated_at.set(now)]
    if version is not None:
        actions.append(DeliveryRecord.order_version.set(version))
    if status in ON_THE_WAY:
        actions.append(DeliveryRecord.picked_up_at.set(DeliveryRecord.picked_up_at | now))  # the first time only
    if status == "DELIVERED":
        actions.append(DeliveryRecord.delivered_at.set(now))
    if status in CLOSED:
        partner_actions = _freed(partner_id, now) if partner_id else []
    elif status in ON_THE_WAY:
        partner_actions = [PartnerRecord.picked_up.set(1), PartnerRecord.updated_at.set(now)]
    else:
        partner_actions = []
    delivery = DeliveryRecord(pk=delivery_pk(order_id), sk=DELIVERY)
    if not partner_id or not partner_actions:
        return update_if(delivery, actions, _is_news(version))
    try:
        with TransactWrite(connection=connection()) as tx:  # two updates, in this order: the delivery 0, the partner 1
            tx.update(delivery, actions=actions, condition=_is_news(version))
            tx.update(PartnerRecord(pk=partner_pk(partner_id), sk=PARTNER), actions=partner_actions,
                      condition=PartnerRecord.order_id == order_id)
    except TransactWriteError as exc:
        failed = failed_conditions(exc)
        if not failed:
            raise
        if 0 in failed:
            return False
        return update_if(delivery, actions, _is_news(version))  # the partner moved on: the delivery alone
    return True


def unclaim(order_id: str, uid: str, now: str) -> None:
    """Undo a claim the orders domain refused: the partner is available again (if still on this order) and the
    delivery has no partner. Each write is conditional on its own, so repeating it is harmless."""
    update_if(PartnerRecord(pk=partner_pk(uid), sk=PARTNER), _freed(uid, now), PartnerRecord.order_id == order_id)
    update_if(DeliveryRecord(pk=delivery_pk(order_id), sk=DELIVERY),
              [DeliveryRecord.partner_id.remove(), DeliveryRecord.partner_name.remove(),
               DeliveryRecord.partner_phone.remove(), DeliveryRecord.vehicle.remove(),
               DeliveryRecord.assigned_at.remove(), DeliveryRecord.updated_at.set(now)],
              DeliveryRecord.partner_id == uid)


# Route points -------------------------------------------------------------------------------------------


def point_sk(loc_ms: int) -> str:
    return f"PT#{loc_ms:013d}"


def add_point(order_id: str, point: dict[str, Any], loc_ms: int, recorded_at: str) -> None:
    days = get_settings().location_history_days
    RoutePointRecord(pk=route_pk(order_id), sk=point_sk(loc_ms), recorded_at=recorded_at,
                     expires_at=int(time.time()) + days * 86400,
                     **{k: point[k] for k in ("lat", "lng", "accuracy_m", "heading", "speed_kmph")}).save()


def route(order_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[RoutePointRecord], Any]:
    return page(RoutePointRecord.query(route_pk(order_id), RoutePointRecord.sk.startswith("PT#"),
                                       filter_condition=RoutePointRecord.expires_at > int(time.time()),
                                       limit=limit, last_evaluated_key=start))
