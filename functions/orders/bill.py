"""The itemised bill and the store's local time. Pure: no HTTP, no AWS, no clock.

Decisions at the edges:
- Every amount is integer paise. Floats are refused (never rounded) so that a stray float from a client
  or a mis-typed setting fails loudly instead of costing someone a paisa; DynamoDB's integral `Decimal`s
  are accepted.
- Thresholds are strict "below": item total 19899 pays delivery, 19900 does not; 9899 pays the
  small-cart fee, 9900 does not; 4899 is `BelowMinimum`, 4900 is accepted.
- The late-night window is half-open, [start, end): with the defaults 23:00:00 is charged,
  05:59:59.999999 is charged, 06:00:00 is not. When start > end the window crosses midnight; when
  start < end it does not; start == end means "no late-night window".
- Fees apply to the item total only (the tip never lifts a cart over a threshold or the minimum).
- The platform fee is a store setting charged on every order (0: no line). The surge fee is charged while the
  store's surge lasts at the pricing instant `now` (`blinkit.fees.live_surge`: `expires_at` after `now`; the
  instant of expiry is not charged). The caller passes `now` and the surge: the bill reads no clock, so a store
  answer held in a cache cannot stretch a surge past its end.
- The tip is checked before the minimum: it is the caller's input, independent of the cart.
- A coupon (`orders.coupons`, which holds the rounding rule) is one negative `coupon_discount` line right after
  the item total. The fee thresholds (free delivery, small cart) use the item total before the discount; the
  minimum order is checked after it (a flat or percent discount lowers what the items cost; free delivery
  does not). The tip and the other fees are never discounted.
- `savings` is sum of (mrp - price) * quantity, a line whose mrp is missing or below its price counting as 0
  (a catalog glitch must not show as negative savings). It is shown, never charged: `total` is the sum
  of the `bill` amounts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from blinkit.errors import Problem, Unprocessable
from blinkit.fees import AMOUNT_FIELDS, DEFAULT_FEES, WINDOW_FIELDS, complete_fees, live_surge
from orders import coupons
from orders.coupons import Coupon

# Amounts and settings ---------------------------------------------------------------------------------


def _paise(value: Any, name: str) -> int:
    """An amount in integer paise; refuses floats, fractions, bools and negatives."""
    if isinstance(value, bool):  # bool is an int subclass: True must not become 1 paisa
        raise ValueError(f"{name} must be an integer amount in paise, not {value!r}")
    if isinstance(value, Decimal):  # what DynamoDB hands back for numbers
        if value != value.to_integral_value():
            raise ValueError(f"{name} must be whole paise, not {value}")
        value = int(value)
    if not isinstance(value, int):
        raise ValueError(f"{name} must be an integer amount in paise, not {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, not {value}")
    return value


def _clock(value: str) -> time:
    """A window edge, "HH:MM" (checked by the schema), as a naive `time`: it is compared in store local time."""
    return time.fromisoformat(value)


_DEFAULT_START, _DEFAULT_END = (_clock(DEFAULT_FEES[name]) for name in WINDOW_FIELDS)


@dataclass(frozen=True, slots=True)
class StoreFees:
    """A store's fee settings (`blinkit.fees`, the one schema and defaults) with the window as `time`s."""

    delivery_fee: int = DEFAULT_FEES["delivery_fee"]
    free_delivery_threshold: int = DEFAULT_FEES["free_delivery_threshold"]
    small_cart_fee: int = DEFAULT_FEES["small_cart_fee"]
    small_cart_threshold: int = DEFAULT_FEES["small_cart_threshold"]
    handling_fee: int = DEFAULT_FEES["handling_fee"]
    platform_fee: int = DEFAULT_FEES["platform_fee"]
    late_night_fee: int = DEFAULT_FEES["late_night_fee"]
    late_night_start: time = _DEFAULT_START
    late_night_end: time = _DEFAULT_END
    minimum_order: int = DEFAULT_FEES["minimum_order"]
    max_tip: int = DEFAULT_FEES["max_tip"]

    @classmethod
    def from_store(cls, fees: Mapping[str, Any] | None) -> StoreFees:
        """From a store's `fees`; missing or null settings (or a missing dict) take the defaults.

        Raises `ValueError` for a setting the schema refuses (a float, a negative, a fractional Decimal).
        """
        settings = complete_fees(fees)
        return cls(**{name: getattr(settings, name) for name in AMOUNT_FIELDS},
                   **{name: _clock(getattr(settings, name)) for name in WINDOW_FIELDS})

    def is_late_night(self, local_time: time) -> bool:
        """Whether `local_time` (store local time) is inside [late_night_start, late_night_end)."""
        t = local_time.replace(tzinfo=None)  # an aware time cannot be compared with the naive edges
        start, end = self.late_night_start, self.late_night_end
        if start == end:
            return False  # no window configured
        if start < end:
            return start <= t < end
        return t >= start or t < end  # crosses midnight


