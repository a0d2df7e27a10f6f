"""The search index and its queries, without AWS: tokenizing, edit limits, ranking, filters, sorts, paging."""

from __future__ import annotations

from typing import Any

import pytest

from products.search import query
from products.search.index import (
    SearchIndex,
    build,
    category_map,
    deletes,
    discount_percent,
    edit_distance,
    max_edits,
    tokenize,
)
from products.search.indexer import Changes, apply, changes_of

CATEGORIES = category_map([
    {"category_id": "dairy", "name": "Dairy & Eggs"},
    {"category_id": "paneer", "name": "Paneer & Tofu", "parent_id": "dairy"},
    {"category_id": "veg", "name": "Vegetables"},
    {"category_id": "staples", "name": "Atta, Rice & Dal"},
])


def product(pid: str, name: str, brand: str, category: str, price: int, mrp: int | None = None,
            tags: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"product_id": pid, "name": name, "brand": brand, "category_id": category, "unit": "1 pc",
            "mrp": mrp or price, "price": price, "images": [f"https://img/{pid}.jpg"], "tags": list(tags),
            "is_active": True}


PRODUCTS = [
    product("p01", "Amul Taaza Toned Milk", "Amul", "dairy", 2700, 2900, ("doodh", "milk")),
    product("p02", "Amul Butter", "Amul", "dairy", 5600),
    product("p03", "Amul Malai Paneer", "Amul", "paneer", 8500, 9000, ("cottage cheese",)),
    product("p04", "Fresh Tomato (Tamatar)", "Fresho", "veg", 3000, 4000),
    product("p05", "Tomato Ketchup", "Kissan", "staples", 12000, 15000),
    product("p06", "Aashirvaad Shudh Chakki Atta", "Aashirvaad", "staples", 26000, 30000, ("aata", "wheat flour")),
    product("p07", "Fresh Onion (Pyaz)", "Fresho", "veg", 4000, 5000),
    product("p08", "Milk Bikis", "Britannia", "staples", 1000),
    product("p09", "Cheese Slices", "Milky Mist", "dairy", 15000, 16000, ("milk",)),
    product("p10", "Crème Brûlée Mix", "Weikfield", "staples", 9900),
    {**product("p11", "Old Paneer", "Amul", "paneer", 100), "is_active": False},
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.from_bytes(build(PRODUCTS, CATEGORIES, version="v1").to_bytes())


def names(index: SearchIndex, text: str, **kw: Any) -> list[str]:
    limit = kw.pop("limit", 20)
    return query.names(index, query.search(index, query.Query(q=text, **kw), limit=limit))


# ---- tokenizing ---------------------------------------------------------------------------------


def test_tokenize_folds_case_accents_apostrophes_and_drops_stop_words() -> None:
    assert tokenize("Haldiram's Aloo-Bhujia & Sev") == ["haldirams", "aloo", "bhujia", "sev"]
    assert tokenize("CRÈME Brûlée with Milk of the Cow") == ["creme", "brulee", "milk", "cow"]
    assert tokenize("Tata Salt 1 kg (Iodised)") == ["tata", "salt", "1", "kg", "iodised"]
    assert tokenize("दूध Milk") == ["दूध", "milk"]
    assert tokenize("") == [] and tokenize(None) == []


# ---- edit limits --------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "edits"), [
    ("a", 0), ("tea", 0), ("500g", 0), ("milk", 1), ("paneer", 1), ("biscuit", 1), ("tomatoes", 2), ("chocolate", 2),
])
def test_max_edits_by_length(word: str, edits: int) -> None:
    assert max_edits(word) == edits


def test_edit_distance_counts_transpositions_as_one_and_stops_at_the_limit() -> None:
    assert edit_distance("paneer", "paneer", 1) == 0
    assert edit_distance("paneeer", "paneer", 1) == 1
    assert edit_distance("mlik", "milk", 1) == 1  # transposition
    assert edit_distance("tomatos", "tomato", 1) == 1
    assert edit_distance("chocolat", "chocolate", 2) == 1
    assert edit_distance("abcdef", "ghijkl", 2) == 3  # limit + 1, however far
    assert deletes("milk", 1) == {"milk", "ilk", "mlk", "mik", "mil"}


