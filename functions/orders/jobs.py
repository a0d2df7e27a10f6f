"""Saga steps owned by the orders domain (each its own Lambda function; statemachine/order_saga.asl.json).

- `PriceOrder {order_id, cart: {store_id, lines}}` → `{store_id, lines, bill, item_total, savings, total,
  eta}`: the store's fees, location and timezone come from products' `GET /stores`, the address and tip
  from the PENDING order. Raises `NotServiceable` (address outside the store's radius), `BelowMinimum`,
  `InvalidTip`, `StoreInactive` (switched off since LoadCart read the cart), or `StoresUnavailable` (the
  state machine retries it).
  With a `coupon_code` on the order, the coupon is checked as the quote checks it (`redemptions.checked`) and
  applied: the output carries `coupon {code, title, kind, discount}` (`applies_to` too for a scoped one; null
  without a coupon) and the discounted bill; a refusal is `CouponNotApplicable` (`COUPON_NOT_APPLICABLE`, its
  message `{code, words}`), except the refusals that say the uses are taken (limits, first order) or the coupon
  is gone (switched off since the checkout was accepted): `CouponUnavailable`, as RedeemCoupon's.
- `RedeemCoupon {order_id, user_id, coupon}` (only when the priced order has a coupon): counts the use in one
  conditional transaction (`redemptions.redeem`); `CouponUnavailable` (`COUPON_UNAVAILABLE`, `{code, words}`)
  when the coupon's limit, the user's or the first order went to another order. A retry answers the same.
- `ReleaseCoupon {order_id}`: the compensation of every failure after RedeemCoupon, and of a cancel: gives the
  use back once (a second run changes nothing, as does a run for an order without a redemption).
- `AwaitPayment {order_id, payment}` (online orders, after payments' CreatePayment): keeps Razorpay Checkout's
  object on the PENDING order, so `GET /orders/{id}` and a replayed checkout show it while the saga waits for
  the payment. The order stays PENDING (the saga has not decided); only the saga writes it, conditionally on
  PENDING, and a repeat writes the same object.
- `CreateOrder {order_id, priced}` → `{message}`: PENDING → PLACED with items, bill, totals and ETA, as one
  conditional write on version and status. A retry that finds the order PLACED returns the same message.
- `MarkOrderFailed {order_id, error: {Error, Cause}}` → FAILED with a reason code named after the caught
  error (`CART_EMPTY`, `STORE_INACTIVE` with the store, `PRODUCT_UNAVAILABLE` / `ABOVE_MAX_PER_ORDER` with
  the lines `{product_id, name, requested, allowed}`, `OUT_OF_STOCK` with the short items,
  `NOT_SERVICEABLE`, `BELOW_MINIMUM`, `INVALID_TIP`; `PAYMENT_FAILED` when Razorpay could not take the
  payment (CreatePayment's `PaymentProviderUnavailable`, `PaymentRefused`, `PaymentAmountChanged`, or the
  wait closed after a failed attempt or money that did not match the bill: `PaymentFailed`),
  `PAYMENT_TIMEOUT` when nobody paid in time; otherwise `INTERNAL`). A JSON error message becomes
  the `reason_detail`. FAILED is announced to the delivery domain like every status change but PLACED
  (there is no delivery side before PACKED, and a checkout should not wait on that queue). Idempotent: an
  order already FAILED is left as it is.
"""

from __future__ import annotations

import json
from typing import Any

from blinkit import clock
from blinkit.clock import now_iso
from blinkit.errors import ServiceUnavailable
from blinkit.observability import logger, metrics
from orders import redemptions, service, store, upstream
from orders.coupons import CouponRefused
from orders.lifecycle import SYSTEM, Status, check_transition
from orders.pricing import distance_km, price, serviceable
from orders.schemas import (
    AwaitPaymentIn,
    CreateOrderIn,
    MarkOrderFailedIn,
    PriceOrderIn,
    RedeemCouponIn,
    ReleaseCouponIn,
)
from orders.store import VersionConflict

