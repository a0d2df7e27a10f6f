"""Powertools Logger and Metrics, one of each per process (each entry point sets its domain per invocation)."""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="blinkit", use_rfc3339=True)
metrics = Metrics(namespace="Blinkit", service="blinkit")

# A request that records no business metric is normal; Powertools would warn about it on every flush.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
# blinkit.handler sets the `service` dimension on every invocation; locally one process hosts every domain, so
# it changes between invocations by design, which Powertools would warn about each time.
warnings.filterwarnings("ignore", message="Dimension 'service' has already been added", category=UserWarning)
