"""The orders domain's rules: checkout, who sees an order, status changes and cancellation.

Checkout (`create_order`): the address is snapshotted through auth's internal route; the Idempotency-Key
record and the PENDING order are written in ONE transaction (a key always names an existing order, and of
two concurrent requests with one key exactly one writes); then the saga starts, named by the order id, so
Step Functions itself refuses a second execution. A replay (same key, same body) starts nothing new and
answers the same order as it is now (PLACED, or FAILED with its reason, once the saga has run), so a client
that retries learns where its checkout stands; the same key with another body is 409.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from blinkit import clock
from blinkit.clock import now_iso
from blinkit.context import request_id_var
from blinkit.cursor import decode_cursor, encode_cursor
from blinkit.errors import BadRequest, Conflict, NotFound, ServiceUnavailable, Unprocessable
from blinkit.forms import body_hash
from blinkit.ids import new_id
from blinkit.observability import logger, metrics
from blinkit.principal import Principal, Role
from orders import dashboard, pricing, redemptions, store, upstream
from orders.lifecycle import PARTNER_TARGETS, Status, check_transition
from orders.schemas import OrderIn
from orders.store import IdempotencyRecord, OrderRecord, VersionConflict

SAGA_ACTOR = "system:order-saga"


def status_url(order_id: str) -> str:
    return f"/orders/{order_id}"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# Views ------------------------------------------------------------------------------------------------


def order_view(r: OrderRecord, *, show_otp: bool = False) -> dict[str, Any]:
    """`show_otp` only for the order's customer: the rider must hear the OTP from them, never read it."""
    return {
        "order_id": r.order_id, "user_id": r.user_id, "store_id": r.store_id, "status": r.status,
        "version": int(r.version), "address": r.address, "items": r.items or [], "bill": r.bill or [],
        "item_total": None if r.item_total is None else int(r.item_total),
        "total": None if r.total is None else int(r.total), "tip": int(r.tip or 0),
        "payment_method": r.payment_method, "payment": r.payment, "instructions": r.instructions,
        "eta_minutes": r.eta,
        "reason": r.reason, "reason_detail": r.reason_detail, "status_history": r.status_history or [],
        "partner_id": r.partner_id, "delivery_otp": r.delivery_otp if show_otp else None,
        "coupon_code": r.coupon_code, "coupon": r.coupon,
        "created_at": r.created_at, "updated_at": r.updated_at,
    }


def summary_view(r: OrderRecord) -> dict[str, Any]:
    return {"order_id": r.order_id, "user_id": r.user_id, "store_id": r.store_id, "status": r.status,
            "total": None if r.total is None else int(r.total),
            "item_count": sum(int(i.get("quantity", 0)) for i in (r.items or [])), "created_at": r.created_at}


def accepted(order_id: str) -> dict[str, Any]:
    """The answer to a new checkout: the order is PENDING until the saga places or fails it."""
    return {"order_id": order_id, "status": Status.PENDING.value, "status_url": status_url(order_id),
            "reason": None, "reason_detail": None, "payment": None}


def current(order: OrderRecord) -> dict[str, Any]:
    """The answer to a replayed checkout: the same order, as it stands now."""
    return {"order_id": order.order_id, "status": order.status, "status_url": status_url(order.order_id),
            "reason": order.reason, "reason_detail": order.reason_detail, "payment": order.payment}


# Checkout ---------------------------------------------------------------------------------------------


def saga_input(order: OrderRecord) -> dict[str, Any]:
    return {"order_id": order.order_id, "user_id": order.user_id, "payment_method": order.payment_method or "cod",
            "correlation_id": order.correlation_id or ""}


