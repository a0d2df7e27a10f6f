"""Every order status change reaches the delivery domain (issue 18, item 3): an admin moving an order to
DELIVERED or CANCELLED through `PATCH /orders/{id}/status`, or the saga failing it, frees the partner who
holds it and closes its tracking, exactly as the partner's own routes do; repeated and out-of-order messages
never move a delivery backwards, and never free a partner from the next order he took.

Messages are taken off the queue and run through the job as the pump would (`pump`), so a test can also
run them twice, newest first, or all at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.delivery.conftest import (
    STORE_AT,
    Partner,
    drain,
    packed_order,
    purge,
    register_partner,
    run_assignment,
)
from tests.integration.products_helpers import assert_problem

QUEUE, NOTIFICATIONS = "DeliveryAssignmentQueue", "NotificationsQueue"
OTP = "4821"


def messages_of(stack: Any, order_id: str) -> list[dict[str, Any]]:
    """The order's messages, taken off the delivery queue (others are dropped: earlier tests' delayed retries)."""
    return [m for m in drain(stack, QUEUE) if m["order_id"] == order_id]


def run(stack: Any, *messages: dict[str, Any]) -> None:
    if messages:  # the pump never invokes a function with an empty batch
        assert run_assignment(stack, *messages) == {"batchItemFailures": []}


def pump(stack: Any, order_id: str) -> list[dict[str, Any]]:
    messages = messages_of(stack, order_id)
    run(stack, *messages)
    return messages


def by_version(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(messages, key=lambda m: int(m["version"]))


def set_status(api: Any, admin: Any, order_id: str, *statuses: str) -> None:
    for status in statuses:
        reply = api.patch(f"/orders/{order_id}/status", {"status": status}, token=admin.session_token)
        assert reply.status == 200, reply.body


def pack(api: Any, stack: Any, admin: Any, customer: Any, store_id: str) -> tuple[str, dict[str, Any]]:
    """A CONFIRMED order packed through the status route, its PACKED message run by the job: (order, message)."""
    order_id = packed_order(customer, store_id, otp=OTP, status="CONFIRMED")
    set_status(api, admin, order_id, "PACKED")
    (packed,) = pump(stack, order_id)
    return order_id, packed


def tracking(api: Any, customer: Any, order_id: str) -> dict[str, Any]:
    reply = api.get(f"/delivery/orders/{order_id}/tracking", token=customer.session_token)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def partner_me(api: Any, partner: Partner) -> dict[str, Any]:
    return dict(api.get("/delivery/partners/me", token=partner.token).json())


@pytest.fixture
def on_delivery(api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, store_id: str
                ) -> tuple[Partner, str, dict[str, Any]]:
    """The store's one partner holds a PACKED order: (partner, order, its PACKED message)."""
    purge(project_stack, QUEUE, NOTIFICATIONS)
    partner = register_partner(api, firebase, admin, store_id, at=STORE_AT)
    order_id, packed = pack(api, project_stack, admin, customer, store_id)
    assert partner_me(api, partner)["order_id"] == order_id
    live = tracking(api, customer, order_id)
    assert live["status"] == "PACKED" and live["otp"] == OTP and live["eta_minutes"] is not None
    return partner, order_id, packed


def assert_closed_and_free(api: Any, stack: Any, admin: Any, customer: Any, store_id: str, partner: Partner,
                           order_id: str, final: str) -> str:
    """The delivery shows its final status only, and the partner is free: no assignment, he may go offline and
    back, and he takes the next order packed at his store. Returns that order."""
    me = partner_me(api, partner)
    assert (me["status"], me["order_id"]) == ("available", None), me
    assert_problem(api.get("/delivery/partners/me/assignment", token=partner.token), 404, "no-assignment")
    view = tracking(api, customer, order_id)
    assert view["status"] == final, view
    assert (view["otp"], view["location"], view["eta_minutes"]) == (None, None, None), view
    for status in ("offline", "available"):
        reply = api.patch("/delivery/partners/me/status", {"status": status}, token=partner.token)
        assert reply.status == 200, reply.body
    next_order, _ = pack(api, stack, admin, customer, store_id)
    me = partner_me(api, partner)
    assert (me["status"], me["order_id"]) == ("busy", next_order), me
    return next_order


def test_an_admin_cancel_of_a_packed_order_frees_its_partner_and_closes_tracking(
        api: Any, project_stack: Any, admin: Any, customer: Any, store_id: str, on_delivery: Any) -> None:
    partner, order_id, _ = on_delivery
    set_status(api, admin, order_id, "CANCELLED")
    (cancelled,) = pump(project_stack, order_id)
    assert_closed_and_free(api, project_stack, admin, customer, store_id, partner, order_id, "CANCELLED")
    assert (cancelled["kind"], cancelled["status"]) == ("order_status", "CANCELLED")


