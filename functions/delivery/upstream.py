"""What the delivery domain asks other domains and AWS, each client built on first use (no I/O at import).

- orders: `POST /internal/orders/{order_id}/delivery` (IAM) — assign, pickup, deliver (orders checks the OTP);
- auth: `POST /internal/users/{uid}/roles/delivery-partner` (IAM) — a new partner gets the role;
- products: public `GET /stores` — a store's name and location (cached in-process for a minute);
- SQS: the notifications queue (contract: {type, user_id, data, channels?, idempotency_key, correlation_id})
  and the assignment queue (retries with a delay).

HTTP calls go through `blinkit.upstreams` (breaker and timeouts per upstream), queue messages through
`blinkit.queues` (which adds the correlation id).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from blinkit import queues
from blinkit.errors import TYPE_PREFIX, Conflict, NotFound, Problem, ServiceUnavailable, Unprocessable
from blinkit.observability import logger
from blinkit.settings import get_settings
from blinkit.upstreams import upstream

_lock = threading.Lock()
_stores: tuple[float, dict[str, dict[str, Any]]] = (0.0, {})
STORES_TTL_SECONDS = 60.0


def forget_stores() -> None:
    """Drop the store cache (tests create stores and change URLs)."""
    global _stores
    with _lock:
        _stores = (0.0, {})


# What another domain's problem says beyond the standard fields that we pass on: a transition's allowed moves,
# and the order's status and version when orders refuses an assignment (the job follows the order with them).
PASSED_ON = frozenset({"current", "target", "allowed", "order_status", "order_version"})


def _as_problem(reply: httpx.Response, what: str) -> Problem:
    """Another domain's 4xx problem, answered as ours (same status, code and detail); anything else 503."""
    if 400 <= reply.status_code < 500:
        try:
            body = reply.json()
        except ValueError:
            body = {}
        code = str(body.get("type", "")).removeprefix(TYPE_PREFIX) or None
        extra = {k: v for k, v in body.items() if k in PASSED_ON}
        kind = {404: NotFound, 409: Conflict, 422: Unprocessable}.get(reply.status_code, Problem)
        return kind(body.get("detail") or what, status=reply.status_code, code=code, errors=body.get("errors"),
                    extra=extra)
    logger.error("upstream refused", extra={"what": what, "status": reply.status_code, "body": reply.text[:300]})
    return ServiceUnavailable(f"{what} is unavailable")


def order_action(order_id: str, action: str, partner_id: str, otp: str | None = None) -> dict[str, Any]:
    body = {"action": action, "partner_id": partner_id, **({"otp": otp} if otp is not None else {})}
    reply = upstream("orders").post(f"/internal/orders/{order_id}/delivery", json=body)
    if reply.status_code != 200:
        raise _as_problem(reply, "The orders service")
    result: dict[str, Any] = reply.json()
    return result


def grant_partner_role(uid: str) -> None:
    reply = upstream("auth").post(f"/internal/users/{uid}/roles/delivery-partner")
    if reply.status_code == 404:
        raise NotFound("No such user", code="unknown-user")
    if reply.status_code != 200:
        raise _as_problem(reply, "The auth service")


def get_store(store_id: str) -> dict[str, Any]:
    """A store's {store_id, name, lat, lng, ...} from products (cached a minute); NotFound for unknown ones."""
    global _stores
    fetched_at, stores = _stores
    if store_id not in stores or time.monotonic() - fetched_at > STORES_TTL_SECONDS:
        reply = upstream("products").get("/stores")
        if reply.status_code != 200:
            raise ServiceUnavailable("The stores could not be read")
        stores = {s["store_id"]: dict(s) for s in reply.json().get("stores", [])}
        _stores = (time.monotonic(), stores)
    if store_id not in stores:
        raise NotFound("No such store", code="unknown-store")
    return stores[store_id]


def notify(message: dict[str, Any]) -> None:
    """Put a notification on the notifications queue (the notifications domain renders and sends it)."""
    queues.send(get_settings().notifications_queue_url, message)


def retry_assignment(message: dict[str, Any], delay_seconds: int) -> None:
    queues.send(get_settings().delivery_assignment_queue_url, message, delay_seconds=delay_seconds)
