"""Powertools Logger and Metrics, one of each per process; each invocation has its own `service` in both.

Logs: `blinkit.handler` puts the invocation's keys (its `service` among them) in Powertools' context-local
keys, which win over the shared ones when a line is formatted.

Metrics: Powertools keeps one metric set per process and assumes one invocation at a time, as Lambda runs
them. Locally every function of every domain shares this process and invocations run at once on threads, so a
shared set would carry one invocation's metrics under another's `service` (or be flushed and cleared under
another's feet). Here each invocation gets a metric set of its own, held in a context variable:
`invocation_metrics(service)` opens it, `metrics` (Powertools' public `Metrics` API) adds to the set of the
invocation running in the current context, and the set is flushed when the invocation ends. Worker threads that
run in a copy of the invocation's context (as the notifications consumer's do) add to the same set, under its
lock. In AWS one invocation runs at a time, so each set and its lock are uncontended.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

NAMESPACE = "Blinkit"
PROCESS_SERVICE = "blinkit"  # outside any invocation (a script, a test calling a rule directly)


@dataclass
class _MetricSet:
    """One invocation's metrics: Powertools' provider (metrics, dimensions, metadata) and the lock its threads
    share."""

    provider: AmazonCloudWatchEMFProvider
    lock: threading.RLock = field(default_factory=threading.RLock)


def _new_set(service: str) -> _MetricSet:
    return _MetricSet(AmazonCloudWatchEMFProvider(namespace=NAMESPACE, service=service,
                                                  default_dimensions={"service": service}))


_process_set = _new_set(PROCESS_SERVICE)
_current_set: contextvars.ContextVar[_MetricSet | None] = contextvars.ContextVar("blinkit_metric_set", default=None)

# The provider calls that change or read the set: they take the set's lock.
_LOCKED = frozenset({"add_metric", "add_dimension", "add_dimensions", "add_metadata", "set_timestamp",
                     "set_default_dimensions", "serialize_metric_set", "flush_metrics", "clear_metrics"})


def _active_set() -> _MetricSet:
    return _current_set.get() or _process_set


class _InvocationProvider:
    """What `Metrics` delegates to: the provider of the invocation running in this context, its calls locked."""

    def __getattr__(self, name: str) -> Any:
        active = _active_set()
        attribute = getattr(active.provider, name)
        if name not in _LOCKED:
            return attribute

        def locked(*args: Any, **kwargs: Any) -> Any:
            with active.lock:
                return attribute(*args, **kwargs)

        return locked


class InvocationMetrics(Metrics):
    """Powertools `Metrics` whose metric set, dimensions and metadata are the current invocation's."""

    def __init__(self) -> None:
        super().__init__(namespace=NAMESPACE, service=PROCESS_SERVICE, provider=_InvocationProvider())  # type: ignore[arg-type]

    # Metrics keeps these as class-wide dicts shared by every instance; here they are the invocation's. Powertools'
    # constructor assigns them, which is ignored.
    @property  # type: ignore[override]
    def metric_set(self) -> dict[str, Any]:
        return _active_set().provider.metric_set

    @metric_set.setter
    def metric_set(self, _: Any) -> None:
        pass

    @property  # type: ignore[override]
    def dimension_set(self) -> dict[str, str]:
        return _active_set().provider.dimension_set

    @dimension_set.setter
    def dimension_set(self, _: Any) -> None:
        pass

    @property  # type: ignore[override]
    def metadata_set(self) -> dict[str, Any]:
        return _active_set().provider.metadata_set

    @metadata_set.setter
    def metadata_set(self, _: Any) -> None:
        pass

    @property  # type: ignore[override]
    def default_dimensions(self) -> dict[str, Any]:
        return _active_set().provider.default_dimensions

    @default_dimensions.setter
    def default_dimensions(self, _: Any) -> None:
        pass

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        """Publish and clear this invocation's set; an empty one prints nothing (and Powertools' warning about it
        is not raised: a request that records no business metric is normal)."""
        active = _active_set()
        with active.lock:
            if active.provider.metric_set or raise_on_empty_metrics:
                active.provider.flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)


@contextlib.contextmanager
def invocation_metrics(service: str, flush: Callable[[], None] | None = None) -> Iterator[None]:
    """Within the block, `metrics` records into a new set whose `service` dimension is `service`; at its end the
    set is flushed (through `flush`, default `metrics.flush_metrics`) and the previous set is current again."""
    token = _current_set.set(_new_set(service))
    try:
        yield
    finally:
        try:
            (flush or metrics.flush_metrics)()
        finally:
            _current_set.reset(token)


logger = Logger(service=PROCESS_SERVICE, use_rfc3339=True)
metrics = InvocationMetrics()

# A request that records no business metric is normal; Powertools would warn about it on every flush.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