def create_order(principal: Principal, body: OrderIn, key: str) -> tuple[dict[str, Any], bool]:
    """(the 202 body, whether it is a replay)."""
    key_hash, digest = _hash(key), body_hash(body)
    existing = store.get_idempotency(principal.uid, key_hash)
    if existing is not None:
        return _replay(existing, digest), True
    if body.coupon_code is not None:  # the cheap checks now (unknown, inactive, expired); the rest in the saga
        redemptions.available(body.coupon_code, clock.now())
    address = upstream.get_address(principal.uid, body.address_id)
    now = now_iso()
    order_id = new_id("ord_")
    order = OrderRecord(
        pk=store.order_pk(order_id), order_id=order_id, user_id=principal.uid, address=address,
        tip=body.tip, payment_method=body.payment_method, instructions=body.instructions,
        status=Status.PENDING.value, version=1, delivery_otp=f"{secrets.randbelow(10_000):04d}",
        status_history=[{"status": Status.PENDING.value, "at": now, "actor": principal.uid}],
        correlation_id=request_id_var.get(), created_at=now, updated_at=now,
        coupon_code=body.coupon_code.upper() if body.coupon_code else None,
    )
    idem = IdempotencyRecord(pk=store.idem_pk(principal.uid, key_hash), order_id=order_id, body_hash=digest,
                             created_at=now)
    if not store.insert_pending(order, idem):  # a concurrent request with this key won
        winner = store.get_idempotency(principal.uid, key_hash)
        if winner is None:
            raise Conflict("The request with this Idempotency-Key is still being processed; retry shortly",
                           code="idempotency-in-progress")
        return _replay(winner, digest), True
    upstream.start_saga(order_id, saga_input(order))
    metrics.add_metric(name="OrdersRequested", unit="Count", value=1)
    return accepted(order_id), False


def _replay(idem: IdempotencyRecord, digest: str) -> dict[str, Any]:
    if idem.body_hash != digest:
        raise Conflict("This Idempotency-Key was already used with a different request body",
                       code="idempotency-key-reused")
    order = store.get_order(idem.order_id)
    if order is None:  # never: the key and the order are written in one transaction
        return accepted(idem.order_id)
    if order.status == Status.PENDING and upstream.start_saga(order.order_id, saga_input(order)):
        # Only after a crash between the write and the start: the execution name keeps it to one.
        logger.warning("saga started by a replay", extra={"order_id": order.order_id})
    return current(order)


# Quote ------------------------------------------------------------------------------------------------


def quote(principal: Principal, address_id: str, tip: int, coupon_code: str | None = None) -> dict[str, Any]:
    """The bill and ETA the current cart would get, with no side effects (the saga prices the same way).

    It runs the saga's own LoadCart, so it refuses what the saga would: an empty cart (422 `cart-empty`), a
    store switched off (409 `store-inactive`), lines that cannot be ordered as they stand (422
    `product-unavailable` / `above-max-per-order`, the lines in `errors[]`), and a coupon that does not apply
    (422 `coupon-...`, `redemptions.checked`, as PriceOrder decides it)."""
    address = upstream.get_address(principal.uid, address_id)
    try:
        cart = upstream.load_cart(principal.uid)
    except upstream.JobFailed as exc:
        refusal = cart_refusal(exc)
        if refusal is None:
            raise ServiceUnavailable("The cart could not be read") from exc
        raise refusal from None
    shop = upstream.get_store(cart["store_id"])
    if shop is None:  # switched off since LoadCart looked: PriceOrder's STORE_INACTIVE
        raise store_inactive(cart["store_id"])
    coupon = None
    if coupon_code is not None:
        coupon = redemptions.checked(coupon_code, uid=principal.uid, store_id=shop["store_id"], lines=cart["lines"],
                                     now=clock.now())
    priced = pricing.price(shop, address, cart["lines"], tip, coupon)
    return {"store_id": shop["store_id"], "lines": priced["lines"], "bill": priced["bill"],
            "item_total": priced["item_total"], "total": priced["total"], "eta_minutes": priced["eta"],
            "serviceable": pricing.serviceable(shop, address), "coupon": priced["coupon"]}


def store_inactive(store_id: str | None) -> Conflict:
    return Conflict("The cart's store is not taking orders now; fill a cart at another store",
                    code="store-inactive", extra={"store_id": store_id})


# LoadCart's refusals of lines (the saga's PRODUCT_UNAVAILABLE, ABOVE_MAX_PER_ORDER): code, the problem's
# detail from the lines' names, one line's message.
_LINE_REFUSALS = {
    "ProductNotSold": ("product-unavailable",
                       "No longer sold: {names}. Remove them from the cart to check out",
                       "This product is no longer sold: remove it from the cart"),
    "AboveMaxPerOrder": ("above-max-per-order",
                         "Above the most one order may hold: {names}. Lower the quantities to check out",
                         "At most {allowed} of this product per order ({requested} in the cart)"),
}


