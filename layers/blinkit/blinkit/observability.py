"""Powertools Logger and Metrics, one of each per process (service name set by each domain's app)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="blinkit", use_rfc3339=True)
metrics = Metrics(namespace="Blinkit", service="blinkit")
