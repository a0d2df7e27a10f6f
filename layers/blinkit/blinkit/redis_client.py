"""One Redis client per process, with short timeouts so an outage fails fast instead of hanging."""

from __future__ import annotations

from functools import lru_cache

import redis

from blinkit.settings import get_settings


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    settings = get_settings()
    return redis.Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
        health_check_interval=30,
        retry_on_timeout=False,
    )


def reset_redis() -> None:
    """Forget the cached client (tests and the local stack change REDIS_URL)."""
    get_redis.cache_clear()
