"""Request and response shapes of the orders routes and saga jobs. Requests are strict (unknown fields 422)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from blinkit import clock
from blinkit.forms import BlankIsAbsent, MultiLine, Request

CROCKFORD = "[0-9A-HJKMNP-TV-Z]{26}"
ORDER_ID = rf"^ord_{CROCKFORD}$"
ADDRESS_ID = r"^adr_[0-9A-Z]{26}$"
STORE_ID = rf"^sto_{CROCKFORD}$"

OrderId = Annotated[str, StringConstraints(pattern=ORDER_ID)]
Paise = Annotated[int, Field(ge=0)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=300)]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]
COUPON_CODE = r"^[A-Za-z0-9]{3,20}$"
CouponCode = Annotated[str, StringConstraints(pattern=COUPON_CODE)]
COUPON_CODE_DOC = ("A coupon to apply (3 to 20 letters or digits, any case). One that does not apply is refused "
                   "with 422 and a reason code (coupon-not-found, coupon-expired, coupon-minimum-not-met, "
                   "coupon-limit-reached, coupon-not-applicable, coupon-first-order-only) and `words` a client "
                   "shows as is; it is never silently dropped")


class OrderIn(Request):
    address_id: Annotated[str, StringConstraints(pattern=ADDRESS_ID)]
    payment_method: Literal["cod", "online"] = Field(
        "cod", description="cod (cash on delivery) or online (UPI, cards, netbanking or wallets in Razorpay "
                            "Checkout: the order's `payment` object opens it)")
    tip: Paise = 0
    instructions: MultiLine[BlankIsAbsent[Annotated[str, StringConstraints(max_length=300)] | None]] = None
    coupon_code: BlankIsAbsent[CouponCode | None] = Field(
        None, description=COUPON_CODE_DOC + ". Checkout refuses at once a code that is unknown, inactive, expired "
                                            "or not yet valid; the rest is decided when the order is priced (FAILED "
                                            "COUPON_NOT_APPLICABLE) and redeemed (FAILED COUPON_UNAVAILABLE: the "
                                            "last use went to another order)")


class QuoteIn(Request):
    address_id: Annotated[str, StringConstraints(pattern=ADDRESS_ID)]
    tip: Paise = 0
    coupon_code: BlankIsAbsent[CouponCode | None] = Field(None, description=COUPON_CODE_DOC)


class CancelIn(Request):
    reason: BlankIsAbsent[Reason] = "Cancelled by request"


class StatusIn(Request):
    status: Literal["CONFIRMED", "PACKED", "OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED", "CANCELLED"]
    version: int | None = Field(None, ge=1, description="The version you read; refused with 409 if it changed")


class DeliveryActionIn(Request):
    """The delivery domain's commands on an order (internal route, IAM)."""

    action: Literal["assign", "pickup", "arrive", "deliver"]
    partner_id: UserId
    otp: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")] | None = None


class CheckoutPayment(BaseModel):
    """What the client opens Razorpay Checkout with (online orders, once the saga has priced the order)."""

    model_config = ConfigDict(extra="ignore")

    provider: Literal["razorpay"] = "razorpay"
    key_id: str = Field(description="Razorpay's public key id for Checkout")
    razorpay_order_id: str
    amount: int = Field(description="paise: exactly the order's total")
    currency: Literal["INR"] = "INR"
    expires_at: str = Field(description="Pay before this; after it the order fails PAYMENT_TIMEOUT and money "
                                        "that still arrives is refunded")


class OrderAccepted(BaseModel):
    """A checkout: PENDING when it starts; a replay (same Idempotency-Key and body) shows the order as it is now."""

    order_id: str
    status: str = Field(description="PENDING for a new checkout; for a replay, the order's current status "
                                    "(PENDING, PLACED, FAILED, or any later one)")
    status_url: str = Field(description="Where to follow the order (GET)")
    reason: str | None = Field(None, description="Why a FAILED or CANCELLED order is so (a reason code)")
    reason_detail: dict[str, Any] | None = Field(None, description="Details of the reason (e.g. the short items)")
    payment: CheckoutPayment | None = Field(None, description="Online orders, once priced: open Razorpay "
                                                              "Checkout with it (poll status_url until it is there)")


