"""Delivery rules without I/O: ETA, nearest partner, "ETA changed" throttle, backoff, masking, fix validation."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from blinkit.eta import ASSIGNMENT_MINUTES, PICK_AND_PACK_MINUTES, order_eta
from blinkit.geo import haversine_km
from delivery import rules
from delivery.schemas import LocationIn, OrderStatusMessage

STORE = {"lat": 12.9719, "lng": 77.6412}
DROP = {"lat": 12.9819, "lng": 77.6492}


def test_distance_matches_a_known_value_and_is_symmetric() -> None:
    # One degree of latitude is ~111.2 km everywhere.
    assert rules.distance_m(12.0, 77.0, 13.0, 77.0) == pytest.approx(111_195, rel=1e-3)
    assert rules.distance_m(*STORE.values(), *DROP.values()) == pytest.approx(
        rules.distance_m(*DROP.values(), *STORE.values()))


def test_eta_is_travel_at_rider_speed_with_road_factor_plus_handover() -> None:
    km = rules.distance_m(*STORE.values(), *DROP.values()) / 1000
    expected = -(-(km * 1.3 / 15 * 60 + 1) // 1)  # ceil; the one rider speed is 15 km/h (it was 18 here)
    assert rules.eta_minutes(*STORE.values(), drop=DROP) == expected
    assert rules.eta_minutes(*DROP.values(), drop=DROP) == 1  # at the door: only the handover
    # Before pickup the rider rides to the store first, so the same spot is further from the door.
    far = (12.9919, 77.6612)  # beyond the door, away from the store
    assert rules.eta_minutes(*far, drop=DROP, store=STORE) > rules.eta_minutes(*far, drop=DROP)


def test_a_rider_at_the_store_before_pickup_is_told_the_orders_eta_less_the_fixed_minutes() -> None:
    # The order's ETA (quote, order) and tracking are one rule: standing at the store, not picked up yet, the
    # rider is exactly pick-and-pack + assignment closer than the order's `min`, for any store and door.
    rng = random.Random(7)
    pairs = [(STORE, DROP)] + [
        ({"lat": 12.9 + rng.random() * 0.1, "lng": 77.55 + rng.random() * 0.15}, None) for _ in range(500)]
    for store, drop in pairs:
        drop = drop or {"lat": store["lat"] + rng.uniform(-0.03, 0.03), "lng": store["lng"] + rng.uniform(-0.03, 0.03)}
        order = order_eta(haversine_km(store["lat"], store["lng"], drop["lat"], drop["lng"]))
        at_store = rules.eta_minutes(store["lat"], store["lng"], drop=drop, store=store)
        assert at_store == order["min"] - PICK_AND_PACK_MINUTES - ASSIGNMENT_MINUTES, (store, drop)


def test_nearby_is_200_metres_inclusive() -> None:
    assert rules.is_nearby(200.0) and rules.is_nearby(0) and not rules.is_nearby(200.01)


@pytest.mark.parametrize(("new", "previous", "previous_at", "now", "expected"), [
    (12, None, None, 1000.0, False),  # no baseline yet
    (12, 11, 0.0, 1000.0, False),  # a 1-minute move is noise
    (13, 11, 0.0, 1000.0, True),  # 2 minutes, long after the last notice
    (9, 11, 0.0, 1000.0, True),  # earlier counts too
    (13, 11, 900.0, 1000.0, False),  # 100 s after the last notice: throttled
    (13, 11, 880.0, 1000.0, True),  # exactly 120 s: allowed
])
def test_eta_changed_needs_two_minutes_and_two_minutes_since_the_last_notice(
        new: int, previous: int | None, previous_at: float | None, now: float, expected: bool) -> None:
    assert rules.eta_changed_enough(new, previous, previous_at, now) is expected


def test_nearest_first_orders_by_distance_and_puts_unlocated_partners_last() -> None:
    near = SimpleNamespace(uid="near", lat=12.9720, lng=77.6413)
    far = SimpleNamespace(uid="far", lat=13.0, lng=77.7)
    nowhere = SimpleNamespace(uid="nowhere", lat=None, lng=None)
    middle = SimpleNamespace(uid="middle", lat=12.98, lng=77.65)
    ordered = rules.nearest_first([nowhere, far, near, middle], STORE["lat"], STORE["lng"])
    assert [p.uid for p in ordered] == ["near", "middle", "far", "nowhere"]


def test_backoff_doubles_from_5_seconds_up_to_60() -> None:
    assert [rules.backoff_seconds(a) for a in range(7)] == [5, 10, 20, 40, 60, 60, 60]


def test_phone_masking_keeps_the_country_code_and_last_four() -> None:
    assert rules.mask_phone("+919000000004") == "+91******0004"
    assert rules.mask_phone("9000000004") == "******0004"
    assert rules.mask_phone(None) is None


def _fix(**over: object) -> dict[str, object]:
    return {"lat": 12.97, "lng": 77.64, "accuracy_m": 5, "heading": 90, "speed_kmph": 20,
            "recorded_at": datetime.now(UTC).isoformat(), **over}


def test_a_valid_fix_parses_and_its_time_becomes_utc() -> None:
    fix = LocationIn.model_validate(_fix(recorded_at="2025-02-12T12:00:00+05:30"))
    assert fix.recorded_at == datetime(2025, 2, 12, 6, 30, tzinfo=UTC)
    assert LocationIn.model_validate(_fix(lat=90, lng=-180, heading=None, speed_kmph=None)).lat == 90


@pytest.mark.parametrize("bad", [
    {"lat": 90.01}, {"lat": -91}, {"lng": 180.5}, {"lng": -181}, {"speed_kmph": -1}, {"speed_kmph": 151},
    {"heading": 360}, {"heading": -1}, {"accuracy_m": -0.1}, {"lat": "12.97"}, {"lat": None}, {"lat": True},
    {"recorded_at": "yesterday"}, {"recorded_at": "2025-02-12T12:00:00"},  # no offset
    {"recorded_at": "5 minutes ahead"}, {"altitude": 900},
])
def test_bad_fixes_are_refused(bad: dict[str, object]) -> None:
    if bad.get("recorded_at") == "5 minutes ahead":
        # Computed when the test runs, not when it is collected: a long run would make it the past.
        bad = {"recorded_at": (datetime.now(UTC) + timedelta(minutes=5)).isoformat()}
    with pytest.raises(ValidationError):
        LocationIn.model_validate(_fix(**bad))


def test_a_missing_coordinate_is_refused() -> None:
    fix = _fix()
    del fix["lng"]
    with pytest.raises(ValidationError):
        LocationIn.model_validate(fix)


ORDER = "ord_01JK8ZB2D4F6H8K0M2P4R6T8V0"
PACKED = {"order_id": ORDER, "status": "PACKED", "version": 4, "user_id": "u1", "store_id": "s",
          "drop": {"lat": 12.98, "lng": 77.65}}


def test_order_status_messages_need_an_order_id_a_status_and_a_version() -> None:
    message = OrderStatusMessage.model_validate(PACKED)
    assert message.kind == "order_status" and message.attempt == 0 and message.first_try_at is None
    closed = OrderStatusMessage.model_validate({"order_id": ORDER, "status": "DELIVERED", "version": 8})
    assert (closed.status, closed.version) == ("DELIVERED", 8)
    for bad in ({**PACKED, "order_id": "not-an-order"}, {**PACKED, "kind": "steal"}, {**PACKED, "status": "LOST"},
                {**PACKED, "version": 0}, {**PACKED, "version": "4"}, {**PACKED, "version": True},
                {"order_id": ORDER, "status": "DELIVERED"}, {"order_id": ORDER, "version": 3},
                {**PACKED, "drop": None}, {**PACKED, "store_id": None}, {**PACKED, "user_id": ""}):
        with pytest.raises(ValidationError):
            OrderStatusMessage.model_validate(bad)


def test_the_kinds_queued_before_order_status_still_read_as_packed_and_cancelled() -> None:
    # Messages already on the queue when this version deploys: `assign` (PACKED) and `release` (a cancel).
    assign = OrderStatusMessage.model_validate({k: v for k, v in PACKED.items() if k not in ("status", "version")}
                                               | {"kind": "assign"})
    assert (assign.status, assign.version) == ("PACKED", None)
    release = OrderStatusMessage.model_validate({"kind": "release", "order_id": ORDER})
    assert (release.status, release.version) == ("CANCELLED", None)


def test_the_ride_commands_waypoints_run_from_the_store_to_the_door() -> None:
    from local.ride import waypoints

    points = waypoints((12.97, 77.64), (12.98, 77.65), 4)
    assert points[0] == (12.97, 77.64) and points[-1] == (12.98, 77.65) and len(points) == 5
    assert [round(b - a, 6) for (a, _), (b, _) in itertools.pairwise(points)] == [0.0025] * 4
