"""The real template on moto, a real Redis and the Firebase emulator, in-process: what integration tests use.

`project_stack` starts once per test module; `api` gives each test an empty Redis database and empty tables.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import redis

from local.config import PARAMETERS, TEMPLATE, local_environment
from local.gateway import Gateway, Reply
from local.stack import LocalStack

# Each test run claims one of databases 1-15 of the Redis it is given (never 0, the developer's), so
# two runs on one machine (a developer and CI, or parallel workers) never flush each other's data.
CLAIM_KEY = "blinkit:test-run-claim"


def _base_redis_url() -> str:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return base.rsplit("/", 1)[0] if base.count("/") >= 3 else base


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    base = _base_redis_url()
    for db in range(1, 16):
        url = f"{base}/{db}"
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        try:
            claimed = client.set(CLAIM_KEY, os.getpid(), nx=True, ex=3600)
        except redis.RedisError as exc:  # a missing Redis is a broken set-up, never a reason to skip
            raise RuntimeError(f"tests need a Redis server at {base} (set REDIS_URL): {exc}") from exc
        if claimed:
            client.flushdb()
            client.set(CLAIM_KEY, os.getpid(), ex=3600)
            yield url
            client.flushdb()
            return
    raise RuntimeError(f"every test database of {base} is claimed by another run; flush stale claims")


# Module scope: the stack's moto mock ends with the module that used it, so tests that start their
# own mock (tests/local, tests/unit) never run inside it. Starting one costs well under a second.
@pytest.fixture(scope="module")
def project_stack(firebase_emulator: Any, redis_url: str) -> Iterator[LocalStack]:
    from blinkit.redis_client import reset_redis
    from blinkit.settings import get_settings

    env = local_environment(redis_url=redis_url, firebase_emulator_host=firebase_emulator.host, stage="test")
    with LocalStack(TEMPLATE, env_overrides=env, parameter_overrides=PARAMETERS) as running:
        get_settings.cache_clear()
        reset_redis()
        yield running
    get_settings.cache_clear()
    reset_redis()


class Api:
    """Requests through the local gateway (authorizer included), with JSON conveniences."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def request(
        self, method: str, path: str, *, json_body: Any = None, token: str | None = None,
        headers: dict[str, str] | None = None, raw: bytes | None = None, query: str = "", ip: str = "127.0.0.1",
    ) -> Reply:
        sent = {"content-type": "application/json", **(headers or {})}
        if token:
            sent["authorization"] = f"Bearer {token}"
        body = raw if raw is not None else (json.dumps(json_body).encode() if json_body is not None else b"")
        return self.gateway.handle(method, path, query, sent, body, ip)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, json_body=json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("PATCH", path, json_body=json_body, **kw)

    def put(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("PUT", path, json_body=json_body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.request("DELETE", path, **kw)


def flush_keeping_claim(url: str) -> None:
    client = redis.Redis.from_url(url)
    claim = client.get(CLAIM_KEY)
    client.flushdb()
    if claim:
        client.set(CLAIM_KEY, claim, ex=3600)


def _empty_tables() -> None:
    dynamodb = boto3.client("dynamodb")
    for name in dynamodb.list_tables()["TableNames"]:
        keys = [k["AttributeName"] for k in dynamodb.describe_table(TableName=name)["Table"]["KeySchema"]]
        for page in dynamodb.get_paginator("scan").paginate(TableName=name, ProjectionExpression=",".join(keys)):
            for item in page["Items"]:
                dynamodb.delete_item(TableName=name, Key={k: item[k] for k in keys})


@pytest.fixture
def api(project_stack: LocalStack, redis_url: str, firebase: Any) -> Api:
    flush_keeping_claim(redis_url)
    _empty_tables()
    from products import cache as catalog_cache

    catalog_cache.forget()  # the tables were emptied behind the functions' back: so is what they keep in memory
    assert project_stack.functions is not None
    return Api(Gateway(project_stack.template, project_stack.functions))
