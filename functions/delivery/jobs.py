"""Queue jobs of the delivery domain (each its own Lambda function).

- `AssignPartner` (SQS DeliveryAssignmentQueue, ReportBatchItemFailures): the orders domain's `order_status`
  messages, one per status change (service.on_order_status). PACKED: the nearest free partner of the order's
  store is claimed; nobody free → the message is re-sent with a growing delay until
  ASSIGNMENT_TIMEOUT_SECONDS, then the UnassignedOrders metric. Later statuses move the delivery along by the
  order's version (a repeat or an older one changes nothing); a closed one (DELIVERED, CANCELLED, FAILED)
  frees the partner and ends tracking. Records go through Powertools' BatchProcessor: a record that raises is
  reported as a batch item failure (retried, then the DLQ); a malformed one is logged and dropped (retrying
  cannot fix it). Each record's lines carry its own `correlation_id`.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from blinkit.handler import correlated
from blinkit.observability import logger
from delivery import service
from delivery.schemas import OrderStatusMessage


def order_status_record(record: SQSRecord) -> None:
    """One order status message. Raising makes it a batch item failure (SQS brings it back)."""
    try:
        message = OrderStatusMessage.model_validate(json.loads(record.body))
    except (ValueError, ValidationError):
        logger.error("dropping a malformed order status message", extra={"message_id": record.message_id})
        return
    what = "assignment" if message.status == "PACKED" else "order status"
    with correlated(message.correlation_id):
        try:
            outcome = service.on_order_status(message)
        except Exception:
            logger.exception(f"{what} failed", extra={"order_id": message.order_id, "status": message.status})
            raise
        logger.info(what, extra={"order_id": message.order_id, "status": message.status, "version": message.version,
                                 "outcome": outcome, "attempt": message.attempt})


def assign_partner(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    # A processor per invocation: it keeps the batch's state on itself. A batch whose every record failed is
    # answered as partial failures too, not raised, as before: the DLQ alarm is for messages, the function's
    # error alarm for the function.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=event, record_handler=order_status_record, processor=processor,
                                         context=context))
