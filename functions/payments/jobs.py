"""Saga steps of the payments domain (each its own Lambda function).

- `CreatePayment` (after PriceOrder, online orders only; the next slice places it in the saga): the Razorpay
  order for exactly the bill's total, idempotent. Raises, for the saga to catch by name:
  `PaymentProviderUnavailable` (Razorpay down or the breaker open: retry, then fail the order with nothing
  charged), `PaymentCreationInProgress` (a concurrent attempt holds the lease: retry), `PaymentRefused`
  (Razorpay's 4xx, e.g. our key is wrong: retrying cannot help, fail the order) and `PaymentAmountChanged` (a
  payment for this order exists with another amount: a bug, never retried).
"""

from __future__ import annotations

from typing import Any

from payments import service
from payments.schemas import CreatePaymentIn


def create_payment(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = CreatePaymentIn.model_validate(event)
    checkout = service.create_payment(request.order_id, request.user_id, request.amount, request.currency)
    return checkout.model_dump()
