"""Can a cart line be ordered as it stands? One rule for the view's warnings, LoadCart, the quote and the saga.

A line was checked when it was added, but the catalog moves on: a product can be deactivated or have its
`max_per_order` lowered while it sits in a cart. The order must then be refused, never trimmed: a customer
is never charged for something other than what they saw. An unavailable product is named first (the line
must go); a quantity above the limit second (the line must shrink). Stock is not checked here: ReserveStock
is the one place that knows it for certain (`OUT_OF_STOCK`).
"""

from __future__ import annotations

from typing import Any

UNAVAILABLE = "unavailable"
ABOVE_MAX_PER_ORDER = "above_max_per_order"
ORDER = (UNAVAILABLE, ABOVE_MAX_PER_ORDER)  # which refusal is reported when a cart has both


def line_refusal(product: dict[str, Any] | None, quantity: int) -> str | None:
    """Why `quantity` of `product` (its batch answer; None: not in the catalog) cannot be ordered, or None."""
    if product is None or not product.get("is_active", True):
        return UNAVAILABLE
    if quantity > int(product["max_per_order"]):
        return ABOVE_MAX_PER_ORDER
    return None


def allowed(product: dict[str, Any] | None) -> int:
    """The most of `product` one order may hold (0 when it is not sold)."""
    if product is None or not product.get("is_active", True):
        return 0
    return int(product["max_per_order"])


Refusal = tuple[str, list[dict[str, Any]]]  # (reason, its lines)


def refused_lines(quantities: dict[str, int], products: dict[str, dict[str, Any]]) -> Refusal | None:
    """The first refusal of the cart (`ORDER`) and its lines `{product_id, name, requested, allowed}`, or None.

    `quantities` maps the cart's product ids to their quantities (in the cart's order); `products` the batch
    answer by product id.
    """
    refused: dict[str, list[dict[str, Any]]] = {}
    for product_id, quantity in quantities.items():
        product = products.get(product_id)
        reason = line_refusal(product, quantity)
        if reason is not None:
            refused.setdefault(reason, []).append({
                "product_id": product_id, "name": product.get("name") if product else None,
                "requested": quantity, "allowed": allowed(product)})
    for reason in ORDER:
        if reason in refused:
            return reason, refused[reason]
    return None
