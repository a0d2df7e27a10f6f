"""HTTP shapes of the payments domain. Each route is deployed as its own Lambda function (template.yaml)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from blinkit.errors import PROBLEM_JSON
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
