"""DynamoDB calls per notification message (issue 17: at most 6 for 3 channels), counted exactly with a botocore
counter, and the paths of the one-record design that only a counter or a stale read can show: a claim made on
a record another delivery changed meanwhile, and an inbox item whose delivery record has expired."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.integration.conftest import User
from tests.integration.dynamodb_spy import spy_dynamodb
from tests.integration.notifications.conftest import inbox, order_message, pump, send, with_contact

GOAL = 6  # DynamoDB calls per message for 3 channels


def _tables(params: dict[str, Any]) -> set[str]:
    """The tables one DynamoDB request touches (a batch or a transaction may name several)."""
    names = {params.get("TableName")} | set(params.get("RequestItems") or {})
    for item in params.get("TransactItems") or []:
        names |= {op.get("TableName") for op in item.values()}
    return {name for name in names if name}


@pytest.fixture
def notification_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """DynamoDB operations on the notifications table, from any thread (the consumer sends from worker
    threads); auth's reads for the contact lookup are other tables and are not counted."""
    from blinkit.settings import get_settings

    table = get_settings().notifications_table
    calls: Counter[str] = Counter()
    lock = threading.Lock()

    def counted(operation: str, params: dict[str, Any]) -> None:
        if table in _tables(params):
            with lock:
                calls[operation] += 1

    spy_dynamodb(monkeypatch, counted)
    yield calls


def test_a_message_on_three_channels_costs_three_dynamodb_calls(
        api: Any, customer: User, project_stack: Any, receivers: Any, notification_calls: Counter[str]) -> None:
    with_contact(api, customer, devices=1)
    message = order_message(customer, "CONFIRMED", key="calls-three-channels")
    send(project_stack, message)

    notification_calls.clear()
    stats = pump(project_stack)

    assert (stats.received, stats.deleted, stats.failed) == (1, 1, 0)
    assert len(receivers.emails) == 1 and len(receivers.pushes) == 1
    # Preferences and the message's record read together; every channel claimed, with the inbox item put, in
    # one transaction; the email's and the push's outcomes recorded in one update.
    assert dict(notification_calls) == {"BatchGetItem": 1, "TransactWriteItems": 1, "UpdateItem": 1}
    assert sum(notification_calls.values()) <= GOAL

    notification_calls.clear()
    send(project_stack, message)  # a redelivery: one read finds every channel done
    again = pump(project_stack)

    assert (again.deleted, again.failed) == (1, 0)
    assert dict(notification_calls) == {"BatchGetItem": 1}
    assert len(receivers.emails) == 1 and len(receivers.pushes) == 1
    assert len(inbox(api, customer)["notifications"]) == 1


def test_a_retried_email_costs_a_read_a_claim_and_a_record(
        api: Any, customer: User, project_stack: Any, receivers: Any, notification_calls: Counter[str]) -> None:
    with_contact(api, customer, devices=1)
    receivers.fail_next("email", 500)
    send(project_stack, order_message(customer, "PACKED", key="calls-email-retry"))
    first = pump(project_stack)
    assert (first.deleted, first.failed) == (0, 1)

    notification_calls.clear()
    second = pump(project_stack)

    assert (second.deleted, second.failed) == (1, 0)
    assert dict(notification_calls) == {"BatchGetItem": 1, "UpdateItem": 2}  # no inbox put: in_app is done
    assert len(receivers.emails) == 1 and receivers.calls("push") == 1


def test_a_delivery_that_read_before_another_finished_claims_nothing_and_sends_nothing(
        api: Any, customer: User, project_stack: Any, receivers: Any, notification_calls: Counter[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two deliveries of one message: the second read the record before the first wrote anything. Its claim,
    made on the record as it read it, fails; it reads again and finds every channel done."""
    from notifications import store

    with_contact(api, customer, devices=1)
    message = order_message(customer, "CONFIRMED", key="calls-stale-read")
    stale = store.load(customer.uid, message["idempotency_key"])
    assert stale[1] is None  # nothing recorded yet
    send(project_stack, message)
    pump(project_stack)  # the first delivery sends everything
    assert len(receivers.emails) == 1 and len(receivers.pushes) == 1

    real_load = store.load
    monkeypatch.setattr(store, "load", lambda uid, key: stale if key == message["idempotency_key"]
                        else real_load(uid, key))
    notification_calls.clear()
    send(project_stack, message)
    stats = pump(project_stack)

    assert (stats.deleted, stats.failed) == (1, 0)
    assert len(receivers.emails) == 1 and len(receivers.pushes) == 1 and receivers.calls("email") == 1
    # The read is the stale one (not sent: patched); the claim fails on the version; the fresh read is a GetItem.
    assert dict(notification_calls) == {"TransactWriteItems": 1, "GetItem": 1}
    assert len(inbox(api, customer)["notifications"]) == 1


def test_an_inbox_item_outliving_its_delivery_record_is_not_written_again(
        api: Any, customer: User, project_stack: Any) -> None:
    """The record lives 14 days, the inbox item 90: a delivery of the same SQS message (same SentTimestamp, so the
    same notification id) after the record expired finds the item there. The item is kept as it is (read stays
    read) and in_app is recorded sent."""
    from notifications import pipeline, store
    from notifications.schemas import Message

    message = Message.model_validate({**order_message(customer, "DELIVERED", key="calls-expired-record"),
                                      "channels": ["in_app"]})
    sent_ms = int(time.time() * 1000)
    assert pipeline.deliver(message, sent_ms).sent == {"in_app": 1}
    (item,) = inbox(api, customer)["notifications"]
    read = api.post(f"/notifications/{item['notification_id']}/read", token=customer.session_token)
    assert read.status == 200, read.body
    boto3.client("dynamodb").delete_item(TableName=store.MessageRecord.Meta.table_name, Key={
        "pk": {"S": store.message_pk(message.idempotency_key)}, "sk": {"S": store.MESSAGE}})  # TTL expiry

    assert pipeline.deliver(message, sent_ms).sent == {"in_app": 1}

    (again,) = inbox(api, customer)["notifications"]
    assert again["notification_id"] == item["notification_id"] and again["read_at"] == read.json()["read_at"]
    assert {c: s.status for c, s in store.delivery_states(message.idempotency_key).items()} == {"in_app": "sent"}
