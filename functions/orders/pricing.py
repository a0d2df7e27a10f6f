"""Pricing a cart for an address at a store: the quote and the saga's PriceOrder price the same way.

Pure apart from the clock (the store's local time decides the late-night fee). It lives apart from
`jobs.py` so that `service.py` (the quote) and `jobs.py` (the saga step) both use it without importing
each other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from blinkit.eta import order_eta
from blinkit.geo import haversine_km
from orders import bill
from orders.coupons import Coupon


def distance_km(shop: dict[str, Any], address: dict[str, Any]) -> float:
    """Store to door in a straight line, measured as serviceability measures it (the ETAs must agree)."""
    return haversine_km(shop["lat"], shop["lng"], address["lat"], address["lng"])


def serviceable(shop: dict[str, Any], address: dict[str, Any]) -> bool:
    return bool(shop.get("is_active", True)) and distance_km(shop, address) <= float(shop["radius_km"])


def price(shop: dict[str, Any], address: dict[str, Any], cart_lines: list[dict[str, Any]], tip: int,
          coupon: Coupon | None = None) -> dict[str, Any]:
    """The bill (`bill.price_order` at the store's local time) and the ETA from this store to this address
    (`blinkit.eta`: distance only, so the quote, the order and serviceability show one ETA). `coupon` has passed
    `coupons.check` (`redemptions.checked`); the bill adds its discount line."""
    lines = [{k: line.get(k) for k in ("product_id", "category_id", "name", "quantity", "price", "mrp")}
             for line in cart_lines]
    local_time = bill.store_local_time(datetime.now(UTC), shop.get("timezone") or "Asia/Kolkata")
    priced = bill.price_order(lines, bill.StoreFees.from_store(shop.get("fees")), tip=tip, local_time=local_time,
                             coupon=coupon)
    return {"store_id": shop["store_id"], **priced.to_dict(), "eta": order_eta(distance_km(shop, address))}
