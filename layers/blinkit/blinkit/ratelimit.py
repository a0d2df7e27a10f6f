"""Fixed-window rate limits in Redis: one pipelined round trip per check."""

from __future__ import annotations

import redis

from blinkit.errors import TooManyRequests


def check_rate(client: redis.Redis, key: str, *, limit: int, window_seconds: int, what: str) -> None:
    """Count one hit against `key`; raise 429 with Retry-After once `limit` hits fall in the window."""
    pipe = client.pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, window_seconds, nx=True)
    pipe.ttl(key)
    count, _, ttl = pipe.execute()
    if count > limit:
        raise TooManyRequests(f"Too many {what}; try again later", retry_after=ttl if ttl > 0 else window_seconds)
