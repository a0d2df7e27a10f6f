"""Cacheable catalog reads (issue 17, goal 4), through the local gateway on moto and a real Redis: the public
GETs carry Cache-Control and an ETag and answer 304 to it; a warm products container answers from memory
(no DynamoDB call) and shows an edit within its TTL, at once when the edit ran in its own process."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.dynamodb_spy import spy_dynamodb
from tests.integration.products_helpers import make_category, make_product, make_store, set_stock

pytestmark = pytest.mark.emulator


class Clock:
    def __init__(self) -> None:
        self.now = 50_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The in-memory caches' clock, moved on by hand (no test waits)."""
    from products import cache

    moved = Clock()
    for c in cache.ALL:
        monkeypatch.setattr(c, "clock", moved)
    return moved


@pytest.fixture
def other_container(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes run as if in another Lambda container: they do not forget this process's cached catalog (in AWS
    each route is its own function, so the reading container never hears of an edit)."""
    from products import cache

    monkeypatch.setattr(cache, "forget", lambda *_: None)
    monkeypatch.setattr(cache, "forget_stock", lambda: None)


@pytest.fixture
def dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The DynamoDB operations made in this process while the test runs."""
    seen: list[str] = []
    spy_dynamodb(monkeypatch, lambda operation, _: seen.append(operation))
    return seen


@pytest.fixture
def catalog(api, admin) -> dict[str, Any]:
    from products import service

    service.forget_stores()
    shop = make_store(api, admin)
    category = make_category(api, admin, "Dairy & Eggs")
    product = make_product(api, admin, category["category_id"], price=2700)
    assert set_stock(api, admin, shop["store_id"], product["product_id"], 12).status == 200
    return {"store": shop, "category": category, "product": product}


PUBLIC_READS = [
    ("/stores", "", "public, max-age=60, stale-while-revalidate=60"),
    ("/categories", "", "public, max-age=30, stale-while-revalidate=30"),
    ("/products", "", "public, max-age=30, stale-while-revalidate=30"),
    ("/products", "store_id={store}", "public, max-age=10, stale-while-revalidate=10"),
    ("/products/category/{category}", "", "public, max-age=30, stale-while-revalidate=30"),
    ("/products/{product}", "", "public, max-age=30, stale-while-revalidate=30"),
    ("/products/{product}", "store_id={store}", "public, max-age=10, stale-while-revalidate=10"),
    ("/stores/serviceable", "lat=12.9784&lng=77.6408", "public, max-age=30, stale-while-revalidate=30"),
]


@pytest.mark.parametrize(("path", "query", "cache_control"), PUBLIC_READS)
def test_public_catalog_reads_carry_an_etag_and_answer_304_to_it(api, catalog, path, query, cache_control):
    ids = {"store": catalog["store"]["store_id"], "category": catalog["category"]["category_id"],
           "product": catalog["product"]["product_id"]}
    path, query = path.format(**ids), query.format(**ids)
    first = api.get(path, query=query)
    assert first.status == 200, first.body
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == cache_control

    again = api.get(path, query=query, headers={"if-none-match": f'"stale", W/{etag}'})
    assert again.status == 304 and again.body == b""
    assert again.headers["etag"] == etag and again.headers["cache-control"] == cache_control
    assert api.get(path, query=query, headers={"if-none-match": '"stale"'}).status == 200


def test_a_public_answer_is_the_same_for_a_signed_in_caller(api, catalog, customer):
    # Nothing in the public catalog depends on who asks (no authorizer on these routes), so a shared cache may
    # give one caller's answer to another: same body, same ETag, with or without a session.
    path = f"/products/{catalog['product']['product_id']}"
    anonymous = api.get(path, query=f"store_id={catalog['store']['store_id']}")
    signed_in = api.get(path, query=f"store_id={catalog['store']['store_id']}", token=customer.session_token)
    assert signed_in.status == 200 and signed_in.body == anonymous.body
    assert signed_in.headers["etag"] == anonymous.headers["etag"]


def test_problems_and_signed_in_reads_are_not_marked_cacheable(api, catalog, admin):
    missing = api.get("/products/prd_" + "0" * 26)
    assert missing.status == 404 and "cache-control" not in missing.headers and "etag" not in missing.headers
    low = api.get(f"/stores/{catalog['store']['store_id']}/stock/low", token=admin.session_token)
    assert low.status == 200 and "cache-control" not in low.headers and "etag" not in low.headers


