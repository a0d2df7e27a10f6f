"""What the cart asks the products domain: batch lookups through `blinkit.upstreams`, and snapshots.

`POST /internal/products/batch` gives details, price and stock of up to 100 products at one store. Every
successful answer refreshes the per-store snapshots in Redis (`cart.cache`), which are what GET /cart
falls back to when the service is down or the breaker is open (`lookup(..., allow_degraded=True)`).
Everything else lets the client's `ServiceUnavailable` (503 with Retry-After) escape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blinkit.errors import NotFound, ServiceUnavailable
from blinkit.observability import logger
from blinkit.upstreams import upstream
from cart import cache

BATCH_PATH = "/internal/products/batch"
BATCH_LIMIT = 100


@dataclass
class Lookup:
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    degraded: bool = False
    store_active: bool | None = None  # None: not asked (no ids, or degraded)


def lookup(store_id: str, product_ids: list[str], *, allow_degraded: bool = False) -> Lookup:
    """Live details of `product_ids` at `store_id`, and whether the store is active.

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
            reply = upstream("products").post(BATCH_PATH, json={"store_id": store_id, "product_ids": chunk})
            if reply.status_code == 404:
                raise NotFound("No such store", code="unknown-store")
            if reply.status_code != 200:
                # A 4xx is our bug (we validate ids first); say so in the logs, answer as unavailable.
                logger.error("products batch refused", extra={"status": reply.status_code,
                                                               "body": reply.text[:500]})
                raise ServiceUnavailable("The products service refused the lookup")
            body = reply.json()
            result.store_active = bool(body.get("store_is_active", True))  # absent: a products older than the field
            for product in body.get("products", []):
                result.products[product["product_id"]] = product
            result.unknown.update(body.get("unknown", []))
    except ServiceUnavailable:
        if not allow_degraded:
            raise
        return Lookup(products=cache.get_snapshots(store_id, ids), degraded=True)
    cache.put_snapshots(store_id, list(result.products.values()))
    return result
