"""Distances and delivery time estimates (pure)."""

from __future__ import annotations

import math

from blinkit.geo import haversine_km  # the one great-circle distance, shared with delivery

__all__ = ["eta_minutes", "haversine_km"]

ROAD_FACTOR = 1.3  # roads are longer than the straight line
RIDER_SPEED_KMH = 15.0
PICK_AND_PACK_MINUTES = 2
ASSIGNMENT_MINUTES = 2
ETA_SPREAD_MINUTES = 5


def eta_minutes(distance_km: float) -> dict[str, int]:
    """Pick and pack + rider assignment + travel (straight line times road factor at rider speed), rounded up."""
    travel = distance_km * ROAD_FACTOR / RIDER_SPEED_KMH * 60
    low = math.ceil(PICK_AND_PACK_MINUTES + ASSIGNMENT_MINUTES + travel - 1e-9)
    return {"min": low, "max": low + ETA_SPREAD_MINUTES}
