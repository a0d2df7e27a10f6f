"""POST /admin/orders/{order_id}/refunds (admin, or the order's store staff) and the full refund of a cancelled
paid order, on real orders placed by the saga. Every order is cash on delivery until the saga takes online
payments, so a paid order is made here as that will: the order marked online and its payment created by
the payments service (CreatePayment), paid in Checkout and captured by the signed webhook."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from local.razorpay import RazorpayStandIn
from tests.integration.conftest import User
from tests.integration.orders.conftest import (  # noqa: F401 (fixtures)
    Served,
    _fresh_clients,
    _orders_clients,
    order,
    place,
    served,
    shop,
)
from tests.integration.payments.conftest import captured, drain_refunds, payment_row, take
from tests.integration.products_helpers import assert_problem, make_staff


@pytest.fixture(autouse=True)
def _orders_reachable(served: Served) -> Iterator[None]:  # noqa: F811
    """Payments reads orders' internal route through the gateway, IAM-signed, as in AWS."""
    from blinkit import upstreams
    from blinkit.settings import get_settings

    os.environ["ORDERS_SERVICE_URL"] = served.url
    get_settings.cache_clear()
    upstreams.reset()
    yield
    upstreams.reset()


@pytest.fixture
def staff(api: Any, firebase: Any, shop: Any) -> User:  # noqa: F811
    return make_staff(api, firebase, shop.store_id)


@pytest.fixture
def other_staff(api: Any, firebase: Any, shop: Any) -> User:  # noqa: F811
    return make_staff(api, firebase, shop.other_store_id)


def paid_order(api: Any, stack: Any, razorpay: RazorpayStandIn, customer: User, shop: Any  # noqa: F811
               ) -> tuple[dict[str, Any], str]:
    """A PLACED order paid online: (the order, its Razorpay payment id)."""
    from orders import store as orders_store

    placed = place(api, stack, customer, shop)
    record = orders_store.get_order(placed.order_id)
    assert record is not None
    record.update(actions=[type(record).payment_method.set("online")])  # as the saga's online checkout will
    placed_order = order(api, customer, placed.order_id)
    _, payment_id = captured(api, stack, razorpay, customer.uid, amount=placed_order["total"],
                             order_id=placed.order_id)
    return placed_order, payment_id


def refund(api: Any, user: User | None, order_id: str, body: Any, key: str | None = "refund-key-1", **kw: Any) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(f"/admin/orders/{order_id}/refunds", body, token=user.session_token if user else None,
                    headers=headers, **kw)


def test_cancel_after_pay_refunds_in_full_exactly_once_under_five_concurrent_cancels(
        api: Any, project_stack: Any, customer: User, razorpay: RazorpayStandIn, shop: Any) -> None:  # noqa: F811
    placed, payment_id = paid_order(api, project_stack, razorpay, customer, shop)
    order_id = placed["order_id"]

    def cancel(_: int) -> int:
        return int(api.post(f"/orders/{order_id}/cancel", {"reason": "Ordered by mistake"},
                            token=customer.session_token).status)

    with ThreadPoolExecutor(5) as pool:
        statuses = sorted(pool.map(cancel, range(5)))
    assert statuses.count(200) == 1 and all(s == 409 for s in statuses if s != 200)
    assert drain_refunds(project_stack) == 2  # the cancel, then its refund
    refunds_made = [r for r in razorpay.refunds.values() if r["payment_id"] == payment_id]
    assert [r["amount"] for r in refunds_made] == [placed["total"]]
    row = payment_row(order_id)
    assert (int(row.refunded), int(row.pending), int(row.refundable)) == (placed["total"], 0, 0)
    # Cancelling again, or orders' message delivered twice, refunds nothing more.
    for _ in range(2):
        boto3.client("sqs").send_message(QueueUrl=project_stack.resources.queues["RefundsQueue"]["url"],
                                         MessageBody=json.dumps({"kind": "order_cancelled", "order_id": order_id,
                                                                 "reason": "Ordered by mistake"}))
    drain_refunds(project_stack)
    assert len([r for r in razorpay.refunds.values() if r["payment_id"] == payment_id]) == 1
    told = [m["type"] for m in take(project_stack, "NotificationsQueue") if m["type"].startswith("refund.")]
    assert sorted(told) == ["refund.initiated", "refund.processed"]


def test_a_cash_on_delivery_cancel_asks_payments_for_nothing(api: Any, project_stack: Any, customer: User,
                                                            shop: Any) -> None:  # noqa: F811
    placed = place(api, project_stack, customer, shop)
    reply = api.post(f"/orders/{placed.order_id}/cancel", {"reason": "Changed my mind"}, token=customer.session_token)
    assert reply.status == 200, reply.body
    assert take(project_stack, "RefundsQueue") == []


