"""Live location: validation, the 1/s gate, out-of-order fixes, history, Supabase broadcasts (in order, and
Supabase down), the customer's tracking and route views, "rider nearby" once and "ETA changed" throttled."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis

from tests.integration.delivery.conftest import (
    DROP,
    STORE_AT,
    assign,
    drain,
    fix,
    open_gate,
    packed_order,
    post_location,
    purge,
    register_partner,
)
from tests.integration.products_helpers import assert_problem

PATH = "/delivery/partners/me/location"


def path_points(n: int) -> list[tuple[float, float]]:
    """n points from the store to ~300 m short of the door."""
    (a, b), (c, d) = STORE_AT, (DROP["lat"], DROP["lng"])
    return [(a + (c - a) * 0.8 * i / (n - 1), b + (d - b) * 0.8 * i / (n - 1)) for i in range(n)]


@pytest.fixture
def on_delivery(api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, store_id: str) -> Any:
    partner = register_partner(api, firebase, admin, store_id, at=STORE_AT)
    order_id = packed_order(customer, store_id, otp="7305")
    assign(project_stack, order_id)
    purge(project_stack, "NotificationsQueue", "DeliveryAssignmentQueue")
    project_stack.supabase.reset()
    return partner, order_id


def test_bad_fixes_roles_and_tokens(api: Any, firebase: Any, admin: Any, customer: Any, store_id: str) -> None:
    partner = register_partner(api, firebase, admin, store_id)
    for bad in ({"lat": 91}, {"lng": -180.5}, {"speed_kmph": -3}, {"speed_kmph": 400}, {"heading": 361},
                {"lat": "12.9"}, {"recorded_at": "not a time"}, {"recorded_at": "2030-01-01T00:00:00Z"},
                {"extra": 1}):
        open_gate(None, partner.uid)
        assert_problem(api.post(PATH, fix(12.97, 77.64, **bad), token=partner.token), 422)
    missing = fix(12.97, 77.64)
    del missing["recorded_at"]
    assert_problem(api.post(PATH, missing, token=partner.token), 422)
    assert_problem(api.request("POST", PATH, raw=b"[1,2", token=partner.token), 400)
    assert_problem(api.post(PATH, fix(12.97, 77.64, pad="x" * 20_000), token=partner.token), 413)
    assert_problem(api.post(PATH, fix(12.97, 77.64), token=customer.session_token), 403)
    assert api.post(PATH, fix(12.97, 77.64)).status == 401


def test_off_delivery_fixes_update_the_latest_only_and_are_gated_and_ordered(
        api: Any, firebase: Any, project_stack: Any, admin: Any, store_id: str) -> None:
    partner = register_partner(api, firebase, admin, store_id)
    first = post_location(api, partner, 12.9720, 77.6413, seconds_ago=5)
    assert first.status == 200 and first.json() == {"accepted": True, "ignored": False, "on_delivery": False,
                                                    "order_id": None, "eta_minutes": None}
    # A second fix within the second: 429 with Retry-After.
    limited = assert_problem(api.post(PATH, fix(12.9721, 77.6414, seconds_ago=4), token=partner.token), 429)
    assert limited["type"].endswith("rate-limited")
    # An older fix than the stored one: ignored, and the stored one stays.
    older = post_location(api, partner, 13.5, 77.9, seconds_ago=60)
    assert older.status == 200 and older.json()["ignored"] is True and older.json()["accepted"] is False
    newer = post_location(api, partner, 12.9730, 77.6420, seconds_ago=1)
    assert newer.status == 200 and newer.json()["accepted"] is True
    location = api.get("/delivery/partners/me", token=partner.token).json()["location"]
    assert (location["lat"], location["lng"]) == (12.9730, 77.6420)
    assert project_stack.supabase.broadcasts == []  # nothing to broadcast off a delivery


def test_points_of_a_delivery_are_stored_broadcast_in_order_and_tracked(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, other_customer: Any,
        on_delivery: Any) -> None:
    partner, order_id = on_delivery
    points = path_points(5)
    for i, (lat, lng) in enumerate(points):
        reply = post_location(api, partner, lat, lng, seconds_ago=10 - i)
        assert reply.status == 200 and reply.json()["on_delivery"] is True and reply.json()["order_id"] == order_id
        assert reply.json()["eta_minutes"] >= 1
    got = project_stack.supabase.broadcasts
    assert [(b["topic"], b["event"]) for b in got] == [(f"order:{order_id}", "location")] * 5
    assert [(b["payload"]["lat"], b["payload"]["lng"]) for b in got] == points  # in order
    route = api.get(f"/delivery/orders/{order_id}/route", token=customer.session_token)
    assert route.status == 200, route.body
    assert [(p["lat"], p["lng"]) for p in route.json()["points"]] == points
    page = api.get(f"/delivery/orders/{order_id}/route", query="limit=2", token=admin.session_token).json()
    assert len(page["points"]) == 2 and page["next_cursor"]

    tracking = api.get(f"/delivery/orders/{order_id}/tracking", token=customer.session_token)
    assert tracking.status == 200, tracking.body
    view = tracking.json()
    assert view["status"] == "PACKED" and view["otp"] == "7305"
    assert view["partner"] == {"name": "Imran Khan", "vehicle": "Honda Activa KA01AB1234", "phone": "+91******5678"}
    assert (view["location"]["lat"], view["location"]["lng"]) == points[-1] and view["eta_minutes"] >= 1
    assert view["realtime"] == {"topic": f"order:{order_id}", "event": "location"}
    as_admin = api.get(f"/delivery/orders/{order_id}/tracking", token=admin.session_token).json()
    assert as_admin["otp"] is None and as_admin["location"] == view["location"]  # the OTP is the customer's
    for outsider in (other_customer.session_token, partner.token):
        assert_problem(api.get(f"/delivery/orders/{order_id}/tracking", token=outsider), 404)
        assert_problem(api.get(f"/delivery/orders/{order_id}/route", token=outsider), 404)
    assert_problem(api.get(f"/delivery/orders/ord_{'0' * 26}/tracking", token=customer.session_token), 404)
    assert_problem(api.get("/delivery/orders/x/tracking", token=customer.session_token), 422)
    assert_problem(api.get(f"/delivery/orders/{order_id}/route", query="limit=0", token=admin.session_token), 422)
    assert api.get(f"/delivery/orders/{order_id}/tracking").status == 401


def test_supabase_down_never_fails_an_update_and_points_are_still_stored(
        api: Any, project_stack: Any, customer: Any, on_delivery: Any) -> None:
    partner, order_id = on_delivery
    project_stack.supabase.down = 503
    for i, (lat, lng) in enumerate(path_points(7)):
        reply = post_location(api, partner, lat, lng, seconds_ago=10 - i)
        assert reply.status == 200 and reply.json()["accepted"] is True, reply.body
    assert project_stack.supabase.broadcasts == []
    assert 1 <= project_stack.supabase.calls <= 5  # the breaker stopped calling a dead Supabase
    route = api.get(f"/delivery/orders/{order_id}/route", token=customer.session_token).json()
    assert len(route["points"]) == 7


def test_rider_nearby_is_sent_once_and_eta_changed_is_throttled(
        api: Any, project_stack: Any, customer: Any, redis_url: str, on_delivery: Any) -> None:
    partner, order_id = on_delivery
    assert api.post(f"/delivery/orders/{order_id}/pickup", token=partner.token).status == 200
    drain(project_stack, "NotificationsQueue")
    track = redis.Redis.from_url(redis_url, decode_responses=True)
    key = f"delivery:track:{partner.uid}"
    assert track.hget(key, "order_id") == order_id  # the baseline set at assignment

    def notices() -> list[dict[str, Any]]:
        return [m for m in drain(project_stack, "NotificationsQueue") if m["type"].startswith("delivery.")]

    # Far away (the ETA jumps by more than 2 minutes) but the baseline is fresh: throttled.
    far = (DROP["lat"] + 0.05, DROP["lng"])
    assert post_location(api, partner, *far, seconds_ago=20).status == 200
    assert notices() == []
    # Two minutes later (the baseline's time moved back): "ETA changed", once.
    track.hset(key, "eta_at", time.time() - 121)
    reply = post_location(api, partner, *far, seconds_ago=19)
    (changed,) = notices()
    assert changed["type"] == "delivery.eta_changed" and changed["user_id"] == customer.uid
    assert changed["data"]["eta_minutes"] == reply.json()["eta_minutes"]
    assert changed["data"]["eta_minutes"] - changed["data"]["previous_eta_minutes"] >= 2
    assert post_location(api, partner, DROP["lat"] + 0.02, DROP["lng"], seconds_ago=18).status == 200
    assert notices() == []  # moved again, but within 2 minutes of the last notice
    # Within 200 m of the door: "rider nearby" exactly once, however many fixes follow.
    for i, offset in enumerate((0.0015, 0.0010, 0.0005, 0.0)):
        assert post_location(api, partner, DROP["lat"] + offset, DROP["lng"], seconds_ago=17 - i).status == 200
    nearby = [n for n in notices() if n["type"] == "delivery.rider_nearby"]
    assert len(nearby) == 1 and nearby[0]["data"]["order_id"] == order_id
    assert nearby[0]["data"]["distance_m"] <= 200 and nearby[0]["idempotency_key"] == f"{order_id}:rider_nearby"
