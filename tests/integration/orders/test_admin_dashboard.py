"""`GET /admin/dashboard` over the API: today's orders by the status they are in now, failure reasons, revenue
(placed, not cancelled), cancelled online orders as the refunds orders knows of; yesterday's orders left out;
admin only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from blinkit import clock
from tests.integration.orders.conftest import checkout, fill_cart, order, place, wait_done
from tests.integration.products_helpers import assert_problem, make_staff, set_stock


def _dashboard(api: Any, admin: Any, query: str | None = None) -> dict[str, Any]:
    reply = api.get("/admin/dashboard", token=admin.session_token, **({"query": query} if query else {}))
    assert reply.status == 200, reply.body
    return dict(reply.json())


def test_the_day_is_counted_by_status_with_reasons_revenue_and_refunds(
        api: Any, project_stack: Any, customer: Any, other_customer: Any, admin: Any, shop: Any) -> None:
    empty = _dashboard(api, admin)
    assert empty["total_orders"] == 0 and set(empty["by_status"].values()) == {0}
    assert list(empty["by_status"]) == ["PENDING", "PLACED", "CONFIRMED", "PACKED", "OUT_FOR_DELIVERY", "ARRIVED",
                                        "DELIVERED", "CANCELLED", "FAILED"]
    assert empty["timezone"] == "Asia/Kolkata" and empty["truncated"] is False and empty["cap"] == 1000
    assert clock.parse(empty["since"]) <= clock.now() < clock.parse(empty["until"])
    assert clock.parse(empty["until"]) - clock.parse(empty["since"]) == timedelta(days=1)

    kept = place(api, project_stack, customer, shop)
    cancelled = place(api, project_stack, other_customer, shop, {2: 1, 3: 1})
    assert api.post(f"/orders/{cancelled.order_id}/cancel", {"reason": "Ordered by mistake"},
                    token=other_customer.session_token).status == 200
    # A third order fails: its product sold out between the cart and the checkout.
    fill_cart(api, customer, shop, {4: 2})
    assert set_stock(api, admin, shop.store_id, shop.pid(4), 0).status == 200
    failed = checkout(api, customer, kept.address_id)
    assert failed.status == 202, failed.body
    failed_id = failed.json()["order_id"]
    wait_done(project_stack, failed_id)
    assert order(api, customer, failed_id)["reason"] == "OUT_OF_STOCK"

    day = _dashboard(api, admin)
    assert {s: n for s, n in day["by_status"].items() if n} == {"PLACED": 1, "CANCELLED": 1, "FAILED": 1}
    assert day["total_orders"] == 3
    assert day["failure_reasons"] == {"OUT_OF_STOCK": 1}
    assert day["revenue"] == order(api, customer, kept.order_id)["total"]  # not the cancelled one
    # Both orders were cash on delivery: nothing to refund.
    assert day["refunds"]["cancelled_online_orders"] == 0 and day["refunds"]["cancelled_online_total"] == 0
    assert "Partial refunds" in day["refunds"]["note"]


def test_yesterdays_orders_are_not_today_and_unknown_query_parameters_change_nothing(
        api: Any, project_stack: Any, customer: Any, admin: Any, shop: Any) -> None:
    from orders.store import OrderRecord

    placed = place(api, project_stack, customer, shop)
    assert _dashboard(api, admin)["by_status"]["PLACED"] == 1
    record = OrderRecord.get(f"ORDER#{placed.order_id}", "ORDER")
    since = clock.parse(_dashboard(api, admin)["since"])
    record.update(actions=[OrderRecord.created_at.set(clock.iso(since - timedelta(milliseconds=1)))])
    assert _dashboard(api, admin)["total_orders"] == 0
    record.update(actions=[OrderRecord.created_at.set(clock.iso(since))])  # the day's first instant counts
    assert _dashboard(api, admin)["total_orders"] == 1
    # The route takes no parameters: a date asked for is ignored (always today), never a 500.
    assert _dashboard(api, admin, "date=2020-01-01&status=FAILED&limit=-1")["total_orders"] == 1


def test_the_dashboard_is_for_admins_only(api: Any, firebase: Any, customer: Any, admin: Any, shop: Any) -> None:
    assert api.get("/admin/dashboard").status == 401
    assert api.get("/admin/dashboard", token="not-a-session-token").status == 401
    assert_problem(api.get("/admin/dashboard", token=customer.session_token), 403)
    staff = make_staff(api, firebase, shop.store_id)  # staff see their store's orders, not the business's day
    assert_problem(api.get("/admin/dashboard", token=staff.session_token), 403)
    assert api.post("/admin/dashboard", {}, token=admin.session_token).status in (404, 405)
