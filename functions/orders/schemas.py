"""Request and response shapes of the orders routes and saga jobs. Requests are strict (unknown fields 422)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from blinkit.forms import BlankIsAbsent, MultiLine, Request

CROCKFORD = "[0-9A-HJKMNP-TV-Z]{26}"
ORDER_ID = rf"^ord_{CROCKFORD}$"
ADDRESS_ID = r"^adr_[0-9A-Z]{26}$"
STORE_ID = rf"^sto_{CROCKFORD}$"

OrderId = Annotated[str, StringConstraints(pattern=ORDER_ID)]
Paise = Annotated[int, Field(ge=0)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=300)]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class OrderIn(Request):
    address_id: Annotated[str, StringConstraints(pattern=ADDRESS_ID)]
    payment_method: Literal["cod", "online"] = Field(
        "cod", description="cod (cash on delivery) or online (UPI, cards, netbanking or wallets in Razorpay "
                            "Checkout: the order's `payment` object opens it)")
    tip: Paise = 0
    instructions: MultiLine[BlankIsAbsent[Annotated[str, StringConstraints(max_length=300)] | None]] = None


class QuoteIn(Request):
    address_id: Annotated[str, StringConstraints(pattern=ADDRESS_ID)]
    tip: Paise = 0


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


class AwaitPaymentIn(Job):
    order_id: OrderId
    payment: CheckoutPayment


class MarkOrderFailedIn(Job):
    order_id: OrderId
    error: dict[str, Any] = Field(default_factory=dict, description="The caught error: {Error, Cause}")