class BillEntry(BaseModel):
    """One line of a bill; lines not charged are left out (the item total always shows)."""

    code: str = Field(description="In this order: item_total, coupon_discount, delivery_fee, small_cart_fee, "
                                  "handling_fee, platform_fee, surge_fee (while the store's surge lasts at "
                                  "pricing), late_night_fee, tip")
    label: str = Field(description='What to show, e.g. "Platform fee", "Surge fee (Rain)"')
    amount: int = Field(description="Paise; negative for a discount. `total` is the sum of the amounts")


class AppliedCoupon(BaseModel):
    """The coupon a quote or an order applies, and what it takes off (paise; also the bill's coupon_discount)."""

    model_config = ConfigDict(extra="ignore")

    code: str
    title: str
    kind: Literal["flat", "percent", "free_delivery"]
    discount: int = Field(ge=0)
    applies_to: list[str] | None = Field(None, description="For a flat or percent coupon limited to some categories "
                                         "or products: the products whose lines it was taken from; null: every line")


class Eta(BaseModel):
    min: int
    max: int


class QuoteOut(BaseModel):
    store_id: str
    lines: list[dict[str, Any]]
    bill: list[BillEntry]
    item_total: int
    total: int
    eta_minutes: Eta
    serviceable: bool
    coupon: AppliedCoupon | None = Field(None, description="The coupon applied (coupon_code), or null")


class HistoryEntry(BaseModel):
    status: str
    at: str
    actor: str


class OrderOut(BaseModel):
    order_id: str
    user_id: str
    store_id: str | None
    status: str
    version: int
    address: dict[str, Any]
    items: list[dict[str, Any]]
    bill: list[BillEntry]
    item_total: int | None
    total: int | None
    tip: int
    payment_method: str
    payment: CheckoutPayment | None = Field(None, description="Online orders, once priced")
    instructions: str | None
    eta_minutes: Eta | None
    reason: str | None
    reason_detail: dict[str, Any] | None
    status_history: list[HistoryEntry]
    partner_id: str | None = None
    coupon_code: str | None = Field(None, description="The coupon the checkout asked for (upper-cased)")
    coupon: AppliedCoupon | None = Field(None, description="The coupon applied once the order is placed, or null")
    delivery_otp: str | None = Field(None, description="Only for the order's customer: tell it to the rider")
    created_at: str
    updated_at: str


class OrderSummary(BaseModel):
    order_id: str
    user_id: str
    store_id: str | None
    status: str
    total: int | None
    item_count: int
    created_at: str


class OrderPage(BaseModel):
    orders: list[OrderSummary]
    next_cursor: str | None


class DashboardRefunds(BaseModel):
    cancelled_online_orders: int = Field(description="Today's cancelled orders that were paid online")
    cancelled_online_total: int = Field(description="Their totals, paise: refunded in full on cancel")
    note: str = Field(description="What these figures leave out (partial refunds are payments' records)")


class DashboardOut(BaseModel):
    """Today's orders at a glance (admin)."""

    date: str = Field(description="The day counted (YYYY-MM-DD), in `timezone`")
    timezone: str
    since: str = Field(description="The day's start (inclusive), UTC")
    until: str = Field(description="The next day's start (exclusive), UTC")
    by_status: dict[str, int] = Field(description="Orders created today, by the status they are in now")
    total_orders: int
    failure_reasons: dict[str, int] = Field(description="Today's FAILED orders by reason code, most first")
    revenue: int = Field(description="paise: totals of today's orders placed and not cancelled or failed")
    refunds: DashboardRefunds
    truncated: bool = Field(description="A status had more than `cap` orders today: its figures count `cap`")
    cap: int


# Coupons (admin) and offers (customers) ---------------------------------------------------------------

CATEGORY_ID = rf"^cat_{CROCKFORD}$"
PRODUCT_ID = rf"^prd_{CROCKFORD}$"
CouponKind = Literal["flat", "percent", "free_delivery"]
# What each kind of coupon is told by, besides what all share: a flat amount, or a percent with its cap.
KIND_FIELDS: dict[str, tuple[str, ...]] = {"flat": ("amount",), "percent": ("percent", "max_discount"),
                                           "free_delivery": ()}
