"""The one coupon rule: does a coupon apply to this cart, for this user, now, and how much does it take off.
Pure: no I/O, no clock (the caller passes `now`); the quote, the saga's PriceOrder and `GET /offers` all
decide through `check` and `discount`.

Rounding and caps (integer paise throughout, never a float):
- percent: floor(in-scope item total * percent / 100), then capped at `max_discount`
  (10% of 12345 = 1234, never 1235);
- flat: min(amount, in-scope item total);
- any discount is capped at the in-scope item total, so an item total never goes negative;
- free_delivery: the delivery fee the bill would charge (refused "Delivery is already free" when it is 0);
  it never touches the items, the tip or the other fees.

What is compared with what:
- `min_item_total` with the in-scope item total before any discount (exactly the minimum qualifies, one
  paisa below does not);
- validity is half-open, [valid_from, valid_until): valid at `valid_from` exactly, expired at `valid_until`
  exactly; no `valid_until` is no end;
- scope: `store_ids` (empty = every store) decides whether the coupon is valid at the store at all; a line
  is in scope when the coupon names neither categories nor products, or names its category, or names its
  product (either is enough); the discount is computed on the in-scope lines only;
- an inactive coupon is "not found" (a client cannot tell it from a code that never existed).
The bill's fee thresholds use the item total before the discount and the store's minimum order is checked
after it (`orders.bill`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from blinkit.errors import Unprocessable
from blinkit.money import format_rupees

FLAT, PERCENT, FREE_DELIVERY = "flat", "percent", "free_delivery"
KINDS = (FLAT, PERCENT, FREE_DELIVERY)

# The refusal codes (the problem `type` slug) a client can switch on.
NOT_FOUND = "coupon-not-found"
EXPIRED = "coupon-expired"
MINIMUM_NOT_MET = "coupon-minimum-not-met"
LIMIT_REACHED = "coupon-limit-reached"
NOT_APPLICABLE = "coupon-not-applicable"
FIRST_ORDER_ONLY = "coupon-first-order-only"
CODES = (NOT_FOUND, EXPIRED, MINIMUM_NOT_MET, LIMIT_REACHED, NOT_APPLICABLE, FIRST_ORDER_ONLY)


class CouponRefused(Unprocessable):
    """The coupon does not apply (422). `code` is one of `CODES`; `words` a short sentence a client shows as is.

    The saga's PriceOrder reports it as `COUPON_NOT_APPLICABLE` with `{code, words}`.
    """

    reason: ClassVar[str] = "COUPON_NOT_APPLICABLE"  # the saga's failure reason code

    def __init__(self, code: str, words: str, *, coupon_code: str, short: int | None = None) -> None:
        self.words = words
        self.coupon_code = coupon_code
        self.short = short  # coupon-minimum-not-met: paise of in-scope items still to add
        extra: dict[str, Any] = {"coupon_code": coupon_code, "words": words}
        if short is not None:
            extra["short"] = short
        super().__init__(words, code=code, extra=extra)

    def detail_for_order(self) -> dict[str, str]:
        """What a FAILED order keeps as its `reason_detail`."""
        return {"code": self.code, "words": self.words}


def not_found(code: str) -> CouponRefused:
    """The refusal for a code with no coupon (or an inactive one)."""
    return CouponRefused(NOT_FOUND, "Coupon not found", coupon_code=code.upper())


def _ids(values: Iterable[str] | None) -> frozenset[str]:
    return frozenset(values or ())


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)  # DynamoDB hands back Decimals


@dataclass(frozen=True, slots=True)
class Coupon:
    """A coupon's rule, built from its record (`Coupon.of`). Amounts in paise; a None limit is no limit."""

    code: str
    title: str
    kind: str
    valid_from: datetime
    valid_until: datetime | None = None
    amount: int | None = None
    percent: int | None = None
    max_discount: int | None = None
    min_item_total: int = 0
    first_order_only: bool = False
    per_user_limit: int | None = None
    total_limit: int | None = None
    store_ids: frozenset[str] = frozenset()
    category_ids: frozenset[str] = frozenset()
    product_ids: frozenset[str] = frozenset()
    is_active: bool = True
    used: int = 0
    description: str = ""

    @classmethod
    def from_record(cls, record: Any) -> Coupon:
        """From a coupon record (the store's model) or a mapping with the same names."""
        get = record.get if isinstance(record, Mapping) else lambda name, default=None: getattr(record, name, default)
        return cls(
            code=str(get("code")).upper(),
            title=get("title") or "",
            description=get("description") or "",
            kind=get("kind"),
            amount=_int_or_none(get("amount")),
            percent=_int_or_none(get("percent")),
            max_discount=_int_or_none(get("max_discount")),
            min_item_total=int(get("min_item_total") or 0),
            valid_from=get("valid_from"),
            valid_until=get("valid_until"),
            first_order_only=bool(get("first_order_only")),
            per_user_limit=_int_or_none(get("per_user_limit")),
            total_limit=_int_or_none(get("total_limit")),
            store_ids=_ids(get("store_ids")),
            category_ids=_ids(get("category_ids")),
            product_ids=_ids(get("product_ids")),
            is_active=bool(get("is_active", True)),
            used=int(get("used") or 0),
        )

    of = from_record  # the name the first commit gave it

    def refuse(self, code: str, words: str, *, short: int | None = None) -> CouponRefused:
        return CouponRefused(code, words, coupon_code=self.code, short=short)

    def summary(self, discount: int, lines: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
        """What a quote, a priced order and an order show: `{code, title, kind, discount}`, and for a flat or
        percent coupon limited to some categories or products, `applies_to`: the products of `lines` it was
        taken from (a refund of items gives back their share of it, and only theirs)."""
        shown: dict[str, Any] = {"code": self.code, "title": self.title, "kind": self.kind, "discount": discount}
        if self.kind != FREE_DELIVERY and (self.category_ids or self.product_ids):
            shown["applies_to"] = sorted({str(line["product_id"]) for line in lines if in_scope(self, line)})
        return shown


# The checks ---------------------------------------------------------------------------------------------


def check_available(coupon: Coupon, now: datetime) -> None:
    """The cheap checks (no cart, no user): active and within [valid_from, valid_until). POST /orders runs
    these before accepting a coupon; the rest waits for the saga."""
    if not coupon.is_active:
        raise not_found(coupon.code)
    if now < coupon.valid_from:
        raise coupon.refuse(EXPIRED, "Not yet valid")
    if coupon.valid_until is not None and now >= coupon.valid_until:
        raise coupon.refuse(EXPIRED, "Expired")


def in_scope(coupon: Coupon, line: Mapping[str, Any]) -> bool:
    """Whether a cart line counts for the coupon (see the module docstring for the scope rule)."""
    if not coupon.category_ids and not coupon.product_ids:
        return True
    return line.get("product_id") in coupon.product_ids or line.get("category_id") in coupon.category_ids


def in_scope_total(coupon: Coupon, lines: Sequence[Mapping[str, Any]]) -> int:
    """The item total of the lines in scope (price * quantity, paise)."""
    return sum(int(line["price"]) * int(line["quantity"]) for line in lines if in_scope(coupon, line))


def check(coupon: Coupon, *, store_id: str, lines: Sequence[Mapping[str, Any]], now: datetime, user_used: int,
          is_first_order: bool) -> int:
    """Raise `CouponRefused` if the coupon does not apply; else answer the in-scope item total.

    `user_used` is how many times this user has used it already; `is_first_order` whether this order would be
    the user's first. The checks run from the coupon itself to the cart, so the words name the first obstacle
    a client can do something about last (a minimum shortfall only once everything else holds).
    """
    check_available(coupon, now)
    if coupon.store_ids and store_id not in coupon.store_ids:
        raise coupon.refuse(NOT_APPLICABLE, "Not valid at this store")
    if coupon.total_limit is not None and coupon.used >= coupon.total_limit:
        raise coupon.refuse(LIMIT_REACHED, "Fully redeemed")
    if coupon.per_user_limit is not None and user_used >= coupon.per_user_limit:
        times = "" if coupon.per_user_limit == 1 else f" {coupon.per_user_limit} times"
        raise coupon.refuse(LIMIT_REACHED, f"Already used{times}")
    if coupon.first_order_only and not is_first_order:
        raise coupon.refuse(FIRST_ORDER_ONLY, "For your first order only")
    if not any(in_scope(coupon, line) for line in lines):
        raise coupon.refuse(NOT_APPLICABLE, "Not valid on the items in your cart")
    total = in_scope_total(coupon, lines)
    if total < coupon.min_item_total:
        short = coupon.min_item_total - total
        raise coupon.refuse(MINIMUM_NOT_MET, f"Add {format_rupees(short)} more", short=short)
    return total


def discount(coupon: Coupon, lines: Sequence[Mapping[str, Any]], delivery_fee: int) -> int:
    """The discount in paise (the rounding rule in the module docstring). `delivery_fee` is the delivery fee
    the bill charges without the coupon; a free_delivery coupon is refused when it is 0."""
    total = in_scope_total(coupon, lines)
    if coupon.kind == FREE_DELIVERY:
        if delivery_fee <= 0:
            raise coupon.refuse(NOT_APPLICABLE, "Delivery is already free")
        return delivery_fee
    if coupon.kind == FLAT:
        return min(int(coupon.amount or 0), total)
    if coupon.kind == PERCENT:
        off = total * int(coupon.percent or 0) // 100  # floor: a fraction of a paisa is never given
        if coupon.max_discount is not None:
            off = min(off, coupon.max_discount)
        return min(off, total)
    raise ValueError(f"unknown coupon kind {coupon.kind!r}")


def takes_off_items(coupon: Coupon) -> bool:
    """Whether the discount reduces the item total (flat, percent) rather than a fee (free_delivery): the
    store's minimum order is checked on the item total after an item discount."""
    return coupon.kind != FREE_DELIVERY


def bill_label(coupon: Coupon) -> str:
    """The `coupon_discount` bill line's label."""
    return f"Free delivery ({coupon.code})" if coupon.kind == FREE_DELIVERY else f"Coupon {coupon.code}"
