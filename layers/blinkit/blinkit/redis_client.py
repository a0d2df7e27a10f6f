"""One Redis client per process, with short timeouts so an outage fails fast instead of hanging.

In AWS the cache requires its AUTH token (template.yaml, `CacheAuthTokenSecret`). `REDIS_AUTH_SECRET_ARN`
names the secret, never its value: the token is read through Powertools Parameters, with short timeouts, when
the client opens its first connection (no I/O at import or cold start), once per process. Locally and in tests
the setting is empty and Redis takes no password.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import redis
from redis.credentials import CredentialProvider

from blinkit.settings import get_settings

SECRET_TIMEOUT_SECONDS = 1.0


class AuthTokenFromSecret(CredentialProvider):
    """Redis AUTH with the token in a Secrets Manager secret, read on the first connection and then kept.

    redis-py asks for credentials each time it opens a connection; the pool keeps connections open, so that is
    rare, and a cached token costs nothing. A failure to read the secret (no permission, Secrets Manager
    unreachable) is raised as `redis.AuthenticationError`: callers treat it as Redis being unavailable, as
    they must, rather than crashing on an error type they never expect from Redis.
    """

    def __init__(self, secret_arn: str) -> None:
        self.secret_arn = secret_arn
        self._token: str | None = None
        self._lock = threading.Lock()

    def get_credentials(self) -> tuple[str]:
        if self._token is None:
            with self._lock:  # the pool may open connections from several threads at once: read once
                if self._token is None:
                    self._token = self._read()
        return (self._token,)

    def _read(self) -> str:
        from aws_lambda_powertools.utilities import parameters
        from botocore.config import Config

        # Short timeouts and no retry: this runs inside a Redis connect on a request path (the authorizer has
        # 3 s), where an unreachable Secrets Manager must fail fast like an unreachable Redis. Not kept on
        # failure, so the next connection tries again.
        quick = Config(connect_timeout=SECRET_TIMEOUT_SECONDS, read_timeout=SECRET_TIMEOUT_SECONDS,
                       retries={"total_max_attempts": 1})
        try:
            return str(parameters.SecretsProvider(boto_config=quick).get(self.secret_arn))
        except parameters.exceptions.GetParameterError as exc:
            raise redis.AuthenticationError(f"cannot read the Redis AUTH token from {self.secret_arn}: {exc}") from exc


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    settings = get_settings()
    auth = AuthTokenFromSecret(settings.redis_auth_secret_arn) if settings.redis_auth_secret_arn else None
    return redis.Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
        health_check_interval=30,
        retry_on_timeout=False,
        credential_provider=auth,
    )


def reset_redis() -> None:
    """Forget the cached client (tests and the local stack change REDIS_URL)."""
    get_redis.cache_clear()
