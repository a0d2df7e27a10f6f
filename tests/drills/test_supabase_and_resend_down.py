"""Drill: Supabase Realtime and Resend are both down in the middle of a delivery, then come back.

The rider keeps posting GPS fixes and picks the order up; the customer is being notified by email and push.
Expected: every request still succeeds (location posts 200 and stored, pickup 200, the order moves on);
nothing is broadcast while Supabase is down and broadcasting resumes with the next fix once it is back
(fewer than the breaker's 5 failures here: after 5 it would stay quiet for its 15 s cool-down first);
the out-for-delivery email is retried with its message and sent once when Resend returns, while the push
and the inbox item go out once, at the first try.
"""

from __future__ import annotations

from typing import Any

from tests.integration.delivery.conftest import (
    DROP,
    STORE_AT,
    _delivery_clients,  # noqa: F401
    assign,
    packed_order,
    post_location,
    purge,
    register_partner,
    store_id,  # noqa: F401
)
from tests.integration.notifications.conftest import _notifications_clients, inbox, with_contact  # noqa: F401


def towards_the_door(n: int) -> list[tuple[float, float]]:
    (a, b), (c, d) = STORE_AT, (DROP["lat"], DROP["lng"])
    return [(a + (c - a) * 0.5 * i / n, b + (d - b) * 0.5 * i / n) for i in range(1, n + 1)]


def test_supabase_and_resend_down_mid_delivery_requests_succeed_and_both_resume(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, store_id: str) -> None:  # noqa: F811
    supabase, receivers = project_stack.supabase, project_stack.receivers
    with_contact(api, customer, email="asha@example.com", devices=1)
    partner = register_partner(api, firebase, admin, store_id, at=STORE_AT)
    order_id = packed_order(customer, store_id, otp="7305")
    assign(project_stack, order_id)
    purge(project_stack, "NotificationsQueue", "DeliveryAssignmentQueue")
    supabase.reset()
    points = towards_the_door(4)

    # ---- both go down ------------------------------------------------------------------------------------
    supabase.down = 503
    receivers.fail_next("email", 503, count=2)
    for i, (lat, lng) in enumerate(points[:3]):
        reply = post_location(api, partner, lat, lng, seconds_ago=10 - i)
        assert reply.status == 200, reply.body
        assert reply.json()["accepted"] is True and reply.json()["order_id"] == order_id
    assert supabase.broadcasts == [] and supabase.calls == 3  # tried each time, refused each time
    pickup = api.post(f"/delivery/orders/{order_id}/pickup", token=partner.token)
    assert pickup.status == 200, pickup.body
    assert api.get(f"/orders/{order_id}", token=customer.session_token).json()["status"] == "OUT_FOR_DELIVERY"
    route = api.get(f"/delivery/orders/{order_id}/route", token=customer.session_token).json()
    assert [(p["lat"], p["lng"]) for p in route["points"]] == points[:3]  # stored all the same

    first = project_stack.pump.run_once()
    assert first.failed == 1  # the email failed: the message comes back
    assert len(receivers.pushes) == 1 and receivers.emails == []
    project_stack.pump.run_once()
    assert receivers.emails == [] and receivers.calls("email") == 2

    # ---- both come back ------------------------------------------------------------------------------------
    supabase.down = None
    reply = post_location(api, partner, *points[3], seconds_ago=1)
    assert reply.status == 200 and reply.json()["order_id"] == order_id
    got = supabase.broadcasts
    assert [(b["topic"], b["payload"]["lat"], b["payload"]["lng"]) for b in got] == [(f"order:{order_id}", *points[3])]
    tracking = api.get(f"/delivery/orders/{order_id}/tracking", token=customer.session_token).json()
    assert (tracking["location"]["lat"], tracking["location"]["lng"]) == points[3]

    stats = project_stack.pump.drain()
    assert stats.failed == 0
    assert len(receivers.emails) == 1 and receivers.calls("email") == 3  # sent once, on the third try
    assert len(receivers.pushes) == 1 and receivers.calls("push") == 1  # never sent again
    types = [n["type"] for n in inbox(api, customer)["notifications"]]
    assert types.count("order.out_for_delivery") == 1