def test_staff_refund_items_of_their_stores_order_and_admins_an_amount_never_past_the_capture(
        api: Any, project_stack: Any, customer: User, admin: User, staff: User, razorpay: RazorpayStandIn,
        shop: Any) -> None:  # noqa: F811
    placed, payment_id = paid_order(api, project_stack, razorpay, customer, shop)
    order_id, line = placed["order_id"], placed["items"][0]
    reply = refund(api, staff, order_id, {"items": [{"product_id": line["product_id"], "quantity": 1}],
                                          "reason": "Could not be packed"}, key="staff-1")
    assert reply.status == 202, reply.body
    first = reply.json()
    assert (first["amount"], first["status"], first["order_id"]) == (line["price"], "requested", order_id)
    again = refund(api, staff, order_id, {"items": [{"product_id": line["product_id"], "quantity": 1}],
                                          "reason": "Could not be packed"}, key="staff-1")
    assert again.status == 202 and again.json()["refund_id"] == first["refund_id"]
    assert_problem(refund(api, staff, order_id, {"amount": 100, "reason": "Could not be packed"}, key="staff-1"),
                   409, "idempotency-key-reused")
    left = placed["total"] - line["price"]
    too_much = refund(api, admin, order_id, {"amount": left + 1, "reason": "Goodwill"}, key="admin-1")
    assert assert_problem(too_much, 422, "refund-exceeds-captured")["errors"][0]["field"] == "amount"
    assert refund(api, admin, order_id, {"amount": left, "reason": "Goodwill"}, key="admin-2").status == 202
    drain_refunds(project_stack)
    made = sorted(r["amount"] for r in razorpay.refunds.values() if r["payment_id"] == payment_id)
    assert made == sorted([line["price"], left]) and sum(made) == placed["total"]
    assert_problem(refund(api, admin, order_id, {"amount": 100, "reason": "Goodwill"}, key="admin-3"), 422,
                   "refund-exceeds-captured")


def test_the_refund_routes_bad_input_roles_and_other_stores_orders(
        api: Any, project_stack: Any, customer: User, other_customer: User, admin: User, staff: User,
        other_staff: User, razorpay: RazorpayStandIn, shop: Any) -> None:  # noqa: F811
    placed, _ = paid_order(api, project_stack, razorpay, customer, shop)
    order_id, good = placed["order_id"], {"amount": 500, "reason": "Damaged on arrival"}
    cod = place(api, project_stack, other_customer, shop)

    assert_problem(refund(api, admin, order_id, good, key=None), 400, "idempotency-key-required")
    assert refund(api, None, order_id, good).status == 401  # API Gateway's own answer: no identity source
    assert api.post(f"/admin/orders/{order_id}/refunds", good, headers={
        "Authorization": "Bearer not-a-session", "Idempotency-Key": "k"}).status == 401
    assert_problem(refund(api, customer, order_id, good), 403)  # the order's own customer cancels instead
    assert_problem(refund(api, other_staff, order_id, good), 404)  # another store's order
    assert_problem(refund(api, admin, "ord_" + "0" * 26, good), 404)
    assert_problem(refund(api, admin, "not-an-order", good), 422)
    assert_problem(refund(api, admin, cod.order_id, good), 409, "not-paid-online")
    line = placed["items"][0]
    for body in ({"amount": 500}, {"reason": "x" * 201, "amount": 500}, {"reason": "ok reason"},
                 {"amount": 500, "items": [{"product_id": line["product_id"], "quantity": 1}], "reason": "both"},
                 {"amount": "500", "reason": "a string"}, {"amount": 5.5, "reason": "a float"},
                 {"amount": 99, "reason": "below Razorpay's minimum"}, {"amount": -100, "reason": "negative"},
                 {"amount": 500, "reason": "unknown field", "note": "x"}, {"items": [], "reason": "no items"},
                 {"items": [{"product_id": line["product_id"], "quantity": 0}], "reason": "zero"},
                 {"items": [{"product_id": "prd_" + "0" * 26, "quantity": 1}], "reason": "not in the order"},
                 {"items": [{"product_id": line["product_id"], "quantity": line["quantity"] + 1}],
                  "reason": "more than ordered"},
                 {"amount": 500, "reason": "bell\u0007"}, [good], "not json"):
        reply = refund(api, admin, order_id, body, key="bad-input")
        assert_problem(reply, 422)
    assert_problem(refund(api, admin, order_id, {"amount": 500, "reason": "x" * 200_000}), 413)
    row = payment_row(order_id)
    assert (int(row.refunded), int(row.pending)) == (0, 0)  # nothing above reserved anything
    assert take(project_stack, "RefundsQueue") == []


def test_a_refund_of_items_gives_back_their_share_of_a_scoped_coupon_and_no_more(
        api: Any, project_stack: Any, customer: User, staff: User, razorpay: RazorpayStandIn,
        shop: Any) -> None:  # noqa: F811
    from orders import store as orders_store

    placed, _ = paid_order(api, project_stack, razorpay, customer, shop)
    order_id = placed["order_id"]
    scoped, other = placed["items"][0], placed["items"][1]
    in_scope = int(scoped["price"]) * int(scoped["quantity"])
    # The order as the saga prices one with ₹10 off the first product only (its coupon's `applies_to`).
    record = orders_store.get_order(order_id)
    assert record is not None
    record.update(actions=[type(record).coupon.set({"code": "SCOPED10", "title": "₹10 off", "kind": "flat",
                                                    "discount": 1000, "applies_to": [scoped["product_id"]]})])
    assert order(api, customer, order_id)["coupon"]["applies_to"] == [scoped["product_id"]]

    one = refund(api, staff, order_id, {"items": [{"product_id": scoped["product_id"], "quantity": 1}],
                                        "reason": "Could not be packed"}, key="scoped-1")
    assert one.status == 202, one.body
    assert one.json()["amount"] == int(scoped["price"]) - 1000 * int(scoped["price"]) // in_scope
    outside = refund(api, staff, order_id, {"items": [{"product_id": other["product_id"], "quantity": 1}],
                                            "reason": "Could not be packed"}, key="scoped-2")
    assert outside.status == 202 and outside.json()["amount"] == int(other["price"])  # carried none of it