def test_three_letter_words_match_exactly_or_as_prefixes_only(index: SearchIndex) -> None:
    assert set(names(index, "mil")) == {"Milk Bikis", "Cheese Slices", "Amul Taaza Toned Milk"}  # prefix of milk
    assert names(index, "mlk") == []  # one edit from "milk", but 3 letters may not be fuzzy
    assert names(index, "tmt") == []


def test_four_to_seven_letters_allow_one_edit(index: SearchIndex) -> None:
    assert "Milk Bikis" in names(index, "mlik")  # 4 letters, transposition
    assert names(index, "paneeer") == ["Amul Malai Paneer"]  # 7 letters, one insertion
    assert names(index, "pneeer") == []  # 6 letters, two edits: too far


def test_eight_or_more_letters_allow_two_edits(index: SearchIndex) -> None:
    assert names(index, "aashirvad")[:1] == ["Aashirvaad Shudh Chakki Atta"]  # 9 letters, one edit
    assert names(index, "aashivadd")[:1] == ["Aashirvaad Shudh Chakki Atta"]  # two edits
    assert names(index, "aashvadd") == []  # three edits


# ---- ranking ------------------------------------------------------------------------------------


def test_exact_beats_prefix_beats_fuzzy(index: SearchIndex) -> None:
    page = query.search(index, query.Query(q="milk"), limit=10)
    scores = {index.names[h.doc]: h.score for h in page.hits}
    # name > tags for the same exact word
    assert scores["Milk Bikis"] > scores["Cheese Slices"]
    exact, prefix, fuzzy = (query.word_scores(index, w) for w in ("tomato", "tom", "tomatto"))
    doc = index.ids.index("p04")
    assert exact[doc] > prefix[doc] > fuzzy[doc]


def test_name_beats_brand_beats_category_beats_tags(index: SearchIndex) -> None:
    assert names(index, "amul")[0].startswith("Amul")  # name and brand
    # "dairy" is only a category name; "doodh" only a tag: both still find their products.
    assert set(names(index, "dairy")) == {"Amul Taaza Toned Milk", "Amul Butter", "Amul Malai Paneer", "Cheese Slices"}
    assert names(index, "doodh") == ["Amul Taaza Toned Milk"]
    assert query.FIELD_SCORE[1] > query.FIELD_SCORE[2] > query.FIELD_SCORE[4] > query.FIELD_SCORE[8]


def test_every_word_must_match_and_the_best_partial_match_is_a_fallback(index: SearchIndex) -> None:
    assert names(index, "amul paneer") == ["Amul Malai Paneer"]
    # "mlk" matches nothing: Amul products remain, and the one with a word one edit away comes first.
    assert names(index, "amul mlk")[0] == "Amul Taaza Toned Milk"
    assert names(index, "zzzz qqqq") == []


def test_inactive_products_are_not_indexed(index: SearchIndex) -> None:
    assert "p11" not in index.ids and "Old Paneer" not in names(index, "paneer")


# ---- filters and sorts --------------------------------------------------------------------------


def test_filters_by_category_including_subcategories_brand_and_price(index: SearchIndex) -> None:
    assert set(names(index, "amul", category_id="dairy")) == {"Amul Taaza Toned Milk", "Amul Butter",
                                                                "Amul Malai Paneer"}
    assert names(index, "amul", category_id="paneer") == ["Amul Malai Paneer"]
    assert names(index, "milk", brand="milky mist") == ["Cheese Slices"]
    assert names(index, "milk", brand="MILKY  Mist") == ["Cheese Slices"]
    assert names(index, "amul", min_price=5000, max_price=6000) == ["Amul Butter"]
    assert names(index, "amul", min_price=90000) == []


def test_sorts(index: SearchIndex) -> None:
    assert names(index, "amul", sort="price_asc") == ["Amul Taaza Toned Milk", "Amul Butter", "Amul Malai Paneer"]
    assert names(index, "amul", sort="price_desc") == ["Amul Malai Paneer", "Amul Butter", "Amul Taaza Toned Milk"]
    assert names(index, "tomato", sort="discount") == ["Fresh Tomato (Tamatar)", "Tomato Ketchup"]  # 25% > 20%
    assert discount_percent(4000, 3000) == 25 and discount_percent(0, 0) == 0 and discount_percent(999, 998) == 0


