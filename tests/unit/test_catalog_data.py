"""The demo catalog (local.catalog.data) and the benchmark catalog generator (local.catalog.generate)."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from local.catalog import CATEGORIES, PRODUCTS, STOCK, STORES, catalog, generate_catalog
from local.catalog.data import make_id, slugify
from products.schemas import CategoryIn, ProductIn, StoreIn

ID = re.compile(r"^(sto|cat|prd)_[0-9A-HJKMNP-TV-Z]{26}$")
ROOT = Path(__file__).resolve().parents[2]

# What customers type into the search box; each must find at least one product.
QUERIES = [
    "atta", "paneer", "dahi", "curd", "doodh", "milk", "aloo", "pyaz", "tamatar", "dhania", "maggi", "bhujia",
    "namkeen", "amul milk", "toor dal", "basmati", "chawal", "chai", "coffee", "biscuit", "chips", "coke",
    "butter", "bread", "eggs", "anda", "ghee", "besan", "sugar", "cheeni", "salt", "namak", "oil", "haldi",
    "jeera", "masala", "detergent", "shampoo", "toothpaste", "soap", "diapers", "dog food", "cat food",
    "ice cream", "chocolate", "ketchup", "juice", "cold drink", "water", "ragi", "idli", "poha", "rava",
]


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def matches(product: dict[str, Any], query: str) -> bool:
    q = query.lower()
    return q in product["name"].lower() or q in product["brand"].lower() or any(q in t for t in product["tags"])


def is_paise(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def check_products(cat: dict[str, list[dict[str, Any]]]) -> None:
    """The structural checks shared by the demo and the generated catalogs."""
    subcategories = {c["category_id"] for c in cat["categories"] if c["parent_id"] is not None}
    for p in cat["products"]:
        assert p["category_id"] in subcategories, p["name"]
        assert is_paise(p["mrp"]) and is_paise(p["price"]), p
        assert p["price"] <= p["mrp"], p
        assert ID.match(p["product_id"]) and p["product_id"].startswith("prd_")
        assert p["images"] and all(u.startswith("https://cdn.blinkit-clone.dev/products/") for u in p["images"])
        assert 1 <= len(p["images"]) <= 2
        assert p["tags"] and all(t == t.lower() and t.strip() for t in p["tags"])
        assert 1 <= p["max_per_order"] <= 100 and p["is_active"] is True
    ids = [p["product_id"] for p in cat["products"]]
    assert len(set(ids)) == len(ids)


# Demo catalog ---------------------------------------------------------------------------------------


def test_counts() -> None:
    top = [c for c in CATEGORIES if c["parent_id"] is None]
    assert len(STORES) >= 3
    assert len(top) >= 12
    assert len(PRODUCTS) >= 300
    children = Counter(c["parent_id"] for c in CATEGORIES if c["parent_id"] is not None)
    for parent in top:
        assert 2 <= children[parent["category_id"]] <= 5, parent["name"]


def test_categories_are_a_two_level_tree() -> None:
    by_id = {c["category_id"]: c for c in CATEGORIES}
    for c in CATEGORIES:
        if c["parent_id"] is not None:
            assert by_id[c["parent_id"]]["parent_id"] is None, c["name"]
        assert c["image"] == f"https://cdn.blinkit-clone.dev/categories/{c['slug']}.png"
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c["slug"])
    slugs = [c["slug"] for c in CATEGORIES]
    assert len(set(slugs)) == len(slugs)
    sort_orders = Counter((c["parent_id"], c["sort_order"]) for c in CATEGORIES)
    assert max(sort_orders.values()) == 1


def test_products_are_valid() -> None:
    check_products(catalog())
    slugs = [slugify(f"{p['name']} {p['unit']}") for p in PRODUCTS]
    assert len(set(slugs)) == len(slugs)
    for p, slug in zip(PRODUCTS, slugs, strict=True):
        assert p["images"][0] == f"https://cdn.blinkit-clone.dev/products/{slug}.jpg"
        assert p["product_id"] == make_id("prd", slug)


def test_prices_are_realistic() -> None:
    by_key = {(p["name"], p["unit"]): p for p in PRODUCTS}
    taaza = by_key[("Amul Taaza Toned Milk", "500 ml")]
    assert taaza["mrp"] == 2800 and taaza["max_per_order"] == 6
    atta = by_key[("Aashirvaad Shudh Chakki Atta", "5 kg")]
    assert 28000 <= atta["mrp"] <= 32000 and atta["max_per_order"] == 3
    discounts = [100 * (p["mrp"] - p["price"]) / p["mrp"] for p in PRODUCTS]
    at_mrp = sum(d == 0 for d in discounts)
    assert 0.2 * len(PRODUCTS) < at_mrp < 0.7 * len(PRODUCTS)
    assert all(p["price"] >= p["mrp"] * 70 // 100 - 50 for p in PRODUCTS)  # at most 30% off, give or take rounding
    assert any(d >= 20 for d in discounts)
    assert all(p["mrp"] % 100 == 0 and p["price"] % 100 == 0 for p in PRODUCTS)  # whole rupees


def test_near_duplicates_make_search_interesting() -> None:
    assert sum("milk" in p["name"].lower() for p in PRODUCTS) >= 8
    assert len({p["brand"] for p in PRODUCTS if "atta" in p["name"].lower()}) >= 4
    assert len({p["brand"] for p in PRODUCTS if "paneer" in p["name"].lower()}) >= 4
    names = " ".join(p["name"].lower() for p in PRODUCTS)
    assert "dahi" in names and "curd" in names


def test_ids_match_the_pattern_and_are_unique() -> None:
    ids = [s["store_id"] for s in STORES] + [c["category_id"] for c in CATEGORIES] + [p["product_id"] for p in PRODUCTS]
    assert all(ID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert all(s["store_id"].startswith("sto_") for s in STORES)
    assert all(c["category_id"].startswith("cat_") for c in CATEGORIES)


def test_rows_fit_the_products_api_schemas() -> None:
    cat = catalog()
    for store in cat["stores"]:
        StoreIn.model_validate(store)
    for category in cat["categories"]:
        CategoryIn.model_validate(category)
    for product in cat["products"]:
        ProductIn.model_validate(product)


def test_stores() -> None:
    for s in STORES:
        assert s["city"] == "Bengaluru" and s["timezone"] == "Asia/Kolkata" and s["is_active"] is True
        assert 12.8 < s["lat"] < 13.1 and 77.5 < s["lng"] < 77.8
        assert all(isinstance(v, int) for k, v in s["fees"].items() if not k.startswith("late_night_"))
    assert len({json.dumps(s["fees"], sort_keys=True) for s in STORES}) >= 2
    assert len({s["opening_hours"]["close"] for s in STORES}) >= 2


def test_store_radii_overlap() -> None:
    overlapping = [
        (a["name"], b["name"])
        for a, b in itertools.combinations(STORES, 2)
        if haversine_km(a["lat"], a["lng"], b["lat"], b["lng"]) < a["radius_km"] + b["radius_km"]
    ]
    assert len(overlapping) >= 2, overlapping


def test_stock() -> None:
    store_ids = {s["store_id"] for s in STORES}
    product_ids = {p["product_id"] for p in PRODUCTS}
    for row in STOCK:
        assert row["store_id"] in store_ids and row["product_id"] in product_ids
        assert isinstance(row["available"], int) and 0 <= row["available"] <= 80
    keys = [(r["store_id"], r["product_id"]) for r in STOCK]
    assert len(set(keys)) == len(keys)
    zeros = [r for r in STOCK if r["available"] == 0]
    assert 0.02 * len(STOCK) < len(zeros) < 0.1 * len(STOCK)
    assert any(1 <= r["available"] <= 3 for r in STOCK)
    out_of_stock = {s: {r["product_id"] for r in zeros if r["store_id"] == s} for s in store_ids}
    assert len({frozenset(v) for v in out_of_stock.values()}) == len(store_ids)  # differently per store
    stocked = Counter(r["store_id"] for r in STOCK)
    assert any(n < len(PRODUCTS) for n in stocked.values())  # some stores don't carry everything


@pytest.mark.parametrize("query", QUERIES)
def test_customer_queries_find_products(query: str) -> None:
    assert any(matches(p, query) for p in PRODUCTS), query


def test_enough_queries() -> None:
    assert len(QUERIES) >= 30


def test_catalog_is_json_serialisable_and_a_copy() -> None:
    cat = catalog()
    assert set(cat) == {"stores", "categories", "products", "stock"}
    json.dumps(cat)
    cat["products"][0]["price"] = 1
    assert catalog()["products"][0]["price"] == PRODUCTS[0]["price"] != 1


def test_deterministic_across_processes() -> None:
    """String hashing is randomised per process; the catalog must not depend on it."""
    script = (
        "import hashlib, json; from local.catalog import catalog, generate_catalog;"
        "print(hashlib.sha256(json.dumps([catalog(), generate_catalog(500)], sort_keys=True).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    here = hashlib.sha256(json.dumps([catalog(), generate_catalog(500)], sort_keys=True).encode()).hexdigest()
    assert digests == {here}


# Generator ------------------------------------------------------------------------------------------


def test_generate_10k() -> None:
    started = time.perf_counter()
    cat = generate_catalog(10_000)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, elapsed
    assert set(cat) == {"stores", "categories", "products", "stock"}
    assert len(cat["products"]) == 10_000
    check_products(cat)
    names = [p["name"] for p in cat["products"]]
    assert len(set(names)) > 0.95 * len(names)
    assert len({p["category_id"] for p in cat["products"]}) == sum(c["parent_id"] is not None for c in CATEGORIES)
    assert all(len(p["name"]) <= 120 and len(p["unit"]) <= 40 and len(p["tags"]) <= 20 for p in cat["products"])
    product_ids = {p["product_id"] for p in cat["products"]}
    assert all(r["product_id"] in product_ids for r in cat["stock"])
    assert any(r["available"] == 0 for r in cat["stock"])
    assert cat["stores"] == STORES and cat["categories"] == CATEGORIES


def test_generated_rows_fit_the_schema() -> None:
    for product in generate_catalog(2_000, seed=3)["products"]:
        ProductIn.model_validate(product)


def test_generate_is_deterministic_per_seed() -> None:
    assert generate_catalog(1_000) == generate_catalog(1_000)
    assert generate_catalog(1_000, seed=1)["products"] != generate_catalog(1_000, seed=2)["products"]
    assert generate_catalog(0)["products"] == []
    with pytest.raises(ValueError):
        generate_catalog(-1)


def test_generated_image_slugs_match_names() -> None:
    for p in generate_catalog(3_000, seed=11)["products"]:
        assert p["images"][0].endswith(f"/{slugify(p['name'] + ' ' + p['unit'])}.jpg"), p["name"]


def test_generate_beyond_one_variant_lot_keeps_ids_unique(monkeypatch: pytest.MonkeyPatch) -> None:
    """With only 4 variants per base, 2,000 products wrap around every (base, variant) pair several times."""
    from local.catalog import generate

    monkeypatch.setattr(generate, "MODIFIERS", (("", 100), ("Organic", 135)))
    monkeypatch.setattr(generate, "EDITIONS", (("", 100), ("Value Pack", 95)))
    monkeypatch.setattr(generate, "PACKS", (1,))
    products = generate_catalog(len(PRODUCTS) * 4 + 300)["products"]
    assert len({p["product_id"] for p in products}) == len(products)
    assert any(p["name"].endswith(" #2") for p in products)
