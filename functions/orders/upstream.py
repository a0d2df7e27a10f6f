"""What the orders domain asks other domains and AWS services, each built on first use (no I/O at import).

- auth: `GET /internal/users/{uid}/addresses/{address_id}` (IAM) — the address snapshot taken at checkout;
- products: public `GET /stores` — a store's location, radius, timezone and fees, for pricing;
- products' `ReleaseStockFunction` (lambda:InvokeFunction on that one function) — the stock compensation of
  a cancel, the same command the saga runs; it is idempotent per order, so stock comes back exactly once;
- cart's `LoadCartFunction` (likewise) — the cart snapshot a quote is priced from, as the saga's first step;
- Step Functions (start the saga) and SQS (the notifications queue; the delivery assignment queue when an
  order becomes PACKED, or its partner must be released by a cancel).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from blinkit.breaker import CircuitBreaker
from blinkit.context import request_id_var
from blinkit.endpoints import auth_service_url, products_service_url
from blinkit.errors import NotFound, ServiceUnavailable, Unprocessable
from blinkit.observability import logger
from blinkit.service_client import ServiceClient
from blinkit.settings import get_settings

_lock = threading.Lock()
_clients: dict[str, Any] = {}


def _cached(name: str, build: Any) -> Any:
    with _lock:
        if name not in _clients:
            _clients[name] = build()
        return _clients[name]


def reset_clients() -> None:
    """Forget every client (tests change URLs and settings)."""
    with _lock:
        _clients.clear()


def _service(name: str, url: str, *, sign_iam: bool) -> ServiceClient:
    s = get_settings()
    breaker = CircuitBreaker(name, failure_threshold=s.products_breaker_failures,
                             window_seconds=s.products_breaker_window_seconds,
                             cooldown_seconds=s.products_breaker_cooldown_seconds)
    return ServiceClient(name, url, timeout_seconds=s.products_timeout_seconds, retries=2, breaker=breaker,
                         sign_iam=sign_iam)


def get_address(uid: str, address_id: str) -> dict[str, Any]:
    client = _cached("auth", lambda: _service("auth", auth_service_url(), sign_iam=True))
    reply = client.get(f"/internal/users/{uid}/addresses/{address_id}")
    if reply.status_code == 404:
        raise Unprocessable("No saved address with this id", code="unknown-address",
                            errors=[{"field": "address_id", "message": "No saved address with this id",
                                     "code": "unknown-address"}])
    if reply.status_code != 200:
        logger.error("address lookup refused", extra={"status": reply.status_code, "body": reply.text[:300]})
        raise ServiceUnavailable("The address could not be read")
    address: dict[str, Any] = reply.json()
    return address


def get_store(store_id: str) -> dict[str, Any]:
    client = _cached("products", lambda: _service("products", products_service_url(), sign_iam=False))
    reply = client.get("/stores")
    if reply.status_code != 200:
        raise ServiceUnavailable("The stores could not be read")
    for found in reply.json().get("stores", []):
        if found["store_id"] == store_id:
            return dict(found)
    raise NotFound("No such store (or it is closed for good)", code="unknown-store")


def _boto(service: str) -> Any:
    import boto3

    return _cached(f"boto3:{service}", lambda: boto3.client(service, region_name=get_settings().aws_region))


def start_saga(order_id: str, saga_input: dict[str, Any]) -> bool:
    """Start the order saga named by the order id; False if an execution of that name already exists."""
    sfn = _boto("stepfunctions")
    try:
        sfn.start_execution(stateMachineArn=get_settings().order_saga_arn, name=order_id,
                            input=json.dumps(saga_input))
    except sfn.exceptions.ExecutionAlreadyExists:
        return False
    return True


def notify(message: dict[str, Any]) -> None:
    """Put a message on the notifications queue (the notifications domain consumes it)."""
    correlation = message.get("correlation_id") or request_id_var.get() or ""
    _boto("sqs").send_message(
        QueueUrl=get_settings().notifications_queue_url,
        MessageBody=json.dumps({**message, "correlation_id": correlation}),
        MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": correlation or "-"}},
    )


def request_assignment(message: dict[str, Any]) -> None:
    """Put a message on the delivery domain's assignment queue (a PACKED order needs a partner; or release one)."""
    correlation = message.get("correlation_id") or request_id_var.get() or ""
    _boto("sqs").send_message(
        QueueUrl=get_settings().delivery_assignment_queue_url,
        MessageBody=json.dumps({**message, "correlation_id": correlation}),
        MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": correlation or "-"}},
    )


class JobFailed(Exception):
    """Another domain's job function raised: `error_type` is its exception class name."""

    def __init__(self, function: str, error_type: str, message: str) -> None:
        self.error_type, self.message = error_type, message
        super().__init__(f"{function} failed with {error_type}: {message}")


def _run_job(function: str, event: dict[str, Any]) -> dict[str, Any]:
    reply = _boto("lambda").invoke(FunctionName=function, Payload=json.dumps(event).encode())
    payload = json.loads(reply["Payload"].read() or b"{}")
    if reply.get("FunctionError"):
        raise JobFailed(function, str(payload.get("errorType")), str(payload.get("errorMessage")))
    return dict(payload)


def release_stock(order_id: str) -> dict[str, Any]:
    """Run products' ReleaseStock for the order (idempotent: stock comes back once however often it runs)."""
    return _run_job(get_settings().release_stock_function, {"order_id": order_id})


def load_cart(user_id: str) -> dict[str, Any]:
    """Run cart's LoadCart: `{store_id, lines}` at current prices; JobFailed(CartEmpty) for an empty cart."""
    return _run_job(get_settings().load_cart_function, {"user_id": user_id})