# Caught exception class name (of whichever step raised it) → the order's reason code.
REASONS = {"CartEmpty": "CART_EMPTY", "OutOfStock": "OUT_OF_STOCK", "NotServiceable": "NOT_SERVICEABLE",
           "BelowMinimum": "BELOW_MINIMUM", "InvalidTip": "INVALID_TIP", "StoreInactive": "STORE_INACTIVE",
           "ProductNotSold": "PRODUCT_UNAVAILABLE", "AboveMaxPerOrder": "ABOVE_MAX_PER_ORDER",
           "PaymentProviderUnavailable": "PAYMENT_FAILED", "PaymentRefused": "PAYMENT_FAILED",
           "PaymentAmountChanged": "PAYMENT_FAILED", "PaymentFailed": "PAYMENT_FAILED",
           "PaymentTimedOut": "PAYMENT_TIMEOUT", "States.Timeout": "PAYMENT_TIMEOUT",
           "CouponNotApplicable": "COUPON_NOT_APPLICABLE", "CouponUnavailable": "COUPON_UNAVAILABLE"}


class NotServiceable(Exception):
    """The delivery address is outside the store's radius (or the store no longer sells)."""


class StoreInactive(Exception):
    """The order's store is no longer listed as active (LoadCart raises its own of this name before)."""


class StoresUnavailable(Exception):
    """The products service cannot be asked for the store right now; the saga retries."""


class CouponNotApplicable(Exception):
    """The order's coupon does not apply to its cart or its user (`coupons.CouponRefused`); JSON `{code, words}`."""

    def __init__(self, refused: CouponRefused) -> None:
        super().__init__(json.dumps({"coupon_code": refused.coupon_code, **refused.detail_for_order()}))


class CouponUnavailable(Exception):
    """The coupon's uses are taken (its total limit, the user's, the first order) or it was switched off since
    the checkout was accepted: found by PriceOrder's check or by RedeemCoupon's conditional write, whichever
    comes first (the same reason either way); JSON `{coupon_code, code, words}`."""

    def __init__(self, detail: dict[str, str], coupon_code: str) -> None:
        super().__init__(json.dumps({"coupon_code": coupon_code, **detail}))


class OrderNotFound(Exception):
    """The saga names an order that does not exist (a bug: the API writes it before starting the saga)."""


def _order(order_id: str) -> store.OrderRecord:
    found = store.get_order(order_id)
    if found is None:
        raise OrderNotFound(order_id)
    return found