# Errors -----------------------------------------------------------------------------------------------


class InvalidTip(Unprocessable):
    """The tip is outside 0..max_tip (422)."""

    code = "invalid-tip"

    def __init__(self, tip: Any, max_tip: int) -> None:
        self.tip = tip
        self.max_tip = max_tip
        message = f"The tip must be a whole amount in paise between 0 and {max_tip}"
        super().__init__(
            message,
            errors=[{"field": "tip", "message": message, "code": "invalid-tip"}],
            extra={"max_tip": max_tip},
        )


class BelowMinimum(Problem):
    """The item total is below the store's minimum order (422); the saga's `BELOW_MINIMUM`."""

    status, code = 422, "below-minimum"
    reason: ClassVar[str] = "BELOW_MINIMUM"  # the saga's failure reason code

    def __init__(self, item_total: int, minimum: int) -> None:
        self.item_total = item_total
        self.minimum = minimum
        self.shortfall = minimum - item_total
        super().__init__(
            f"The minimum order is {minimum} paise; add items worth {self.shortfall} paise more",
            extra={"item_total": item_total, "minimum_order": minimum, "shortfall": self.shortfall},
        )


# The bill ---------------------------------------------------------------------------------------------

# (code, label) in the order the bill is shown; only charged entries (and always the item total) appear.
ITEM_TOTAL = ("item_total", "Item total")
COUPON_DISCOUNT = "coupon_discount"  # labelled after the coupon: "Coupon SAVE50", "Free delivery (FREEDEL)"
DELIVERY_FEE = ("delivery_fee", "Delivery fee")
SMALL_CART_FEE = ("small_cart_fee", "Small cart fee")
HANDLING_FEE = ("handling_fee", "Handling fee")
PLATFORM_FEE = ("platform_fee", "Platform fee")
SURGE_FEE = "surge_fee"  # labelled with the surge's reason: "Surge fee (Rain)"
LATE_NIGHT_FEE = ("late_night_fee", "Late night fee")
TIP = ("tip", "Delivery partner tip")
BILL_ORDER: tuple[str, ...] = (ITEM_TOTAL[0], COUPON_DISCOUNT, DELIVERY_FEE[0], SMALL_CART_FEE[0], HANDLING_FEE[0],
                                PLATFORM_FEE[0], SURGE_FEE, LATE_NIGHT_FEE[0], TIP[0])


def surge_label(reason: str) -> str:
    return f"Surge fee ({reason})"


@dataclass(frozen=True, slots=True)
class Bill:
    """A priced order. `bill` entries are `{code, label, amount}`; `total` is the sum of their amounts."""

    lines: list[dict[str, Any]]
    bill: list[dict[str, Any]]
    item_total: int
    savings: int
    total: int
    late_night: bool = False  # whether the late-night window applied (for logs and tests)
    coupon: dict[str, Any] | None = None  # `{code, title, kind, discount}` of the coupon applied

    def amount(self, code: str) -> int:
        """The amount charged under `code` (0 when not charged)."""
        return next((entry["amount"] for entry in self.bill if entry["code"] == code), 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": [dict(line) for line in self.lines],
            "bill": [dict(entry) for entry in self.bill],
            "item_total": self.item_total,
            "savings": self.savings,
            "total": self.total,
            "coupon": None if self.coupon is None else dict(self.coupon),
        }


