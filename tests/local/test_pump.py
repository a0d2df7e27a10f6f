"""The queue pump: Lambda-shaped SQS batches, partial batch failures, retries and the DLQ."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest

from local.stack import LocalStack

REGION = "ap-south-1"


@pytest.fixture
def sqs() -> Any:
    return boto3.client("sqs", region_name=REGION)


def _queue(stack: LocalStack, logical_id: str) -> str:
    assert stack.resources is not None
    return stack.resources.queues[logical_id]["url"]


def _send(sqs: Any, url: str, *bodies: dict[str, Any]) -> list[str]:
    return [
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(body),
            MessageAttributes={"x-request-id": {"DataType": "String", "StringValue": f"req-{body['id']}"}},
        )["MessageId"]
        for body in bodies
    ]


def _seen(work_id: int) -> dict[str, Any] | None:
    table = boto3.resource("dynamodb", region_name=REGION).Table("LedgerTable")
    return table.get_item(Key={"pk": f"work#{work_id}", "sk": "seen"}).get("Item")


def _bodies(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_poison_record_is_retried_then_dead_lettered_while_good_ones_are_processed_once(
    stack: LocalStack, sqs: Any
) -> None:
    assert stack.pump is not None
    work, dlq = _queue(stack, "WorkQueue"), _queue(stack, "WorkDLQ")
    _send(sqs, work, {"id": 1}, {"id": 2, "kind": "poison"}, {"id": 3})

    first = stack.pump.run_once()
    assert (first.received, first.deleted, first.failed) == (3, 2, 1)
    second = stack.pump.run_once()  # the poison record alone, second receive (maxReceiveCount: 2)
    assert (second.received, second.deleted, second.failed) == (1, 0, 1)
    third = stack.pump.run_once()  # a third receive would exceed maxReceiveCount: moved to the DLQ instead
    assert third.received == 0

    assert _seen(1)["seen"] == 1  # type: ignore[index]
    assert _seen(3)["seen"] == 1  # type: ignore[index]
    assert _seen(2) is None
    assert _bodies(sqs, work) == []
    assert _bodies(sqs, dlq) == [{"id": 2, "kind": "poison"}]


def test_a_handler_exception_deletes_nothing_and_the_whole_batch_ends_in_the_dlq(
    stack: LocalStack, sqs: Any
) -> None:
    assert stack.pump is not None
    work, dlq = _queue(stack, "WorkQueue"), _queue(stack, "WorkDLQ")
    _send(sqs, work, {"id": 7}, {"id": 8, "kind": "explode"})

    stats = stack.pump.drain()
    assert stats.errors == 2  # two deliveries of the batch, both raised
    assert stats.deleted == 0
    assert sorted(b["id"] for b in _bodies(sqs, dlq)) == [7, 8]
    assert _bodies(sqs, work) == []


def test_records_have_the_shape_lambda_sends(stack: LocalStack, sqs: Any) -> None:
    assert stack.pump is not None and stack.resources is not None
    (message_id,) = _send(sqs, _queue(stack, "WorkQueue"), {"id": 42})
    stack.pump.run_once()
    record = json.loads(_seen(42)["record"])  # type: ignore[index]
    assert record["messageId"] == message_id
    assert record["receiptHandle"]
    assert json.loads(record["body"]) == {"id": 42}
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"] == {
        "x-request-id": {
            "stringValue": "req-42",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }
    assert record["md5OfBody"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == stack.resources.queues["WorkQueue"]["arn"]
    assert record["awsRegion"] == REGION


def test_background_pump_delivers_and_stops(stack: LocalStack, sqs: Any) -> None:
    assert stack.pump is not None
    stack.pump.start()
    try:
        _send(sqs, _queue(stack, "WorkQueue"), {"id": 99})
        deadline = time.monotonic() + 10
        while _seen(99) is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stack.pump.stop()
    assert _seen(99)["seen"] == 1  # type: ignore[index]
    assert stack.pump._thread is None
