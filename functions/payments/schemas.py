"""Request, response and job shapes of the payments domain. Requests are strict (unknown fields 422)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from blinkit.forms import Request

CROCKFORD = "[0-9A-HJKMNP-TV-Z]{26}"
ORDER_ID = rf"^ord_{CROCKFORD}$"
# Razorpay's ids: a prefix and 14 alphanumerics.
RAZORPAY_ORDER_ID = r"^order_[A-Za-z0-9]{14}$"
RAZORPAY_PAYMENT_ID = r"^pay_[A-Za-z0-9]{14}$"
SIGNATURE = r"^[0-9a-f]{64}$"
UID = r"^[A-Za-z0-9_-]{1,128}$"

OrderId = Annotated[str, StringConstraints(pattern=ORDER_ID)]
Currency = Literal["INR"]
PaymentStatus = Literal["creating", "created", "authorized", "captured", "failed"]


class VerifyIn(Request):
    """What Razorpay Checkout hands the client after a payment, with our order id."""

    order_id: OrderId
    razorpay_order_id: Annotated[str, StringConstraints(pattern=RAZORPAY_ORDER_ID)]
    razorpay_payment_id: Annotated[str, StringConstraints(pattern=RAZORPAY_PAYMENT_ID)]
    razorpay_signature: Annotated[str, StringConstraints(pattern=SIGNATURE)]


class PaymentOut(BaseModel):
    order_id: str
    provider: Literal["razorpay"] = "razorpay"
    razorpay_order_id: str | None = None
    razorpay_payment_id: str | None = None
    amount: int = Field(description="paise")
    currency: str
    status: PaymentStatus
    captured: int = Field(0, description="paise captured")
    refunded: int = Field(0, description="paise refunded")
    refund_due: bool = Field(False, description="money arrived that must go back (a mismatch or a second payment)")


class WebhookOut(BaseModel):
    outcome: Literal["processed", "duplicate", "ignored"]


class Job(BaseModel):
    model_config = ConfigDict(extra="ignore")

    correlation_id: str | None = None


class CreatePaymentIn(Job):
    """The saga's CreatePayment step: after PriceOrder, for an online order, the bill's total."""

    order_id: OrderId
    user_id: Annotated[str, StringConstraints(pattern=UID)]
    amount: StrictInt = Field(gt=0, description="the bill's total in paise")
    currency: Currency = "INR"


class WaitForPaymentIn(Job):
    """The saga's WaitForPayment step: its Step Functions task token (`$$.Task.Token`)."""

    order_id: OrderId
    task_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class ClosePaymentIn(Job):
    """The saga's ClosePayment step, after the wait timed out or failed: the caught error {Error, Cause}."""

    order_id: OrderId
    error: dict[str, Any] = Field(default_factory=dict)


class CheckoutOut(BaseModel):
    """What the client needs to open Razorpay Checkout (the order's `payment` object)."""

    provider: Literal["razorpay"] = "razorpay"
    key_id: str
    razorpay_order_id: str
    amount: int
    currency: str
    expires_at: str


# A webhook's JSON (only what we read; Razorpay sends much more and adds fields over time).
class Entity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    amount: StrictInt = Field(ge=0)
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3)]
    status: str | None = None
    order_id: str | None = None
    payment_id: str | None = None
    error_code: str | None = None
    error_description: str | None = None
    receipt: str | None = None  # a refund's: our refund id, when we asked for it


class Wrapped(BaseModel):
    model_config = ConfigDict(extra="ignore")

    entity: Entity


class WebhookEvent(BaseModel):
    """An event: only the entities we read are checked (Razorpay may add others to a payload)."""

    model_config = ConfigDict(extra="ignore")

    event: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    payload: dict[str, dict[str, Any]]

    def entity(self, name: str) -> Entity | None:
        """The payload's `name` entity; None when absent, ValidationError when it is not one."""
        wrapped = self.payload.get(name)
        return Wrapped.model_validate(wrapped).entity if wrapped is not None else None



# Refunds ------------------------------------------------------------------------------------------------

REFUND_ID = rf"^rfd_{CROCKFORD}$"
PRODUCT_ID = rf"^prd_{CROCKFORD}$"


class RefundItem(Request):
    product_id: Annotated[str, StringConstraints(pattern=PRODUCT_ID)]
    quantity: StrictInt = Field(ge=1, le=1000)


class RefundIn(Request):
    """An admin's or the store's refund of part (or all) of a paid order: an amount, or items of the order."""

    amount: StrictInt | None = Field(None, ge=100, le=10_000_000, description="paise (Razorpay's minimum is 100)")
    items: list[RefundItem] | None = Field(None, min_length=1, max_length=100)
    reason: Annotated[str, StringConstraints(min_length=3, max_length=200)]


class RefundOut(BaseModel):
    refund_id: str
    order_id: str
    amount: int = Field(description="paise")
    currency: str
    reason: str
    status: Literal["requested", "pending", "processed", "failed", "released"]
    razorpay_refund_id: str | None = None
    created_at: str


class RefundMessage(Job):
    """The refunds queue: `refund` (a reserved refund to send to Razorpay) or `order_cancelled` (orders: a paid
    order was cancelled; refund what is left of it in full)."""

    kind: Literal["refund", "order_cancelled"]
    order_id: OrderId
    refund_id: Annotated[str, StringConstraints(pattern=REFUND_ID)] | None = None
    reason: Annotated[str, StringConstraints(max_length=200)] | None = None
