"""Readiness: /health (products) reports the search index, and a stack with a catalog but no published index
builds one from the table on the first search or health check, asked for at most once (products.search.readiness).

The local stack runs the indexer's asynchronous invoke on a thread, as Lambda would run it after answering 202;
`wait_for_event_invocations` waits for it. The stream pump is not running here, so nothing else publishes.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
import redis

from local.executor import wait_for_event_invocations
from local.stack import LocalStack
from tests.integration.products_helpers import assert_problem

BUILDING = "No search index has been published yet; it is being built from the catalog"
OK = {"status": "ok", "detail": None}


def _product(pid: str, name: str, brand: str, price: int) -> Any:
    from products import store

    return store.new_product(product_id=pid, name=name, brand=brand, category_id="cat_dairy", unit="200 g",
                             mrp=price + 500, price=price, images=[], tags=["paneer"], description=None,
                             max_per_order=10, is_active=True, created_at="2025-01-01T00:00:00Z",
                             updated_at="2025-01-01T00:00:00Z")


@pytest.fixture
def no_index(api: Any, project_stack: LocalStack, redis_url: str) -> Any:
    """Empty tables (the `api` fixture), and no index anywhere: not in S3, Redis or this process's cache."""
    from blinkit.settings import get_settings
    from products.search import readiness, snapshot

    assert wait_for_event_invocations(30)  # an earlier test's rebuild is over
    assert project_stack.streams is not None
    project_stack.streams.drain()  # emptying the tables made stream records; the indexer may publish on them
    bucket = get_settings().search_index_bucket
    for key in (snapshot.POINTER_KEY, snapshot.INDEX_KEY):
        boto3.client("s3").delete_object(Bucket=bucket, Key=key)
    redis.Redis.from_url(redis_url).delete(snapshot.VERSION_KEY, readiness.REBUILD_GUARD_KEY)
    snapshot.CACHE.forget()
    assert snapshot.read_pointer() is None
    return api


@pytest.fixture
def catalog_without_index(no_index: Any) -> Any:
    """Products in the table that no index has seen (as on a freshly deployed stack)."""
    from products import store

    store.new_category(category_id="cat_dairy", name="Dairy & Eggs", slug="dairy", parent_id=None, image=None,
                       sort_order=1, created_at="2025-01-01T00:00:00Z", updated_at="2025-01-01T00:00:00Z").save()
    _product("prd_1", "Amul Malai Paneer", "Amul", 8500).save()
    _product("prd_2", "Nandini Paneer", "Nandini", 8000).save()
    return no_index


