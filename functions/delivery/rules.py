"""Delivery rules with no I/O: distances, ETAs, who is nearest, when to tell the customer, retry backoff."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from blinkit.eta import minutes_to_door
from blinkit.geo import haversine_km

NEARBY_METERS = 200
ETA_CHANGE_MINUTES = 2  # "ETA changed" only for a move of at least this much...
ETA_NOTIFY_INTERVAL_SECONDS = 120  # ...and at most once in this long
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 60  # under SQS's 900 s DelaySeconds cap
MAX_SPEED_KMPH = 150.0
FUTURE_SKEW_SECONDS = 30  # a phone clock slightly ahead is tolerated, more is a bad request


def eta_minutes(lat: float, lng: float, *, drop: Mapping[str, float], store: Mapping[str, float] | None = None
                ) -> int:
    """Minutes to the door from (lat, lng), via the store first when the order is not picked up yet: the
    order's ETA rule (`blinkit.eta`) from the rider's position, so a rider at the store before pickup is
    told the order's `eta.min` less pick-and-pack and assignment."""
    if store is not None:
        # Store to door measured as the order measured it (same argument order: the same float).
        km = haversine_km(lat, lng, store["lat"], store["lng"]) + haversine_km(store["lat"], store["lng"],
                                                                               drop["lat"], drop["lng"])
    else:
        km = haversine_km(lat, lng, drop["lat"], drop["lng"])
    return minutes_to_door(km)


def distance_m(lat: float, lng: float, lat2: float, lng2: float) -> float:
    return haversine_km(lat, lng, lat2, lng2) * 1000


def is_nearby(meters: float) -> bool:
    return meters <= NEARBY_METERS


def eta_changed_enough(new: int, previous: int | None, previous_at: float | None, now: float) -> bool:
    """Tell the customer when the ETA moved by ≥ 2 minutes and the last notice is ≥ 120 s old."""
    if previous is None:
        return False  # no baseline yet: this update sets it
    if abs(new - previous) < ETA_CHANGE_MINUTES:
        return False
    return previous_at is None or now - previous_at >= ETA_NOTIFY_INTERVAL_SECONDS


def nearest_first(partners: Iterable[Any], lat: float, lng: float) -> list[Any]:
    """Partners by distance of their last location to (lat, lng); those never located come last."""
    def key(p: Any) -> tuple[int, float]:
        if p.lat is None or p.lng is None:
            return (1, 0.0)
        return (0, haversine_km(float(p.lat), float(p.lng), lat, lng))
    return sorted(partners, key=key)


def backoff_seconds(attempt: int) -> int:
    """5, 10, 20, 40, 60, 60, ... seconds before assignment attempt `attempt + 1`."""
    return int(min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt)))


def mask_phone(phone: str | None) -> str | None:
    """+919000000004 → +91******0004: enough to recognise, not to call from a screenshot."""
    if not phone:
        return None
    keep_head = 3 if phone.startswith("+") else 0
    return phone[:keep_head] + "*" * max(0, len(phone) - keep_head - 4) + phone[-4:]
