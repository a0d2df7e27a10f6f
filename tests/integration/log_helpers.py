"""The JSON lines the shared Powertools Logger writes (what CloudWatch Logs would receive), captured in a test."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from typing import Any


class LogLines(list[dict[str, Any]]):
    """Parsed lines, in order; `with_value(v)` are those where any key holds v."""

    def with_value(self, value: str) -> list[dict[str, Any]]:
        return [line for line in self if value in line.values()]


@contextlib.contextmanager
def captured_log_lines(level: str = "DEBUG") -> Iterator[LogLines]:
    """Every line of `blinkit.observability.logger` written inside the block, at `level` and above.

    The Logger's handler holds the stdout of the moment it was created, so the stream is swapped on the
    handler itself (pytest's capture would miss it)."""
    from blinkit.observability import logger

    buffer, lines = io.StringIO(), LogLines()
    previous_stream = logger.registered_handler.setStream(buffer)
    previous_level = logger.log_level
    logger.setLevel(level)
    try:
        yield lines
    finally:
        logger.setLevel(previous_level)
        logger.registered_handler.setStream(previous_stream)
        lines.extend(json.loads(raw) for raw in buffer.getvalue().splitlines() if raw.strip())
