"""Deliver DynamoDB stream records to the functions subscribed in the template, as Lambda's event source
mapping does for `Type: DynamoDB` events.

For each subscription the pump reads the table's stream from moto (describe_stream, get_shard_iterator,
get_records), shapes every record exactly as Lambda does (eventID, eventName INSERT/MODIFY/REMOVE,
eventVersion, eventSource, awsRegion, dynamodb.{ApproximateCreationDateTime (epoch seconds), Keys,
NewImage, OldImage, SequenceNumber, SizeBytes, StreamViewType} in DynamoDB JSON, eventSourceARN) and
invokes the function with `{"Records": [...]}` in stream order, at most `BatchSize` records at a time.

Semantics kept from AWS: `StartingPosition` LATEST reads what is written after the pump starts,
TRIM_HORIZON everything; a batch whose invocation fails is retried from the same position (records
are never skipped or reordered) until `MaximumRetryAttempts` is used up, then it is dropped with a
warning (AWS would send it to the on-failure destination). Not emulated: `BisectBatchOnFunctionError`,
`ParallelizationFactor` (moto has one shard per table), filter criteria and tumbling windows.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3

from local.background import BackgroundPoller
from local.lambdas import LambdaError, LocalFunctions
from local.template import TABLE_TYPES, Resolver, Template, TemplateError

log = logging.getLogger("local.streams")

GET_RECORDS_MAX = 1000  # GetRecords' own cap
EVENT_VERSION = "1.1"


@dataclass(frozen=True)
class StreamSubscription:
    function_id: str
    event_name: str
    table_id: str
    stream_arn: str
    batch_size: int
    batching_window: int
    starting_position: str
    maximum_retry_attempts: int  # -1: retry until the record expires (AWS's default)
    enabled: bool = True


@dataclass
class StreamStats:
    batches: int = 0
    delivered: int = 0  # records in successful invocations
    failed: int = 0  # invocations that raised (their records are retried)
    dropped: int = 0  # records given up on after MaximumRetryAttempts
    by_function: dict[str, int] = field(default_factory=dict)

    def add(self, other: StreamStats) -> None:
        self.batches += other.batches
        self.delivered += other.delivered
        self.failed += other.failed
        self.dropped += other.dropped
        for fid, n in other.by_function.items():
            self.by_function[fid] = self.by_function.get(fid, 0) + n


def stream_subscriptions(template: Template, resolver: Resolver) -> list[StreamSubscription]:
    """Every `Type: DynamoDB` event of every function, with the stream ARN it reads."""
    subs: list[StreamSubscription] = []
    for function_id, spec in template.functions.items():
        for event_name, event in spec.events.items():
            if event.get("Type") != "DynamoDB":
                continue
            props = event.get("Properties") or {}
            stream = props.get("Stream")
            table_id = stream["Fn::GetAtt"][0] if isinstance(stream, dict) and "Fn::GetAtt" in stream else None
            if table_id is None or template.resource_type(table_id) not in TABLE_TYPES:
                raise TemplateError(f"{function_id}.{event_name}: Stream must be !GetAtt <Table>.StreamArn locally")
            arn = resolver.get_att(table_id, "StreamArn")
            if not arn:
                raise TemplateError(f"{function_id}.{event_name}: {table_id} has no stream (StreamSpecification)")
            subs.append(
                StreamSubscription(
                    function_id=function_id,
                    event_name=event_name,
                    table_id=table_id,
                    stream_arn=str(arn),
                    batch_size=int(resolver.resolve(props.get("BatchSize", 100))),
                    batching_window=int(resolver.resolve(props.get("MaximumBatchingWindowInSeconds", 0))),
                    starting_position=str(resolver.resolve(props.get("StartingPosition", "LATEST"))),
                    maximum_retry_attempts=int(resolver.resolve(props.get("MaximumRetryAttempts", -1))),
                    enabled=str(resolver.resolve(props.get("Enabled", True))).lower() != "false",
                )
            )
    return subs


def _wire(value: Any) -> Any:
    """boto3's parsed attribute values → the JSON Lambda sends (binary as base64 text)."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [_wire(v) for v in value]
    return value


