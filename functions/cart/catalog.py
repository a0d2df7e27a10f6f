"""The products-service adapter: batch lookups through the shared service client, and snapshots.

`POST /internal/products/batch` gives details, price and stock of up to 100 products at one store. Every
successful answer refreshes the per-store snapshots in Redis (`cart.cache`), which are what GET /cart
falls back to when the service is down or the breaker is open (`lookup(..., allow_degraded=True)`).
Everything else lets the client's `ServiceUnavailable` (503 with Retry-After) escape.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from blinkit.breaker import CircuitBreaker
from blinkit.endpoints import products_service_url
from blinkit.errors import NotFound, ServiceUnavailable
from blinkit.observability import logger
from blinkit.service_client import ServiceClient
from blinkit.settings import get_settings
from cart import cache

BATCH_PATH = "/internal/products/batch"
BATCH_LIMIT = 100

_client: ServiceClient | None = None
_lock = threading.Lock()


def client() -> ServiceClient:
    """One client (and breaker) per process, built on first use: no network or SSM call at import."""
    global _client
    with _lock:
        if _client is None:
            s = get_settings()
            breaker = CircuitBreaker(
                "products",
                failure_threshold=s.products_breaker_failures,
                window_seconds=s.products_breaker_window_seconds,
                cooldown_seconds=s.products_breaker_cooldown_seconds,
            )
            # /internal/products/batch is IAM-authorized in AWS: every call is SigV4-signed.
            _client = ServiceClient("products", products_service_url(), timeout_seconds=s.products_timeout_seconds,
                                    retries=2, breaker=breaker, sign_iam=True)
        return _client


def reset_client() -> None:
    """Forget the client (tests change the products URL and breaker settings)."""
    global _client
    with _lock:
        _client = None


@dataclass
class Lookup:
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    degraded: bool = False


def lookup(store_id: str, product_ids: list[str], *, allow_degraded: bool = False) -> Lookup:
    """Live details of `product_ids` at `store_id`.

    Unknown store: NotFound. Products down or breaker open: with `allow_degraded`, the snapshots (products
    without one are simply absent, never "unknown"); otherwise the client's ServiceUnavailable.
    """
    ids = list(dict.fromkeys(product_ids))
    result = Lookup()
    if not ids:
        return result
    try:
        for start in range(0, len(ids), BATCH_LIMIT):
            chunk = ids[start:start + BATCH_LIMIT]
            reply = client().post(BATCH_PATH, json={"store_id": store_id, "product_ids": chunk})
            if reply.status_code == 404:
                raise NotFound("No such store", code="unknown-store")
            if reply.status_code != 200:
                # A 4xx is our bug (we validate ids first); say so in the logs, answer as unavailable.
                logger.error("products batch refused", extra={"status": reply.status_code,
                                                               "body": reply.text[:500]})
                raise ServiceUnavailable("The products service refused the lookup")
            body = reply.json()
            for product in body.get("products", []):
                result.products[product["product_id"]] = product
            result.unknown.update(body.get("unknown", []))
    except ServiceUnavailable:
        if not allow_degraded:
            raise
        return Lookup(products=cache.get_snapshots(store_id, ids), degraded=True)
    cache.put_snapshots(store_id, list(result.products.values()))
    return result
