"""Assignment: PACKED → the assignment queue → the nearest free partner, claimed once; retries with backoff,
the timeout's alarm metric, cancels that free the partner, and 10 orders racing for 3 partners."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.delivery.conftest import (
    STORE_AT,
    assign,
    assignment_message,
    delayed_count,
    drain,
    packed_order,
    purge,
    register_partner,
    run_assignment,
)
from tests.integration.orders.conftest import place
from tests.integration.products_helpers import assert_problem

QUEUE, NOTIFICATIONS = "DeliveryAssignmentQueue", "NotificationsQueue"


@pytest.fixture(autouse=True)
def _empty_queues(project_stack: Any) -> None:
    purge(project_stack, QUEUE, NOTIFICATIONS)


def test_packing_an_order_assigns_the_nearest_free_partner_and_tells_both(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, shop: Any, staff_of: Any) -> None:
    # A real order through the saga, packed by the store's staff: orders puts the message on the queue.
    placed = place(api, project_stack, customer, shop)
    far = register_partner(api, firebase, admin, shop.store_id, name="Far Rider", at=(STORE_AT[0] + 0.02, STORE_AT[1]))
    near = register_partner(api, firebase, admin, shop.store_id, name="Near Rider", vehicle="Bajaj Pulsar KA02",
                            at=(STORE_AT[0] + 0.001, STORE_AT[1]))
    register_partner(api, firebase, admin, shop.store_id, name="Offline Rider", available=False, at=STORE_AT)
    staff = staff_of(shop.store_id)
    for status in ("CONFIRMED", "PACKED"):
        reply = api.patch(f"/orders/{placed.order_id}/status", {"status": status}, token=staff.session_token)
        assert reply.status == 200, reply.body
    drain(project_stack, NOTIFICATIONS)
    # What orders put on the queue, one message per status change, run as the pump would.
    confirmed, message = sorted((m for m in drain(project_stack, QUEUE) if m["order_id"] == placed.order_id),
                                key=lambda m: m["version"])
    assert [(m["kind"], m["status"]) for m in (confirmed, message)] == [("order_status", "CONFIRMED"),
                                                                        ("order_status", "PACKED")]
    assert message["version"] == confirmed["version"] + 1
    assert message["store_id"] == shop.store_id and message["otp"]
    assert run_assignment(project_stack, confirmed, message) == {"batchItemFailures": []}

    order = api.get(f"/orders/{placed.order_id}", token=customer.session_token).json()
    assert order["partner_id"] == near.uid and order["status"] == "PACKED"
    assert order["delivery_otp"] and len(order["delivery_otp"]) == 4
    assignment = api.get("/delivery/partners/me/assignment", token=near.token)
    assert assignment.status == 200, assignment.body
    got = assignment.json()
    assert got["order_id"] == placed.order_id and got["pickup"]["lat"] == STORE_AT[0]
    assert got["drop"]["address"].startswith("12, 4th Cross") and got["eta_minutes"] >= 1
    assert_problem(api.get("/delivery/partners/me/assignment", token=far.token), 404, "no-assignment")
    assert api.get("/delivery/partners/me", token=near.token).json()["status"] == "busy"
    assert api.get("/delivery/partners/me", token=far.token).json()["status"] == "available"

    sent = {(m["type"], m["user_id"]): m for m in drain(project_stack, NOTIFICATIONS)}
    to_partner = sent[("delivery.assignment", near.uid)]
    assert to_partner["channels"] == ["push", "in_app"]
    assert to_partner["data"]["order_id"] == placed.order_id and to_partner["data"]["drop_address"]
    assert {"store_name", "store_lat", "store_lng", "drop_lat", "drop_lng"} <= set(to_partner["data"])
    to_customer = sent[("delivery.partner_assigned", customer.uid)]
    assert to_customer["data"] == {"order_id": placed.order_id, "partner_name": "Near Rider",
                                   "vehicle": "Bajaj Pulsar KA02", "eta_minutes": got["eta_minutes"]}
    assert to_customer["idempotency_key"] == f"{placed.order_id}:partner_assigned"
    # The message again (SQS delivers at least once): nothing changes, the same notices (deduplicated by key).
    assert run_assignment(project_stack, assignment_message(placed.order_id)) == {"batchItemFailures": []}
    assert api.get(f"/orders/{placed.order_id}", token=customer.session_token).json()["partner_id"] == near.uid
    assert {m["idempotency_key"] for m in drain(project_stack, NOTIFICATIONS)} == {
        to_partner["idempotency_key"], to_customer["idempotency_key"]}


def test_nobody_free_retries_with_a_growing_delay_then_gives_up_with_the_metric(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, store_id: str,
        capsys: Any) -> None:
    order_id = packed_order(customer, store_id)
    register_partner(api, firebase, admin, store_id, available=False, at=STORE_AT)  # offline: not a candidate
    assert run_assignment(project_stack, assignment_message(order_id)) == {"batchItemFailures": []}
    assert delayed_count(project_stack, QUEUE) == 1  # re-sent with a delay: not visible yet
    assert drain(project_stack, QUEUE) == []
    time.sleep(5.2)  # attempt 0 waits 5 s
    (retry,) = drain(project_stack, QUEUE)
    assert retry["attempt"] == 1 and retry["order_id"] == order_id and retry["first_try_at"] <= time.time()
    run_assignment(project_stack, retry)
    assert delayed_count(project_stack, QUEUE) == 1  # attempt 1 waits 10 s
    # Past ASSIGNMENT_TIMEOUT_SECONDS (600 by default): no more retries, the UnassignedOrders metric.
    capsys.readouterr()
    expired = {**retry, "attempt": 7, "first_try_at": time.time() - 601}
    assert run_assignment(project_stack, expired) == {"batchItemFailures": []}
    assert delayed_count(project_stack, QUEUE) == 1 and drain(project_stack, QUEUE) == []  # only attempt 1's
    assert '"UnassignedOrders"' in capsys.readouterr().out
    from delivery import store

    delivery = store.get_delivery(order_id)
    assert delivery is not None and delivery.status == "UNASSIGNED" and delivery.partner_id is None


def test_ten_orders_racing_for_three_partners_take_each_partner_once(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, store_id: str) -> None:
    partners = [register_partner(api, firebase, admin, store_id, name=f"Rider {i}",
                                 at=(STORE_AT[0] + 0.001 * (i + 1), STORE_AT[1])) for i in range(3)]
    orders = [packed_order(customer, store_id) for _ in range(10)]
    messages = [assignment_message(o) for o in orders]
    waiting = delayed_count(project_stack, QUEUE)  # earlier tests' retries may still be in their delay
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda m: run_assignment(project_stack, m), messages))
    assert results == [{"batchItemFailures": []}] * 10
    from delivery import store
    from orders.store import get_order

    taken = {o: store.get_delivery(o).partner_id for o in orders}  # type: ignore[union-attr]
    assigned = {o: p for o, p in taken.items() if p}
    assert len(assigned) == 3 and set(assigned.values()) == {p.uid for p in partners}  # nobody twice
    for order_id, partner_id in taken.items():
        assert get_order(order_id).partner_id == partner_id  # type: ignore[union-attr]
    for partner in partners:
        me = api.get("/delivery/partners/me", token=partner.token).json()
        assert me["status"] == "busy" and assigned[me["order_id"]] == partner.uid
    assert delayed_count(project_stack, QUEUE) == waiting + 7  # the rest wait for their retry
    time.sleep(5.2)
    retried = [m for m in drain(project_stack, QUEUE) if m["order_id"] in orders]  # not earlier tests' retries
    assert sorted(m["order_id"] for m in retried) == sorted(set(orders) - set(assigned))
    assert {m["attempt"] for m in retried} == {1}


def test_a_cancel_after_assignment_frees_the_partner(api: Any, firebase: Any, project_stack: Any, admin: Any,
                                                     customer: Any, store_id: str) -> None:
    partner = register_partner(api, firebase, admin, store_id, at=STORE_AT)
    order_id = packed_order(customer, store_id)
    assign(project_stack, order_id)
    reply = api.post(f"/orders/{order_id}/cancel", {"reason": "Customer not home"}, token=admin.session_token)
    assert reply.status == 200, reply.body
    # Only this order's messages: an earlier test's retry (queued with a delay) may surface meanwhile.
    (release,) = [m for m in drain(project_stack, QUEUE) if m["order_id"] == order_id]
    assert (release["kind"], release["status"]) == ("order_status", "CANCELLED")
    assert run_assignment(project_stack, release) == {"batchItemFailures": []}
    me = api.get("/delivery/partners/me", token=partner.token).json()
    assert me["status"] == "available" and me["order_id"] is None
    assert_problem(api.post(f"/delivery/orders/{order_id}/pickup", token=partner.token), 409)


def test_an_order_cancelled_before_assignment_is_abandoned_and_frees_its_claim(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, store_id: str) -> None:
    partner = register_partner(api, firebase, admin, store_id, at=STORE_AT)
    order_id = packed_order(customer, store_id)
    message = assignment_message(order_id)
    assert api.post(f"/orders/{order_id}/cancel", {"reason": "changed my mind"},
                    token=admin.session_token).status == 200
    purge(project_stack, QUEUE)
    assert run_assignment(project_stack, message) == {"batchItemFailures": []}  # orders refuses: not PACKED
    me = api.get("/delivery/partners/me", token=partner.token).json()
    assert me["status"] == "available" and me["order_id"] is None
    # Abandoned: no retry queued for it. Counting delayed messages is not enough (an earlier test's retry may
    # come out of its delay meanwhile), so wait out the retry delay and look for this order's message.
    time.sleep(5.2)
    assert [m for m in drain(project_stack, QUEUE) if m["order_id"] == order_id] == []


def test_malformed_messages_are_dropped_and_failures_are_reported_per_record(
        api: Any, project_stack: Any, customer: Any, store_id: str) -> None:
    from tests.integration.delivery.conftest import sqs_event

    good = assignment_message(packed_order(customer, store_id))
    broken = {**good, "store_id": "sto_" + "Z" * 26}  # products does not know it: this record fails
    event = sqs_event(good, broken)
    event["Records"].append({**event["Records"][0], "messageId": "not-json", "body": "{oops"})
    result = project_stack.functions.invoke("AssignPartnerFunction", event)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_each_record_of_a_batch_logs_and_forwards_its_own_correlation_id(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, store_id: str) -> None:
    from tests.integration.log_helpers import captured_log_lines

    for name in ("Rider One", "Rider Two"):
        register_partner(api, firebase, admin, store_id, name=name, at=STORE_AT)
    orders = {packed_order(customer, store_id): "corr-first", packed_order(customer, store_id): "corr-second"}
    messages = [assignment_message(order_id, correlation_id=corr) for order_id, corr in orders.items()]
    with captured_log_lines() as lines:
        assert run_assignment(project_stack, *messages) == {"batchItemFailures": []}

    job = [line for line in lines if line["function_name"] == "AssignPartnerFunction"]
    assert job and {line["service"] for line in job} == {"delivery"}
    outcomes = {line["order_id"]: line for line in job if line["message"] == "assignment"}
    assert {order_id: line["correlation_id"] for order_id, line in outcomes.items()} == orders
    # Every line carries one record's id: the job's, and those of the orders route each record called with it.
    assert {line["function_name"] for line in lines} == {"AssignPartnerFunction", "OrdersDeliveryInternalFunction"}
    assert all(line["request_id"] == line["correlation_id"] in orders.values() for line in lines), lines
    # The notices each record sends carry its id on (to the notifications consumer's lines).
    sent = drain(project_stack, NOTIFICATIONS)
    assert sent and {m["data"]["order_id"]: m["correlation_id"] for m in sent} == orders
