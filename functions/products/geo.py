"""Distances and delivery time estimates (pure)."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088
ROAD_FACTOR = 1.3  # roads are longer than the straight line
RIDER_SPEED_KMH = 15.0
PICK_AND_PACK_MINUTES = 2
ASSIGNMENT_MINUTES = 2
ETA_SPREAD_MINUTES = 5


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance between two points, in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def eta_minutes(distance_km: float) -> dict[str, int]:
    """Pick and pack + rider assignment + travel (straight line times road factor at rider speed), rounded up."""
    travel = distance_km * ROAD_FACTOR / RIDER_SPEED_KMH * 60
    low = math.ceil(PICK_AND_PACK_MINUTES + ASSIGNMENT_MINUTES + travel - 1e-9)
    return {"min": low, "max": low + ETA_SPREAD_MINUTES}
