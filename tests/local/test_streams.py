"""The stream pump: Lambda-shaped DynamoDB stream batches, in order, with retries of failed batches."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.stack import LocalStack
from local.streams import StreamPump, stream_subscriptions
from tests.local.conftest import FIXTURES

TEMPLATE = FIXTURES / "streams" / "template.yaml"
REGION = "ap-south-1"


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack(TEMPLATE) as running:
        yield running


@pytest.fixture
def consumer(stack: LocalStack) -> Any:
    assert stack.functions is not None
    stack.functions.handler_of("ChangesFunction")
    module = sys.modules["fixture_app.streams"]
    module.batches.clear()
    module.attempts.clear()
    return module


@pytest.fixture
def table() -> Any:
    return boto3.resource("dynamodb", region_name=REGION).Table("ItemsTable")


def _stream_arn() -> str:
    return boto3.client("dynamodb", region_name=REGION).describe_table(TableName="ItemsTable")["Table"][
        "LatestStreamArn"
    ]


def test_only_dynamodb_events_subscribe_and_the_stream_arn_resolves(stack: LocalStack) -> None:
    subs = stream_subscriptions(stack.template, stack.resolver)
    assert [(s.function_id, s.table_id, s.batch_size, s.starting_position, s.maximum_retry_attempts)
            for s in subs] == [("ChangesFunction", "ItemsTable", 2, "LATEST", 2)]
    assert subs[0].stream_arn == _stream_arn()


def test_records_arrive_in_order_in_batches_with_the_shape_lambda_sends(
    stack: LocalStack, consumer: Any, table: Any
) -> None:
    assert stack.streams is not None
    table.put_item(Item={"pk": "a", "n": 1, "tags": ["x"], "blob": b"\x00\x01"})
    table.put_item(Item={"pk": "b", "n": 2})
    table.update_item(Key={"pk": "a"}, UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": 3})
    table.delete_item(Key={"pk": "b"})
    table.put_item(Item={"pk": "c", "n": 4})

    stats = stack.streams.drain()
    assert (stats.batches, stats.delivered, stats.failed) == (3, 5, 0)
    batches = consumer.batches
    assert [[(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in batch] for batch in batches] == [
        [("INSERT", "a"), ("INSERT", "b")],
        [("MODIFY", "a"), ("REMOVE", "b")],
        [("INSERT", "c")],
    ]
    records = [r for batch in batches for r in batch]
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(sequence) and len(set(sequence)) == 5
    first, modify, remove = records[0], records[2], records[3]
    assert {k: first[k] for k in ("eventSource", "eventVersion", "awsRegion", "eventSourceARN")} == {
        "eventSource": "aws:dynamodb", "eventVersion": "1.1", "awsRegion": REGION, "eventSourceARN": _stream_arn(),
    }
    assert first["eventID"] and isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int)
    assert first["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert first["dynamodb"]["NewImage"] == {
        "pk": {"S": "a"}, "n": {"N": "1"}, "tags": {"L": [{"S": "x"}]}, "blob": {"B": "AAE="},
    }
    assert "OldImage" not in first["dynamodb"]
    assert modify["dynamodb"]["OldImage"]["n"] == {"N": "1"} and modify["dynamodb"]["NewImage"]["n"] == {"N": "3"}
    assert remove["dynamodb"]["OldImage"] == {"pk": {"S": "b"}, "n": {"N": "2"}}
    assert "NewImage" not in remove["dynamodb"]
    assert stack.streams.run_once().batches == 0  # nothing is delivered twice


def test_latest_starts_after_the_pump_and_unsubscribed_tables_are_ignored(stack: LocalStack, table: Any) -> None:
    assert stack.functions is not None
    table.put_item(Item={"pk": "before"})
    boto3.resource("dynamodb", region_name=REGION).Table("QuietTable").put_item(Item={"pk": "q"})
    late = StreamPump(stack.template, stack.functions, stack.resolver)
    table.put_item(Item={"pk": "after"})
    module = sys.modules.get("fixture_app.streams")
    if module:
        module.batches.clear()
    late.drain()
    module = sys.modules["fixture_app.streams"]
    assert [[r["dynamodb"]["Keys"]["pk"]["S"] for r in b] for b in module.batches] == [["after"]]


def test_a_failing_batch_is_retried_in_order_then_dropped_after_maximum_retry_attempts(
    stack: LocalStack, consumer: Any, table: Any
) -> None:
    assert stack.streams is not None
    table.put_item(Item={"pk": "ok-1"})
    table.put_item(Item={"pk": "bad", "explode": True})
    table.put_item(Item={"pk": "ok-2"})

    stats = stack.streams.drain()
    # The batch [ok-1, bad] fails: once, then two retries (MaximumRetryAttempts: 2), then it is dropped.
    assert consumer.attempts == [["ok-1", "bad"]] * 3 + [["ok-2"]]
    assert (stats.failed, stats.dropped, stats.delivered) == (3, 2, 1)
    assert [[r["dynamodb"]["Keys"]["pk"]["S"] for r in b] for b in consumer.batches] == [["ok-2"]]


def test_a_batch_that_fails_once_is_delivered_whole_on_the_next_pass(
    stack: LocalStack, consumer: Any, table: Any
) -> None:
    assert stack.streams is not None
    table.put_item(Item={"pk": "x", "explode": True})
    assert stack.streams.run_once().failed == 1
    table.put_item(Item={"pk": "x"})  # the fix lands behind the failing record
    stack.streams.run_once()  # still the same batch: the failed record and the one after it
    assert consumer.attempts == [["x"], ["x", "x"]]