def cart_refusal(failed: upstream.JobFailed) -> Unprocessable | Conflict | None:
    """The problem a quote answers for LoadCart's refusal; None for a failure that is not a refusal."""
    if failed.error_type == "CartEmpty":
        return Unprocessable("The cart is empty", code="cart-empty")
    if failed.error_type not in ("StoreInactive", *_LINE_REFUSALS):
        return None
    try:
        detail = json.loads(failed.message)  # LoadCart's refusals say what they refuse in JSON
    except ValueError:
        detail = None
    detail = detail if isinstance(detail, dict) else {}
    if failed.error_type == "StoreInactive":
        return store_inactive(detail.get("store_id"))
    code, summary, message = _LINE_REFUSALS[failed.error_type]
    lines = [line for line in detail.get("items", []) if isinstance(line, dict)]
    errors = [{"field": f"cart.{line.get('product_id')}", "code": code,
               "message": message.format(allowed=line.get("allowed"), requested=line.get("requested")),
               **{k: line.get(k) for k in ("product_id", "name", "requested", "allowed")}} for line in lines]
    names = ", ".join(str(line.get("name") or line.get("product_id")) for line in lines)
    return Unprocessable(summary.format(names=names), code=code, errors=errors)


# Reading ----------------------------------------------------------------------------------------------


def _flags(principal: Principal, order: OrderRecord) -> dict[str, bool]:
    return {
        "is_owner": order.user_id == principal.uid,
        "is_store_staff_of_order": bool(principal.has_any(Role.STORE_STAFF) and order.store_id
                                        and principal.store_id == order.store_id),
        "is_assigned_partner": bool(principal.has_any(Role.DELIVERY_PARTNER) and order.partner_id
                                    and order.partner_id == principal.uid),
    }


def visible_order(principal: Principal, order_id: str) -> OrderRecord:
    """The order if this caller may see it (owner, admin, its store's staff, its partner); 404 otherwise."""
    order = store.get_order(order_id)
    if order is None or not (principal.has_any(Role.ADMIN) or any(_flags(principal, order).values())):
        raise NotFound("No such order")
    return order


def get_order(principal: Principal, order_id: str) -> dict[str, Any]:
    order = visible_order(principal, order_id)
    return order_view(order, show_otp=order.user_id == principal.uid)


