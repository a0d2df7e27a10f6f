"""blinkit.redis_client with and without the cache's AUTH token.

In AWS the cache requires AUTH (template.yaml, `CacheAuthTokenSecret`) and REDIS_AUTH_SECRET_ARN names the
secret; locally and in tests it is empty. These run the client against a real `redis-server` of their own
started with `--requirepass` (never the shared one) and the secret in Secrets Manager (moto).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import boto3
import pytest
import redis
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from blinkit.redis_client import get_redis, reset_redis
from blinkit.settings import get_settings
from tests.redis_server import RedisServer

TOKEN = "testOnlyCacheAuthToken0123456789"  # letters and digits, as the generated token


@pytest.fixture(scope="module")
def protected_redis() -> Iterator[RedisServer]:
    server = RedisServer(password=TOKEN)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def use(monkeypatch: pytest.MonkeyPatch, *, url: str, secret: str | None) -> None:
    """The settings a function would have, and a fresh client and Parameters cache for them."""
    monkeypatch.setenv("REDIS_URL", url)
    if secret is None:
        monkeypatch.delenv("REDIS_AUTH_SECRET_ARN", raising=False)
    else:
        monkeypatch.setenv("REDIS_AUTH_SECRET_ARN", secret)
    get_settings.cache_clear()
    parameters.clear_caches()
    reset_redis()


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    with mock_aws():
        yield
    get_settings.cache_clear()
    parameters.clear_caches()
    reset_redis()


def create_secret(name: str = "blinkit/cache-auth-token", value: str = TOKEN) -> str:
    return str(boto3.client("secretsmanager").create_secret(Name=name, SecretString=value)["ARN"])


def test_without_a_secret_the_client_sends_no_password(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> None:
    use(monkeypatch, url=redis_url, secret=None)
    client = get_redis()
    assert client.connection_pool.connection_kwargs.get("credential_provider") is None
    assert client.ping() is True


def test_the_cache_refuses_a_client_without_the_token(monkeypatch: pytest.MonkeyPatch,
                                                       protected_redis: RedisServer) -> None:
    # What every function would meet in AWS if it did not read the secret: the cache answers NOAUTH.
    use(monkeypatch, url=protected_redis.url, secret=None)
    with pytest.raises(redis.AuthenticationError):
        get_redis().ping()


def test_with_the_secret_the_client_authenticates_with_its_token(monkeypatch: pytest.MonkeyPatch,
                                                                   protected_redis: RedisServer) -> None:
    use(monkeypatch, url=protected_redis.url, secret=create_secret())
    client = get_redis()
    client.set("blinkit:test:auth", "yes", ex=60)
    assert client.get("blinkit:test:auth") == "yes"
    assert protected_redis.client().get("blinkit:test:auth") == "yes"


def test_the_token_is_read_once_and_kept_for_new_connections(monkeypatch: pytest.MonkeyPatch,
                                                              protected_redis: RedisServer) -> None:
    arn = create_secret()
    use(monkeypatch, url=protected_redis.url, secret=arn)
    client = get_redis()
    assert client.ping() is True
    # The secret is gone and Powertools forgets what it read: only the client's own copy is left.
    boto3.client("secretsmanager").delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    parameters.clear_caches()
    client.connection_pool.disconnect()  # the next command opens (and authenticates) a new connection
    connections = [client.connection_pool.get_connection() for _ in range(3)]
    try:
        for connection in connections:
            connection.send_command("PING")
            assert connection.read_response() == "PONG"
    finally:
        for connection in connections:
            client.connection_pool.release(connection)
    assert client.ping() is True


def test_an_unreadable_secret_is_a_redis_error_naming_it_and_is_read_again_later(
        monkeypatch: pytest.MonkeyPatch, protected_redis: RedisServer) -> None:
    name = "blinkit/cache-auth-token-not-yet"
    use(monkeypatch, url=protected_redis.url, secret=name)
    client = get_redis()
    # A RedisError, so every caller treats it as Redis being unavailable (503 or a degraded answer).
    with pytest.raises(redis.AuthenticationError, match=f"cannot read the Redis AUTH token from {name}"):
        client.ping()
    create_secret(name)  # a failed read is not kept: the next connection tries again
    assert client.ping() is True


def test_an_unreachable_secrets_manager_is_a_redis_error_too(monkeypatch: pytest.MonkeyPatch,
                                                            protected_redis: RedisServer) -> None:
    # A Secrets Manager that accepts the connection and never answers (a black-holed endpoint): the read gives
    # up and the caller sees Redis unavailable, as for a Redis that does not answer.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", f"http://127.0.0.1:{silent.getsockname()[1]}")
        use(monkeypatch, url=protected_redis.url, secret="blinkit/cache-auth-token")
        with pytest.raises(redis.AuthenticationError, match=r"cannot read the Redis AUTH token.*(timeout|timed out)"):
            get_redis().ping()
