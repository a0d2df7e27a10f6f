"""Pricing a cart for an address at a store: the quote and the saga's PriceOrder price the same way.

Pure apart from the clock (the store's local time decides the late-night fee). It lives apart from
`jobs.py` so that `service.py` (the quote) and `jobs.py` (the saga step) both use it without importing
each other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orders import bill


def serviceable(shop: dict[str, Any], address: dict[str, Any]) -> bool:
    distance = bill.distance_km(shop["lat"], shop["lng"], address["lat"], address["lng"])
    return bool(shop.get("is_active", True)) and distance <= float(shop["radius_km"])


def price(shop: dict[str, Any], address: dict[str, Any], cart_lines: list[dict[str, Any]], tip: int
          ) -> dict[str, Any]:
    """The bill (`bill.price_order` at the store's local time) and the ETA of these lines from this store."""
    lines = [{k: line[k] for k in ("product_id", "name", "quantity", "price", "mrp")} for line in cart_lines]
    local_time = bill.store_local_time(datetime.now(UTC), shop.get("timezone") or "Asia/Kolkata")
    priced = bill.price_order(lines, bill.StoreFees.from_store(shop.get("fees")), tip=tip, local_time=local_time)
    eta = bill.estimate_eta(shop["lat"], shop["lng"], address["lat"], address["lng"], len(lines))
    return {"store_id": shop["store_id"], **priced.to_dict(), "eta": eta}