@pytest.fixture
def rebuilds(project_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The events SearchIndexerFunction is invoked with, however it is reached (gateway, boto3 lambda.invoke)."""
    functions = project_stack.functions
    assert functions is not None
    seen: list[dict[str, Any]] = []
    real_invoke = functions.invoke

    def invoke(function_id: str, event: Any) -> Any:
        if functions.function_for_name(function_id).logical_id == "SearchIndexerFunction":
            seen.append(event)
        return real_invoke(function_id, event)

    monkeypatch.setattr(functions, "invoke", invoke)
    return seen


def search(api: Any, **params: Any) -> Any:
    return api.get("/products/search", query=urlencode(params))


def test_health_is_503_naming_the_search_index_until_one_is_published_then_200(
        no_index: Any, rebuilds: list[dict[str, Any]]) -> None:
    reply = no_index.get("/health")
    assert reply.status == 503, reply.body
    assert reply.json() == {"status": "degraded", "dependencies": {
        "redis": OK, "catalog_table": OK, "search_index": {"status": "building", "detail": BUILDING}}}

    assert wait_for_event_invocations(30)  # the rebuild that health check asked for
    assert [{k: v for k, v in e.items() if k != "correlation_id"} for e in rebuilds] == [{"rebuild": True}]
    assert rebuilds[0]["correlation_id"] == reply.headers["x-request-id"]  # the indexer logs under the asker's id
    reply = no_index.get("/health")
    assert reply.status == 200, reply.body
    assert reply.json() == {"status": "ok", "dependencies": {"redis": OK, "catalog_table": OK, "search_index": OK}}


def test_health_is_200_once_an_index_is_published_and_asks_for_nothing(
        no_index: Any, rebuilds: list[dict[str, Any]]) -> None:
    from products.search import indexer

    indexer.rebuild()
    reply = no_index.get("/health")
    assert reply.status == 200, reply.body
    assert reply.json()["dependencies"]["search_index"] == OK
    assert rebuilds == []


def test_search_before_the_index_is_503_with_retry_after_then_finds_the_products_after_the_rebuild(
        catalog_without_index: Any) -> None:
    reply = search(catalog_without_index, q="paneer")
    problem = assert_problem(reply, 503, "search-index-building")
    assert problem["detail"] == BUILDING and reply.headers["retry-after"] == "5"

    assert wait_for_event_invocations(30)
    reply = search(catalog_without_index, q="paneer")
    assert reply.status == 200, reply.body
    assert {item["product_id"] for item in reply.json()["items"]} == {"prd_1", "prd_2"}


def test_concurrent_first_searches_ask_for_exactly_one_rebuild(
        catalog_without_index: Any, rebuilds: list[dict[str, Any]], redis_url: str) -> None:
    from products.search import readiness

    callers = 8
    start = threading.Barrier(callers, timeout=30)
    replies: list[Any] = []

    def first_search() -> None:
        start.wait()
        replies.append(search(catalog_without_index, q="paneer"))

    threads = [threading.Thread(target=first_search) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert wait_for_event_invocations(30)

    assert len(replies) == callers
    building = [r for r in replies if r.status == 503]
    assert building, "no search found the index missing"  # every one did, unless the rebuild beat a late one
    for reply in building:
        assert_problem(reply, 503, "search-index-building")
    assert all(r.status == 200 for r in replies if r not in building)
    assert len(rebuilds) == 1 and rebuilds[0]["rebuild"] is True
    assert 0 < redis.Redis.from_url(redis_url).ttl(readiness.REBUILD_GUARD_KEY) <= readiness.REBUILD_GUARD_SECONDS
    # Searches after the rebuild find the catalog, and ask for nothing more.
    assert {i["product_id"] for i in search(catalog_without_index, q="paneer").json()["items"]} == {"prd_1", "prd_2"}
    assert len(rebuilds) == 1


def test_searches_within_the_minute_ask_once_while_the_index_is_still_being_built(
        no_index: Any, project_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    functions = project_stack.functions
    assert functions is not None
    asked: list[dict[str, Any]] = []
    real_invoke = functions.invoke

    def slow_indexer(function_id: str, event: Any) -> Any:  # takes the request, publishes nothing (yet)
        if isinstance(event, dict) and event.get("rebuild"):
            asked.append(event)
            return {"published": None}
        return real_invoke(function_id, event)

    monkeypatch.setattr(functions, "invoke", slow_indexer)
    for _ in range(3):
        assert_problem(search(no_index, q="milk"), 503, "search-index-building")
        assert wait_for_event_invocations(30)
    assert len(asked) == 1


def test_a_pointer_to_a_lost_index_is_a_503_and_a_rebuild_not_a_500(
        catalog_without_index: Any, rebuilds: list[dict[str, Any]], redis_url: str) -> None:
    # Another stack sharing this Redis (or a lost object) leaves a pointer to an S3 version this bucket never had:
    # S3 answers NoSuchVersion, which search used to let through as a 500.
    from products.search import snapshot

    redis.Redis.from_url(redis_url).set(snapshot.VERSION_KEY, "0000000000001-deadbeef@no-such-s3-version")
    reply = search(catalog_without_index, q="paneer")
    assert_problem(reply, 503, "search-index-building")
    assert wait_for_event_invocations(30)
    assert [e["rebuild"] for e in rebuilds] == [True]  # the indexer rebuilt over the dangling pointer

    reply = search(catalog_without_index, q="paneer")
    assert reply.status == 200, reply.body
    assert {item["product_id"] for item in reply.json()["items"]} == {"prd_1", "prd_2"}
