"""Pricing a cart for an address at a store: the quote and the saga's PriceOrder price the same way.

Pure apart from the clock: it reads the instant once (`blinkit.clock.now`) and hands it to the bill, where it
decides the late-night fee (in the store's local time) and whether the store's surge still lasts. It lives apart from
`jobs.py` so that `service.py` (the quote) and `jobs.py` (the saga step) both use it without importing
each other.
"""

from __future__ import annotations

from typing import Any

from blinkit import clock
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
    """The bill (`bill.price_order` now: the store's local time, its fees and its surge if it lasts now) and the
    ETA from this store to this address (`blinkit.eta`: distance only, so the quote, the order and
    serviceability show one ETA). `coupon` has passed `coupons.check` (`redemptions.checked`); the bill adds its
    discount line."""
    lines = [{k: line.get(k) for k in ("product_id", "category_id", "name", "quantity", "price", "mrp")}
             for line in cart_lines]
    now = clock.now()
    local_time = bill.store_local_time(now, shop.get("timezone") or "Asia/Kolkata")
    priced = bill.price_order(lines, bill.StoreFees.from_store(shop.get("fees")), tip=tip, local_time=local_time,
                              now=now, surge=shop.get("surge"), coupon=coupon)
    return {"store_id": shop["store_id"], **priced.to_dict(), "eta": order_eta(distance_km(shop, address))}