def test_search_answers_carry_an_etag_and_answer_304(api, catalog):
    from products.search import indexer

    indexer.rebuild()
    first = api.get("/products/search", query="q=milk")
    assert first.status == 200 and first.json()["items"], first.body
    assert first.headers["cache-control"] == "public, max-age=30, stale-while-revalidate=30"
    assert api.get("/products/search", query="q=milk", headers={"if-none-match": first.headers["etag"]}).status == 304


def test_a_warm_container_serves_the_catalog_from_memory(api, catalog, clock, dynamodb_calls):
    shop, product = catalog["store"]["store_id"], catalog["product"]["product_id"]
    reads = [("/categories", ""), (f"/products/{product}", f"store_id={shop}"), ("/products", f"store_id={shop}"),
             (f"/products/category/{catalog['category']['category_id']}", f"store_id={shop}")]
    for path, query in reads:
        assert api.get(path, query=query).status == 200
    dynamodb_calls.clear()
    for path, query in reads:
        assert api.get(path, query=query).status == 200
    assert dynamodb_calls == []
    clock.now += 5  # the TTL: read from the table again
    for path, query in reads:
        assert api.get(path, query=query).status == 200
    assert dynamodb_calls


def test_an_edit_in_another_container_shows_within_the_ttl(api, admin, catalog, clock, other_container):
    shop, product, category = (catalog["store"]["store_id"], catalog["product"]["product_id"],
                               catalog["category"]["category_id"])
    page = f"/products/{product}"
    seen = api.get(page, query=f"store_id={shop}")
    assert seen.json()["price"] == 2700 and seen.json()["available"] == 12
    assert api.get("/categories").json()["categories"][0]["name"] == "Dairy & Eggs"

    edited = api.patch(page, {"price": 2500}, token=admin.session_token)
    assert edited.status == 200 and edited.json()["price"] == 2500
    assert api.patch(f"/categories/{category}", {"name": "Dairy"}, token=admin.session_token).status == 200
    assert set_stock(api, admin, shop, product, 3).status == 200

    clock.now += 4.9  # within the TTL this container still answers what it read
    stale = api.get(page, query=f"store_id={shop}").json()
    assert (stale["price"], stale["available"]) == (2700, 12)
    clock.now += 0.1
    fresh = api.get(page, query=f"store_id={shop}")
    assert (fresh.json()["price"], fresh.json()["available"]) == (2500, 3)
    assert fresh.headers["etag"] != seen.headers["etag"]
    assert api.get("/categories").json()["categories"][0]["name"] == "Dairy"
    listed = api.get("/products", query=f"store_id={shop}").json()["products"]
    assert [(p["price"], p["available"]) for p in listed] == [(2500, 3)]


def test_an_edit_in_this_process_shows_at_once(api, admin, catalog, clock):
    shop, product = catalog["store"]["store_id"], catalog["product"]["product_id"]
    page = f"/products/{product}"
    assert api.get(page, query=f"store_id={shop}").json()["price"] == 2700
    assert api.get("/products", query=f"store_id={shop}").json()["products"][0]["available"] == 12
    assert api.patch(page, {"price": 2400}, token=admin.session_token).status == 200
    assert set_stock(api, admin, shop, product, 7).status == 200
    assert api.get(page, query=f"store_id={shop}").json()["price"] == 2400
    assert api.get("/products", query=f"store_id={shop}").json()["products"][0]["available"] == 7
    assert api.delete(page, token=admin.session_token).status == 204
    assert api.get(page).status == 404
    assert api.get("/products").json()["products"] == []


def test_search_reads_stock_from_the_warm_container_within_the_ttl(api, admin, catalog, clock, dynamodb_calls,
                                                                   other_container):
    from products.search import indexer

    indexer.rebuild()
    shop, product = catalog["store"]["store_id"], catalog["product"]["product_id"]
    query = f"q=milk&store_id={shop}"
    assert api.get("/products/search", query=query).json()["items"][0]["available"] == 12
    dynamodb_calls.clear()
    assert api.get("/products/search", query=query).json()["items"][0]["available"] == 12
    assert "BatchGetItem" not in dynamodb_calls
    assert set_stock(api, admin, shop, product, 4).status == 200  # in another container
    clock.now += 5
    dynamodb_calls.clear()
    assert api.get("/products/search", query=query).json()["items"][0]["available"] == 4
    assert "BatchGetItem" in dynamodb_calls
