"""What the cart asks the products domain: batch lookups through `blinkit.upstreams`, and its snapshots.

`POST /internal/products/batch` gives details, price and stock of up to 100 products at one store. The
catalog snapshots in Redis (`blinkit.snapshots`), which products refreshes on every catalog, stock and store
write, answer the common add without a call (`snapshot`); every successful batch answer fills those that
are missing, and GET /cart falls back to them when the service is down or the breaker is open
(`lookup(..., allow_degraded=True)`). Everything else lets the client's `ServiceUnavailable` (503 with
Retry-After) escape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from blinkit import snapshots
from blinkit.errors import NotFound, ServiceUnavailable
from blinkit.observability import logger
from blinkit.upstreams import upstream

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
        found = snapshots.read(store_id, ids, with_store=False)
        return Lookup(products={pid: p for pid in ids if (p := found.product(pid)) is not None}, degraded=True)
    snapshots.fill(store_id, result.store_active, result.products.values())
    return result


def snapshot(store_id: str, product_id: str, *,
             also: Callable[[Any], None] | None = None) -> tuple[dict[str, Any] | None, list[Any]]:
    """The product as the batch would answer it, from the snapshots (one Redis round trip), when they hold it,
    its stock at the store, and the store taking orders; None otherwise (ask `lookup`). Second, the replies to
    the caller's `also` reads, sent in the same round trip ([] when Redis failed)."""
    found = snapshots.read(store_id, [product_id], also=also)
    product = found.product(product_id)
    if found.store_active is not True or product is None or not product.get("is_active"):
        return None, found.also
    return product, found.also
