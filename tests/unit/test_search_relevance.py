"""Search relevance on the demo catalog: each query must return the named product in its top 3.

Built from `local.catalog.data.catalog()` with the same code the indexer runs, so this measures the
index and ranking, not the plumbing (tests/integration/test_search_api.py covers that).
"""

from __future__ import annotations

from functools import cache

import pytest

from local.catalog import catalog
from products.search import query
from products.search.index import SearchIndex, build, category_map

# (query, a product name that must be among the first 3 results)
CASES = [
    # typos
    ("paneeer", "Amul Malai Paneer"),
    ("amul mlk", "Amul Taaza Toned Milk"),
    ("aata", "Patanjali Chakki Atta"),
    ("tomatos", "Fresh Tomato - Local (Tamatar)"),
    ("basmti rice", "Fortune Rozana Basmati Rice"),
    ("bred", "Modern Brown Bread"),
    ("coffe", "Bru Instant Coffee"),
    ("detergant", "Rin Detergent Powder"),
    ("chocolat", "Cadbury Dairy Milk Chocolate"),
    ("shampooo", "Dove Intense Repair Shampoo"),
    # prefixes while typing
    ("tom", "Fresh Tomato - Local (Tamatar)"),
    ("pan", "Amul Malai Paneer"),
    ("bourn", "Cadbury Bournvita Chocolate Health Drink"),
    ("kurk", "Kurkure Masala Munch"),
    ("horl", "Horlicks Classic Malt"),
    # brands
    ("amul", "Amul Cow Milk"),
    ("maggi", "Maggi 2-Minute Masala Noodles"),
    ("haldiram", "Haldiram's Aloo Bhujia"),
    ("mother dairy", "Mother Dairy Classic Curd"),
    ("surf excel", "Surf Excel Easy Wash Detergent Powder"),
    ("colgate", "Colgate Strong Teeth Toothpaste"),
    # Hindi-English grocery words
    ("atta", "Patanjali Chakki Atta"),
    ("paneer", "Amul Malai Paneer"),
    ("dahi", "Amul Masti Dahi"),
    ("doodh", "Amul Cow Milk"),
    ("pyaz", "Fresh Onion (Pyaz)"),
    ("aloo", "Fresh Potato (Aloo)"),
    ("tamatar", "Fresh Tomato - Local (Tamatar)"),
    ("kela", "Fresh Banana Robusta (Kela)"),
    ("haldi", "Catch Turmeric Powder (Haldi)"),
    ("sarson tel", "Dhara Kachi Ghani Mustard Oil"),
    ("bhindi", "Fresh Lady Finger (Bhindi)"),
    ("seb", "Fresh Shimla Apple (Seb)"),
    ("lehsun", "Fresh Garlic (Lehsun)"),
    # several words
    ("amul paneer", "Amul Malai Paneer"),
    ("toor dal", "Tata Sampann Unpolished Toor Dal (Arhar)"),
    ("brown bread", "Modern Brown Bread"),
]


@cache
def demo_index() -> SearchIndex:
    data = catalog()
    return build(data["products"], category_map(data["categories"]), version="relevance")


def test_the_table_is_big_enough_and_names_real_products() -> None:
    assert len(CASES) >= 30
    names = set(demo_index().names)
    missing = sorted({name for _, name in CASES} - names)
    assert not missing, f"not in the demo catalog: {missing}"


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_expected_product_is_in_the_top_3(text: str, expected: str) -> None:
    index = demo_index()
    top = query.names(index, query.search(index, query.Query(q=text), limit=3))
    assert expected in top, f"{text!r} → {top}"