KIND_SPECIFIC = ("amount", "percent", "max_discount")
StoredCode = Annotated[CouponCode, AfterValidator(str.upper)]  # a new coupon's code, as it is kept
Amount = Annotated[int, Field(ge=1, le=10_000_000)]
Threshold = Annotated[int, Field(ge=0, le=10_000_000)]
Percent = Annotated[int, Field(ge=1, le=100)]
UseLimit = Annotated[int, Field(ge=1, le=10_000_000)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Description = Annotated[str, StringConstraints(max_length=300)]


# A coupon's dates are this century's: beyond them a timestamp is a typo (and year 1 or 9999 with an offset is
# not even a UTC instant Python can hold).
EARLIEST, LATEST = "2000-01-01T00:00:00.000Z", "2100-01-01T00:00:00.000Z"


def _instant(value: str) -> str:
    """An ISO-8601 timestamp with an offset, stored and answered as `blinkit.clock` writes every timestamp."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("datetime_format", "must be an ISO-8601 timestamp such as {example}",
                                  {"example": clock.EXAMPLE}) from None
    if moment.tzinfo is None:
        raise PydanticCustomError("timezone_aware", "needs a UTC offset (Z or +05:30)")
    try:
        stamp = clock.iso(moment)
    except OverflowError:
        stamp = ""  # before year 1 or after 9999 in UTC: out of range below
    if not EARLIEST <= stamp < LATEST:
        raise PydanticCustomError("datetime_range", "must be from {earliest} and before {latest}",
                                  {"earliest": EARLIEST, "latest": LATEST})
    return stamp


Instant = Annotated[str, StringConstraints(min_length=10, max_length=40), AfterValidator(_instant),
                    WithJsonSchema({"type": "string", "format": "date-time", "examples": [clock.EXAMPLE]})]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))  # a repeated id means nothing more: kept once, in order


StoreIds = Annotated[list[Annotated[str, StringConstraints(pattern=STORE_ID)]], Field(max_length=100),
                     AfterValidator(_unique)]
CategoryIds = Annotated[list[Annotated[str, StringConstraints(pattern=CATEGORY_ID)]], Field(max_length=100),
                        AfterValidator(_unique)]
ProductIds = Annotated[list[Annotated[str, StringConstraints(pattern=PRODUCT_ID)]], Field(max_length=100),
                       AfterValidator(_unique)]


def coupon_conflicts(coupon: Mapping[str, Any]) -> list[dict[str, str]]:
    """The fields of a whole coupon (a create, or a stored one with a PATCH applied) that do not fit together,
    each as `errors[]` names a field: a flat coupon needs `amount`, a percent one `percent` and `max_discount`,
    and neither takes the other's; `valid_until` must come after `valid_from`. Empty when it all fits."""
    kind = str(coupon["kind"])
    errors = []
    for name in KIND_SPECIFIC:
        given = coupon.get(name) is not None
        if name in KIND_FIELDS[kind] and not given:
            errors.append({"field": name, "message": f"is required for a {kind} coupon", "code": "missing"})
        elif name not in KIND_FIELDS[kind] and given:
            owner = next(k for k, names in KIND_FIELDS.items() if name in names)
            errors.append({"field": name, "message": f"is only for {owner} coupons, not {kind}",
                           "code": "not_for_kind"})
    until, since = coupon.get("valid_until"), coupon.get("valid_from")
    if until is not None and since is not None and clock.parse(until) <= clock.parse(since):
        errors.append({"field": "valid_until", "message": "must be after valid_from", "code": "before_valid_from"})
    return errors


class CouponIn(Request):
    code: StoredCode = Field(description="3 to 20 letters and digits; case-insensitive (stored upper-cased), "
                                         "unique, never changed")
    title: Title = Field(examples=["₹75 off your first order"])
    description: BlankIsAbsent[Description] = ""
    kind: CouponKind = Field(description="flat: `amount` off; percent: `percent` off up to `max_discount`; "
                                         "free_delivery: no delivery fee")
    amount: Amount | None = Field(None, description="paise off (flat only)")
    percent: Percent | None = Field(None, description="1 to 100 (percent only)")
    max_discount: Amount | None = Field(None, description="The most a percent coupon takes off, paise (required "
                                                          "for percent)")
    min_item_total: Threshold = Field(0, description="The in-scope item total the cart needs, paise")
    valid_from: Instant | None = Field(None, description="From when it applies (default: now)")
    valid_until: Instant | None = Field(None, description="Until when (exclusive); null: no end")
    first_order_only: bool = False
    per_user_limit: UseLimit | None = Field(None, description="Uses per customer; null: unlimited")
    total_limit: UseLimit | None = Field(None, description="Uses in all; null: unlimited")
    store_ids: StoreIds = Field([], description="Only at these dark stores (empty: every store)")
    category_ids: CategoryIds = Field([], description="Only on lines of these categories (empty: any)")
    product_ids: ProductIds = Field([], description="Only on these products (empty: any)")
    is_active: bool = True


class CouponPatch(Request):
    """The fields to change (the code never changes). A field of another kind that the PATCH leaves out is
    cleared when `kind` changes; one it sends is checked like a create's."""

    version: int = Field(ge=1, description="The version you read; 409 `version-conflict` if it changed since")
    title: Title | None = None
    description: BlankIsAbsent[Description | None] = None
    kind: CouponKind | None = None
    amount: Amount | None = None
    percent: Percent | None = None
    max_discount: Amount | None = None
    min_item_total: Threshold | None = None
    valid_from: Instant | None = None
    valid_until: Instant | None = Field(None, description="null: no end")
    first_order_only: bool | None = None
    per_user_limit: UseLimit | None = Field(None, description="null: unlimited")
    total_limit: UseLimit | None = Field(None, description="null: unlimited")
    store_ids: StoreIds | None = None
    category_ids: CategoryIds | None = None
    product_ids: ProductIds | None = None
    is_active: bool | None = None

    @field_validator("title", "kind", "min_item_total", "valid_from", "first_order_only", "store_ids",
                     "category_ids", "product_ids", "is_active", mode="after")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # These always have a value: null would leave the coupon without one (leave the field out instead).
        if value is None:
            raise PydanticCustomError("not_null", "may not be null: leave the field out to keep it")
        return value


class CouponTerms(BaseModel):
    """What a coupon gives and asks, as admins and customers both see it."""

    code: str
    title: str
    description: str
    kind: str
    amount: int | None = Field(description="paise off (flat)")
    percent: int | None = Field(description="percent off (percent)")
    max_discount: int | None = Field(description="the most a percent coupon takes off, paise")
    min_item_total: int = Field(description="the in-scope item total it needs, paise")
    valid_until: str | None = Field(description="until when (exclusive); null: no end")


class CouponOut(CouponTerms):
    valid_from: str
    first_order_only: bool
    per_user_limit: int | None
    total_limit: int | None
    store_ids: list[str]
    category_ids: list[str]
    product_ids: list[str]
    is_active: bool
    used: int = Field(description="Redemptions counted so far (a cancelled or failed order gives its use back)")
    version: int
    created_at: str
    updated_at: str


class CouponPage(BaseModel):
    coupons: list[CouponOut]
    next_cursor: str | None


class OfferOut(CouponTerms):
    qualifies: bool = Field(description="Whether the caller's cart gets it now")
    reason: str | None = Field(description="Why not: a coupon refusal code (`coupon-minimum-not-met`, ...), or "
                                           "`cart-empty`")
    words: str | None = Field(description='Why not, to show as is: "Add ₹62 more", "For your first order only"')
    discount: int | None = Field(description="What it takes off the caller's cart now, paise (when it qualifies)")


class OffersOut(BaseModel):
    store_id: str
    offers: list[OfferOut]


# Saga job inputs ----------------------------------------------------------------------------------------


class Job(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CartSnapshot(Job):
    store_id: Annotated[str, StringConstraints(pattern=STORE_ID)]
    lines: list[dict[str, Any]] = Field(min_length=1)


class PriceOrderIn(Job):
    order_id: OrderId
    cart: CartSnapshot


class CreateOrderIn(Job):
    order_id: OrderId
    priced: dict[str, Any]


class RedeemCouponIn(Job):
    order_id: OrderId
    user_id: UserId
    coupon: AppliedCoupon


class ReleaseCouponIn(Job):
    order_id: OrderId


class AwaitPaymentIn(Job):
    order_id: OrderId
    payment: CheckoutPayment


class MarkOrderFailedIn(Job):
    order_id: OrderId
    error: dict[str, Any] = Field(default_factory=dict, description="The caught error: {Error, Cause}")
