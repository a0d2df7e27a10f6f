"""The demo catalog: written directly by `make run` and loaded over HTTP by `python -m local seed`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from local.catalog.data import catalog

pytestmark = pytest.mark.emulator


def small_catalog() -> dict[str, Any]:
    data = catalog()
    store = data["stores"][0]
    products = data["products"][:12]
    ids = {p["product_id"] for p in products}
    stock = [s for s in data["stock"] if s["store_id"] == store["store_id"] and s["product_id"] in ids]
    by_id = {c["category_id"]: c for c in data["categories"]}
    wanted = {p["category_id"] for p in products}
    wanted |= {by_id[c]["parent_id"] for c in wanted if by_id[c]["parent_id"]}
    categories = [c for c in data["categories"] if c["category_id"] in wanted]
    return {"stores": [store], "categories": categories, "products": products, "stock": stock}


def test_every_seed_record_passes_the_api_validation():
    from products import schemas

    data = catalog()
    for s in data["stores"]:
        schemas.StoreIn.model_validate(s)
    for c in data["categories"]:
        schemas.CategoryIn.model_validate(c)
    for p in data["products"]:
        schemas.ProductIn.model_validate(p)
    for row in data["stock"]:
        schemas.StockIn.model_validate({"available": row["available"]})


@dataclass
class _Reply:
    status_code: int
    text: str


class _GatewayClient:
    """The httpx.Client surface `seed_catalog_over_http` uses, sent through the test gateway."""

    def __init__(self, api: Any, token: str) -> None:
        self.api, self.token = api, token

    def request(self, method: str, path: str, json: Any = None) -> _Reply:
        reply = self.api.request(method, path, json_body=json, token=self.token)
        return _Reply(reply.status, reply.body.decode())


def test_seed_over_http_keeps_the_seed_ids_and_can_run_twice(api, admin):
    from local.seed import seed_catalog_over_http

    data = small_catalog()
    client = _GatewayClient(api, admin.session_token)
    first = seed_catalog_over_http("http://unused", admin.session_token, data, client=client)
    assert first == {"stores": 1, "categories": len(data["categories"]), "products": 12,
                     "stock": len(data["stock"]), "existing": 0}
    again = seed_catalog_over_http("http://unused", admin.session_token, data, client=client)
    assert again["existing"] == 1 + len(data["categories"]) + 12 and again["stock"] == len(data["stock"])
    row = data["stock"][0]
    product = api.get(f"/products/{row['product_id']}", query=f"store_id={row['store_id']}").json()
    assert product["available"] == row["available"]


# Last in the module: the next test would otherwise spend seconds wiping its 2,000 rows.
def test_seed_catalog_writes_the_whole_catalog_the_api_then_serves(api):
    from local.seed import seed_catalog
    from products import service

    data = catalog()
    counts = seed_catalog(data)
    assert counts == {k: len(v) for k, v in data.items()}
    service.forget_stores()
    assert len(api.get("/stores").json()["stores"]) == sum(s["is_active"] for s in data["stores"])
    top = [c for c in data["categories"] if c["parent_id"] is None]
    assert len(api.get("/categories").json()["categories"]) == len(top)
    row = next(s for s in data["stock"] if s["available"] > 0)
    product = api.get(f"/products/{row['product_id']}", query=f"store_id={row['store_id']}").json()
    assert product["available"] == row["available"] and product["in_stock"] is True
