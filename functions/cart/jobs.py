"""Saga steps of the order workflow owned by the cart domain.

- `LoadCart {user_id}` → the snapshot the order will use: store, lines with current prices. Raises
  `CartEmpty` for an empty cart and `ProductsUnavailable` when the products service cannot be asked (a
  state machine retries on it), so an order is never priced from stale snapshots.
- `ClearCart {user_id, order_id}` → empties the cart once per order: a marker records that it ran, so a
  retried step never clears items the customer added after the order was placed.
"""

from __future__ import annotations

from typing import Any

from blinkit.errors import ServiceUnavailable
from blinkit.observability import logger
from cart import cache, schemas, store, upstream
from cart.store import Owner


class CartEmpty(Exception):
    """The cart has no (live) lines: there is nothing to order."""


class ProductsUnavailable(Exception):
    """The products service is down or its breaker is open; the saga may retry."""


def load_cart(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = schemas.LoadCartIn.model_validate(event)
    cart = store.load(Owner.user(request.user_id))
    if not cart.lines or cart.store_id is None:
        raise CartEmpty(f"The cart of {request.user_id} is empty")
    try:
        found = upstream.lookup(cart.store_id, [line.product_id for line in cart.lines])
    except ServiceUnavailable as exc:
        raise ProductsUnavailable(str(exc)) from exc
    lines, skipped = [], []
    for line in cart.lines:
        product = found.products.get(line.product_id)
        if product is None:
            skipped.append(line.product_id)  # no longer in the catalog: it cannot be ordered
            continue
        available = int(product["available"]) if product.get("is_active", True) else 0
        lines.append({
            "product_id": line.product_id,
            "quantity": line.quantity,
            "price": int(product["price"]),
            "mrp": int(product["mrp"]),
            "name": product["name"],
            "max_per_order": int(product["max_per_order"]),
            "available": available,
        })
    if not lines:
        raise CartEmpty(f"No product in the cart of {request.user_id} is still sold")
    return {
        "user_id": request.user_id,
        "store_id": cart.store_id,
        "lines": lines,
        "skipped": skipped,
        "item_count": sum(line["quantity"] for line in lines),
        "subtotal": sum(line["price"] * line["quantity"] for line in lines),
    }


def clear_cart(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = schemas.ClearCartIn.model_validate(event)
    owner = Owner.user(request.user_id)
    if store.was_cleared(owner, request.order_id):  # the cheap read spares a late copy the query
        return {"user_id": request.user_id, "order_id": request.order_id, "cleared": 0, "already_cleared": True}
    removed = store.clear_for_order(owner, request.order_id)
    if removed is None:
        return {"user_id": request.user_id, "order_id": request.order_id, "cleared": 0, "already_cleared": True}
    cache.invalidate(owner.pk)
    logger.info("cart cleared for order", extra={"order_id": request.order_id, "lines": removed})
    return {"user_id": request.user_id, "order_id": request.order_id, "cleared": removed, "already_cleared": False}
