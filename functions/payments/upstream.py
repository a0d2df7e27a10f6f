"""What the payments domain tells others: the order that its payment completed.

The saga's `WaitForPayment` state runs with a Step Functions task token
(`arn:aws:states:::lambda:invoke.waitForTaskToken`) and hands it to payments, which keeps it on the payment
(`service.wait_for_payment`). Whichever of verify and webhook records the capture first calls
`payment_completed`, exactly once per payment; with a token it answers the waiting saga with
`SendTaskSuccess`, so the order moves on to CreateOrder at once. Without one (the token not stored yet:
`wait_for_payment` then completes it itself) it only logs and counts. A saga that no longer waits (timed
out, failed) answers "saga-gone": the caller flags the money for a refund.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from blinkit import aws
from blinkit.observability import logger

Told = Literal["told", "no-saga", "saga-gone"]


def payment_completed(order_id: str, payment: dict[str, Any], task_token: str | None = None) -> Told:
    """Tell the order's saga its payment is captured: "told" (a waiting saga moves on), "no-saga" (no token
    yet) or "saga-gone" (the token's saga stopped waiting)."""
    if not task_token:
        logger.info("payment completed; no saga waiting for it yet", extra={"order_id": order_id})
        return "no-saga"
    client = aws.client("stepfunctions")
    try:
        client.send_task_success(taskToken=task_token, output=json.dumps({"order_id": order_id, **payment}))
    except (client.exceptions.TaskTimedOut, client.exceptions.TaskDoesNotExist, client.exceptions.InvalidToken):
        # The saga stopped waiting (timed out, failed): the order is not placed, so this money must go back.
        logger.warning("payment completed after its saga stopped waiting", extra={"order_id": order_id})
        return "saga-gone"
    logger.info("payment completed: the waiting saga was told", extra={"order_id": order_id})
    return "told"


def refund_due(order_id: str, why: str) -> None:
    """The seam to the refunds worker (issue 14's refunds slice): money on this payment must go back in full.
    The flag on the payment is the record (reconciliation finds flagged payments); this only says so."""
    logger.warning("payment flagged for an automatic refund", extra={"order_id": order_id, "why": why})
