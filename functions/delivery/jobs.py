"""Queue jobs of the delivery domain (each its own Lambda function).

- `AssignPartner` (SQS DeliveryAssignmentQueue, ReportBatchItemFailures): for `assign` messages, the nearest
  free partner of the order's store is claimed (service.assign); nobody free → the message is re-sent with a
  growing delay until ASSIGNMENT_TIMEOUT_SECONDS, then the UnassignedOrders metric. `release` messages free
  the partner of a cancelled order. A record that raises is reported as a batch item failure (retried, then
  the DLQ); a malformed one is logged and dropped (retrying cannot fix it).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from blinkit.context import request_id_var
from blinkit.observability import logger, metrics
from delivery import service
from delivery.schemas import AssignmentMessage


@metrics.log_metrics
def assign_partner(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    failures = []
    for record in event.get("Records") or []:
        try:
            message = AssignmentMessage.model_validate(json.loads(record["body"]))
        except (ValueError, ValidationError):
            logger.error("dropping a malformed assignment message", extra={"message_id": record.get("messageId")})
            continue
        token = request_id_var.set(message.correlation_id or None)
        try:
            outcome = service.assign(message)
            logger.info("assignment", extra={"order_id": message.order_id, "outcome": outcome,
                                             "attempt": message.attempt})
        except Exception:
            logger.exception("assignment failed", extra={"order_id": message.order_id})
            failures.append({"itemIdentifier": record["messageId"]})
        finally:
            request_id_var.reset(token)
    return {"batchItemFailures": failures}
