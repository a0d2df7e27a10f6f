"""Failure drills: the local stack with real parts (a real Redis, moto from the template, the Firebase
emulator, the gateway served over loopback HTTP so cart → products and orders → auth go through it), then
one part broken on purpose in the middle of a run.

The fixtures are the integration tests' own (signed-in users, the orders shop, the products fault switch),
so a drill exercises exactly what the integration tests do, only with something failing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

from tests.integration.cart.conftest import Served, Shop, _fresh_clients, served  # noqa: F401
from tests.integration.conftest import admin, customer, other_customer  # noqa: F401
from tests.integration.orders.conftest import _orders_clients, shop  # noqa: F401


def table_items(logical_id: str, stack: Any) -> list[dict[str, Any]]:
    """Every item of a table, read straight from (moto's) DynamoDB: the drills assert stored effects."""
    name = stack.resources.tables[logical_id]
    dynamodb = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
        items.extend(page["Items"])
    return items


def metric_names(output: str) -> list[str]:
    """The metric names of every EMF blob printed to stdout (Powertools writes one JSON line per flush)."""
    names = []
    for line in output.splitlines():
        try:
            blob = json.loads(line)
        except ValueError:
            continue
        if isinstance(blob, dict) and "_aws" in blob:
            for directive in blob["_aws"].get("CloudWatchMetrics", []):
                names.extend(m["Name"] for m in directive.get("Metrics", []))
    return names


# ---- DynamoDB faults -------------------------------------------------------------------------------------


@dataclass
class DynamoFault:
    """Answers matching DynamoDB calls with a throttling error, as DynamoDB does, before moto sees them.

    It sits in front of moto's request stub, i.e. below botocore's retry handler: the SDK's own retries
    (PynamoDB: standard mode, 4 attempts) see the error exactly as they would see AWS's.
    """

    operation: str
    matches: Callable[[dict[str, Any]], bool]
    times: int | None = None  # throttle this many matching calls, then let them through; None = every one
    code: str = "ProvisionedThroughputExceededException"
    throttled: int = 0
    passed: int = 0  # matching calls let through after `times` throttles

    def check(self, request: AWSPreparedRequest) -> AWSResponse | None:
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        if target != f"DynamoDB_20120810.{self.operation}":
            return None
        body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "{}")
        if not self.matches(json.loads(body)):
            return None
        if self.times is not None and self.throttled >= self.times:
            self.passed += 1
            return None
        self.throttled += 1
        payload = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{self.code}",
                              "message": "The level of configured provisioned throughput for the table was "
                                         "exceeded. Consider increasing your provisioning level"}).encode()
        headers = {"x-amzn-RequestId": "drill", "Content-Type": "application/x-amz-json-1.0",
                   "Content-Length": str(len(payload))}
        return AWSResponse(request.url, 400, headers, MockRawResponse(payload))  # type: ignore[arg-type]


@dataclass
class SdkSleeps:
    """The delays botocore's retry handler asked for (they are slept 100 times shorter: drills stay fast)."""

    asked: list[float] = field(default_factory=list)


@pytest.fixture
def dynamo_faults(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., DynamoFault]]:
    """`dynamo_faults(operation, matches, times=None)` installs a fault; all are removed after the test."""
    faults: list[DynamoFault] = []
    original = BotocoreStubber.__call__

    def stub(self: BotocoreStubber, event_name: str, request: AWSPreparedRequest, **kwargs: Any) -> Any:
        if self.enabled:
            for fault in faults:
                response = fault.check(request)
                if response is not None:
                    return response
        return original(self, event_name, request, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", stub)

    def install(operation: str, matches: Callable[[dict[str, Any]], bool], times: int | None = None,
                code: str = "ProvisionedThroughputExceededException") -> DynamoFault:
        fault = DynamoFault(operation, matches, times, code)
        faults.append(fault)
        return fault

    yield install
    faults.clear()


@pytest.fixture
def sdk_sleeps(monkeypatch: pytest.MonkeyPatch) -> SdkSleeps:
    """botocore sleeps between retries in `botocore.endpoint` only: record and shorten those sleeps."""
    import time as real_time

    sleeps = SdkSleeps()

    class _Time:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_time, name)

        @staticmethod
        def sleep(seconds: float) -> None:
            sleeps.asked.append(seconds)
            real_time.sleep(seconds / 100)

    monkeypatch.setattr(botocore.endpoint, "time", _Time())
    return sleeps


@contextmanager
def captured_stdout(capfd: pytest.CaptureFixture[str]) -> Iterator[list[str]]:
    """What the code under test printed (EMF metrics go to stdout) while the block ran."""
    capfd.readouterr()
    out: list[str] = []
    yield out
    out.append(capfd.readouterr().out)