@pytest.mark.parametrize("rider_picked_up, admin_moves", [
    (False, ("OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED")),  # from PACKED: the admin takes every step
    (True, ("ARRIVED", "DELIVERED")),  # from OUT_FOR_DELIVERY: the rider picked it up through his route
], ids=["from-PACKED", "from-OUT_FOR_DELIVERY"])
def test_an_admin_delivering_the_order_frees_its_partner_and_closes_tracking(
        api: Any, project_stack: Any, admin: Any, customer: Any, store_id: str, on_delivery: Any,
        rider_picked_up: bool, admin_moves: tuple[str, ...]) -> None:
    partner, order_id, _ = on_delivery
    if rider_picked_up:
        assert api.post(f"/delivery/orders/{order_id}/pickup", token=partner.token).status == 200
        pump(project_stack, order_id)
        assert tracking(api, customer, order_id)["status"] == "OUT_FOR_DELIVERY"
    set_status(api, admin, order_id, *admin_moves)
    sent = pump(project_stack, order_id)
    assert [m["status"] for m in by_version(sent)] == list(admin_moves)
    assert_closed_and_free(api, project_stack, admin, customer, store_id, partner, order_id, "DELIVERED")


@pytest.mark.parametrize("delivered_by", ["admin", "partner"])
def test_an_order_an_admin_marked_arrived_is_delivered_by_either_and_frees_its_partner(
        api: Any, project_stack: Any, admin: Any, customer: Any, store_id: str, on_delivery: Any,
        delivered_by: str) -> None:
    partner, order_id, _ = on_delivery
    assert api.post(f"/delivery/orders/{order_id}/pickup", token=partner.token).status == 200
    set_status(api, admin, order_id, "ARRIVED")
    pump(project_stack, order_id)
    at_the_door = tracking(api, customer, order_id)  # the moment the customer needs the OTP most
    assert at_the_door["status"] == "ARRIVED" and at_the_door["otp"] == OTP and at_the_door["location"] is not None
    if delivered_by == "admin":
        set_status(api, admin, order_id, "DELIVERED")
    else:  # the partner's own route still works from ARRIVED (it used to need OUT_FOR_DELIVERY)
        reply = api.post(f"/delivery/orders/{order_id}/deliver", {"otp": OTP}, token=partner.token)
        assert reply.status == 200 and reply.json()["status"] == "DELIVERED", reply.body
    pump(project_stack, order_id)
    assert_closed_and_free(api, project_stack, admin, customer, store_id, partner, order_id, "DELIVERED")


def test_a_failed_order_frees_its_partner_too(api: Any, project_stack: Any, admin: Any, customer: Any,
                                              store_id: str, on_delivery: Any) -> None:
    # The saga's MarkOrderFailed, run late on an order staff already packed (a CreateOrder whose answer was lost).
    partner, order_id, _ = on_delivery
    failed = project_stack.functions.invoke("MarkOrderFailedFunction", {
        "order_id": order_id, "error": {"Error": "States.TaskFailed", "Cause": "{}"}})
    assert failed["status"] == "FAILED"
    (message,) = pump(project_stack, order_id)
    assert message["status"] == "FAILED"
    assert_closed_and_free(api, project_stack, admin, customer, store_id, partner, order_id, "FAILED")


def test_repeated_and_out_of_order_messages_never_move_a_delivery_backwards(
        api: Any, project_stack: Any, admin: Any, customer: Any, store_id: str, on_delivery: Any) -> None:
    partner, order_id, packed = on_delivery
    set_status(api, admin, order_id, "OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED")
    sent = by_version(messages_of(project_stack, order_id))
    assert [m["status"] for m in sent] == ["OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED"]
    newest_first = sent[::-1]
    run(project_stack, *newest_first, *newest_first)  # the last news first, then all of it again
    from delivery import store

    closed = store.get_delivery(order_id)
    assert closed is not None and closed.status == "DELIVERED" and int(closed.order_version) == sent[-1]["version"]
    next_order = assert_closed_and_free(api, project_stack, admin, customer, store_id, partner, order_id,
                                        "DELIVERED")
    # The old order's news once more, its PACKED message too (a late assignment retry), now that the partner
    # holds the next order: he keeps it, and the old delivery stays as it was.
    run(project_stack, packed, *sent)
    me = partner_me(api, partner)
    assert (me["status"], me["order_id"]) == ("busy", next_order)
    again = store.get_delivery(order_id)
    assert again is not None and (again.status, again.order_version, again.updated_at) == (
        closed.status, closed.order_version, closed.updated_at)


def test_copies_of_a_closing_message_at_once_close_the_delivery_once(
        api: Any, project_stack: Any, admin: Any, customer: Any, store_id: str, on_delivery: Any) -> None:
    partner, order_id, _ = on_delivery
    set_status(api, admin, order_id, "CANCELLED")
    (cancelled,) = messages_of(project_stack, order_id)
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda _: run_assignment(project_stack, cancelled), range(5)))
    assert results == [{"batchItemFailures": []}] * 5
    assert_closed_and_free(api, project_stack, admin, customer, store_id, partner, order_id, "CANCELLED")


