"""Pickup and delivery by the assigned partner: the orders lifecycle through orders' internal route, the OTP,
and other partners' orders (404)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.delivery.conftest import STORE_AT, assign, drain, packed_order, purge, register_partner
from tests.integration.products_helpers import assert_problem


@pytest.fixture
def assigned(api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, store_id: str) -> Any:
    partner = register_partner(api, firebase, admin, store_id, at=STORE_AT)
    order_id = packed_order(customer, store_id, otp="4821")
    assign(project_stack, order_id)
    purge(project_stack, "NotificationsQueue", "DeliveryAssignmentQueue")
    return partner, order_id


def test_pickup_then_deliver_with_the_otp_frees_the_partner(api: Any, firebase: Any, project_stack: Any,
                                                           admin: Any, customer: Any, store_id: str,
                                                           assigned: Any) -> None:
    partner, order_id = assigned
    other = register_partner(api, firebase, admin, store_id)
    base = f"/delivery/orders/{order_id}"
    # Another partner: the order does not exist for them.
    assert_problem(api.post(f"{base}/pickup", token=other.token), 404)
    assert_problem(api.post(f"{base}/deliver", {"otp": "4821"}, token=other.token), 404)
    # Not picked up yet: no delivering.
    assert_problem(api.post(f"{base}/deliver", {"otp": "4821"}, token=partner.token), 409, "illegal-transition")
    reply = api.post(f"{base}/pickup", token=partner.token)
    assert reply.status == 200 and reply.json()["status"] == "OUT_FOR_DELIVERY", reply.body
    assert api.post(f"{base}/pickup", token=partner.token).status == 200  # a retry is harmless
    # The partner sees the order (as its partner), never its OTP.
    seen = api.get(f"/orders/{order_id}", token=partner.token).json()
    assert seen["status"] == "OUT_FOR_DELIVERY" and seen["delivery_otp"] is None
    assert api.get(f"/orders/{order_id}", token=customer.session_token).json()["delivery_otp"] == "4821"
    # Bad and wrong OTPs.
    for bad in ({"otp": "482"}, {"otp": 4821}, {"otp": "48a1"}, {}, {"otp": "4821", "x": 1}):
        assert_problem(api.post(f"{base}/deliver", bad, token=partner.token), 422)
    assert_problem(api.post(f"{base}/deliver", {"otp": "1111"}, token=partner.token), 422, "invalid-otp")
    assert api.get(f"/orders/{order_id}", token=customer.session_token).json()["status"] == "OUT_FOR_DELIVERY"
    reply = api.post(f"{base}/deliver", {"otp": "4821"}, token=partner.token)
    assert reply.status == 200 and reply.json()["status"] == "DELIVERED", reply.body
    order = api.get(f"/orders/{order_id}", token=customer.session_token).json()
    assert order["status"] == "DELIVERED"
    assert [h["status"] for h in order["status_history"]][-3:] == ["OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED"]
    me = api.get("/delivery/partners/me", token=partner.token).json()
    assert me["status"] == "available" and me["order_id"] is None
    assert_problem(api.get("/delivery/partners/me/assignment", token=partner.token), 404, "no-assignment")
    assert api.post(f"{base}/deliver", {"otp": "4821"}, token=partner.token).status == 200  # idempotent
    sent = [(m["type"], m["data"]["order_id"]) for m in drain(project_stack, "NotificationsQueue")]
    assert sent == [("order.out_for_delivery", order_id), ("order.arrived", order_id), ("order.delivered", order_id)]


def test_roles_and_bad_ids(api: Any, customer: Any, admin: Any, assigned: Any) -> None:
    partner, order_id = assigned
    base = f"/delivery/orders/{order_id}"
    for user in (customer, admin):  # only delivery partners act on deliveries
        assert_problem(api.post(f"{base}/pickup", token=user.session_token), 403)
        assert_problem(api.post(f"{base}/deliver", {"otp": "4821"}, token=user.session_token), 403)
    assert api.post(f"{base}/pickup").status == 401
    assert_problem(api.post("/delivery/orders/not-an-order/pickup", token=partner.token), 422)
    assert_problem(api.post(f"/delivery/orders/ord_{'0' * 26}/pickup", token=partner.token), 404)
    assert_problem(api.post(f"{base}/deliver", {"otp": "4821", "pad": "x" * 20_000}, token=partner.token), 413)


def test_the_partners_moves_go_through_delivery_not_the_orders_status_route(api: Any, assigned: Any) -> None:
    partner, order_id = assigned
    reply = api.patch(f"/orders/{order_id}/status", {"status": "OUT_FOR_DELIVERY"}, token=partner.token)
    assert_problem(reply, 409, "use-delivery-routes")


def test_wrong_otps_are_limited_per_order(api: Any, assigned: Any) -> None:
    partner, order_id = assigned
    base = f"/delivery/orders/{order_id}"
    assert api.post(f"{base}/pickup", token=partner.token).status == 200
    for _ in range(5):
        assert_problem(api.post(f"{base}/deliver", {"otp": "0000"}, token=partner.token), 422, "invalid-otp")
    limited = assert_problem(api.post(f"{base}/deliver", {"otp": "4821"}, token=partner.token), 429)
    assert limited["type"].endswith("rate-limited")
