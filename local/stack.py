"""The whole local stack in one object: moto, resources, functions, state machines, queue pump.

    with LocalStack("template.yaml", env_overrides={"REDIS_URL": "redis://127.0.0.1:6379/0"}) as stack:
        stack.functions.invoke("AuthFunction", event)
        stack.executor.run("OrderSaga", name="order-1", input={...})
        stack.pump.run_once()
        stack.streams.run_once()   # DynamoDB stream records to their subscribed functions
        stack.receivers.emails     # what the loopback Resend and FCM receivers were sent (local/receivers.py)
        stack.razorpay.pay(...)    # Razorpay's REST API on loopback, and Checkout and webhooks (local/razorpay.py)

Leaving the block stops the pumps, stops running executions, ends mock_aws and restores
os.environ and sys.path.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from moto import mock_aws

from local.atomic import serialize_dynamodb_writes
from local.aws import STEPFUNCTIONS_CONFIG, LocalResources, create_resources
from local.executor import Executor
from local.lambdas import DEFAULT_INSTANCES, LocalFunctions
from local.pump import QueuePump
from local.razorpay import RazorpayStandIn
from local.receivers import Receivers, SupabaseReceiver
from local.streams import StreamPump
from local.template import Resolver, Template

log = logging.getLogger("local.stack")


class LocalStack:
    def __init__(
        self,
        template: str | Path | Template,
        *,
        env_overrides: Mapping[str, str] | None = None,
        parameter_overrides: Mapping[str, Any] | None = None,
        only_functions: Iterable[str] | None = None,
        instances: int = DEFAULT_INSTANCES,
        retry_delay_seconds: int | None = 0,
        outbox: Path | None = None,
    ) -> None:
        self.template = template if isinstance(template, Template) else Template.load(template)
        self.resolver = Resolver(self.template, parameter_overrides)
        self._env_overrides = dict(env_overrides or {})
        self._only = list(only_functions) if only_functions is not None else None
        self._instances = instances
        self._retry_delay = retry_delay_seconds
        self._mock: Any = None
        self.resources: LocalResources | None = None
        self.functions: LocalFunctions | None = None
        self.executor: Executor | None = None
        self.pump: QueuePump | None = None
        self.streams: StreamPump | None = None
        # Resend and FCM stand-ins; their environment goes under the caller's overrides (which win).
        self.receivers = Receivers(outbox)
        self.supabase = SupabaseReceiver()  # Supabase Realtime's REST broadcast endpoint (live rider locations)
        self.razorpay = RazorpayStandIn()  # Razorpay's REST API for the SDK, Checkout and webhooks for tests

    def start(self) -> LocalStack:
        # In-process moto only: no AWS_ENDPOINT_URL, no threaded server, so no port to collide on.
        self._mock = mock_aws(config=STEPFUNCTIONS_CONFIG)  # type: ignore[arg-type]
        self._mock.start()
        serialize_dynamodb_writes()  # DynamoDB's conditional writes are atomic; moto's are not under threads
        try:
            self.receivers.start()
            self.supabase.start()
            self.razorpay.start()
            self.resources = create_resources(self.template, self.resolver)
            self.functions = LocalFunctions(
                self.template,
                {**self.receivers.environment(), **self.supabase.environment(), **self.razorpay.environment(),
                 **self._env_overrides},
                resolver=self.resolver,
                instances=self._instances,
                only=self._only,
            )
            self.executor = Executor(self.template, self.functions, self.resolver)
            self.pump = QueuePump(
                self.template, self.functions, self.resolver, retry_delay_seconds=self._retry_delay
            )
            self.streams = StreamPump(self.template, self.functions, self.resolver)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.streams:
            self.streams.stop()
        if self.pump:
            self.pump.stop()
        if self.executor:
            self.executor.close()
        if self.functions:
            self.functions.close()
        if self._mock:
            self._mock.stop()
            self._mock = None
        self.receivers.stop()
        self.supabase.stop()
        self.razorpay.stop()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
