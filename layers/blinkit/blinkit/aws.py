"""boto3 clients, one per AWS service per process, built on first use (no I/O at import).

botocore clients are thread-safe once built, but building them concurrently is not, hence the lock; and a
client per call would repeat the endpoint and credential resolution every time.
"""

from __future__ import annotations

import threading
from typing import Any

from blinkit.settings import get_settings

_lock = threading.Lock()
_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    """The process-wide boto3 client for `service` ("sqs", "stepfunctions", "lambda", ...)."""
    with _lock:
        found = _clients.get(service)
        if found is None:
            import boto3

            found = _clients[service] = boto3.client(service, region_name=get_settings().aws_region)
        return found


def reset() -> None:
    """Forget every client (tests start and stop moto, whose clients must be built inside its mock)."""
    with _lock:
        _clients.clear()
