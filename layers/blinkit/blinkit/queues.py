"""Messages to SQS queues, each carrying the correlation id in its body and as a message attribute.

The id is the message's own `correlation_id`, else the current request's (`x-request-id`), so a consumer's
logs follow the request that caused the message. The attribute is never empty ("-": SQS refuses empty
string attributes); the body keeps "" when there is no id at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from blinkit import aws
from blinkit.context import request_id_var

BATCH_LIMIT = 10  # SendMessageBatch's maximum entries


class MessagesRefused(RuntimeError):
    """SQS refused some entries of a batch."""


def _correlated(message: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    correlation = message.get("correlation_id") or request_id_var.get() or ""
    return json.dumps({**message, "correlation_id": correlation}), {
        "correlation_id": {"DataType": "String", "StringValue": correlation or "-"}}


def send(queue_url: str, message: Mapping[str, Any], *, delay_seconds: int = 0) -> None:
    """Put one message on the queue; `delay_seconds` (up to 900) holds it back, 0 leaves the queue's own delay."""
    body, attributes = _correlated(message)
    extra = {"DelaySeconds": delay_seconds} if delay_seconds else {}
    aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody=body, MessageAttributes=attributes, **extra)


def send_batch(queue_url: str, messages: Sequence[Mapping[str, Any]]) -> None:
    """Put messages on the queue, 10 per SendMessageBatch; raises `MessagesRefused` if SQS refuses any entry.

    Chunks before a refused one are already sent: consumers must be idempotent (ours are)."""
    for start in range(0, len(messages), BATCH_LIMIT):
        entries = []
        for i, message in enumerate(messages[start:start + BATCH_LIMIT]):
            body, attributes = _correlated(message)
            entries.append({"Id": str(i), "MessageBody": body, "MessageAttributes": attributes})
        reply = aws.client("sqs").send_message_batch(QueueUrl=queue_url, Entries=entries)
        if reply.get("Failed"):
            raise MessagesRefused(f"SQS refused {len(reply['Failed'])} messages: {reply['Failed'][0]}")
