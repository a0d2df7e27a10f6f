"""What the payments domain tells and asks others: the order that its payment completed (below), the refunds
queue, the notifications queue, and orders' `GET /internal/orders/{id}` (a refund of items needs the lines).

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

from blinkit import aws, queues
from blinkit.errors import ServiceUnavailable
from blinkit.observability import logger
from blinkit.settings import get_settings
from blinkit.upstreams import upstream

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
        # The saga stopped waiting (timed out, failed): the order is not placed, so this money must go
        # back; the caller (service._tell_saga) asks for the full refund.
        logger.warning("payment completed after its saga stopped waiting", extra={"order_id": order_id})
        return "saga-gone"
    logger.info("payment completed: the waiting saga was told", extra={"order_id": order_id})
    return "told"


def queue_refund(message: dict[str, Any]) -> None:
    """Put a message on the refunds queue (the refund worker sends it to Razorpay)."""
    queues.send(get_settings().refunds_queue_url, message)


def notify(message: dict[str, Any]) -> None:
    """Put a notification on the notifications queue (the notifications domain renders and sends it)."""
    queues.send(get_settings().notifications_queue_url, message)


def order_of(order_id: str) -> dict[str, Any] | None:
    """The order as orders holds it (`GET /internal/orders/{id}`, IAM-signed): its user, store and lines, for a
    refund of items and the staff's store check. None when there is no such order."""
    reply = upstream("orders").get(f"/internal/orders/{order_id}")
    if reply.status_code == 404:
        return None
    if reply.status_code != 200:
        logger.error("order lookup refused", extra={"status": reply.status_code, "body": reply.text[:300]})
        raise ServiceUnavailable("The order could not be read")
    order: dict[str, Any] = reply.json()
    return order
