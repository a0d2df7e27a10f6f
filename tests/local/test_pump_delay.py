"""The queue pump honours DelaySeconds (the delivery domain's assignment retries rely on it): a delayed
message is neither received nor delivered before its delay, and is delivered once after it."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3

from local.stack import LocalStack


def test_a_delayed_message_reaches_its_function_only_after_the_delay(stack: LocalStack) -> None:
    assert stack.pump is not None and stack.resources is not None
    sqs = boto3.client("sqs", region_name="ap-south-1")
    url = stack.resources.queues["WorkQueue"]["url"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"id": 41}), DelaySeconds=2)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"id": 42}))
    first = stack.pump.run_once()
    assert (first.received, first.deleted) == (1, 1)  # only the undelayed one
    assert stack.pump.drain().received == 0
    attrs: dict[str, Any] = sqs.get_queue_attributes(QueueUrl=url,
                                                     AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"
    time.sleep(2.1)
    later = stack.pump.run_once()
    assert (later.received, later.deleted) == (1, 1)
    assert stack.pump.drain().received == 0
