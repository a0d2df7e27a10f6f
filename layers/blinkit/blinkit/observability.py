"""Powertools Logger and Metrics, one of each per process (service name set by each domain's app)."""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="blinkit", use_rfc3339=True)
metrics = Metrics(namespace="Blinkit", service="blinkit")

# A request that records no business metric is normal; Powertools would warn about it on every flush.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
