"""What the orders domain asks other domains and AWS services, each built on first use (no I/O at import).

- auth: `GET /internal/users/{uid}/addresses/{address_id}` (IAM) — the address snapshot taken at checkout;
- products: public `GET /stores` — a store's location, radius, timezone and fees, for pricing;
- products' `ReleaseStockFunction` (lambda:InvokeFunction on that one function) — the stock compensation of
  a cancel, the same command the saga runs; it is idempotent per order, so stock comes back exactly once;
- cart's `LoadCartFunction` (likewise) — the cart snapshot a quote is priced from, as the saga's first step;
- Step Functions (start the saga) and SQS (the notifications queue; the delivery assignment queue, which
  hears of every status change but the saga's PENDING → PLACED: `order_status`, see `service.status_message`;
  payments' refunds queue, which hears of a cancelled order paid online: `order_cancelled`).

HTTP calls go through `blinkit.upstreams` (breaker and timeouts per upstream), AWS clients through
`blinkit.aws`, queue messages through `blinkit.queues` (which adds the correlation id).
"""

from __future__ import annotations

import json
from typing import Any

from blinkit import aws, queues
from blinkit.errors import ServiceUnavailable, Unprocessable
from blinkit.observability import logger
from blinkit.settings import get_settings
from blinkit.upstreams import upstream


def get_address(uid: str, address_id: str) -> dict[str, Any]:
    reply = upstream("auth").get(f"/internal/users/{uid}/addresses/{address_id}")
    if reply.status_code == 404:
        raise Unprocessable("No saved address with this id", code="unknown-address",
                            errors=[{"field": "address_id", "message": "No saved address with this id",
                                     "code": "unknown-address"}])
    if reply.status_code != 200:
        logger.error("address lookup refused", extra={"status": reply.status_code, "body": reply.text[:300]})
        raise ServiceUnavailable("The address could not be read")
    address: dict[str, Any] = reply.json()
    return address


def get_store(store_id: str) -> dict[str, Any] | None:
    """The store as `GET /stores` lists it; None when it is not listed: that list holds the active stores, and
    stores are never deleted (a cart only holds stores products knew), so an unlisted one was switched off."""
    reply = upstream("products").get("/stores")
    if reply.status_code != 200:
        raise ServiceUnavailable("The stores could not be read")
    for found in reply.json().get("stores", []):
        if found["store_id"] == store_id:
            return dict(found)
    return None


def start_saga(order_id: str, saga_input: dict[str, Any]) -> bool:
    """Start the order saga named by the order id; False if an execution of that name already exists."""
    sfn = aws.client("stepfunctions")
    try:
        sfn.start_execution(stateMachineArn=get_settings().order_saga_arn, name=order_id,
                            input=json.dumps(saga_input))
    except sfn.exceptions.ExecutionAlreadyExists:
        return False
    return True


def notify(message: dict[str, Any]) -> None:
    """Put a message on the notifications queue (the notifications domain consumes it)."""
    queues.send(get_settings().notifications_queue_url, message)


def refund_cancelled(order_id: str, reason: str | None) -> None:
    """A cancelled order that was paid online: payments' refund worker refunds what is left of it in full
    (once per order, whoever cancels and however often; nothing for an order without a captured payment)."""
    queues.send(get_settings().refunds_queue_url, {"kind": "order_cancelled", "order_id": order_id,
                                                   "reason": reason})


def announce_status(message: dict[str, Any]) -> None:
    """Put an order's new status on the delivery domain's queue (a PACKED order needs a partner; a delivered or
    cancelled one frees its partner and closes its tracking)."""
    queues.send(get_settings().delivery_assignment_queue_url, message)


class JobFailed(Exception):
    """Another domain's job function raised: `error_type` is its exception class name."""

    def __init__(self, function: str, error_type: str, message: str) -> None:
        self.error_type, self.message = error_type, message
        super().__init__(f"{function} failed with {error_type}: {message}")


def _run_job(function: str, event: dict[str, Any]) -> dict[str, Any]:
    reply = aws.client("lambda").invoke(FunctionName=function, Payload=json.dumps(event).encode())
    payload = json.loads(reply["Payload"].read() or b"{}")
    if reply.get("FunctionError"):
        raise JobFailed(function, str(payload.get("errorType")), str(payload.get("errorMessage")))
    return dict(payload)


def release_stock(order_id: str) -> dict[str, Any]:
    """Run products' ReleaseStock for the order (idempotent: stock comes back once however often it runs)."""
    return _run_job(get_settings().release_stock_function, {"order_id": order_id})


def load_cart(user_id: str) -> dict[str, Any]:
    """Run cart's LoadCart: `{store_id, lines}` at current prices; JobFailed named after its refusal otherwise
    (`CartEmpty`, `StoreInactive`, `ProductNotSold`, `AboveMaxPerOrder`: the saga's catch names)."""
    return _run_job(get_settings().load_cart_function, {"user_id": user_id})