# ---- paging and stock ---------------------------------------------------------------------------


def test_pages_cover_every_result_once_in_order(index: SearchIndex) -> None:
    everything = names(index, "t", limit=100)
    assert len(everything) > 3
    seen, offset = [], 0
    while offset is not None:
        page = query.search(index, query.Query(q="t"), limit=2, offset=offset)
        assert page.total == len(everything)
        seen += query.names(index, page)
        offset = page.next_offset
    assert seen == everything


def test_stock_is_read_for_the_page_only_and_in_stock_skips_empty_shelves(index: SearchIndex) -> None:
    calls: list[list[str]] = []
    shelf = {"p01": 4, "p03": 0}

    def lookup(store_id: str, ids: list[str]) -> dict[str, int]:
        calls.append(ids)
        return {pid: shelf[pid] for pid in ids if pid in shelf}

    page = query.search(index, query.Query(q="amul", store_id="s1"), limit=2, stock_lookup=lookup)
    assert len(calls) == 1 and len(calls[0]) == 2 and page.stock_calls == 1
    only = query.search(index, query.Query(q="amul", store_id="s1", in_stock=True), limit=5, stock_lookup=lookup)
    assert [(index.ids[h.doc], h.available) for h in only.hits] == [("p01", 4)]
    assert only.next_offset is None


def test_a_cursor_is_bound_to_its_query() -> None:
    a = query.Query(q="milk", sort="price_asc")
    assert a.fingerprint() == query.Query(q="milk", sort="price_asc").fingerprint()
    assert a.fingerprint() != query.Query(q="milk").fingerprint()
    assert a.fingerprint() != query.Query(q="milk", sort="price_asc", store_id="s1").fingerprint()


# ---- serialising and incremental updates ----------------------------------------------------------


def test_round_trip_is_lossless_and_compact(index: SearchIndex) -> None:
    blob = index.to_bytes()
    again = SearchIndex.from_bytes(blob)
    assert (again.ids, again.vocab, again.postings, again.deletes) == (index.ids, index.vocab, index.postings,
                                                                        index.deletes)
    assert len(blob) < 4000


def _record(name: str, image: dict[str, Any] | None, pk: str, sk: str) -> dict[str, Any]:
    data: dict[str, Any] = {"Keys": {"pk": {"S": pk}, "sk": {"S": sk}}}
    if image is not None:
        data["NewImage"] = image
    return {"eventID": "1", "eventName": name, "dynamodb": data}


def test_stream_images_update_the_index_without_the_table(index: SearchIndex) -> None:
    renamed = {
        "pk": {"S": "PRODUCT#p02"}, "sk": {"S": "PRODUCT"}, "product_id": {"S": "p02"}, "name": {"S": "Amul Makhan"},
        "brand": {"S": "Amul"}, "category_id": {"S": "dairy"}, "unit": {"S": "100 g"}, "mrp": {"N": "5600"},
        "price": {"N": "5000"}, "images": {"L": []}, "tags": {"L": [{"S": "butter"}]}, "is_active": {"BOOL": True},
    }
    category = {"category_id": {"S": "veg"}, "name": {"S": "Sabzi"}, "slug": {"S": "sabzi"}}
    changes = changes_of([
        _record("MODIFY", renamed, "PRODUCT#p02", "PRODUCT"),
        _record("REMOVE", None, "PRODUCT#p07", "PRODUCT"),
        _record("MODIFY", category, "CATEGORY#veg", "CATEGORY"),
        _record("INSERT", {"pk": {"S": "STORE#s1"}}, "STORE#s1", "STORE"),  # not searchable: ignored
    ])
    assert set(changes.products) == {"p02", "p07"} and set(changes.categories) == {"veg"}
    updated = apply(index, changes, version="v2")
    assert names(updated, "makhan") == ["Amul Makhan"] and updated.prices[updated.ids.index("p02")] == 5000
    assert names(updated, "pyaz") == []
    assert names(updated, "sabzi") == ["Fresh Tomato (Tamatar)"]
    assert not Changes() and changes