def list_mine(principal: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    scope = f"orders:user:{principal.uid}"
    items, last = store.orders_of_user(principal.uid, limit, decode_cursor(cursor, scope=scope))
    return {"orders": [summary_view(r) for r in items], "next_cursor": encode_cursor(last, scope=scope)}


DASHBOARD_CAP = 1000  # orders read per status per day: 9 key-range queries of at most this many small items


def admin_dashboard() -> dict[str, Any]:
    """Today's orders (India's calendar day) by status, why the failed ones failed, revenue and the refunds
    orders knows of (`orders.dashboard`). Bounded: one ByStatus query per status over today's `created_at`
    range, at most `DASHBOARD_CAP` orders each (`truncated` says when a status had more)."""
    date, start, end = dashboard.day_bounds(clock.now())
    since, until = clock.iso(start), clock.iso(end)
    read = {status: store.orders_in_status_between(status, since, until, DASHBOARD_CAP)
            for status in dashboard.STATUSES}
    figures = dashboard.summarise({status: orders for status, (orders, _) in read.items()})
    return {"date": date, "timezone": dashboard.DAY_ZONE, "since": since, "until": until, **figures,
            "truncated": any(more for _, more in read.values()), "cap": DASHBOARD_CAP}


def admin_list(status: str | None, store_id: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """Orders of a store and/or in a status. Who may list which store is the route's `store_access` check."""
    if store_id:
        scope = f"orders:store:{store_id}:status:{status or 'any'}"
        items, last = store.orders_of_store(store_id, status, limit, decode_cursor(cursor, scope=scope))
    elif status:
        scope = f"orders:status:{status}"
        items, last = store.orders_in_status(status, limit, decode_cursor(cursor, scope=scope))
    else:
        raise BadRequest("Give a status or a store_id", code="filter-required")
    return {"orders": [summary_view(r) for r in items], "next_cursor": encode_cursor(last, scope=scope)}


# Changing ---------------------------------------------------------------------------------------------


def notification(order: OrderRecord, status: str, **data: Any) -> dict[str, Any]:
    # Priced orders carry their lines and bill so order mails can show a summary table (a few KB at most).
    summary: dict[str, Any] = {}
    if order.items:
        summary["items"] = [{"product_id": line.get("product_id"), "name": line.get("name"),
                             "quantity": int(line.get("quantity", 0)), "unit_price": int(line.get("price", 0)),
                             "line_total": int(line.get("line_total", 0))} for line in order.items]
    if order.bill:
        summary["bill"] = [{"code": e["code"], "label": e["label"], "amount": int(e["amount"])} for e in order.bill]
    if order.coupon:  # {code, title, kind, discount} once placed with a coupon: "You saved ₹75 with WELCOME75"
        summary["coupon"] = {**order.coupon, "discount": int(order.coupon["discount"])}
    return {
        "type": f"order.{status.lower()}",
        "user_id": order.user_id,
        "data": {"order_id": order.order_id, "status": status, "store_id": order.store_id,
                 "total": None if order.total is None else int(order.total), **summary, **data},
        "idempotency_key": f"{order.order_id}:{status}",
        "correlation_id": request_id_var.get() or order.correlation_id or "",
    }


def change_status(principal: Principal, order_id: str, target: str, *, version: int | None = None,
                  reason: str | None = None) -> dict[str, Any]:
    order = visible_order(principal, order_id)
    if version is not None and version != int(order.version):
        raise Conflict(f"The order changed since version {version}; it is now at {int(order.version)}",
                       code="version-conflict")
    current = order.status
    wanted = check_transition(set(principal.roles), current, target, **_flags(principal, order))
    if wanted in PARTNER_TARGETS and not principal.has_any(Role.ADMIN):
        # The rider's moves go through the delivery routes (they keep the partner's state and check the OTP).
        raise Conflict("Use POST /delivery/orders/{order_id}/pickup or /deliver for this move",
                       code="use-delivery-routes")
    now = now_iso()
    history = [*(order.status_history or []), {"status": wanted.value, "at": now, "actor": principal.uid}]
    changes: dict[str, Any] = {"status": wanted.value, "status_history": history, "updated_at": now}
    if reason is not None:
        changes["reason"] = reason
    try:
        store.update_order(order, expected_status=current, **changes)
    except VersionConflict:
        raise Conflict("The order was changed by someone else; read it again", code="version-conflict") from None
    if wanted is Status.CANCELLED:
        upstream.release_stock(order.order_id)  # idempotent per order: stock comes back exactly once
        if order.coupon_code:
            redemptions.release(order.order_id)  # the coupon's use comes back, once (the saga's ReleaseCoupon)
        metrics.add_metric(name="OrdersCancelled", unit="Count", value=1)
        if order.payment_method != "cod":  # paid online: payments refunds what it captured, once per order
            upstream.refund_cancelled(order.order_id, reason)
    upstream.announce_status(status_message(order))  # PACKED asks for a partner; a cancel frees one
    upstream.notify(notification(order, wanted.value, **({"reason": reason} if reason else {})))
    fresh = store.get_order(order_id) or order
    return order_view(fresh, show_otp=fresh.user_id == principal.uid)


# Delivery ---------------------------------------------------------------------------------------------


def one_line(address: dict[str, Any]) -> str:
    parts = [address.get(k) for k in ("line1", "line2", "landmark", "city", "pincode")]
    return ", ".join(str(p) for p in parts if p)


def status_message(order: OrderRecord) -> dict[str, Any]:
    """What the delivery domain hears of every status change, read after the write: the order's status at its
    version, so that a late or repeated message never moves the delivery backwards. A PACKED order's message
    also carries what the assignment job needs to pick a partner, so delivery never reads this table."""
    message: dict[str, Any] = {"kind": "order_status", "order_id": order.order_id, "status": order.status,
                               "version": int(order.version),
                               "correlation_id": request_id_var.get() or order.correlation_id or ""}
    if order.status == Status.PACKED:
        address = order.address or {}
        eta = order.eta or {}
        message.update({
            "user_id": order.user_id, "store_id": order.store_id,
            "drop": {"address": one_line(address), "lat": address.get("lat"), "lng": address.get("lng")},
            "otp": order.delivery_otp, "eta_minutes": eta.get("max") if isinstance(eta, dict) else None,
            "attempt": 0})
    return message


# The statuses each delivery action ends in, and the steps it may take there (deliver may pass ARRIVED).
_ACTION_TARGET = {"pickup": Status.OUT_FOR_DELIVERY, "arrive": Status.ARRIVED, "deliver": Status.DELIVERED}
_PARTNER = frozenset({Role.DELIVERY_PARTNER.value})


def internal_order(order_id: str) -> dict[str, Any]:
    """An order for another domain (internal route): payments reads its user, store and lines for a refund."""
    order = store.get_order(order_id)
    if order is None:
        raise NotFound("No such order")
    return order_view(order)


def delivery_action(order_id: str, action: str, partner_id: str, otp: str | None = None) -> dict[str, Any]:
    """The delivery domain's commands (internal route): assign a partner to a PACKED order, then move it along
    OUT_FOR_DELIVERY → ARRIVED → DELIVERED as that partner. Idempotent: repeating a done action answers the
    order as it is. A partner acting on an order that is not theirs gets 404, as for any other reader."""
    for _ in range(3):
        order = store.get_order(order_id)
        if order is None:
            raise NotFound("No such order")
        try:
            if action == "assign":
                return _assign(order, partner_id)
            return _advance(order, action, partner_id, otp)
        except VersionConflict:
            continue
    raise Conflict("The order is changing too fast; retry", code="version-conflict")


def _assign(order: OrderRecord, partner_id: str) -> dict[str, Any]:
    if order.partner_id == partner_id:
        return order_view(order)
    if order.partner_id:
        raise Conflict("The order already has a partner", code="partner-already-assigned")
    if order.status != Status.PACKED:
        # The order's status and version (not `status`: that is the problem's HTTP status) let the delivery
        # domain close or follow its delivery at once, whatever order its queue brings the status messages in.
        raise Conflict(f"Only a PACKED order gets a partner; this one is {order.status}", code="not-packed",
                       extra={"order_status": order.status, "order_version": int(order.version)})
    store.update_order(order, expected_status=Status.PACKED.value, partner_id=partner_id, updated_at=now_iso())
    return order_view(store.get_order(order.order_id) or order)


def _advance(order: OrderRecord, action: str, partner_id: str, otp: str | None) -> dict[str, Any]:
    if order.partner_id != partner_id:
        raise NotFound("No such order")
    target = _ACTION_TARGET[action]
    if order.status == target:
        return order_view(order)  # a retry of a move that was made
    if target is Status.DELIVERED and not hmac.compare_digest(str(otp or ""), str(order.delivery_otp or "")):
        raise Unprocessable("The delivery OTP is wrong", code="invalid-otp",
                            errors=[{"field": "otp", "message": "does not match", "code": "invalid-otp"}])
    steps, current = [], Status(order.status)
    while current is not target:
        nxt = (Status.ARRIVED if current is Status.OUT_FOR_DELIVERY and target is Status.DELIVERED else target)
        current = check_transition(_PARTNER, current, nxt, is_owner=False, is_store_staff_of_order=False,
                                   is_assigned_partner=True)
        steps.append(current)
    now = now_iso()
    history = [*(order.status_history or []), *({"status": s.value, "at": now, "actor": partner_id} for s in steps)]
    store.update_order(order, expected_status=order.status, status=target.value, status_history=history,
                       updated_at=now)
    upstream.announce_status(status_message(order))  # the delivery side ends in the same state whoever moved it
    if target is Status.DELIVERED:
        metrics.add_metric(name="OrdersDelivered", unit="Count", value=1)
    for step in steps:
        upstream.notify(notification(order, step.value))
    return order_view(store.get_order(order.order_id) or order)


def cancel(principal: Principal, order_id: str, reason: str) -> dict[str, Any]:
    return change_status(principal, order_id, Status.CANCELLED.value, reason=reason)
