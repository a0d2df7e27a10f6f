"""Saga steps of the order workflow owned by the cart domain.

- `LoadCart {user_id}` → the snapshot the order will use: store, lines with current prices (and each line's
  category, which a coupon's scope may name). Raises
  `CartEmpty` for an empty cart and `ProductsUnavailable` when the products service cannot be asked (a
  state machine retries on it), so an order is never priced from stale snapshots. It refuses a cart that
  cannot be ordered as it stands, the lines staying in the cart for the customer to fix: `StoreInactive`
  (the store was switched off), `ProductNotSold` (a product deactivated since it was added) and
  `AboveMaxPerOrder` (a quantity above a `max_per_order` lowered since), their messages JSON with the
  store and the lines concerned (`cart.rules`). The quote runs this same job, so it refuses the same carts.
- `ClearCart {user_id, order_id}` → empties the cart once per order: a marker records that it ran, so a
  retried step never clears items the customer added after the order was placed.
"""

from __future__ import annotations

import json
from typing import Any

from blinkit.errors import ServiceUnavailable
from blinkit.observability import logger
from cart import cache, rules, schemas, store, upstream
from cart.store import Owner


class CartEmpty(Exception):
    """The cart has no lines: there is nothing to order."""


class ProductsUnavailable(Exception):
    """The products service is down or its breaker is open; the saga may retry."""


# The saga catches these by class name and orders' MarkOrderFailed maps the name to a reason code; their
# message is JSON, which becomes the order's `reason_detail`.


class StoreInactive(Exception):
    """The cart's store takes no orders (switched off since the cart was filled)."""

    def __init__(self, store_id: str) -> None:
        super().__init__(json.dumps({"store_id": store_id}))


class CartLinesRefused(Exception):
    """Lines of the cart cannot be ordered as they stand; nothing is trimmed."""

    def __init__(self, store_id: str, items: list[dict[str, Any]]) -> None:
        self.items = items
        super().__init__(json.dumps({"store_id": store_id, "items": items}))


class ProductNotSold(CartLinesRefused):
    """A product of the cart was deactivated (or is gone from the catalog): `PRODUCT_UNAVAILABLE`."""


class AboveMaxPerOrder(CartLinesRefused):
    """A line holds more than its product's `max_per_order`, lowered since it was added."""


REFUSALS: dict[str, type[CartLinesRefused]] = {rules.UNAVAILABLE: ProductNotSold,
                                               rules.ABOVE_MAX_PER_ORDER: AboveMaxPerOrder}


def load_cart(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = schemas.LoadCartIn.model_validate(event)
    cart = store.load(Owner.user(request.user_id))
    if not cart.lines or cart.store_id is None:
        raise CartEmpty(f"The cart of {request.user_id} is empty")
    try:
        found = upstream.lookup(cart.store_id, [line.product_id for line in cart.lines])
    except ServiceUnavailable as exc:
        raise ProductsUnavailable(str(exc)) from exc
    if found.store_active is False:
        raise StoreInactive(cart.store_id)
    refused = rules.refused_lines({line.product_id: line.quantity for line in cart.lines}, found.products)
    if refused is not None:
        reason, items = refused
        raise REFUSALS[reason](cart.store_id, items)
    lines = []
    for line in cart.lines:
        product = found.products[line.product_id]  # every line's product is known and sold (refused above)
        lines.append({
            "product_id": line.product_id,
            "category_id": product.get("category_id"),  # a coupon may be scoped to categories
            "quantity": line.quantity,
            "price": int(product["price"]),
            "mrp": int(product["mrp"]),
            "name": product["name"],
            "max_per_order": int(product["max_per_order"]),
            "available": int(product["available"]),
        })
    return {
        "user_id": request.user_id,
        "store_id": cart.store_id,
        "lines": lines,
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
    cache.invalidate(owner.pk, all_lines=[])  # emptied: the next add (a new line) goes straight to its transaction
    logger.info("cart cleared for order", extra={"order_id": request.order_id, "lines": removed})
    return {"user_id": request.user_id, "order_id": request.order_id, "cleared": removed, "already_cleared": False}
