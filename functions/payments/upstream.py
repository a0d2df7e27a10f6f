"""What the payments domain tells others: the order that its payment completed.

The seam for the saga (next slice): the saga's `WaitForPayment` state will run with a Step Functions task
token (`arn:aws:states:::lambda:invoke.waitForTaskToken`) and hand it to payments, which keeps it on the
payment (`service.wait_for_payment`). Whichever of verify and webhook records the capture first calls
`payment_completed`, exactly once per payment; with a token it answers the waiting saga with
`SendTaskSuccess`, so the order moves on to CreateOrder at once. Without one (no saga waiting yet, as in
this slice, or the token not stored yet: `wait_for_payment` then completes it itself) it only logs and
counts.
"""

from __future__ import annotations

import json
from typing import Any

from blinkit import aws
from blinkit.observability import logger, metrics


def payment_completed(order_id: str, payment: dict[str, Any], task_token: str | None = None) -> bool:
    """Tell the order's saga its payment is captured. True when a waiting saga was told."""
    metrics.add_metric(name="PaymentsCaptured", unit="Count", value=1)
    if not task_token:
        logger.info("payment completed; no saga waiting for it yet", extra={"order_id": order_id})
        return False
    client = aws.client("stepfunctions")
    try:
        client.send_task_success(taskToken=task_token, output=json.dumps({"order_id": order_id, **payment}))
    except (client.exceptions.TaskTimedOut, client.exceptions.TaskDoesNotExist, client.exceptions.InvalidToken):
        # The saga stopped waiting (timed out, failed): the order is not placed, so this money must go
        # back; the refund is the next slice's (the payment stays captured with no PLACED order).
        logger.warning("payment completed after its saga stopped waiting", extra={"order_id": order_id})
        return False
    logger.info("payment completed: the waiting saga was told", extra={"order_id": order_id})
    return True
