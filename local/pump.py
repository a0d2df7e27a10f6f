"""Deliver SQS batches to the functions subscribed in the template, as Lambda's event source mapping does.

Why not moto's own SQS→Lambda mapping: it ignores `batchItemFailures`. This pump honours
`ReportBatchItemFailures`: successes are deleted, failures stay in the queue.

Retry timing (a choice for local speed): a failed record is made visible again at once
(`change_message_visibility` to 0) instead of after the queue's VisibilityTimeout. Pass
`retry_delay_seconds=None` to honour the queue's VisibilityTimeout as AWS does.

Dead-lettering: moto itself moves a message to the redrive policy's DLQ on the receive that would
exceed `maxReceiveCount` (checked in moto 5.2.5, `SQSBackend.receive_message`), exactly as AWS does,
so the pump does not move messages itself.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import boto3

from local.background import BackgroundPoller
from local.lambdas import LambdaError, LocalFunctions
from local.template import QUEUE_TYPE, Resolver, Template, TemplateError

log = logging.getLogger("local.pump")

SQS_MAX_RECEIVE = 10  # ReceiveMessage's own cap; larger BatchSize values take several calls


@dataclass(frozen=True)
class Subscription:
    function_id: str
    event_name: str
    queue_id: str
    queue_url: str
    queue_arn: str
    batch_size: int
    batching_window: int
    report_batch_item_failures: bool
    enabled: bool = True


@dataclass
class PumpStats:
    batches: int = 0
    received: int = 0
    deleted: int = 0
    failed: int = 0  # records left in the queue for another try
    errors: int = 0  # batches whose handler raised
    by_function: dict[str, int] = field(default_factory=dict)

    def add(self, other: PumpStats) -> None:
        self.batches += other.batches
        self.received += other.received
        self.deleted += other.deleted
        self.failed += other.failed
        self.errors += other.errors
        for fid, n in other.by_function.items():
            self.by_function[fid] = self.by_function.get(fid, 0) + n


def subscriptions(template: Template, resolver: Resolver) -> list[Subscription]:
    """Every `Type: SQS` event of every function, with the queue it reads."""
    subs: list[Subscription] = []
    for function_id, spec in template.functions.items():
        for event_name, event in spec.events.items():
            if event.get("Type") != "SQS":
                continue
            props = event.get("Properties") or {}
            queue = props.get("Queue")
            queue_id = None
            if isinstance(queue, dict) and "Fn::GetAtt" in queue:
                queue_id = queue["Fn::GetAtt"][0]
            if queue_id is None or template.resource_type(queue_id) != QUEUE_TYPE:
                raise TemplateError(f"{function_id}.{event_name}: Queue must be !GetAtt <Queue>.Arn locally")
            subs.append(
                Subscription(
                    function_id=function_id,
                    event_name=event_name,
                    queue_id=queue_id,
                    queue_url=resolver.get_att(queue_id, "QueueUrl"),
                    queue_arn=resolver.get_att(queue_id, "Arn"),
                    batch_size=int(resolver.resolve(props.get("BatchSize", 10))),
                    batching_window=int(resolver.resolve(props.get("MaximumBatchingWindowInSeconds", 0))),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in (props.get("FunctionResponseTypes") or []),
                    enabled=str(resolver.resolve(props.get("Enabled", True))).lower() != "false",
                )
            )
    return subs


def _lambda_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """boto3's MessageAttributes → the camelCase shape Lambda puts in an SQS record."""
    shaped: dict[str, Any] = {}
    for name, attr in attributes.items():
        binary = attr.get("BinaryValue")
        shaped[name] = {
            "stringValue": attr.get("StringValue"),
            "binaryValue": base64.b64encode(binary).decode() if binary is not None else None,
            "stringListValues": list(attr.get("StringListValues", [])),
            "binaryListValues": [base64.b64encode(b).decode() for b in attr.get("BinaryListValues", [])],
            "dataType": attr.get("DataType"),
        }
        shaped[name] = {k: v for k, v in shaped[name].items() if v is not None}
    return shaped


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of the event Lambda sends for an SQS batch."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": _lambda_attributes(message.get("MessageAttributes", {})),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


