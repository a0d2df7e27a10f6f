"""GET /products/search through the local gateway, and an edit reaching the index through the stream."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from local.stack import LocalStack

STORE = "sto_01JKZ8M4T2Q9V7X3C5B6N8R1S1"


def _product(pid: str, name: str, brand: str, price: int, tags: list[str]) -> Any:
    from products import store

    return store.new_product(product_id=pid, name=name, brand=brand, category_id="cat_dairy", unit="200 g",
                             mrp=price + 500, price=price, images=[], tags=tags, description=None,
                             max_per_order=10, is_active=True, created_at="2025-01-01T00:00:00Z",
                             updated_at="2025-01-01T00:00:00Z")


@pytest.fixture
def catalog(api: Any, project_stack: LocalStack) -> Any:
    from products import store
    from products.search import indexer

    assert project_stack.streams is not None
    project_stack.streams.drain()  # whatever earlier tests left in the stream
    store.new_category(category_id="cat_dairy", name="Dairy & Eggs", slug="dairy", parent_id=None, image=None,
                       sort_order=1, created_at="2025-01-01T00:00:00Z", updated_at="2025-01-01T00:00:00Z").save()
    for i, (name, brand, price) in enumerate([("Amul Malai Paneer", "Amul", 8500), ("Amul Butter", "Amul", 5600),
                                              ("Nandini Paneer", "Nandini", 8000)]):
        _product(f"prd_{i}", name, brand, price, ["paneer"] if "Paneer" in name else []).save()
    store.new_store(store_id=STORE, name="HSR", address="HSR Layout", city="Bengaluru", lat=12.9, lng=77.6,
                    radius_km=3, opening_hours={"open": "06:00", "close": "23:00"}, fees={},
                    created_at="2025-01-01T00:00:00Z", updated_at="2025-01-01T00:00:00Z").save()
    store.set_stock(STORE, "prd_0", 3, "2025-01-01T00:00:00Z")
    store.set_stock(STORE, "prd_2", 0, "2025-01-01T00:00:00Z")
    indexer.rebuild()
    project_stack.streams.drain()  # the seed writes themselves
    return api


def search(api: Any, **params: Any) -> Any:
    return api.get("/products/search", query=urlencode(params))


def test_search_finds_typos_and_annotates_stock(catalog: Any) -> None:
    reply = search(catalog, q="paneeer", store_id=STORE)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["total"] == 2
    items = {i["product_id"]: i for i in body["items"]}
    assert items["prd_0"]["available"] == 3 and items["prd_0"]["in_stock"] is True
    assert items["prd_2"]["available"] == 0 and items["prd_2"]["in_stock"] is False
    assert items["prd_0"]["discount_percent"] == 5 and items["prd_0"]["score"] > 0
    only = search(catalog, q="paneer", store_id=STORE, in_stock="true").json()
    assert [i["product_id"] for i in only["items"]] == ["prd_0"]


def test_cursor_pages_and_tampering_is_refused(catalog: Any) -> None:
    first = search(catalog, q="amul", limit=1, sort="price_asc").json()
    assert [i["name"] for i in first["items"]] == ["Amul Butter"] and first["total"] == 2
    second = search(catalog, q="amul", limit=1, sort="price_asc", cursor=first["next_cursor"]).json()
    assert [i["name"] for i in second["items"]] == ["Amul Malai Paneer"] and second["next_cursor"] is None
    tampered = first["next_cursor"][:-2] + ("AA" if not first["next_cursor"].endswith("AA") else "BB")
    assert search(catalog, q="amul", limit=1, sort="price_asc", cursor=tampered).status == 400
    # A valid cursor of another search is refused too.
    assert search(catalog, q="amul", limit=1, cursor=first["next_cursor"]).status == 400


@pytest.mark.parametrize("params", [
    {}, {"q": ""}, {"q": "x" * 101}, {"q": "   "}, {"q": "milk", "limit": 0}, {"q": "milk", "limit": 101},
    {"q": "milk", "min_price": -1}, {"q": "milk", "min_price": 500, "max_price": 100},
    {"q": "milk", "in_stock": "true"}, {"q": "milk", "sort": "popular"},
])
def test_bad_input_is_422(catalog: Any, params: dict[str, Any]) -> None:
    reply = search(catalog, **params)
    assert reply.status == 422, (params, reply.body)
    assert reply.json()["errors"]


def test_unknown_store_is_404(catalog: Any) -> None:
    reply = search(catalog, q="paneer", store_id="sto_nope")
    assert reply.status == 404 and reply.json()["type"].endswith("store-not-found")


def test_an_edit_is_searchable_after_one_pass_of_the_stream_pump(catalog: Any, project_stack: LocalStack) -> None:
    from products import store

    assert search(catalog, q="makhan").json()["items"] == []
    record = store.get_product("prd_1")
    assert record is not None
    record.update(actions=[store.ProductRecord.name.set("Amul Makhan (Butter)")])
    _product("prd_9", "Milky Mist Paneer", "Milky Mist", 9000, ["paneer"]).save()
    store.ProductRecord.get(store.product_pk("prd_2"), store.PRODUCT).update(
        actions=[store.ProductRecord.is_active.set(False)])

    assert project_stack.streams is not None
    stats = project_stack.streams.run_once()
    assert stats.by_function.get("SearchIndexerFunction") == 3 and stats.failed == 0
    assert [i["product_id"] for i in search(catalog, q="makhan").json()["items"]] == ["prd_1"]
    assert {i["product_id"] for i in search(catalog, q="paneer").json()["items"]} == {"prd_0", "prd_9"}
