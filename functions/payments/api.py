"""HTTP shapes of the payments domain. Each route is deployed as its own Lambda function (template.yaml)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request

from blinkit.errors import PROBLEM_JSON, BadRequest
from blinkit.idempotency import HEADER
from blinkit.security import Principal, Role, require_role
from payments import schemas, service

router = APIRouter()

PROBLEM = {"model": None, "content": {PROBLEM_JSON: {}}, "description": "Problem details (RFC 9457)"}
COMMON = {400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 413: PROBLEM, 422: PROBLEM,
          503: PROBLEM}


@router.post("/payments/verify", tags=["payments"], response_model=schemas.PaymentOut, responses=COMMON)
async def verify(body: schemas.VerifyIn, principal: Principal = Depends(require_role(Role.CUSTOMER))):
    """Razorpay Checkout's answer for the caller's order: a valid signature completes the payment at once
    (400 `invalid-signature` otherwise; another user's order is 404)."""
    return service.verify(principal, body)


@router.post("/payments/webhook", tags=["payments"], response_model=schemas.WebhookOut,
             responses={400: PROBLEM, 401: PROBLEM, 413: PROBLEM, 503: PROBLEM})
async def webhook(request: Request,
                  x_razorpay_signature: Annotated[str | None, Header()] = None,
                  x_razorpay_event_id: Annotated[str | None, Header()] = None):
    """Razorpay's events (no session): `X-Razorpay-Signature` is the HMAC-SHA256 of the raw body with the
    webhook secret (401 otherwise); a repeated `x-razorpay-event-id` answers 200 `duplicate` and changes
    nothing; malformed or unknown events are 400."""
    return service.apply_webhook(await request.body(), x_razorpay_signature, x_razorpay_event_id)


@router.post("/admin/orders/{order_id}/refunds", tags=["admin"], status_code=202, response_model=schemas.RefundOut,
             responses=COMMON)
async def refund(body: schemas.RefundIn, order_id: str = Path(pattern=schemas.ORDER_ID),
                 principal: Principal = Depends(require_role(Role.ADMIN, Role.STORE_STAFF)),
                 key: str | None = Header(None, alias=HEADER, min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$",
                                          description="Required: the same key never refunds twice")):
    """Refund part of a paid order (`amount` in paise, or `items` of the order at their checkout price
    less their share of a flat or percent coupon): an
    admin, or the order's store staff (another store's order is 404). 202: the refund is reserved and queued;
    Razorpay returns the money in days and the customer is told at "refund initiated" and "refund processed".
    422 `refund-exceeds-captured` when captured - refunded - pending does not cover it; 409 `not-paid-online`
    for an order without a captured online payment; the same key again answers the same refund, with another
    amount or reason 409 `idempotency-key-reused`."""
    if key is None:
        raise BadRequest(f"The {HEADER} header is required", code="idempotency-key-required")
    return service.admin_refund(principal, order_id, body, key)