def test_a_cancel_heard_before_the_packed_message_still_closes_the_delivery(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, store_id: str) -> None:
    purge(project_stack, QUEUE, NOTIFICATIONS)
    partner = register_partner(api, firebase, admin, store_id, at=STORE_AT)
    order_id = packed_order(customer, store_id, otp=OTP, status="CONFIRMED")
    set_status(api, admin, order_id, "PACKED", "CANCELLED")
    packed, cancelled = by_version(messages_of(project_stack, order_id))
    assert (packed["status"], cancelled["status"]) == ("PACKED", "CANCELLED")
    # The cancel first (there is no delivery yet), then the assignment: orders refuses it and says why.
    run(project_stack, cancelled, packed)
    assert_closed_and_free(api, project_stack, admin, customer, store_id, partner, order_id, "CANCELLED")


def test_an_order_moved_on_before_anyone_was_free_is_followed_and_never_assigned(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, store_id: str) -> None:
    purge(project_stack, QUEUE, NOTIFICATIONS)
    partner = register_partner(api, firebase, admin, store_id, available=False, at=STORE_AT)
    order_id = packed_order(customer, store_id, otp=OTP, status="CONFIRMED")
    set_status(api, admin, order_id, "PACKED")
    (packed,) = pump(project_stack, order_id)  # nobody free: a retry waits in the queue
    set_status(api, admin, order_id, "OUT_FOR_DELIVERY")  # the store sent it with someone off the app
    pump(project_stack, order_id)
    view = tracking(api, customer, order_id)
    assert (view["status"], view["partner"]) == ("OUT_FOR_DELIVERY", None)
    assert api.patch("/delivery/partners/me/status", {"status": "available"}, token=partner.token).status == 200
    run(project_stack, {**packed, "attempt": 1})  # the delayed retry arrives: nothing left to assign
    me = partner_me(api, partner)
    assert (me["status"], me["order_id"]) == ("available", None)
    assert tracking(api, customer, order_id)["status"] == "OUT_FOR_DELIVERY"


def test_the_partners_route_and_an_admin_override_end_in_the_same_state(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, store_id: str) -> None:
    from delivery import store

    purge(project_stack, QUEUE, NOTIFICATIONS)
    partner = register_partner(api, firebase, admin, store_id, at=STORE_AT)

    def final_state(order_id: str) -> dict[str, Any]:
        delivery = store.get_delivery(order_id)
        assert delivery is not None
        order = api.get(f"/orders/{order_id}", token=admin.session_token).json()
        view = {k: v for k, v in tracking(api, customer, order_id).items() if k not in ("order_id", "realtime")}
        return {"tracking": view, "partner": {k: partner_me(api, partner)[k] for k in ("status", "order_id")},
                "delivery": (delivery.status, getattr(delivery, "order_version", None) == order["version"],
                             delivery.picked_up_at is not None, delivery.delivered_at is not None)}

    by_route, _ = pack(api, project_stack, admin, customer, store_id)
    assert api.post(f"/delivery/orders/{by_route}/pickup", token=partner.token).status == 200
    assert api.post(f"/delivery/orders/{by_route}/deliver", {"otp": OTP}, token=partner.token).status == 200
    pump(project_stack, by_route)  # orders' own messages for those moves: already applied, so stale
    by_admin, _ = pack(api, project_stack, admin, customer, store_id)
    set_status(api, admin, by_admin, "OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED")
    pump(project_stack, by_admin)
    assert final_state(by_route) == final_state(by_admin)
    assert final_state(by_admin)["partner"] == {"status": "available", "order_id": None}
    assert final_state(by_admin)["delivery"] == ("DELIVERED", True, True, True)


def test_malformed_status_messages_are_dropped_and_change_nothing(
        api: Any, project_stack: Any, customer: Any, on_delivery: Any) -> None:
    partner, order_id, packed = on_delivery
    closing = {"kind": "order_status", "order_id": order_id, "status": "DELIVERED", "version": 99}
    malformed = [{k: v for k, v in closing.items() if k != "version"},  # no version: cannot be ordered
                 {**closing, "status": "LOST"}, {**closing, "version": 0}, {**closing, "version": "9"},
                 {**closing, "order_id": "ord_nope"}, {**packed, "drop": None}, {**packed, "kind": "steal"}]
    run(project_stack, *malformed)  # dropped (logged), not retried: retrying cannot fix them
    assert partner_me(api, partner)["order_id"] == order_id
    view = tracking(api, customer, order_id)
    assert view["status"] == "PACKED" and view["otp"] == OTP
