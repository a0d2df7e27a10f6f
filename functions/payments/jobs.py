"""Saga steps, the refund worker and the reconciler of the payments domain (each its own Lambda function).

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
- `RefundWorker` (RefundsQueue, batches with partial failures): a `refund` message sends a reserved refund to
  Razorpay (`refunds.send_refund`); an `order_cancelled` message (from orders) asks for the full refund of a
  cancelled paid order first (`refunds.request_refund`, key `cancel`: once per order, however many cancels).
  A record that raises is retried by the queue and after 5 receives is in RefundsDeadLetterQueue (alarm); a
  malformed one is logged and dropped (retrying cannot fix it).
- `ReconcilePayments` (EventBridge schedule): `reconcile.reconcile`.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from blinkit.handler import correlated
from blinkit.observability import logger
from blinkit.settings import get_settings
from payments import reconcile, refunds, service
from payments.schemas import ClosePaymentIn, CreatePaymentIn, RefundMessage, WaitForPaymentIn

CANCEL_KEY = "cancel"  # the idempotency key of a cancelled order's full refund: one per order
TIMEOUTS = ("States.Timeout", "States.HeartbeatTimeout")


def create_payment(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = CreatePaymentIn.model_validate(event)
    checkout = service.create_payment(request.order_id, request.user_id, request.amount, request.currency)
    return {**checkout.model_dump(), "timeout_seconds": get_settings().payment_timeout_seconds}


def _refund_record(record: SQSRecord) -> None:
    try:
        message = RefundMessage.model_validate(json.loads(record.body))
    except (ValueError, ValidationError):
        logger.error("dropping a malformed refunds message", extra={"message_id": record.message_id})
        return
    with correlated(message.correlation_id):
        if message.kind == "order_cancelled":
            try:
                refunds.request_refund(message.order_id, None, message.reason or "Order cancelled", CANCEL_KEY,
                                       "orders")
            except refunds.NothingToRefund:
                logger.info("cancelled order has nothing to refund", extra={"order_id": message.order_id})
            return
        if message.refund_id is None:
            logger.error("dropping a refund message without its refund", extra={"order_id": message.order_id})
            return
        try:
            outcome = refunds.send_refund(message.order_id, message.refund_id)
        except Exception:
            receives = record.attributes.approximate_receive_count
            logger.exception("refund attempt failed", extra={"order_id": message.order_id,
                                                             "refund_id": message.refund_id, "receives": receives})
            raise
        logger.info("refund sent", extra={"order_id": message.order_id, "refund_id": message.refund_id,
                                          "outcome": outcome})


def refund_worker(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    # A processor per invocation (it keeps the batch's state); partial failures, never the whole batch raised.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=event, record_handler=_refund_record, processor=processor,
                                         context=context))


def reconcile_payments(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return reconcile.reconcile()


def wait_for_payment(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = WaitForPaymentIn.model_validate(event)
    return {"order_id": request.order_id, "told": service.wait_for_payment(request.order_id, request.task_token)}


def close_payment(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = ClosePaymentIn.model_validate(event)
    error, detail = service.close_payment(request.order_id)
    if request.error.get("Error") not in TIMEOUTS and request.error.get("Error"):
        return {"Error": str(request.error["Error"]), "Cause": str(request.error.get("Cause") or "")}  # a crash
    return {"Error": error, "Cause": json.dumps({"errorMessage": json.dumps(detail)})}
