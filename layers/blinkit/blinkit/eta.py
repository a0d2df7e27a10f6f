"""Delivery time estimates (pure): the one ETA rule of serviceability, the quote, the order and tracking.

An order's ETA depends on the store-to-door distance only, so a customer sees one number for one store
and address wherever they look: `GET /stores/serviceable` (before there is a cart), `POST /orders/quote`,
`GET /orders/{id}` and, once a rider moves, tracking, which counts the same travel and handover from the
rider's position.

    order:    min = pick_and_pack + assignment + ceil(travel(km) + handover),  max = min + 5
    tracking:       ceil(travel(km from the rider to the door, via the store before pickup) + handover)
    travel(km) = km * road_factor / speed * 60 minutes

The fixed parts are whole minutes, so the order's `min` equals ceil(pick_and_pack + assignment + travel +
handover), and a rider standing at the store before pickup is told exactly `min - pick_and_pack -
assignment`. The sum is rounded to 1e-9 before ceil(): 2.6923 km is 14 minutes of travel in exact
arithmetic but 14.000000000000002 in floats, which ceil() would turn into a whole extra minute.
"""

from __future__ import annotations

import math

ROAD_FACTOR = 1.3  # roads are longer than the straight line
RIDER_SPEED_KMH = 15.0  # average city speed of a two-wheeler, stops included
PICK_AND_PACK_MINUTES = 2
ASSIGNMENT_MINUTES = 2
HANDOVER_MINUTES = 1  # parking, stairs, the doorstep
WINDOW_MINUTES = 5  # the quoted window is {min, min + 5}


def travel_minutes(km: float) -> float:
    """Riding time for a straight-line distance: the road is `ROAD_FACTOR` longer, ridden at `RIDER_SPEED_KMH`."""
    if not km >= 0:  # also refuses NaN: a distance is never negative
        raise ValueError(f"a distance must be a non-negative number of km, not {km!r}")
    return km * ROAD_FACTOR / RIDER_SPEED_KMH * 60


def minutes_to_door(km: float) -> int:
    """Whole minutes from a rider `km` (straight line, along their route) from the door, handover included."""
    return math.ceil(round(travel_minutes(km) + HANDOVER_MINUTES, 9))


def order_eta(km: float) -> dict[str, int]:
    """`{"min", "max"}` minutes for an order whose store is `km` (straight line) from the door."""
    low = PICK_AND_PACK_MINUTES + ASSIGNMENT_MINUTES + minutes_to_door(km)
    return {"min": low, "max": low + WINDOW_MINUTES}
