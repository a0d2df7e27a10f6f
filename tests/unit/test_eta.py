"""The one ETA rule (blinkit.eta) and the one distance it is measured with (blinkit.geo).

Numbers that moved when the three ETA formulas became one (the lead's decision, docs/decisions.md):
2 km from Koramangala was 15-20 minutes for 0-5 cart lines and 16 or 20 for 6 or 50 lines (orders' per-line
packing); it is now 16 whatever the cart. Serviceability had no handover minute (0 km was 4), tracking rode
at 18 km/h."""

from __future__ import annotations

import math
import random

import pytest

from blinkit import eta
from blinkit.eta import minutes_to_door, order_eta, travel_minutes
from blinkit.geo import EARTH_RADIUS_KM, haversine_km

KORAMANGALA = (12.9352, 77.6245)
INDIRANAGAR = (12.9719, 77.6412)


# Distance -------------------------------------------------------------------------------------------------


def test_distance_due_north_is_the_arc_length():
    # Along a meridian haversine reduces to R * Δφ: 0.018° north of Koramangala is 2.0015 km.
    lat, lng = KORAMANGALA
    assert EARTH_RADIUS_KM == 6371.0088  # the mean Earth radius (IUGG); orders used 6371.0 until now
    assert haversine_km(lat, lng, lat + 0.018, lng) == pytest.approx(6371.0088 * math.radians(0.018), abs=1e-9)
    assert haversine_km(lat, lng, lat + 0.018, lng) == pytest.approx(2.0015, abs=1e-4)


def test_distance_matches_the_spherical_law_of_cosines_and_is_symmetric():
    (lat1, lng1), (lat2, lng2) = KORAMANGALA, INDIRANAGAR
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lng2 - lng1)
    expected = 6371.0088 * math.acos(math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl))
    assert haversine_km(lat1, lng1, lat2, lng2) == pytest.approx(expected, abs=1e-6)
    assert haversine_km(lat1, lng1, lat2, lng2) == pytest.approx(haversine_km(lat2, lng2, lat1, lng1))
    assert haversine_km(lat1, lng1, lat1, lng1) == 0


# The rule -------------------------------------------------------------------------------------------------


def test_the_constants_are_the_decision_and_whole_minutes():
    assert (eta.RIDER_SPEED_KMH, eta.ROAD_FACTOR, eta.WINDOW_MINUTES) == (15.0, 1.3, 5)
    assert (eta.PICK_AND_PACK_MINUTES, eta.ASSIGNMENT_MINUTES, eta.HANDOVER_MINUTES) == (2, 2, 1)
    # Whole minutes are what make tracking at the store equal the order's ETA less the fixed parts.
    assert all(type(v) is int for v in (eta.PICK_AND_PACK_MINUTES, eta.ASSIGNMENT_MINUTES, eta.HANDOVER_MINUTES))


def test_zero_distance_is_the_fixed_minutes_only():
    assert travel_minutes(0) == 0
    assert minutes_to_door(0) == 1  # at the door: the handover
    assert order_eta(0) == {"min": 5, "max": 10}  # 2 pick and pack + 2 assignment + 1 handover


def test_two_km_from_koramangala():
    lat, lng = KORAMANGALA
    km = haversine_km(lat, lng, lat + 0.018, lng)
    travel = km * 1.3 / 15 * 60
    assert travel == pytest.approx(10.4079, abs=1e-4)
    assert math.ceil(2 + 2 + travel + 1) == 16  # the formula, written out independently
    assert order_eta(km) == {"min": 16, "max": 21}
    assert minutes_to_door(km) == 12


@pytest.mark.parametrize(("km", "door", "order_min"), [
    (1 / 5.2, 2, 6),  # 1 minute of travel exactly: 1 + 1 handover
    (1 / 5.2 + 1e-6, 3, 7),  # a hair further is a whole minute more
    (3.0, 17, 21),  # 15.6 minutes of travel
    (15 / 5.2, 16, 20),  # 15 minutes exactly
])
def test_whole_minutes_round_up_and_exact_ones_do_not(km: float, door: int, order_min: int):
    assert minutes_to_door(km) == door
    assert order_eta(km) == {"min": order_min, "max": order_min + 5}


@pytest.mark.parametrize(("n", "exact_door"), [(14, 15), (23, 24), (43, 44), (59, 60)])
def test_float_noise_never_adds_a_minute(n: int, exact_door: int):
    # km = 5n/26 is exactly n minutes of travel, but floats make it n + 2e-15 or so: ceil() alone says n + 2.
    km = 5 * n / 26
    assert travel_minutes(km) != n  # the noise is really there...
    assert math.ceil(travel_minutes(km) + 1) == exact_door + 1
    assert minutes_to_door(km) == exact_door  # ...and the rule ignores it
    assert order_eta(km)["min"] == 4 + exact_door


def test_the_order_eta_is_the_decided_formula_over_a_fine_grid():
    # min = ceil(pick_and_pack + assignment + travel + handover), rounded to 1e-9 first: every metre to 15 km.
    for metres in range(0, 15_001):
        km = metres / 1000
        expected = math.ceil(round(2 + 2 + km * 1.3 / 15 * 60 + 1, 9))
        assert order_eta(km) == {"min": expected, "max": expected + 5}, km


@pytest.mark.parametrize("km", [-0.001, float("nan")])
def test_a_distance_must_be_a_non_negative_number(km: float):
    with pytest.raises(ValueError):
        order_eta(km)
    with pytest.raises(ValueError):
        minutes_to_door(km)


def test_random_store_to_door_pairs_keep_the_tracking_property():
    # The property tracking relies on, for arbitrary points around Bengaluru (delivery.rules is tested on it too).
    rng = random.Random(12)
    for _ in range(2000):
        a = (12.85 + rng.random() * 0.2, 77.5 + rng.random() * 0.25)
        b = (a[0] + rng.uniform(-0.04, 0.04), a[1] + rng.uniform(-0.04, 0.04))
        km = haversine_km(*a, *b)
        assert order_eta(km)["min"] - eta.PICK_AND_PACK_MINUTES - eta.ASSIGNMENT_MINUTES == minutes_to_door(km)
