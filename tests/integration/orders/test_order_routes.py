"""Reading, listing, cancelling and moving orders over the API: roles, visibility, versions, notifications."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.orders.conftest import drain_notifications, order, place, stock
from tests.integration.products_helpers import assert_problem, make_staff


@pytest.fixture
def staff(api: Any, firebase: Any, shop: Any) -> Any:
    return make_staff(api, firebase, shop.store_id)


@pytest.fixture
def other_staff(api: Any, firebase: Any, shop: Any) -> Any:
    return make_staff(api, firebase, shop.other_store_id)


def set_status(api: Any, user: Any, order_id: str, status: str, **extra: Any) -> Any:
    return api.patch(f"/orders/{order_id}/status", {"status": status, **extra}, token=user.session_token)


def test_another_customers_order_is_404_and_staff_of_another_store_too(
        api: Any, project_stack: Any, customer: Any, other_customer: Any, admin: Any, staff: Any,
        other_staff: Any, shop: Any) -> None:
    placed = place(api, project_stack, customer, shop)
    for outsider in (other_customer, other_staff):
        assert_problem(api.get(f"/orders/{placed.order_id}", token=outsider.session_token), 404)
        assert_problem(api.post(f"/orders/{placed.order_id}/cancel", {"reason": "x"},
                                token=outsider.session_token), 404)
    for insider in (admin, staff):
        assert api.get(f"/orders/{placed.order_id}", token=insider.session_token).status == 200
    assert_problem(api.get("/orders/ord_" + "0" * 26, token=customer.session_token), 404)
    assert_problem(api.get("/orders/not-an-order", token=customer.session_token), 422)


def test_my_orders_are_listed_newest_first_with_a_cursor(api: Any, project_stack: Any, customer: Any,
                                                        shop: Any) -> None:
    first = place(api, project_stack, customer, shop, {0: 3}).order_id
    second = place(api, project_stack, customer, shop, {1: 2}).order_id
    page = api.get("/orders", query="limit=1", token=customer.session_token).json()
    assert [o["order_id"] for o in page["orders"]] == [second] and page["next_cursor"]
    rest = api.get("/orders", query=f"limit=1&cursor={page['next_cursor']}", token=customer.session_token).json()
    assert [o["order_id"] for o in rest["orders"]] == [first]
    assert rest["orders"][0]["item_count"] == 3 and rest["orders"][0]["status"] == "PLACED"
    assert_problem(api.get("/orders", query="cursor=forged", token=customer.session_token), 400, "invalid-cursor")
    assert_problem(api.get("/orders", query="limit=0", token=customer.session_token), 422)


def test_the_customer_cancels_a_placed_order_and_the_stock_comes_back_once(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    placed = place(api, project_stack, customer, shop, {0: 3})
    assert stock(api, shop, 0) == 17
    drain_notifications(project_stack)
    reply = api.post(f"/orders/{placed.order_id}/cancel", {"reason": "Ordered by mistake"},
                     token=customer.session_token)
    assert reply.status == 200, reply.body
    cancelled = reply.json()
    assert cancelled["status"] == "CANCELLED" and cancelled["reason"] == "Ordered by mistake"
    assert [h["status"] for h in cancelled["status_history"]] == ["PENDING", "PLACED", "CANCELLED"]
    assert stock(api, shop, 0) == 20
    problem = assert_problem(api.post(f"/orders/{placed.order_id}/cancel", {"reason": "again"},
                                      token=customer.session_token), 409, "illegal-transition")
    assert problem["allowed"] == []
    assert stock(api, shop, 0) == 20
    messages = drain_notifications(project_stack)
    assert [(m["type"], m["data"]["order_id"], m["idempotency_key"]) for m in messages] == [
        ("order.cancelled", placed.order_id, f"{placed.order_id}:CANCELLED")]


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_cancel_reason_is_the_default_reason(api: Any, project_stack: Any, customer: Any, shop: Any,
                                                    blank: str) -> None:
    placed = place(api, project_stack, customer, shop, {0: 1, 1: 1})
    reply = api.post(f"/orders/{placed.order_id}/cancel", {"reason": blank}, token=customer.session_token)
    assert reply.status == 200, reply.body
    assert reply.json()["status"] == "CANCELLED" and reply.json()["reason"] == "Cancelled by request"


def test_staff_move_their_stores_order_and_illegal_moves_name_the_allowed_ones(
        api: Any, project_stack: Any, customer: Any, staff: Any, admin: Any, shop: Any) -> None:
    placed = place(api, project_stack, customer, shop)
    drain_notifications(project_stack)
    problem = assert_problem(set_status(api, customer, placed.order_id, "CONFIRMED"), 409, "illegal-transition")
    assert problem["allowed"] == ["CANCELLED"]
    problem = assert_problem(set_status(api, staff, placed.order_id, "PACKED"), 409, "illegal-transition")
    assert problem["allowed"] == ["CONFIRMED", "CANCELLED"]
    assert set_status(api, staff, placed.order_id, "CONFIRMED").json()["status"] == "CONFIRMED"
    assert set_status(api, staff, placed.order_id, "PACKED").json()["status"] == "PACKED"
    # Packed: too late for the customer to cancel, not for staff or admin.
    problem = assert_problem(api.post(f"/orders/{placed.order_id}/cancel", {"reason": "late"},
                                      token=customer.session_token), 409, "illegal-transition")
    assert problem["allowed"] == []
    problem = assert_problem(set_status(api, staff, placed.order_id, "OUT_FOR_DELIVERY"), 409)
    assert problem["allowed"] == ["CANCELLED"]
    reply = set_status(api, admin, placed.order_id, "OUT_FOR_DELIVERY")
    assert reply.status == 200 and reply.json()["version"] == 5
    assert_problem(set_status(api, admin, placed.order_id, "CANCELLED"), 409, "illegal-transition")
    assert [m["type"] for m in drain_notifications(project_stack)] == [
        "order.confirmed", "order.packed", "order.out_for_delivery"]


def test_a_stale_version_is_409_and_concurrent_updates_cannot_both_win(
        api: Any, project_stack: Any, customer: Any, staff: Any, admin: Any, shop: Any) -> None:
    placed = place(api, project_stack, customer, shop)
    version = order(api, customer, placed.order_id)["version"]
    assert_problem(set_status(api, staff, placed.order_id, "CONFIRMED", version=version - 1), 409, "version-conflict")
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda user: set_status(api, user, placed.order_id, "CONFIRMED", version=version),
                                [staff, admin]))
    assert sorted(r.status for r in replies) == [200, 409], [r.body for r in replies]
    final = order(api, customer, placed.order_id)
    assert final["status"] == "CONFIRMED" and final["version"] == version + 1


def test_staff_cancel_a_packed_order_and_the_stock_comes_back(
        api: Any, project_stack: Any, customer: Any, staff: Any, shop: Any) -> None:
    placed = place(api, project_stack, customer, shop, {0: 4})
    for status in ("CONFIRMED", "PACKED"):
        assert set_status(api, staff, placed.order_id, status).status == 200
    reply = api.post(f"/orders/{placed.order_id}/cancel", {"reason": "Damaged item"}, token=staff.session_token)
    assert reply.status == 200 and reply.json()["status"] == "CANCELLED"
    assert stock(api, shop, 0) == 20


def test_admin_lists_by_status_and_store_staff_only_their_store(
        api: Any, project_stack: Any, customer: Any, staff: Any, other_staff: Any, admin: Any, shop: Any) -> None:
    placed = place(api, project_stack, customer, shop)
    by_status = api.get("/admin/orders", query="status=PLACED", token=admin.session_token).json()
    assert [o["order_id"] for o in by_status["orders"]] == [placed.order_id]
    by_store = api.get("/admin/orders", query=f"store_id={shop.store_id}&status=PLACED", token=staff.session_token)
    assert [o["order_id"] for o in by_store.json()["orders"]] == [placed.order_id]
    assert api.get("/admin/orders", token=staff.session_token).json()["orders"][0]["order_id"] == placed.order_id
    assert api.get("/admin/orders", token=other_staff.session_token).json()["orders"] == []
    assert_problem(api.get("/admin/orders", query=f"store_id={shop.store_id}", token=other_staff.session_token), 403)
    assert_problem(api.get("/admin/orders", query="status=PLACED", token=customer.session_token), 403)
    assert_problem(api.get("/admin/orders", token=admin.session_token), 400, "filter-required")
    assert_problem(api.get("/admin/orders", query="status=LOST", token=admin.session_token), 422)
