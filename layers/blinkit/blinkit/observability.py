"""Powertools Logger and Metrics, one of each per process (each entry point sets its domain per invocation)."""

from __future__ import annotations

import threading
import warnings
from typing import Any

from aws_lambda_powertools import Logger, Metrics


class SerializedMetrics(Metrics):
    """Powertools Metrics whose changes and flushes take one lock.

    Powertools keeps the metric set in one dict per process and assumes one invocation at a time, as Lambda
    runs them. Locally every function shares one process and invocations run on threads at once: a flush
    that found metrics could serialize the set another thread had just flushed and cleared, and raise
    SchemaValidationError in place of the function's own answer (a saga step's OutOfStock became an
    unknown error). Uncontended in AWS; locally one invocation's flush may still carry another's metrics.
    """

    _lock = threading.RLock()

    def add_metric(self, *args: Any, **kwargs: Any) -> None:
        with self._lock:
            super().add_metric(*args, **kwargs)

    def add_dimension(self, name: str, value: str) -> None:
        with self._lock:
            super().add_dimension(name, value)

    def set_default_dimensions(self, **dimensions: Any) -> None:
        with self._lock:
            super().set_default_dimensions(**dimensions)

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        with self._lock:
            if self.metric_set or raise_on_empty_metrics:
                super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)


logger = Logger(service="blinkit", use_rfc3339=True)
metrics = SerializedMetrics(namespace="Blinkit", service="blinkit")

# A request that records no business metric is normal; Powertools would warn about it on every flush.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
# blinkit.handler sets the `service` dimension on every invocation; locally one process hosts every domain, so
# it changes between invocations by design, which Powertools would warn about each time.
warnings.filterwarnings("ignore", message="Dimension 'service' has already been added", category=UserWarning)
