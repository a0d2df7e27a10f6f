"""Saga steps of the payments domain (each its own Lambda function).

- `CreatePayment` (after PriceOrder, online orders only): the Razorpay order for exactly the bill's total,
  idempotent; answers the Checkout object and `timeout_seconds`, the saga's WaitForPayment timeout
  (`PAYMENT_TIMEOUT_SECONDS`, one setting for the timeout and the Checkout's `expires_at`). Raises, for the
  saga to catch by name:
  `PaymentProviderUnavailable` (Razorpay down or the breaker open: retry, then fail the order with nothing
  charged), `PaymentCreationInProgress` (a concurrent attempt holds the lease: retry), `PaymentRefused`
  (Razorpay's 4xx, e.g. our key is wrong: retrying cannot help, fail the order) and `PaymentAmountChanged` (a
  payment for this order exists with another amount: a bug, never retried).
- `WaitForPayment {order_id, task_token}` (`lambda:invoke.waitForTaskToken`): keeps the token on the payment;
  the capture (verify or webhook, whichever is first) answers it with SendTaskSuccess. The wait ends failed
  only at its timeout: Razorpay lets the customer retry a failed attempt in Checkout, so `payment.failed` does
  not end it.
- `ClosePayment {order_id, error}` (after the wait timed out or failed): closes the payment (money arriving
  later is flagged for a refund) and answers the saga's error: after a timeout `{Error: PaymentFailed |
  PaymentTimedOut, Cause}`, after a crash the caught error as it was (the order fails INTERNAL).
"""

from __future__ import annotations

import json
from typing import Any

from blinkit.settings import get_settings
from payments import service
from payments.schemas import ClosePaymentIn, CreatePaymentIn, WaitForPaymentIn

TIMEOUTS = ("States.Timeout", "States.HeartbeatTimeout")


def create_payment(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = CreatePaymentIn.model_validate(event)
    checkout = service.create_payment(request.order_id, request.user_id, request.amount, request.currency)
    return {**checkout.model_dump(), "timeout_seconds": get_settings().payment_timeout_seconds}


def wait_for_payment(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = WaitForPaymentIn.model_validate(event)
    return {"order_id": request.order_id, "told": service.wait_for_payment(request.order_id, request.task_token)}


def close_payment(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = ClosePaymentIn.model_validate(event)
    error, detail = service.close_payment(request.order_id)
    if request.error.get("Error") not in TIMEOUTS and request.error.get("Error"):
        return {"Error": str(request.error["Error"]), "Cause": str(request.error.get("Cause") or "")}  # a crash
    return {"Error": error, "Cause": json.dumps({"errorMessage": json.dumps(detail)})}
