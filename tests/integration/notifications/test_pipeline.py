"""The notification pipeline through the local stack: the real queue and pump, the consumer, auth's internal
routes over loopback HTTP, and the Resend and FCM SDKs talking to the loopback receivers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from tests.integration.conftest import User
from tests.integration.notifications.conftest import (
    drain,
    inbox,
    order_message,
    pump,
    queued,
    send,
    with_contact,
)


def _delivery(key: str) -> dict[str, str]:
    from notifications import store

    return {channel: record.status for channel, record in store.delivery_states(key).items()}


def _contact(api: Any, user: User) -> dict[str, Any]:
    reply = api.get(f"/internal/users/{user.uid}/contact")
    assert reply.status == 200, reply.body
    return dict(reply.json())


def test_an_order_message_goes_out_on_every_channel_with_the_branded_email(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    tokens = with_contact(api, customer, devices=2)
    send(project_stack, order_message(customer, eta_minutes={"min": 12, "max": 17}))

    stats = pump(project_stack)

    assert (stats.received, stats.deleted, stats.failed) == (1, 1, 0)
    (mail,) = receivers.emails
    assert mail["to"] == ["asha@example.com"] and mail["from"] == "Blinkit <orders@blinkit.example>"
    assert mail["subject"] == "Your Blinkit order is placed (₹274)"
    html = mail["html"]
    assert "Alphonso Mango 1 kg" in html and "₹216" in html and "Grand total" in html and "₹274" in html
    assert "https://blinkit.example/orders/ord_01JK8ZB2D4F6H8K0M2P4R6T8V0" in html
    assert "Manage notification preferences" in html and "#F8CB46" in html
    assert "2 x Amul Taaza Toned Milk 500 ml @ ₹27 = ₹54" in mail["text"]
    assert Path(mail["file"]).read_text(encoding="utf-8") == html  # the outbox a newcomer opens in a browser
    pushes = receivers.pushes
    assert sorted(p["token"] for p in pushes) == sorted(tokens)
    assert {p["notification"]["title"] for p in pushes} == {"Order placed"}
    assert {p["data"]["deep_link"] for p in pushes} == {"blinkit://orders/ord_01JK8ZB2D4F6H8K0M2P4R6T8V0"}
    (item,) = inbox(api, customer)["notifications"]
    assert item["type"] == "order.placed" and item["title"] == "Order placed"
    assert item["body"] == ("We've received your order of ₹274. It should reach you in 12-17 minutes. "
                            "Bill: Item total ₹270.00, Handling fee ₹4.00.")  # the push has the first two only
    assert {p["notification"]["body"] for p in pushes} == {
        "We've received your order of ₹274. It should reach you in 12-17 minutes."}
    assert "items" not in item["data"] and item["read_at"] is None
    key = order_message(customer)["idempotency_key"]
    assert _delivery(key) == {"in_app": "sent", "email": "sent", "push": "sent"}


def test_the_same_message_delivered_twice_sends_one_email_one_push_and_one_inbox_item(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    with_contact(api, customer)
    message = order_message(customer, "CONFIRMED")
    send(project_stack, message)
    pump(project_stack)
    send(project_stack, message)  # the producer retried, or SQS delivered it again
    stats = pump(project_stack)

    assert (stats.received, stats.deleted) == (1, 1)
    assert len(receivers.emails) == 1 and len(receivers.pushes) == 1
    assert len(inbox(api, customer)["notifications"]) == 1
    assert receivers.calls("email") == 1 and receivers.calls("push") == 1


def test_an_email_failing_with_500_is_retried_alone_while_the_push_is_not_sent_again(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    with_contact(api, customer)
    receivers.fail_next("email", 500)
    message = order_message(customer, "PACKED")
    send(project_stack, message)

    first = pump(project_stack)
    assert (first.received, first.deleted, first.failed) == (1, 0, 1)
    assert receivers.emails == [] and len(receivers.pushes) == 1
    assert _delivery(message["idempotency_key"]) == {"in_app": "sent", "email": "retry", "push": "sent"}

    second = pump(project_stack)
    assert (second.received, second.deleted, second.failed) == (1, 1, 0)
    assert len(receivers.emails) == 1 and len(receivers.pushes) == 1  # only the email went out again
    assert receivers.calls("email") == 2 and receivers.calls("push") == 1
    assert len(inbox(api, customer)["notifications"]) == 1


def test_a_token_fcm_reports_unregistered_is_removed_from_the_user(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    live, dead = with_contact(api, customer, email=None, devices=2)
    receivers.unregister(dead)
    send(project_stack, order_message(customer, "OUT_FOR_DELIVERY"))

    stats = pump(project_stack)

    assert (stats.deleted, stats.failed) == (1, 0)  # permanent for that token: not retried
    assert [p["token"] for p in receivers.pushes] == [live]
    assert receivers.pushes[0]["data"]["deep_link"] == "blinkit://orders/ord_01JK8ZB2D4F6H8K0M2P4R6T8V0/track"
    assert _contact(api, customer)["device_tokens"] == [live]


def test_resend_422_is_recorded_as_permanent_and_never_retried(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    with_contact(api, customer, email="nobody@invalid.example", devices=0)
    receivers.fail_next("email", 422, match="nobody@invalid.example")
    message = order_message(customer, "DELIVERED")
    send(project_stack, message)

    stats = pump(project_stack)
    send(project_stack, message)  # even a redelivery does not try the address again
    again = pump(project_stack)

    assert (stats.deleted, stats.failed, again.deleted) == (1, 0, 1)
    assert receivers.emails == [] and receivers.calls("email") == 1
    assert _delivery(message["idempotency_key"]) == {"in_app": "sent", "email": "permanent", "push": "skipped"}


def test_resend_429_is_retried_until_it_goes_through(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    with_contact(api, customer, devices=0)
    receivers.fail_next("email", 429, count=2)
    send(project_stack, order_message(customer, "ARRIVED"))

    stats = drain(project_stack)

    assert (stats.batches, stats.failed, stats.deleted) == (3, 2, 1)
    assert len(receivers.emails) == 1 and receivers.calls("email") == 3
    assert receivers.emails[0]["subject"] == "Your Blinkit order has arrived"


def test_a_batch_of_ten_with_one_poison_message_delivers_nine_and_dead_letters_the_poison(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    with_contact(api, customer, devices=0)
    good = [order_message(customer, "CONFIRMED", key=f"batch-{i}") for i in range(9)]
    send(project_stack, *good[:4], "{this is not json", *good[4:])

    first = pump(project_stack)
    assert (first.received, first.deleted, first.failed) == (10, 9, 1)
    receives = 1
    while True:
        stats = pump(project_stack)
        if stats.received == 0:
            break
        assert (stats.received, stats.failed) == (1, 1)
        receives += 1
    assert receives == 5  # maxReceiveCount: the sixth receive moves it to the DLQ instead
    assert queued(project_stack, "NotificationsDeadLetterQueue") == ["{this is not json"]
    assert len(receivers.emails) == 9 and len(inbox(api, customer, "limit=20")["notifications"]) == 9


def test_preferences_decide_the_channels_and_order_updates_stay_in_the_inbox(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    with_contact(api, customer)
    reply = api.put("/notifications/preferences", {"order_updates": {"email": False, "push": False},
                                                    "custom": {"in_app": False, "email": False, "push": False}},
                    token=customer.session_token)
    assert reply.status == 200, reply.body
    message = order_message(customer, "CANCELLED", reason="Ordered by mistake")
    custom = {"type": "custom", "user_id": customer.uid, "data": {"title": "Hello", "body": "A sale"},
              "idempotency_key": "custom:job:1"}
    send(project_stack, message, custom)

    pump(project_stack)

    assert receivers.emails == [] and receivers.pushes == []
    (item,) = inbox(api, customer)["notifications"]
    assert item["title"] == "Order cancelled" and "Ordered by mistake" in item["body"]


def test_the_channels_a_producer_names_are_the_only_ones_used(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    (token,) = with_contact(api, customer)
    send(project_stack, {"type": "delivery.assignment", "user_id": customer.uid, "channels": ["push", "in_app"],
                         "idempotency_key": "assign:ord_1:p1",
                         "data": {"order_id": "ord_01JK8ZB2D4F6H8K0M2P4R6T8V0", "store_name": "Blinkit Indiranagar",
                                  "store_lat": 12.97, "store_lng": 77.64, "drop_address": "12, 4th Cross, Indiranagar",
                                  "drop_lat": 12.98, "drop_lng": 77.64}})

    pump(project_stack)

    assert receivers.emails == []
    (push,) = receivers.pushes
    assert push["token"] == token and push["data"]["deep_link"] == "blinkit://delivery/assignment"
    assert push["notification"]["title"] == "New delivery: pick up at Blinkit Indiranagar"


def test_an_unknown_type_is_recorded_as_permanent_and_not_retried(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    with_contact(api, customer)
    send(project_stack, {"type": "order.teleported", "user_id": customer.uid, "data": {},
                         "idempotency_key": "weird-1"})

    stats = pump(project_stack)

    assert (stats.deleted, stats.failed) == (1, 0)
    assert receivers.calls("email") == receivers.calls("push") == 0
    assert _delivery("weird-1") == {"message": "permanent"}


def test_a_message_missing_the_data_its_type_needs_is_retried_towards_the_dlq(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    with_contact(api, customer)
    send(project_stack, {"type": "delivery.rider_nearby", "user_id": customer.uid, "data": {"order_id": "ord_1"},
                         "idempotency_key": "nearby-1"})

    stats = pump(project_stack)

    assert (stats.deleted, stats.failed) == (0, 1)
    assert receivers.calls("email") == receivers.calls("push") == 0
    assert inbox(api, customer)["notifications"] == []


def test_a_user_without_email_or_devices_still_gets_the_inbox_item(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    message = order_message(customer, "FAILED", reason="OUT_OF_STOCK", total=None)
    send(project_stack, message)

    stats = pump(project_stack)

    assert stats.deleted == 1
    assert receivers.calls("email") == receivers.calls("push") == 0
    (item,) = inbox(api, customer)["notifications"]
    assert item["body"] == "Some items just went out of stock. Nothing was charged."
    assert _delivery(message["idempotency_key"]) == {"in_app": "sent", "email": "skipped", "push": "skipped"}


def test_an_admin_broadcast_to_named_users_fans_out_through_the_queue(
        api: Any, admin: User, customer: User, other_customer: User, project_stack: Any, receivers: Any) -> None:
    with_contact(api, customer, email="a@example.com")
    with_contact(api, other_customer, email="b@example.com")
    body = {"user_ids": [customer.uid, other_customer.uid], "title": "Mango season",
            "body": "Alphonso mangoes in 10 minutes", "channels": ["in_app", "email"],
            "deep_link": "blinkit://categories/fruits"}
    reply = api.post("/notifications/custom", body, token=admin.session_token)
    assert reply.status == 202, reply.body
    assert reply.json()["recipients"] == 2

    drain(project_stack)

    assert sorted(m["to"][0] for m in receivers.emails) == ["a@example.com", "b@example.com"]
    assert {m["subject"] for m in receivers.emails} == {"Mango season"}
    assert "https://blinkit.example/categories/fruits" in receivers.emails[0]["html"]
    assert receivers.pushes == []
    for user in (customer, other_customer):
        (item,) = inbox(api, user)["notifications"]
        assert (item["type"], item["title"], item["deep_link"]) == ("custom", "Mango season",
                                                                     "blinkit://categories/fruits")
    assert inbox(api, admin)["notifications"] == []


def test_a_broadcast_to_everyone_pages_through_auth_and_continues_in_new_messages(
        api: Any, admin: User, customer: User, other_customer: User, project_stack: Any, receivers: Any,
        monkeypatch: Any) -> None:
    from notifications import jobs

    monkeypatch.setattr(jobs, "FANOUT_PAGE_SIZE", 1)
    monkeypatch.setattr(jobs, "FANOUT_PAGES", 1)  # one user per fan-out message: continuations must chain
    reply = api.post("/notifications/custom", {"audience": "all", "title": "Hi", "body": "Welcome",
                                               "channels": ["in_app"]}, token=admin.session_token)
    assert reply.status == 202, reply.body
    assert reply.json()["recipients"] is None

    drain(project_stack)

    for user in (admin, customer, other_customer):
        assert [n["title"] for n in inbox(api, user)["notifications"]] == ["Hi"]
    assert receivers.emails == []


def test_the_consumer_sample_event_runs(project_stack: Any, receivers: Any) -> None:
    from tests.unit.test_template import load_event

    event = load_event("NotificationsConsumerFunction")
    # Its user does not exist in the empty test tables: the inbox item is stored, email and push skipped.
    result = project_stack.functions.invoke("NotificationsConsumerFunction", event)
    assert result == {"batchItemFailures": []}
    table = boto3.resource("dynamodb").Table("NotificationsTable")
    items = table.query(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": "USER#demo-customer-uid"})
    assert [json.loads(json.dumps(i["title"])) for i in items["Items"]] == ["Order placed"]


def test_a_push_that_fails_for_one_device_is_retried_for_that_device_only(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    first_token, second_token = with_contact(api, customer, email=None, devices=2)
    receivers.fail_next("push", 429, match=first_token)  # FCM QUOTA_EXCEEDED: transient
    message = order_message(customer, "OUT_FOR_DELIVERY", key="push-partial")
    send(project_stack, message)

    first = pump(project_stack)
    assert (first.deleted, first.failed) == (0, 1)
    assert [p["token"] for p in receivers.pushes] == [second_token]

    second = pump(project_stack)
    assert (second.deleted, second.failed) == (1, 0)
    assert [p["token"] for p in receivers.pushes] == [second_token, first_token]  # the second device once
    assert _delivery("push-partial")["push"] == "sent"
    assert _contact(api, customer)["device_tokens"] != []  # a transient failure removes no token


def test_each_record_logs_its_own_correlation_id_on_its_worker_thread(
        api: Any, customer: User, other_customer: User, project_stack: Any) -> None:
    from tests.integration.log_helpers import captured_log_lines

    with_contact(api, customer)
    with_contact(api, other_customer)
    ids = {customer.uid: "corr-asha", other_customer.uid: "corr-ravi"}
    send(project_stack, *[{**order_message(user), "correlation_id": ids[user.uid]}
                          for user in (customer, other_customer)])
    with captured_log_lines() as lines:
        stats = pump(project_stack)
    assert (stats.received, stats.deleted, stats.failed) == (2, 2, 0)

    delivered = [line for line in lines if line["message"] == "notification delivered"]
    assert {line["user_id"]: line["correlation_id"] for line in delivered} == ids
    consumer = [line for line in lines if line["function_name"] == "NotificationsConsumerFunction"]
    assert {line["service"] for line in consumer} == {"notifications"} and len(consumer) >= len(delivered)
    # The contact lookups each record makes carry its id to auth's lines too (x-request-id).
    contact = [line for line in lines if line["function_name"] == "UsersContactInternalFunction"]
    assert {line["correlation_id"] for line in contact} == set(ids.values())
    assert all(line["request_id"] == line["correlation_id"] in ids.values() for line in lines), lines
