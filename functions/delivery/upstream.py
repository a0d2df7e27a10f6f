"""What the delivery domain asks other domains and AWS, each client built on first use (no I/O at import).

- orders: `POST /internal/orders/{order_id}/delivery` (IAM) — assign, pickup, deliver (orders checks the OTP);
- auth: `POST /internal/users/{uid}/roles/delivery-partner` (IAM) — a new partner gets the role;
- products: public `GET /stores` — a store's name and location (cached in-process for a minute);
- SQS: the notifications queue (contract: {type, user_id, data, channels?, idempotency_key, correlation_id})
  and the assignment queue (retries with a delay).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from blinkit.breaker import CircuitBreaker
from blinkit.context import request_id_var
from blinkit.endpoints import auth_service_url, orders_service_url, products_service_url
from blinkit.errors import TYPE_PREFIX, Conflict, NotFound, Problem, ServiceUnavailable, Unprocessable
from blinkit.observability import logger
from blinkit.service_client import ServiceClient
from blinkit.settings import get_settings

_lock = threading.Lock()
_clients: dict[str, Any] = {}
_stores: tuple[float, dict[str, dict[str, Any]]] = (0.0, {})
STORES_TTL_SECONDS = 60.0


def _cached(name: str, build: Any) -> Any:
    with _lock:
        if name not in _clients:
            _clients[name] = build()
        return _clients[name]


def reset_clients() -> None:
    """Forget every client and the store cache (tests change URLs and settings)."""
    global _stores
    with _lock:
        _clients.clear()
        _stores = (0.0, {})


def _service(name: str, url: str, *, sign_iam: bool) -> ServiceClient:
    s = get_settings()
    breaker = CircuitBreaker(name, failure_threshold=s.products_breaker_failures,
                             window_seconds=s.products_breaker_window_seconds,
                             cooldown_seconds=s.products_breaker_cooldown_seconds)
    return ServiceClient(name, url, timeout_seconds=s.products_timeout_seconds, retries=2, breaker=breaker,
                         sign_iam=sign_iam)


def _as_problem(reply: httpx.Response, what: str) -> Problem:
    """Another domain's 4xx problem, answered as ours (same status, code and detail); anything else 503."""
    if 400 <= reply.status_code < 500:
        try:
            body = reply.json()
        except ValueError:
            body = {}
        code = str(body.get("type", "")).removeprefix(TYPE_PREFIX) or None
        extra = {k: v for k, v in body.items() if k in ("current", "target", "allowed")}
        kind = {404: NotFound, 409: Conflict, 422: Unprocessable}.get(reply.status_code, Problem)
        return kind(body.get("detail") or what, status=reply.status_code, code=code, errors=body.get("errors"),
                    extra=extra)
    logger.error("upstream refused", extra={"what": what, "status": reply.status_code, "body": reply.text[:300]})
    return ServiceUnavailable(f"{what} is unavailable")


def order_action(order_id: str, action: str, partner_id: str, otp: str | None = None) -> dict[str, Any]:
    client = _cached("orders", lambda: _service("orders", orders_service_url(), sign_iam=True))
    body = {"action": action, "partner_id": partner_id, **({"otp": otp} if otp is not None else {})}
    reply = client.post(f"/internal/orders/{order_id}/delivery", json=body)
    if reply.status_code != 200:
        raise _as_problem(reply, "The orders service")
    result: dict[str, Any] = reply.json()
    return result


def grant_partner_role(uid: str) -> None:
    client = _cached("auth", lambda: _service("auth", auth_service_url(), sign_iam=True))
    reply = client.post(f"/internal/users/{uid}/roles/delivery-partner")
    if reply.status_code == 404:
        raise NotFound("No such user", code="unknown-user")
    if reply.status_code != 200:
        raise _as_problem(reply, "The auth service")


def get_store(store_id: str) -> dict[str, Any]:
    """A store's {store_id, name, lat, lng, ...} from products (cached a minute); NotFound for unknown ones."""
    global _stores
    fetched_at, stores = _stores
    if store_id not in stores or time.monotonic() - fetched_at > STORES_TTL_SECONDS:
        client = _cached("products", lambda: _service("products", products_service_url(), sign_iam=False))
        reply = client.get("/stores")
        if reply.status_code != 200:
            raise ServiceUnavailable("The stores could not be read")
        stores = {s["store_id"]: dict(s) for s in reply.json().get("stores", [])}
        _stores = (time.monotonic(), stores)
    if store_id not in stores:
        raise NotFound("No such store", code="unknown-store")
    return stores[store_id]


def _boto(service: str) -> Any:
    import boto3

    return _cached(f"boto3:{service}", lambda: boto3.client(service, region_name=get_settings().aws_region))


def _send(queue_url: str, message: dict[str, Any], delay_seconds: int = 0) -> None:
    correlation = message.get("correlation_id") or request_id_var.get() or ""
    _boto("sqs").send_message(
        QueueUrl=queue_url, MessageBody=json.dumps({**message, "correlation_id": correlation}),
        DelaySeconds=delay_seconds,
        MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": correlation or "-"}},
    )


def notify(message: dict[str, Any]) -> None:
    """Put a notification on the notifications queue (the notifications domain renders and sends it)."""
    _send(get_settings().notifications_queue_url, message)


def retry_assignment(message: dict[str, Any], delay_seconds: int) -> None:
    _send(get_settings().delivery_assignment_queue_url, message, delay_seconds)
