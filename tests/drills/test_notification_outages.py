"""Drills on the notifications queue, fed by real checkouts (the saga's Notify step), delivered by the stack's
SQS pump (ReportBatchItemFailures; a failed record is visible again at once; moto moves it to the DLQ on
the receive after maxReceiveCount = 5) to the consumer, which sends through the real Resend and FCM SDKs
to the loopback receivers.

- Resend down: checkouts still succeed (nothing on the request path waits for email). The push and the
  inbox item go out at once; the email is retried with the message. An outage longer than the five
  receives parks the message in the DLQ; once Resend is back an operator's redrive sends the email,
  once, and nothing else again.
- A poison message among real order traffic: retried, then dead-lettered after 5 receives, intact for
  someone to read; every real message around it is delivered exactly once.
- Duplicated deliveries of a real order message (two copies in one batch, handled at the same time, and
  a late third): one email, one push, one inbox item.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.integration.conftest import sign_up_and_login
from tests.integration.notifications.conftest import _notifications_clients, inbox, queue_url, with_contact  # noqa: F401
from tests.integration.orders.conftest import add_address, checkout, fill_cart, order, wait_done


def place_order(api: Any, stack: Any, user: Any, shop: Any) -> str:
    address_id = add_address(api, user)
    fill_cart(api, user, shop, {0: 3})
    reply = checkout(api, user, address_id)
    assert reply.status == 202, reply.body
    order_id = str(reply.json()["order_id"])
    assert wait_done(stack, order_id)["status"] == "SUCCEEDED"
    assert order(api, user, order_id)["status"] == "PLACED"
    return order_id


def dead_letters(stack: Any) -> list[dict[str, Any]]:
    """A look at everything in the DLQ, with receive counts; the messages stay there, visible."""
    sqs = boto3.client("sqs")
    url = queue_url(stack, "NotificationsDeadLetterQueue")
    found: list[dict[str, Any]] = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                                     AttributeNames=["ApproximateReceiveCount"]).get("Messages", []):
        found.extend(got)
    for m in found:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    return found


def recipients(emails: list[dict[str, Any]]) -> list[str]:
    return sorted(to for e in emails for to in (e["to"] if isinstance(e["to"], list) else [e["to"]]))


def redrive(stack: Any) -> int:
    """What an operator does once the cause is fixed: move every DLQ message back to the queue."""
    sqs = boto3.client("sqs")
    dlq, main = queue_url(stack, "NotificationsDeadLetterQueue"), queue_url(stack, "NotificationsQueue")
    moved = 0
    while True:
        got = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
                                  ).get("Messages", [])
        if not got:
            return moved
        for m in got:
            sqs.send_message(QueueUrl=main, MessageBody=m["Body"], MessageAttributes=m.get("MessageAttributes", {}))
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
            moved += 1


def test_resend_down_checkouts_succeed_push_goes_out_email_waits_in_the_dlq_then_is_sent_once(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    receivers = project_stack.receivers
    with_contact(api, customer, email="asha@example.com", devices=1)
    receivers.fail_next("email", 503, count=5)  # Resend answers 503 for the next five sends: a long outage

    order_id = place_order(api, project_stack, customer, shop)  # the request path never waits for email

    receives = 0
    while (stats := project_stack.pump.run_once()).received:
        assert (stats.received, stats.failed) == (1, 1)  # the email failed; the record comes back
        receives += 1
    assert receives == 5  # then the sixth receive moved it to the DLQ
    parked = dead_letters(project_stack)
    assert [json.loads(m["Body"])["type"] for m in parked] == ["order.placed"]
    assert json.loads(parked[0]["Body"])["data"]["order_id"] == order_id
    assert receivers.calls("email") == 5 and receivers.emails == []
    assert len(receivers.pushes) == 1 and receivers.calls("push") == 1  # sent on the first receive only
    assert len(inbox(api, customer)["notifications"]) == 1

    # Resend is back; the operator redrives the DLQ.
    assert redrive(project_stack) == 1
    stats = project_stack.pump.drain()
    assert (stats.received, stats.deleted, stats.failed) == (1, 1, 0)
    assert recipients(receivers.emails) == ["asha@example.com"]
    assert receivers.calls("email") == 6
    assert len(receivers.pushes) == 1 and receivers.calls("push") == 1  # not sent again
    assert len(inbox(api, customer)["notifications"]) == 1
    assert dead_letters(project_stack) == []


def test_a_poison_message_among_real_orders_is_dead_lettered_and_the_orders_are_notified_once(
        api: Any, project_stack: Any, firebase: Any, shop: Any) -> None:
    receivers = project_stack.receivers
    customers = [sign_up_and_login(api, firebase) for _ in range(3)]
    for user in customers:
        with_contact(api, user, email=f"{user.uid[:8].lower()}@example.com", devices=1)
    sqs = boto3.client("sqs")
    poison = '{"type": "order.placed", "user_id": '  # cut off mid-write: not JSON
    sqs.send_message(QueueUrl=queue_url(project_stack, "NotificationsQueue"), MessageBody=poison)
    orders = [place_order(api, project_stack, user, shop) for user in customers]

    stats = project_stack.pump.drain()
    assert stats.received == 4 + 4  # the four first receives, then the poison's four retries
    assert stats.deleted == 3
    parked = dead_letters(project_stack)
    assert [m["Body"] for m in parked] == [poison]  # intact, for someone to look at
    assert int(parked[0]["Attributes"]["ApproximateReceiveCount"]) >= 5
    assert len(receivers.emails) == 3 and len(receivers.pushes) == 3
    assert recipients(receivers.emails) == sorted(f"{u.uid[:8].lower()}@example.com" for u in customers)
    for user, order_id in zip(customers, orders, strict=True):
        items = inbox(api, user)["notifications"]
        assert [i["data"]["order_id"] for i in items] == [order_id]


def test_a_real_order_message_delivered_three_times_two_at_once_notifies_once(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    receivers = project_stack.receivers
    with_contact(api, customer, email="asha@example.com", devices=1)
    place_order(api, project_stack, customer, shop)
    sqs = boto3.client("sqs")
    url = queue_url(project_stack, "NotificationsQueue")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    assert len(got) == 1
    original = got[0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=original["ReceiptHandle"])
    for _ in range(2):  # two copies in one batch: the consumer handles a batch's records at the same time
        sqs.send_message(QueueUrl=url, MessageBody=original["Body"],
                         MessageAttributes=original.get("MessageAttributes", {}))

    project_stack.pump.drain()
    sqs.send_message(QueueUrl=url, MessageBody=original["Body"])  # and a late copy
    project_stack.pump.drain()

    assert len(receivers.emails) == 1 and receivers.calls("email") == 1
    assert len(receivers.pushes) == 1 and receivers.calls("push") == 1
    assert len(inbox(api, customer)["notifications"]) == 1
    assert dead_letters(project_stack) == []