def _price_line(line: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """One cart line → (the bill line with `line_total`, its savings)."""
    quantity = _paise(line["quantity"], "quantity")  # same integer rules as money
    if quantity < 1:
        raise ValueError(f"quantity must be at least 1, not {quantity}")
    price = _paise(line["price"], "price")
    mrp = _paise(line["mrp"], "mrp") if line.get("mrp") is not None else price
    priced = {**line, "quantity": quantity, "price": price, "mrp": mrp, "line_total": price * quantity}
    return priced, max(0, mrp - price) * quantity


def _surge_charge(surge: Mapping[str, Any] | None, now: datetime | None) -> tuple[tuple[str, str], int]:
    """The surge's (code, label) and amount: 0 (not shown) unless it lasts at `now`."""
    if surge is None:
        return (SURGE_FEE, ""), 0
    if now is None:
        raise ValueError("a surge is priced at an instant: pass `now`")
    lasting = live_surge(surge, now)
    if lasting is None:
        return (SURGE_FEE, ""), 0
    return (SURGE_FEE, surge_label(lasting["reason"])), _paise(lasting["fee"], "surge fee")


def delivery_fee(fees: StoreFees, item_total: int) -> int:
    """The delivery fee due for an item total (before any discount): 0 from the free-delivery threshold on."""
    return fees.delivery_fee if item_total < fees.free_delivery_threshold else 0


def price_order(lines: Sequence[Mapping[str, Any]], fees: StoreFees, *, tip: int, local_time: time,
                now: datetime | None = None, surge: Mapping[str, Any] | None = None,
                coupon: Coupon | None = None) -> Bill:
    """Price `lines` (current prices, paise) with the store's fees at store-local `local_time`, the store's
    `surge` (`{fee, reason, expires_at}`, or None) if it still lasts at the UTC instant `now` (the same instant
    `local_time` was read from; required with a surge), and `coupon` (already checked by `coupons.check`: this
    only computes its discount) if given.

    Raises `InvalidTip` for a tip outside 0..max_tip and `BelowMinimum` for an item total (after an item
    discount) below the minimum order (an empty cart is below it too; the saga reports `CART_EMPTY` before
    pricing); `coupons.CouponRefused` for a free-delivery coupon when delivery is already free.
    Malformed lines (floats, negatives, quantity < 1) are a programming error: `ValueError`.
    """
    try:
        tip = _paise(tip, "tip")  # a float, bool or negative tip is the client's mistake: 422, not 500
    except ValueError:
        raise InvalidTip(tip, fees.max_tip) from None
    if tip > fees.max_tip:
        raise InvalidTip(tip, fees.max_tip)

    priced: list[dict[str, Any]] = []
    savings = 0
    for line in lines:
        bill_line, saved = _price_line(line)
        priced.append(bill_line)
        savings += saved
    item_total = sum(line["line_total"] for line in priced)
    delivery = delivery_fee(fees, item_total)
    discount = 0 if coupon is None else coupons.discount(coupon, priced, delivery)
    items_payable = item_total - (discount if coupon is not None and coupons.takes_off_items(coupon) else 0)
    if items_payable < fees.minimum_order:
        raise BelowMinimum(items_payable, fees.minimum_order)

    late_night = fees.is_late_night(local_time)
    charges: list[tuple[tuple[str, str], int]] = [
        (ITEM_TOTAL, item_total),
        ((COUPON_DISCOUNT, coupons.bill_label(coupon) if coupon else ""), -discount),
        (DELIVERY_FEE, delivery),
        (SMALL_CART_FEE, fees.small_cart_fee if item_total < fees.small_cart_threshold else 0),
        (HANDLING_FEE, fees.handling_fee),
        (PLATFORM_FEE, fees.platform_fee),
        _surge_charge(surge, now),
        (LATE_NIGHT_FEE, fees.late_night_fee if late_night else 0),
        (TIP, tip),
    ]
    # The item total always shows; a fee set to 0 by a store (or not due) is left out, not shown as ₹0.
    bill = [{"code": code, "label": label, "amount": amount}
            for (code, label), amount in charges if code == ITEM_TOTAL[0] or amount != 0]
    return Bill(lines=priced, bill=bill, item_total=item_total, savings=savings,
                total=sum(entry["amount"] for entry in bill), late_night=late_night,
                coupon=None if coupon is None else coupon.summary(discount, priced))


# Store time -------------------------------------------------------------------------------------------


def store_local_time(now_utc: datetime, timezone: str) -> time:
    """The store's wall-clock time (naive) for a UTC instant; a naive `now_utc` is taken as UTC.

    Needs the IANA database: the system's or the `tzdata` package (an unknown zone raises
    `zoneinfo.ZoneInfoNotFoundError`, a configuration error, never a client one).
    """
    if now_utc.tzinfo is None:
        now_utc = now_utc.replace(tzinfo=UTC)  # the project's convention: time is UTC
    return now_utc.astimezone(ZoneInfo(timezone)).time()