def stream_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """One record of the event Lambda sends for a DynamoDB stream batch."""
    data = dict(record["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = int(created.timestamp())
    shaped = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": EVENT_VERSION,
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": _wire(data),
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in record:  # TTL deletions carry the DynamoDB service principal
        shaped["userIdentity"] = record["userIdentity"]
    return shaped


@dataclass
class _Cursor:
    """Where one subscription stands in one shard, and how often its current batch has failed."""

    iterator: str
    attempts: int = 0


class StreamPump(BackgroundPoller):
    """Polls each subscribed stream and invokes its function with Lambda-shaped batches, in order."""

    def __init__(
        self,
        template: Template,
        functions: LocalFunctions,
        resolver: Resolver | None = None,
        *,
        poll_interval: float = 0.2,
        region: str | None = None,
    ) -> None:
        self.template = template
        self.functions = functions
        self.resolver = resolver or functions.resolver
        self.region = region or self.resolver.region
        self.poll_interval = poll_interval
        self.subscriptions = [
            s for s in stream_subscriptions(template, self.resolver) if s.enabled and functions.knows(s.function_id)
        ]
        self._client = boto3.client("dynamodbstreams", region_name=self.region)
        self._lock = threading.Lock()  # one pass at a time: a shard is read by one poller, as in AWS
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.totals = StreamStats()
        # Iterators are taken now, so LATEST means "from when the local stack started".
        self._cursors: dict[tuple[str, str], _Cursor] = {}
        for sub in self.subscriptions:
            for shard in self._client.describe_stream(StreamArn=sub.stream_arn)["StreamDescription"]["Shards"]:
                iterator = self._client.get_shard_iterator(
                    StreamArn=sub.stream_arn, ShardId=shard["ShardId"], ShardIteratorType=sub.starting_position
                )["ShardIterator"]
                self._cursors[(sub.function_id + "." + sub.event_name, shard["ShardId"])] = _Cursor(iterator)

    # ---- one pass ----------------------------------------------------------------------------

    def run_once(self, *, wait_for_window: bool = False) -> StreamStats:
        """One poll of every subscription's shards; each non-empty batch is delivered once."""
        stats = StreamStats()
        with self._lock:
            for sub in self.subscriptions:
                for (key, _shard), cursor in self._cursors.items():
                    if key == sub.function_id + "." + sub.event_name:
                        stats.add(self._poll(sub, cursor, wait_for_window))
        self.totals.add(stats)
        return stats

    def drain(self, max_passes: int = 50) -> StreamStats:
        """Poll until a pass delivers nothing (retries included); for tests and scripts."""
        stats = StreamStats()
        for _ in range(max_passes):
            one = self.run_once()
            stats.add(one)
            if one.batches == 0:
                break
        return stats

    def _read(self, sub: StreamSubscription, iterator: str, wait_for_window: bool) -> tuple[list[dict[str, Any]], str]:
        records: list[dict[str, Any]] = []
        deadline = time.monotonic() + (sub.batching_window if wait_for_window else 0)
        while len(records) < sub.batch_size:
            got = self._client.get_records(
                ShardIterator=iterator, Limit=min(GET_RECORDS_MAX, sub.batch_size - len(records))
            )
            records.extend(got.get("Records", []))
            iterator = got.get("NextShardIterator") or iterator
            if not got.get("Records"):
                if not records or time.monotonic() >= deadline or self._stop.is_set():
                    break
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        return records, iterator

    def _poll(self, sub: StreamSubscription, cursor: _Cursor, wait_for_window: bool) -> StreamStats:
        stats = StreamStats()
        records, next_iterator = self._read(sub, cursor.iterator, wait_for_window)
        if not records:
            cursor.iterator = next_iterator
            return stats
        stats.batches = 1
        event = {"Records": [stream_record(r, sub.stream_arn, self.region) for r in records]}
        try:
            self.functions.invoke(sub.function_id, event)
        except LambdaError as exc:
            cursor.attempts += 1
            stats.failed = 1
            if 0 <= sub.maximum_retry_attempts < cursor.attempts:
                log.warning("%s: dropping %d stream records after %d attempts: %s",
                            sub.function_id, len(records), cursor.attempts, exc)
                stats.dropped = len(records)
                cursor.iterator, cursor.attempts = next_iterator, 0
            else:
                # Keep the old iterator: the same records, in the same order, on the next pass.
                log.warning("%s failed on a stream batch of %d (attempt %d): %s",
                            sub.function_id, len(records), cursor.attempts, exc)
            return stats
        cursor.iterator, cursor.attempts = next_iterator, 0
        stats.delivered = len(records)
        stats.by_function = {sub.function_id: len(records)}
        return stats

    # ---- background (local.background.BackgroundPoller) ---------------------------------------

    thread_name = "local-stream-pump"

    def poll_once(self) -> bool:
        return self.run_once(wait_for_window=True).batches > 0
