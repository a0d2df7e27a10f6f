"""The notifications queue consumer (Powertools batch processing with partial batch failures).

A batch's records run at the same time (AsyncBatchProcessor, each record on a worker thread) and each
record's channels too, so a batch of 10 costs about its slowest channel. A record fails, and SQS brings it
back (then to the DLQ after maxReceiveCount), when it is malformed or a channel failed transiently;
channels that succeeded are recorded and not sent again.

`custom.fanout` (an admin broadcast) is expanded here: the named users, or every user page by page from
auth, become one `custom` message each (SendMessageBatch of 10). A broadcast to everyone handles
`FANOUT_PAGES` pages per message and queues its own continuation, so no invocation outlives its timeout.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import json
import os
import threading
from collections import Counter
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response

from blinkit.handler import correlated
from blinkit.observability import logger, metrics
from notifications import pipeline, service, upstream
from notifications.schemas import FanoutData, Message

FANOUT_PAGE_SIZE = 100
FANOUT_PAGES = 20  # 2,000 users per fan-out message, well inside the consumer's timeout
_records = concurrent.futures.ThreadPoolExecutor(max_workers=10, thread_name_prefix="notify-record")


class Tally:
    """Per-channel counts of one invocation, published as one metric per channel at the end."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, outcome: pipeline.Outcome | None) -> None:
        if outcome is None:
            return
        with self._lock:
            self.sent.update(outcome.sent)
            self.failed.update(outcome.failed)

    def publish(self) -> None:
        if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":
            return  # single_metric prints at once, whatever the Metrics switch says
        for name, counts in (("NotificationsSent", self.sent), ("NotificationsFailed", self.failed)):
            for channel, value in counts.items():
                with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace="Blinkit",
                                   default_dimensions=metrics.default_dimensions) as metric:
                    metric.add_dimension(name="channel", value=channel)


def handle_record(body: str, sent_ms: int, tally: Tally) -> None:
    try:
        message = Message.model_validate(json.loads(body))
    except ValueError as exc:  # not JSON, or not a message: let it reach the DLQ for someone to look at
        logger.error("malformed notification message", extra={"error": str(exc)[:500]})
        raise
    with correlated(message.correlation_id):  # its lines and its calls to auth carry the message's id
        handle_message(message, sent_ms, tally)


def handle_message(message: Message, sent_ms: int, tally: Tally) -> None:
    log = {"type": message.type, "user_id": message.user_id, "idempotency_key": message.idempotency_key}
    if message.type == "custom.fanout":
        fanout(message)
        logger.info("custom broadcast fanned out", extra=log)
        return
    try:
        outcome = pipeline.deliver(message, sent_ms)
    except pipeline.Retry as exc:
        tally.add(exc.outcome)
        logger.warning("notification will be retried", extra={**log, "reason": str(exc)[:500]})
        raise
    tally.add(outcome)
    logger.info("notification delivered", extra={**log, "sent": sorted(outcome.sent), "skipped": outcome.skipped})


def consume(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    tally = Tally()

    async def record_handler(record: Any) -> None:
        sent_ms = int(record.attributes.sent_timestamp)
        # A worker thread starts with an empty context: each record runs in its own copy of this invocation's,
        # so its lines carry the function's keys and its own correlation id (blinkit.handler).
        in_context = contextvars.copy_context().run
        await asyncio.get_running_loop().run_in_executor(_records, in_context, handle_record, record.body, sent_ms,
                                                         tally)

    # A processor per invocation: it keeps the batch's state on itself.
    # All records failing is answered as partial failures too, not raised: a poison message must not count
    # as a Lambda error (that alarm is for the function failing, the DLQ alarm is for messages).
    processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = async_process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                              context=context)
    tally.publish()
    return dict(response)


def fanout(message: Message) -> None:
    data = FanoutData.model_validate(message.data)

    def one(uid: str) -> dict[str, Any]:
        return {"type": "custom", "user_id": uid, "channels": data.channels,
                "data": {"title": data.title, "body": data.body, "deep_link": data.deep_link,
                         "category": data.category},
                "idempotency_key": f"custom:{data.job_id}:{uid}", "correlation_id": message.correlation_id}

    if data.user_ids is not None:
        service.enqueue([one(uid) for uid in data.user_ids])
        return
    cursor, page = data.cursor, data.page
    for _ in range(FANOUT_PAGES):
        uids, cursor = upstream.user_page(FANOUT_PAGE_SIZE, cursor)
        service.enqueue([one(uid) for uid in uids])
        page += 1
        if not cursor:
            return
    # More users: the rest is another fan-out message (its own key, so a retry of this one re-queues the same).
    more = data.model_dump() | {"cursor": cursor, "page": page}
    service.enqueue([{"type": "custom.fanout", "user_id": "system", "data": more,
                      "idempotency_key": f"custom.fanout:{data.job_id}:{page}",
                      "correlation_id": message.correlation_id}])
