"""`blinkit.queues` against moto's SQS: every message carries the correlation id in its body and as the
`correlation_id` message attribute; the message's own id wins, else the current request's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from blinkit import aws, queues
from blinkit.context import request_id_var


@pytest.fixture
def queue_url() -> Iterator[str]:
    with mock_aws():
        aws.reset()  # clients built outside this mock must not be reused
        yield boto3.client("sqs", region_name="ap-south-1").create_queue(QueueName="test-queue")["QueueUrl"]
    aws.reset()


@pytest.fixture
def request_id() -> Iterator[str]:
    token = request_id_var.set("req-0042")
    yield "req-0042"
    request_id_var.reset(token)


def received(queue_url: str, expected: int) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="ap-south-1")
    messages: list[dict[str, Any]] = []
    for _ in range(expected + 2):
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                  AttributeNames=["All"]).get("Messages", [])
        messages += got
        if len(messages) >= expected:
            break
    return messages


def attribute(message: dict[str, Any]) -> str:
    value = message["MessageAttributes"]["correlation_id"]
    assert value["DataType"] == "String"
    return str(value["StringValue"])


def test_send_adds_the_current_request_id_to_body_and_attribute(queue_url: str, request_id: str) -> None:
    queues.send(queue_url, {"type": "order.placed", "user_id": "u1"})
    (message,) = received(queue_url, 1)
    assert json.loads(message["Body"]) == {"type": "order.placed", "user_id": "u1", "correlation_id": request_id}
    assert attribute(message) == request_id


def test_the_messages_own_correlation_id_wins(queue_url: str, request_id: str) -> None:
    queues.send(queue_url, {"type": "t", "correlation_id": "saga-7"})
    (message,) = received(queue_url, 1)
    assert json.loads(message["Body"])["correlation_id"] == "saga-7" and attribute(message) == "saga-7"


def test_without_any_id_the_body_has_none_and_the_attribute_a_dash(queue_url: str) -> None:
    assert request_id_var.get() is None
    queues.send(queue_url, {"type": "t"})
    (message,) = received(queue_url, 1)
    assert json.loads(message["Body"])["correlation_id"] == ""
    assert attribute(message) == "-"  # SQS refuses an empty string attribute


def test_a_delay_holds_the_message_back(queue_url: str) -> None:
    queues.send(queue_url, {"type": "later"}, delay_seconds=30)
    queues.send(queue_url, {"type": "now"})
    messages = received(queue_url, 2)
    assert [json.loads(m["Body"])["type"] for m in messages] == ["now"]


def test_a_batch_goes_out_ten_at_a_time_each_message_correlated(queue_url: str, request_id: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    sqs = aws.client("sqs")
    calls: list[int] = []
    real_batch = sqs.send_message_batch

    def counting_batch(**kwargs: Any) -> Any:
        calls.append(len(kwargs["Entries"]))
        return real_batch(**kwargs)

    monkeypatch.setattr(sqs, "send_message_batch", counting_batch)
    batch = [{"n": n, **({"correlation_id": "own"} if n == 0 else {})} for n in range(23)]
    queues.send_batch(queue_url, batch)
    assert calls == [10, 10, 3]
    messages = received(queue_url, 23)
    bodies = {json.loads(m["Body"])["n"]: (json.loads(m["Body"])["correlation_id"], attribute(m)) for m in messages}
    assert len(bodies) == 23
    assert bodies[0] == ("own", "own")
    assert all(bodies[n] == (request_id, request_id) for n in range(1, 23))