class QueuePump(BackgroundPoller):
    """Polls each subscribed queue and invokes its function with Lambda-shaped SQS batches."""

    def __init__(
        self,
        template: Template,
        functions: LocalFunctions,
        resolver: Resolver | None = None,
        *,
        retry_delay_seconds: int | None = 0,
        poll_interval: float = 0.2,
        region: str | None = None,
    ) -> None:
        self.template = template
        self.functions = functions
        self.resolver = resolver or functions.resolver
        self.region = region or self.resolver.region
        self.retry_delay_seconds = retry_delay_seconds
        self.poll_interval = poll_interval
        self.subscriptions = [
            s for s in subscriptions(template, self.resolver) if s.enabled and functions.knows(s.function_id)
        ]
        self._sqs = boto3.client("sqs", region_name=self.region)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.totals = PumpStats()

    # ---- one pass ----------------------------------------------------------------------------

    def run_once(self, *, wait_for_window: bool = False) -> PumpStats:
        """One poll of every subscribed queue; each non-empty batch is delivered once."""
        stats = PumpStats()
        for sub in self.subscriptions:
            messages = self._receive(sub, wait_for_window)
            if messages:
                stats.add(self._deliver(sub, messages))
        self.totals.add(stats)
        return stats

    def drain(self, max_passes: int = 50) -> PumpStats:
        """Poll until a pass receives nothing (retries included); for tests and scripts."""
        stats = PumpStats()
        for _ in range(max_passes):
            one = self.run_once()
            stats.add(one)
            if one.received == 0:
                break
        return stats

    def _receive(self, sub: Subscription, wait_for_window: bool) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + (sub.batching_window if wait_for_window else 0)
        while len(messages) < sub.batch_size:
            got = self._sqs.receive_message(
                QueueUrl=sub.queue_url,
                MaxNumberOfMessages=min(SQS_MAX_RECEIVE, sub.batch_size - len(messages)),
                AttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            messages.extend(got)
            if not got:
                if time.monotonic() >= deadline or self._stop.is_set():
                    break
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        return messages

    def _deliver(self, sub: Subscription, messages: list[dict[str, Any]]) -> PumpStats:
        stats = PumpStats(batches=1, received=len(messages), by_function={sub.function_id: len(messages)})
        records = [sqs_record(m, sub.queue_arn, self.region) for m in messages]
        try:
            response = self.functions.invoke(sub.function_id, {"Records": records})
        except LambdaError as exc:
            # A function error fails the whole batch: nothing is deleted, everything is retried.
            log.warning("%s failed on a batch of %d: %s", sub.function_id, len(records), exc)
            stats.errors = 1
            stats.failed = len(records)
            self._retry(sub, records)
            return stats
        failed_ids = self._failed_ids(sub, records, response)
        if failed_ids is None:  # an invalid partial-failure response fails the whole batch, as in AWS
            stats.failed = len(records)
            self._retry(sub, records)
            return stats
        done = [r for r in records if r["messageId"] not in failed_ids]
        retry = [r for r in records if r["messageId"] in failed_ids]
        self._delete(sub, done)
        self._retry(sub, retry)
        stats.deleted, stats.failed = len(done), len(retry)
        return stats

    def _failed_ids(self, sub: Subscription, records: list[dict[str, Any]], response: Any) -> set[str] | None:
        if not sub.report_batch_item_failures or not response:
            return set()
        if not isinstance(response, dict):
            return set()  # AWS treats any other return value as "all succeeded"
        failures = response.get("batchItemFailures") or []
        ids = {r["messageId"] for r in records}
        failed: set[str] = set()
        for item in failures:
            item_id = item.get("itemIdentifier") if isinstance(item, dict) else None
            if not item_id or item_id not in ids:
                log.warning("%s returned an invalid batchItemFailures entry %r", sub.function_id, item)
                return None
            failed.add(item_id)
        return failed

    def _delete(self, sub: Subscription, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), SQS_MAX_RECEIVE):
            chunk = records[start : start + SQS_MAX_RECEIVE]
            self._sqs.delete_message_batch(
                QueueUrl=sub.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)],
            )

    def _retry(self, sub: Subscription, records: list[dict[str, Any]]) -> None:
        if self.retry_delay_seconds is None:
            return  # they reappear after the queue's VisibilityTimeout, as in AWS
        for record in records:
            self._sqs.change_message_visibility(
                QueueUrl=sub.queue_url,
                ReceiptHandle=record["receiptHandle"],
                VisibilityTimeout=self.retry_delay_seconds,
            )

    # ---- background (local.background.BackgroundPoller) ---------------------------------------

    thread_name = "local-queue-pump"

    def poll_once(self) -> bool:
        return self.run_once(wait_for_window=True).received > 0
