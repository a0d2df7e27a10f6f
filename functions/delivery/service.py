"""The delivery domain's rules: partners, the assignment of PACKED orders, pickup and delivery, live
location, and what the customer sees while the rider comes.

A location update costs (see tests/load/bench_delivery.py): one Redis pipeline (the 1/s gate and the
partner's tracking state), one conditional UpdateItem (the latest fix, only if newer; it returns the partner
with the current order's coordinates, so nothing else is read), and while on a delivery one PutItem (the
route point), one breaker check and one Supabase POST. Notifications ("rider nearby", "ETA changed") add a
Redis write and an SQS message only when they fire.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import redis

from blinkit.clock import iso, now_iso
from blinkit.context import request_id_var
from blinkit.cursor import decode_cursor, encode_cursor
from blinkit.errors import BadRequest, Conflict, NotFound, Problem, TooManyRequests
from blinkit.observability import logger, metrics
from blinkit.principal import Principal, Role
from blinkit.ratelimit import check_rate
from blinkit.redis_client import get_redis
from blinkit.settings import get_settings
from delivery import realtime, rules, store, upstream
from delivery.schemas import LocationIn, PartnerIn
from delivery.store import DeliveryRecord, PartnerRecord, StateConflict

OTP_ATTEMPTS = 5  # wrong OTPs per order per window, then 429
OTP_WINDOW_SECONDS = 600
NEARBY_KEY_SECONDS = 2 * 86400


def _rate_key(uid: str) -> str:
    return f"delivery:loc-gate:{uid}"


def _track_key(uid: str) -> str:
    return f"delivery:track:{uid}"


def _nearby_key(order_id: str) -> str:
    return f"delivery:nearby:{order_id}"


# Views --------------------------------------------------------------------------------------------------


def location_view(p: PartnerRecord) -> dict[str, Any] | None:
    if p.lat is None or p.lng is None:
        return None
    return {"lat": float(p.lat), "lng": float(p.lng), "accuracy_m": _num(p.accuracy_m), "heading": _num(p.heading),
            "speed_kmph": _num(p.speed_kmph), "recorded_at": p.located_at}


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def partner_view(p: PartnerRecord) -> dict[str, Any]:
    return {"uid": p.uid, "name": p.name, "phone": p.phone, "vehicle": p.vehicle, "store_id": p.store_id,
            "status": p.status, "order_id": p.order_id, "location": location_view(p),
            "created_at": p.created_at, "updated_at": p.updated_at}


# Partners -----------------------------------------------------------------------------------------------


def create_partner(body: PartnerIn) -> dict[str, Any]:
    upstream.get_store(body.store_id)  # 404 unknown-store before anything is written
    upstream.grant_partner_role(body.uid)  # idempotent; before the record, so a retry can finish the job
    now = now_iso()
    record = PartnerRecord(pk=store.partner_pk(body.uid), uid=body.uid, name=body.name, phone=body.phone,
                           vehicle=body.vehicle, store_id=body.store_id, status=store.OFFLINE,
                           status_uid=store.status_uid(store.OFFLINE, body.uid), created_at=now, updated_at=now)
    if not store.insert_partner(record):
        raise Conflict("This user is already a delivery partner", code="partner-exists")
    return partner_view(record)


def my_partner(principal: Principal) -> PartnerRecord:
    found = store.get_partner(principal.uid)
    if found is None:
        raise NotFound("You are not registered as a delivery partner", code="not-a-partner")
    return found


def get_me(principal: Principal) -> dict[str, Any]:
    return partner_view(my_partner(principal))


def set_status(principal: Principal, status: str) -> dict[str, Any]:
    my_partner(principal)
    try:
        record = store.set_partner_status(principal.uid, status, now_iso())
    except StateConflict:
        raise Conflict("A partner on a delivery cannot change status until it ends", code="partner-busy") from None
    return partner_view(record)


def admin_list(store_id: str | None, status: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """A store's partners. Who may list which store is the route's `store_access` check."""
    if not store_id:
        raise BadRequest("Give a store_id", code="filter-required")
    scope = f"partners:store:{store_id}:status:{status or 'any'}"
    items, last = store.partners_of_store(store_id, status, limit, decode_cursor(cursor, scope=scope))
    return {"partners": [partner_view(p) for p in items], "next_cursor": encode_cursor(last, scope=scope)}


# Order status (the job) ---------------------------------------------------------------------------------

# Before PACKED an order has no delivery; a message about those statuses has nothing to change.
BEFORE_DELIVERY = frozenset({"PENDING", "PLACED", "CONFIRMED"})
ASSIGNABLE = frozenset({"PACKED", "UNASSIGNED"})


def on_order_status(message: Any) -> str:
    """One `order_status` message from orders (the job). Returns what happened: for PACKED, the assignment's
    outcome (see `assign`); otherwise `followed` (on the way), `closed` (the partner is free, tracking is
    final), `stale` (a repeat, or older than what the delivery already shows), `no-delivery` (never packed,
    or packed news not here yet: assignment then learns the status from orders) or `nothing-to-do`."""
    if message.status == "PACKED":
        return assign(message)
    if message.status in BEFORE_DELIVERY:
        return "nothing-to-do"
    delivery = store.get_delivery(message.order_id)
    if delivery is None:
        return "no-delivery"
    return _follow(delivery.order_id, delivery.partner_id, message.status, message.version)


def _follow(order_id: str, partner_id: str | None, status: str, version: int | None) -> str:
    if not store.follow(order_id, partner_id, status, version, now_iso()):
        return "stale"
    if status in store.CLOSED:
        _forget_tracking(partner_id)
        return "closed"
    return "followed"


def _delivery_from(message: Any) -> DeliveryRecord:
    shop = upstream.get_store(message.store_id)
    now = now_iso()
    drop = message.drop.model_dump()
    return store.insert_delivery(DeliveryRecord(
        pk=store.delivery_pk(message.order_id), order_id=message.order_id, user_id=message.user_id,
        store_id=message.store_id, store={"store_id": shop["store_id"], "name": shop.get("name"),
                                          "lat": float(shop["lat"]), "lng": float(shop["lng"])},
        drop=drop, otp=message.otp, status="PACKED", order_version=message.version, eta_minutes=message.eta_minutes,
        created_at=now, updated_at=now))


def assign(message: Any) -> str:
    """One attempt to give a PACKED order its nearest free partner. Returns what happened:
    `assigned`, `already-assigned`, `retry` (nobody free: re-queued with a delay), `gave-up` (the timeout
    passed: UnassignedOrders metric), `abandoned` (the order is no longer PACKED)."""
    delivery = _delivery_from(message)
    if delivery.status not in ASSIGNABLE:
        return "abandoned"
    if delivery.partner_id:
        return _confirm(delivery, delivery.partner_id, message, again=True)
    for partner in rules.nearest_first(store.free_partners(delivery.store_id), delivery.store["lat"],
                                       delivery.store["lng"]):
        if store.claim(delivery, partner, now_iso()):
            delivery.partner_id, delivery.partner_name, delivery.vehicle = partner.uid, partner.name, partner.vehicle
            delivery.partner_phone = partner.phone
            _set_baseline(partner, delivery)
            return _confirm(delivery, partner.uid, message, again=False)
    return _retry_later(message)


def _set_baseline(partner: PartnerRecord, delivery: DeliveryRecord) -> None:
    """The ETA the customer is told at assignment, which later "ETA changed" notices compare with."""
    start = (float(partner.lat), float(partner.lng)) if partner.lat is not None else (delivery.store["lat"],
                                                                                      delivery.store["lng"])
    eta = rules.eta_minutes(*start, drop=delivery.drop, store=delivery.store)
    delivery.eta_minutes = eta
    store.update_delivery(delivery.order_id, eta_minutes=eta)
    try:
        get_redis().hset(_track_key(partner.uid), mapping={"order_id": delivery.order_id, "eta": eta,
                                                           "eta_at": time.time()})
    except redis.RedisError:
        logger.warning("tracking baseline not cached", extra={"order_id": delivery.order_id})


def _refused(delivery: DeliveryRecord, partner_id: str, refusal: Problem) -> str:
    """Orders refused the partner (the order moved on, or is gone): free him, and take the order's status from
    the refusal, since the message that announced it may have come before this delivery existed."""
    logger.warning("orders refused the assignment", extra={"order_id": delivery.order_id, "code": refusal.code})
    store.unclaim(delivery.order_id, partner_id, now_iso())
    _forget_tracking(partner_id)
    status, version = refusal.extra.get("order_status"), refusal.extra.get("order_version")
    if isinstance(refusal, NotFound):
        status, version = "CANCELLED", None  # no such order: nothing will ever be delivered
    if isinstance(status, str) and status not in BEFORE_DELIVERY | ASSIGNABLE:
        _follow(delivery.order_id, None, status, version if isinstance(version, int) else None)
    return "abandoned"


def _confirm(delivery: DeliveryRecord, partner_id: str, message: Any, *, again: bool) -> str:
    """Tell orders (idempotent); if it refuses (cancelled or moved on meanwhile), free the partner."""
    try:
        upstream.order_action(delivery.order_id, "assign", partner_id)
    except (Conflict, NotFound) as exc:
        return _refused(delivery, partner_id, exc)
    correlation = message.correlation_id or request_id_var.get() or ""
    shop, drop = delivery.store, delivery.drop
    upstream.notify({"type": "delivery.assignment", "user_id": partner_id, "channels": ["push", "in_app"],
                     "data": {"order_id": delivery.order_id, "store_name": shop.get("name"),
                              "store_lat": shop["lat"], "store_lng": shop["lng"], "drop_address": drop.get("address"),
                              "drop_lat": drop["lat"], "drop_lng": drop["lng"]},
                     "idempotency_key": f"{delivery.order_id}:assignment:{partner_id}", "correlation_id": correlation})
    upstream.notify({"type": "delivery.partner_assigned", "user_id": delivery.user_id,
                     "data": {"order_id": delivery.order_id, "partner_name": delivery.partner_name,
                              "vehicle": delivery.vehicle, "eta_minutes": _int(delivery.eta_minutes)},
                     "idempotency_key": f"{delivery.order_id}:partner_assigned", "correlation_id": correlation})
    if not again:
        metrics.add_metric(name="PartnersAssigned", unit="Count", value=1)
    return "already-assigned" if again else "assigned"


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _retry_later(message: Any) -> str:
    now = time.time()
    first = message.first_try_at or now
    if now - first >= get_settings().assignment_timeout_seconds:
        metrics.add_metric(name="UnassignedOrders", unit="Count", value=1)
        store.mark_unassigned(message.order_id, now_iso())
        logger.error("no partner within the assignment timeout",
                     extra={"order_id": message.order_id, "attempts": message.attempt + 1})
        return "gave-up"
    delay = rules.backoff_seconds(message.attempt)
    upstream.retry_assignment({**message.model_dump(mode="json"), "attempt": message.attempt + 1,
                               "first_try_at": first}, delay)
    logger.info("no free partner; retrying", extra={"order_id": message.order_id, "delay_seconds": delay})
    return "retry"


def _forget_tracking(uid: str | None) -> None:
    if uid:
        with contextlib.suppress(redis.RedisError):
            get_redis().delete(_track_key(uid))


# The partner's delivery ---------------------------------------------------------------------------------


def _my_delivery(principal: Principal, order_id: str) -> DeliveryRecord:
    """The delivery if the caller is its partner; 404 otherwise (another partner's order does not exist)."""
    delivery = store.get_delivery(order_id)
    if delivery is None or delivery.partner_id != principal.uid:
        raise NotFound("No such delivery")
    return delivery


def assignment(principal: Principal) -> dict[str, Any]:
    partner = my_partner(principal)
    delivery = store.get_delivery(partner.order_id) if partner.order_id else None
    if delivery is None:
        raise NotFound("You have no delivery right now", code="no-assignment")
    shop, drop = delivery.store, delivery.drop
    return {"order_id": delivery.order_id, "status": delivery.status, "store_id": delivery.store_id,
            "pickup": {"name": shop.get("name"), "lat": shop["lat"], "lng": shop["lng"]},
            "drop": {"address": drop.get("address"), "lat": drop["lat"], "lng": drop["lng"]},
            "eta_minutes": _int(delivery.eta_minutes), "assigned_at": delivery.assigned_at}


# The partner's moves change the delivery at once (his next request sees them) through the same conditional
# write as the order's status message, with the version orders answered: whichever lands first, the other is
# stale, and the partner's route and an admin's override end in the same state.


def pickup(principal: Principal, order_id: str) -> dict[str, Any]:
    delivery = _my_delivery(principal, order_id)
    if delivery.status not in ("PACKED", "OUT_FOR_DELIVERY"):
        raise Conflict(f"This delivery is {delivery.status}", code="illegal-transition")
    order = upstream.order_action(order_id, "pickup", principal.uid)
    if delivery.status == "PACKED":
        store.follow(order_id, principal.uid, "OUT_FOR_DELIVERY", _int(order.get("version")), now_iso())
    return {"order_id": order_id, "status": "OUT_FOR_DELIVERY"}


def deliver(principal: Principal, order_id: str, otp: str) -> dict[str, Any]:
    delivery = _my_delivery(principal, order_id)
    if delivery.status == "DELIVERED":
        return {"order_id": order_id, "status": "DELIVERED"}
    if delivery.status not in store.ON_THE_WAY:
        raise Conflict(f"This delivery is {delivery.status}; pick it up first", code="illegal-transition")
    check_rate(get_redis(), f"delivery:otp:{order_id}", limit=OTP_ATTEMPTS, window_seconds=OTP_WINDOW_SECONDS,
               what="OTP attempts")
    order = upstream.order_action(order_id, "deliver", principal.uid, otp)  # orders checks the OTP (422 if wrong)
    store.follow(order_id, principal.uid, "DELIVERED", _int(order.get("version")), now_iso())
    _forget_tracking(principal.uid)
    metrics.add_metric(name="DeliveriesCompleted", unit="Count", value=1)
    return {"order_id": order_id, "status": "DELIVERED"}


# Live location ------------------------------------------------------------------------------------------


def record_location(principal: Principal, body: LocationIn) -> dict[str, Any]:
    uid = principal.uid
    loc_ms = int(body.recorded_at.timestamp() * 1000)
    recorded_at = iso(body.recorded_at)
    track = _gate(uid)  # 429 when the last accepted update is under a second old
    point = {"lat": body.lat, "lng": body.lng, "accuracy_m": body.accuracy_m, "heading": body.heading,
             "speed_kmph": body.speed_kmph}
    partner = store.record_location(uid, {**point, "located_at": recorded_at, "updated_at": now_iso()}, loc_ms)
    if partner is None:
        if store.get_partner(uid) is None:
            raise NotFound("You are not registered as a delivery partner", code="not-a-partner")
        return {"accepted": False, "ignored": True, "on_delivery": False}  # older than the stored fix
    order_id = partner.order_id
    if not order_id:
        return {"accepted": True, "ignored": False, "on_delivery": False}
    store.add_point(order_id, point, loc_ms, recorded_at)
    drop = {"lat": float(partner.drop_lat), "lng": float(partner.drop_lng)}
    shop = None if partner.picked_up else {"lat": float(partner.store_lat), "lng": float(partner.store_lng)}
    eta = rules.eta_minutes(body.lat, body.lng, drop=drop, store=shop)
    realtime.publish(order_id, {"order_id": order_id, **point, "recorded_at": recorded_at, "eta_minutes": eta})
    if partner.picked_up:
        _maybe_notify(uid, order_id, track, body, drop, eta)
    return {"accepted": True, "ignored": False, "on_delivery": True, "order_id": order_id, "eta_minutes": eta}


def _gate(uid: str) -> dict[str, str]:
    """The 1/s gate and the partner's tracking state in one round trip. Redis down: no gate, no notices."""
    try:
        pipe = get_redis().pipeline(transaction=False)
        pipe.set(_rate_key(uid), "1", nx=True, px=1000)
        pipe.hgetall(_track_key(uid))
        allowed, track = pipe.execute()
    except redis.RedisError:
        logger.warning("location gate skipped: Redis unavailable")
        return {}
    if not allowed:
        raise TooManyRequests("At most one location update per second", retry_after=1)
    return dict(track or {})


def _customer_of(order_id: str) -> str | None:
    delivery = store.get_delivery(order_id)
    return delivery.user_id if delivery else None


def _maybe_notify(uid: str, order_id: str, track: dict[str, str], body: LocationIn, drop: dict[str, float],
                  eta: int) -> None:
    """"Rider nearby" once per order within 200 m; "ETA changed" on a ≥ 2 min move, at most every 2 min."""
    try:
        client = get_redis()
        meters = rules.distance_m(body.lat, body.lng, drop["lat"], drop["lng"])
        if rules.is_nearby(meters) and client.set(_nearby_key(order_id), "1", nx=True, ex=NEARBY_KEY_SECONDS):
            _notify_customer(order_id, "delivery.rider_nearby", {"order_id": order_id, "distance_m": round(meters)},
                             f"{order_id}:rider_nearby")
        now = time.time()
        if track.get("order_id") != order_id:  # no baseline (Redis lost it): this fix sets it, silently
            client.hset(_track_key(uid), mapping={"order_id": order_id, "eta": eta, "eta_at": now})
            return
        previous = int(float(track["eta"])) if track.get("eta") else None
        previous_at = float(track["eta_at"]) if track.get("eta_at") else None
        if rules.eta_changed_enough(eta, previous, previous_at, now):
            client.hset(_track_key(uid), mapping={"eta": eta, "eta_at": now})
            _notify_customer(order_id, "delivery.eta_changed",
                             {"order_id": order_id, "eta_minutes": eta, "previous_eta_minutes": previous},
                             f"{order_id}:eta:{int(now)}")
    except redis.RedisError:
        logger.warning("location notices skipped: Redis unavailable", extra={"order_id": order_id})


def _notify_customer(order_id: str, kind: str, data: dict[str, Any], key: str) -> None:
    user_id = _customer_of(order_id)
    if user_id:
        upstream.notify({"type": kind, "user_id": user_id, "data": data, "idempotency_key": key,
                         "correlation_id": request_id_var.get() or ""})


# The customer's view ------------------------------------------------------------------------------------


def _visible_delivery(principal: Principal, order_id: str) -> DeliveryRecord:
    delivery = store.get_delivery(order_id)
    if delivery is None or not (principal.has_any(Role.ADMIN) or delivery.user_id == principal.uid):
        raise NotFound("No such delivery")
    return delivery


def tracking(principal: Principal, order_id: str) -> dict[str, Any]:
    """The live view while the order comes; once closed, its final status only (no OTP, location or ETA)."""
    delivery = _visible_delivery(principal, order_id)
    active = delivery.status not in store.CLOSED
    partner = store.get_partner(delivery.partner_id) if delivery.partner_id and active else None
    location = location_view(partner) if partner is not None else None
    eta = _int(delivery.eta_minutes) if active else None
    if location is not None and partner is not None and partner.order_id == order_id:
        shop = None if partner.picked_up else delivery.store
        eta = rules.eta_minutes(location["lat"], location["lng"], drop=delivery.drop, store=shop)
    return {
        "order_id": order_id, "status": delivery.status,
        "partner": None if not delivery.partner_id else {
            "name": delivery.partner_name, "vehicle": delivery.vehicle,
            "phone": rules.mask_phone(delivery.partner_phone)},
        "location": location, "eta_minutes": eta,
        "otp": delivery.otp if delivery.user_id == principal.uid and active else None,
        "realtime": {"topic": realtime.topic(order_id), "event": realtime.EVENT},
    }


def route(principal: Principal, order_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    _visible_delivery(principal, order_id)
    scope = f"route:order:{order_id}"
    items, last = store.route(order_id, limit, decode_cursor(cursor, scope=scope))
    points = [{"lat": float(p.lat), "lng": float(p.lng), "accuracy_m": _num(p.accuracy_m), "heading": _num(p.heading),
               "speed_kmph": _num(p.speed_kmph), "recorded_at": p.recorded_at} for p in items]
    return {"order_id": order_id, "points": points, "next_cursor": encode_cursor(last, scope=scope)}