def price_order(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = PriceOrderIn.model_validate(event)
    order = _order(request.order_id)
    try:
        shop = upstream.get_store(request.cart.store_id)
    except ServiceUnavailable as exc:
        raise StoresUnavailable(str(exc)) from exc
    if shop is None:
        raise StoreInactive(json.dumps({"store_id": request.cart.store_id}))
    address = order.address
    if not serviceable(shop, address):
        raise NotServiceable(json.dumps({"store_id": shop["store_id"],
                                         "distance_km": round(distance_km(shop, address), 2),
                                         "radius_km": shop["radius_km"]}))
    if not order.coupon_code:
        return price(shop, address, request.cart.lines, int(order.tip or 0))  # `coupon` null
    try:
        coupon = redemptions.checked(order.coupon_code, uid=order.user_id, store_id=shop["store_id"],
                                     lines=request.cart.lines, now=clock.now(), order_id=order.order_id)
        return price(shop, address, request.cart.lines, int(order.tip or 0), coupon)
    except CouponRefused as refused:  # also the bill's "Delivery is already free"
        if refused.code in redemptions.TAKEN_CODES:
            raise CouponUnavailable(refused.detail_for_order(), refused.coupon_code) from None
        raise CouponNotApplicable(refused) from None


def redeem_coupon(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = RedeemCouponIn.model_validate(event)
    try:
        return redemptions.redeem(request.order_id, request.user_id, request.coupon.code, request.coupon.discount)
    except redemptions.CouponUnavailable as taken:
        raise CouponUnavailable({"code": taken.code, "words": taken.words}, taken.coupon_code) from None


def release_coupon(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = ReleaseCouponIn.model_validate(event)
    return {"order_id": request.order_id, "released": redemptions.release(request.order_id)}


def await_payment(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = AwaitPaymentIn.model_validate(event)
    payment = request.payment.model_dump()
    for _ in range(3):
        order = _order(request.order_id)
        if order.payment == payment or order.status != Status.PENDING:
            break  # a repeat, or the order moved on (a lost answer): nothing to write
        try:
            store.update_order(order, expected_status=Status.PENDING.value, payment=payment, updated_at=now_iso())
        except VersionConflict:
            continue
        break
    return {"order_id": request.order_id}


def create_order(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = CreateOrderIn.model_validate(event)
    order = _order(request.order_id)
    if order.status != Status.PLACED:
        check_transition({SYSTEM}, order.status, Status.PLACED, is_owner=False, is_store_staff_of_order=False,
                         is_assigned_partner=False)
        priced, now = request.priced, now_iso()
        history = [*(order.status_history or []), {"status": Status.PLACED.value, "at": now, "actor": SYSTEM}]
        store.update_order(order, expected_status=Status.PENDING.value, status=Status.PLACED.value,
                           store_id=priced["store_id"], items=priced["lines"], bill=priced["bill"],
                           item_total=int(priced["item_total"]), total=int(priced["total"]), eta=priced["eta"],
                           coupon=priced.get("coupon"), status_history=history, updated_at=now)
        metrics.add_metric(name="OrdersPlaced", unit="Count", value=1)
    # An online order is PLACED only once paid: its one placed notification also says the payment was received.
    paid = {"paid": int(order.total or 0)} if order.payment_method == "online" else {}
    return {"message": service.notification(order, Status.PLACED.value, eta_minutes=order.eta, **paid)}


def _reason(error: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = str(error.get("Error") or "")
    try:
        cause = json.loads(error.get("Cause") or "{}")
    except ValueError:
        cause = {"errorMessage": error.get("Cause")}
    message = cause.get("errorMessage") if isinstance(cause, dict) else None
    detail: dict[str, Any] = {"error": name}
    try:
        parsed = json.loads(message) if isinstance(message, str) else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        detail.update(parsed)
    elif message and name in REASONS:
        detail["message"] = message
    return REASONS.get(name, "INTERNAL"), detail


def mark_order_failed(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = MarkOrderFailedIn.model_validate(event)
    reason, detail = _reason(request.error)
    for _ in range(3):
        order = _order(request.order_id)
        if order.status == Status.FAILED:
            return {"order_id": order.order_id, "status": order.status, "reason": order.reason}
        if order.status != Status.PENDING:
            # PLACED by a CreateOrder whose answer was lost: its stock is already released, so it cannot stand.
            logger.error("failing an order past PENDING", extra={"order_id": order.order_id, "status": order.status})
        now = now_iso()
        history = [*(order.status_history or []), {"status": Status.FAILED.value, "at": now, "actor": SYSTEM}]
        try:
            store.update_order(order, expected_status=order.status, status=Status.FAILED.value, reason=reason,
                               reason_detail=detail, status_history=history, updated_at=now)
        except VersionConflict:
            continue
        metrics.add_metric(name="OrdersFailed", unit="Count", value=1)
        upstream.announce_status(service.status_message(order))  # a terminal status: delivery closes its side
        upstream.notify(service.notification(order, Status.FAILED.value, reason=reason))
        return {"order_id": order.order_id, "status": Status.FAILED.value, "reason": reason}
    raise VersionConflict(request.order_id)
