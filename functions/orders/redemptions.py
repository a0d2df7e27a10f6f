"""The coupon side of checkout: what a coupon check needs to know about the user, and a use counted and given
back.

- `checked` runs the one rule (`orders.coupons.check`) with the reads it needs, and only those: the coupon
  (GetItem), the user's uses (GetItem, only for a coupon with a per-user limit), and whether this is the
  user's first order (only for a first-order-only coupon: the first-order claim, GetItem, then the user's
  orders, one Query of `ByUser`). The quote and the saga's PriceOrder decide through it, `GET /offers` through
  the same `is_first_order` and `coupons.check`.
- A first order: the user has no order that counts as ordered (`ORDERED`: PLACED or any later status but
  CANCELLED, whose use a cancel gave back) other than this one, and no first-order claim of another order.
- `redeem` (the saga's RedeemCoupon) counts one use in one conditional transaction (`store.redeem`);
  `release` (the saga's ReleaseCoupon, and a cancel) gives it back once (`store.release`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from blinkit import clock
from orders import coupons, store
from orders.coupons import Coupon
from orders.lifecycle import Status

ORDERED = tuple(s.value for s in (Status.PLACED, Status.CONFIRMED, Status.PACKED, Status.OUT_FOR_DELIVERY,
                                  Status.ARRIVED, Status.DELIVERED))

# What a client reads when the last use went elsewhere between the quote and the redemption: the refusal code
# and words the quote would now answer.
TAKEN = {"coupon": (coupons.LIMIT_REACHED, "Fully redeemed"), "user": (coupons.LIMIT_REACHED, "Already used"),
         "first": (coupons.FIRST_ORDER_ONLY, "For your first order only")}
# The refusals that mean "taken" (or switched off after the checkout was accepted) when the saga meets them:
# COUPON_UNAVAILABLE whether PriceOrder's check or RedeemCoupon's conditional write finds them first.
TAKEN_CODES = frozenset({coupons.LIMIT_REACHED, coupons.FIRST_ORDER_ONLY, coupons.NOT_FOUND})


def find(code: str) -> Coupon:
    """The coupon with this code (any case); `CouponRefused` `coupon-not-found` when there is none."""
    record = store.get_coupon(code)
    if record is None:
        raise coupons.not_found(code)
    return Coupon.from_record(record)


def available(code: str, now: datetime) -> Coupon:
    """The checks a checkout makes before it is accepted (no cart, no user): found, active, valid now."""
    coupon = find(code)
    coupons.check_available(coupon, now)
    return coupon


def is_first_order(uid: str, *, order_id: str | None = None) -> bool:
    """Whether an order of `uid` (`order_id`, when it exists already) would be the user's first."""
    if store.has_first_claim(uid, other_than=order_id):
        return False
    return not store.has_order_in(uid, ORDERED, other_than=order_id)


def checked(code: str, *, uid: str, store_id: str, lines: list[dict[str, Any]], now: datetime,
            order_id: str | None = None) -> Coupon:
    """The coupon if it applies to these lines for this user now; `CouponRefused` otherwise. The cheap
    checks run first, so an expired code costs one read."""
    coupon = available(code, now)
    user_used = store.user_used(coupon.code, uid) if coupon.per_user_limit is not None else 0
    first = is_first_order(uid, order_id=order_id) if coupon.first_order_only else True
    coupons.check(coupon, store_id=store_id, lines=lines, now=now, user_used=user_used, is_first_order=first)
    return coupon


class CouponUnavailable(Exception):
    """The use could not be counted: the coupon's limit, the user's, or the first order went to another order
    since pricing (or the coupon was switched off). The saga's `COUPON_UNAVAILABLE`."""

    def __init__(self, coupon_code: str, which: str) -> None:
        self.coupon_code = coupon_code
        self.code, self.words = TAKEN[which]
        super().__init__(self.words)

    def detail(self) -> dict[str, str]:
        """What a FAILED order keeps as its `reason_detail` (with the caught error's name)."""
        return {"coupon_code": self.coupon_code, "code": self.code, "words": self.words}


def redeem(order_id: str, uid: str, code: str, discount: int) -> dict[str, Any]:
    """Count the order's use of the coupon (idempotent per order): `{order_id, code, discount, state}`."""
    record = store.get_coupon(code)
    if record is None:
        raise CouponUnavailable(code.upper(), "coupon")
    coupon = Coupon.from_record(record)
    try:
        redemption = store.redeem(order_id=order_id, uid=uid, code=coupon.code, discount=discount,
                                  per_user_limit=coupon.per_user_limit, first_order_only=coupon.first_order_only,
                                  now=clock.now())
    except store.CouponTaken as taken:
        raise CouponUnavailable(coupon.code, taken.which) from None
    return {"order_id": order_id, "code": redemption.code, "discount": int(redemption.discount),
            "state": redemption.state}


def release(order_id: str) -> bool:
    """Give the order's use back (once: True only for the run that released it)."""
    return store.release(order_id, clock.now())
