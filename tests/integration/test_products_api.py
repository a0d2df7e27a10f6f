"""The products routes over the local gateway (authorizer included) on moto and a real Redis."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.integration.products_helpers import (
    FAR_AWAY,
    HOME,
    NEAR_HOME,
    assert_problem,
    make_category,
    make_product,
    make_staff,
    make_store,
    product_body,
    set_stock,
    store_body,
)

pytestmark = pytest.mark.emulator

UNKNOWN_STORE = "sto_" + "0" * 26
UNKNOWN_PRODUCT = "prd_" + "0" * 26
UNKNOWN_CATEGORY = "cat_" + "0" * 26


@pytest.fixture(autouse=True)
def _fresh_store_cache(api):
    # Functions share this process: the serviceability cache must not carry stores across tests.
    from products import service

    service.forget_stores()
    yield
    service.forget_stores()


@pytest.fixture
def category(api, admin):
    return make_category(api, admin, "Dairy & Eggs")


@pytest.fixture
def shop(api, admin):
    return make_store(api, admin)


# Stores ---------------------------------------------------------------------------------------------


def test_admin_creates_a_store_with_defaults_and_the_public_lists_it(api, admin):
    body = store_body()
    del body["radius_km"]
    created = api.post("/stores", body, token=admin.session_token)
    assert created.status == 201, created.body
    store = created.json()
    assert store["store_id"].startswith("sto_") and len(store["store_id"]) == 30
    assert store["radius_km"] == 3.0 and store["timezone"] == "Asia/Kolkata" and store["is_active"] is True
    # The settings left out of `fees` take the one set of defaults (blinkit.fees); they were 0 until then.
    assert store["fees"]["delivery_fee"] == 2500 and store["fees"]["small_cart_fee"] == 2000
    listed = api.get("/stores")
    assert listed.status == 200
    assert [s["store_id"] for s in listed.json()["stores"]] == [store["store_id"]]


def test_store_routes_check_roles_and_tokens(api, admin, customer, shop):
    assert_problem(api.post("/stores", store_body(), token=customer.session_token), 403, "forbidden")
    assert api.post("/stores", store_body()).status == 401
    assert_problem(api.post("/stores", store_body(), token="bks_" + "x" * 43), 401)
    assert_problem(api.patch(f"/stores/{shop['store_id']}", {"name": "X"}, token=customer.session_token), 403)


@pytest.mark.parametrize("change", [
    {"lat": 91.0}, {"lng": -181.0}, {"radius_km": 0}, {"opening_hours": {"open": "25:00", "close": "01:00"}},
    {"timezone": "Mars/Olympus"}, {"fees": {"delivery_fee": -1}}, {"fees": {"delivery_fee": 25.5}},
    {"name": ""}, {"unexpected": 1},
])
def test_store_create_refuses_bad_fields(api, admin, change):
    assert_problem(api.post("/stores", store_body(**change), token=admin.session_token), 422, "validation-error")


def test_store_create_refuses_missing_fields_malformed_json_and_huge_bodies(api, admin):
    body = store_body()
    del body["lat"]
    problem = assert_problem(api.post("/stores", body, token=admin.session_token), 422)
    assert any(e["field"] == "lat" for e in problem["errors"])
    assert_problem(api.post("/stores", raw=b'{"name": ', token=admin.session_token), 400, "malformed-json")
    huge = store_body(address="x" * 40_000)
    assert_problem(api.post("/stores", huge, token=admin.session_token), 413)


def test_admin_updates_a_store_and_unknown_stores_are_404(api, admin, shop):
    reply = api.patch(f"/stores/{shop['store_id']}", {"radius_km": 5, "fees": {"delivery_fee": 1500}},
                      token=admin.session_token)
    assert reply.status == 200, reply.body
    assert reply.json()["radius_km"] == 5 and reply.json()["fees"]["delivery_fee"] == 1500
    assert reply.json()["name"] == shop["name"]
    assert_problem(api.patch(f"/stores/{UNKNOWN_STORE}", {"name": "X"}, token=admin.session_token), 404)
    assert_problem(api.patch("/stores/not-an-id", {"name": "X"}, token=admin.session_token), 422)
    assert_problem(api.patch(f"/stores/{shop['store_id']}", {"name": None}, token=admin.session_token), 422)


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_store_timezone_is_the_default_on_create_and_not_sent_on_patch(api, admin, blank):
    token = admin.session_token
    created = api.post("/stores", store_body(timezone=blank), token=token)
    assert created.status == 201, created.body
    assert created.json()["timezone"] == "Asia/Kolkata"
    path = f"/stores/{created.json()['store_id']}"
    assert api.patch(path, {"timezone": "Asia/Dubai"}, token=token).json()["timezone"] == "Asia/Dubai"
    patched = api.patch(path, {"timezone": blank, "radius_km": 4}, token=token)
    assert patched.status == 200, patched.body
    assert patched.json()["timezone"] == "Asia/Dubai" and patched.json()["radius_km"] == 4


@pytest.mark.parametrize("blank", ["", "   "])
@pytest.mark.parametrize("field", ["name", "address", "city"])
def test_a_blank_required_store_field_is_422_naming_it_on_create_and_on_patch(api, admin, shop, field, blank):
    token = admin.session_token
    problem = assert_problem(api.post("/stores", store_body(**{field: blank}), token=token), 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    problem = assert_problem(api.patch(f"/stores/{shop['store_id']}", {field: blank}, token=token), 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert [s[field] for s in api.get("/stores").json()["stores"]] == [shop[field]]


def test_inactive_stores_are_not_listed(api, admin, shop):
    api.patch(f"/stores/{shop['store_id']}", {"is_active": False}, token=admin.session_token)
    assert api.get("/stores").json()["stores"] == []


# Serviceability -------------------------------------------------------------------------------------


def test_serviceable_picks_the_nearest_covering_store_with_distance_and_eta(api, admin):
    far = make_store(api, admin, lat=12.9352, lng=77.6245, radius_km=6)  # Koramangala, ~4.6 km
    near = make_store(api, admin)
    reply = api.get("/stores/serviceable", query=f"lat={NEAR_HOME[0]}&lng={NEAR_HOME[1]}")
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["store"]["store_id"] == near["store_id"] != far["store_id"]
    assert 0.6 < body["distance_km"] < 0.8
    # 2 pick + 2 assignment + 0.72 km x 1.3 at 15 km/h (3.7 min) + 1 handover = 8.7, rounded up to 9.
    assert body["eta_minutes"] == {"min": 9, "max": 14}


def test_serviceable_is_404_outside_every_radius(api, admin, shop):
    reply = api.get("/stores/serviceable", query=f"lat={FAR_AWAY[0]}&lng={FAR_AWAY[1]}")
    assert_problem(reply, 404, "not-serviceable")


@pytest.mark.parametrize("query", ["lat=91&lng=77", "lat=12&lng=181", "lat=abc&lng=77", "lat=12"])
def test_serviceable_refuses_bad_coordinates(api, query):
    assert_problem(api.get("/stores/serviceable", query=query), 422)


def test_serviceability_respects_hours_across_midnight_in_the_store_timezone():
    from products import service

    store = {"store_id": "sto_A", "lat": HOME[0], "lng": HOME[1], "radius_km": 3.0, "is_active": True,
             "timezone": "Asia/Kolkata", "opening_hours": {"open": "06:00", "close": "01:00"}}
    # 00:30 IST (19:00 UTC the day before) is still open; 03:00 IST is closed; 06:00 IST opens again.
    assert service.nearest_serviceable([store], *HOME, datetime(2025, 1, 1, 19, 0, tzinfo=UTC))
    assert service.nearest_serviceable([store], *HOME, datetime(2025, 1, 1, 21, 30, tzinfo=UTC)) is None
    assert service.nearest_serviceable([store], *HOME, datetime(2025, 1, 2, 0, 30, tzinfo=UTC))
    assert service.nearest_serviceable([store], *HOME, datetime(2025, 1, 1, 19, 31, tzinfo=UTC)) is None
    assert service.nearest_serviceable([{**store, "is_active": False}], *HOME,
                                       datetime(2025, 1, 1, 6, 0, tzinfo=UTC)) is None
    with pytest.raises(Exception) as caught:
        service.serviceable(*HOME, now=datetime(2025, 1, 1, 21, 30, tzinfo=UTC), stores=[store])
    assert getattr(caught.value, "code", None) == "not-serviceable"


def test_a_closed_store_is_skipped_for_an_open_one_further_away():
    from products import service

    base = {"radius_km": 5.0, "is_active": True, "timezone": "Asia/Kolkata"}
    closed = {**base, "store_id": "closed", "lat": HOME[0], "lng": HOME[1],
              "opening_hours": {"open": "07:00", "close": "22:00"}}
    open_ = {**base, "store_id": "open", "lat": 12.9784, "lng": 77.6408, "opening_hours": {"open": "00:00",
                                                                                          "close": "00:00"}}
    at_midnight_ist = datetime(2025, 3, 1, 18, 30, tzinfo=UTC)
    chosen, _ = service.nearest_serviceable([closed, open_], *HOME, at_midnight_ist)
    assert chosen["store_id"] == "open"


def test_eta_rounds_up():
    from blinkit.eta import order_eta
    from blinkit.geo import haversine_km

    assert order_eta(0) == {"min": 5, "max": 10}
    assert order_eta(3.0) == {"min": 21, "max": 26}  # 5 + 15.6
    assert round(haversine_km(*HOME, *HOME), 6) == 0


# Categories -----------------------------------------------------------------------------------------


def test_category_tree_nests_children_by_sort_order(api, admin):
    fruits = make_category(api, admin, "Fruits & Vegetables", sort_order=2)
    dairy = make_category(api, admin, "Dairy", sort_order=1, image="https://cdn.example.com/dairy.png")
    make_category(api, admin, "Fresh Fruits", parent_id=fruits["category_id"], sort_order=2)
    make_category(api, admin, "Fresh Vegetables", parent_id=fruits["category_id"], sort_order=1)
    reply = api.get("/categories")
    assert reply.status == 200
    tree = reply.json()["categories"]
    assert [c["name"] for c in tree] == ["Dairy", "Fruits & Vegetables"]
    assert tree[0]["image"] == dairy["image"] and tree[0]["children"] == []
    assert [c["name"] for c in tree[1]["children"]] == ["Fresh Vegetables", "Fresh Fruits"]


def test_category_rules(api, admin, customer, category):
    token = admin.session_token
    child = make_category(api, admin, "Milk", parent_id=category["category_id"])
    # Two levels only, the parent must exist, slugs are unique.
    assert_problem(api.post("/categories", {"name": "Toned", "slug": "toned", "parent_id": child["category_id"]},
                            token=token), 422, "invalid-parent")
    assert_problem(api.post("/categories", {"name": "X", "slug": "x", "parent_id": UNKNOWN_CATEGORY}, token=token),
                   422, "unknown-parent")
    assert_problem(api.post("/categories", {"name": "Again", "slug": category["slug"]}, token=token), 409)
    assert_problem(api.post("/categories", {"name": "Bad", "slug": "Not A Slug"}, token=token), 422)
    assert_problem(api.post("/categories", {"name": "X", "slug": "x"}, token=customer.session_token), 403)
    renamed = api.patch(f"/categories/{child['category_id']}", {"name": "Milk & Curd", "sort_order": 3},
                        token=token)
    assert renamed.status == 200 and renamed.json()["name"] == "Milk & Curd"
    assert_problem(api.patch(f"/categories/{UNKNOWN_CATEGORY}", {"name": "X"}, token=token), 404)


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_category_image_is_absent_on_create_and_not_sent_on_patch(api, admin, blank):
    token = admin.session_token
    created = api.post("/categories", {"name": "Bakery", "slug": "bakery", "image": blank}, token=token)
    assert created.status == 201, created.body
    assert created.json()["image"] is None
    path = f"/categories/{created.json()['category_id']}"
    image = "https://cdn.example.com/bakery.png"
    assert api.patch(path, {"image": image}, token=token).json()["image"] == image
    patched = api.patch(path, {"name": "Bakery & Biscuits", "image": blank}, token=token)
    assert patched.status == 200, patched.body
    assert patched.json()["image"] == image and patched.json()["name"] == "Bakery & Biscuits"
    assert api.patch(path, {"image": None}, token=token).json()["image"] is None


@pytest.mark.parametrize("blank", ["", "   "])
@pytest.mark.parametrize("field", ["name", "slug"])
def test_a_blank_required_category_field_is_422_naming_it_on_create_and_on_patch(api, admin, category, field,
                                                                                  blank):
    token = admin.session_token
    body = {"name": "Bakery", "slug": "bakery", field: blank}
    problem = assert_problem(api.post("/categories", body, token=token), 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    problem = assert_problem(api.patch(f"/categories/{category['category_id']}", {field: blank}, token=token), 422)
    assert [e["field"] for e in problem["errors"]] == [field]


def test_a_category_with_products_or_children_cannot_be_deleted(api, admin, category):
    token = admin.session_token
    child = make_category(api, admin, "Paneer & Tofu", parent_id=category["category_id"])
    make_product(api, admin, child["category_id"], name="Amul Malai Paneer")
    assert_problem(api.delete(f"/categories/{child['category_id']}", token=token), 409, "category-not-empty")
    assert_problem(api.delete(f"/categories/{category['category_id']}", token=token), 409, "category-not-empty")
    empty = make_category(api, admin, "Tofu")
    assert api.delete(f"/categories/{empty['category_id']}", token=token).status == 204
    assert_problem(api.delete(f"/categories/{empty['category_id']}", token=token), 404)


# Products -------------------------------------------------------------------------------------------


def test_admin_creates_a_product_and_the_public_reads_it_with_stock(api, admin, category, shop):
    body = product_body(category["category_id"], mrp=6500, price=5850)
    del body["description"]
    created = api.post("/products", body, token=admin.session_token)
    assert created.status == 201, created.body
    product = created.json()
    assert product["product_id"].startswith("prd_")
    assert product["discount_percent"] == 10 and product["max_per_order"] == 10 and product["is_active"] is True
    assert product["description"] is None and product["image"] == body["images"][0]
    plain = api.get(f"/products/{product['product_id']}")
    assert plain.status == 200 and plain.json()["available"] is None
    assert set_stock(api, admin, shop["store_id"], product["product_id"], 7).status == 200
    stocked = api.get(f"/products/{product['product_id']}", query=f"store_id={shop['store_id']}").json()
    assert stocked["available"] == 7 and stocked["in_stock"] is True
    other = make_store(api, admin)
    unstocked = api.get(f"/products/{product['product_id']}", query=f"store_id={other['store_id']}").json()
    assert unstocked["available"] == 0 and unstocked["in_stock"] is False


def test_discount_is_floored(api, admin, category):
    assert make_product(api, admin, category["category_id"], mrp=999, price=899)["discount_percent"] == 10
    assert make_product(api, admin, category["category_id"], mrp=300, price=300)["discount_percent"] == 0


@pytest.mark.parametrize("change", [
    {"price": 3000, "mrp": 2900}, {"mrp": 0}, {"price": 27.5}, {"mrp": "2900"}, {"max_per_order": 0},
    {"unit": ""}, {"images": ["not a url"]}, {"tags": "milk"}, {"category_id": "dairy"},
])
def test_product_create_refuses_bad_fields(api, admin, category, change):
    body = {**product_body(category["category_id"]), **change}
    assert_problem(api.post("/products", body, token=admin.session_token), 422)


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_product_description_is_absent_on_create_and_not_sent_on_patch(api, admin, category, blank):
    token = admin.session_token
    created = api.post("/products", product_body(category["category_id"], description=blank), token=token)
    assert created.status == 201, created.body
    assert created.json()["description"] is None
    path = f"/products/{created.json()['product_id']}"
    assert api.patch(path, {"description": "Fresh"}, token=token).json()["description"] == "Fresh"
    patched = api.patch(path, {"description": blank, "price": 2500}, token=token)
    assert patched.status == 200, patched.body
    assert patched.json()["description"] == "Fresh" and patched.json()["price"] == 2500
    assert api.patch(path, {"description": None}, token=token).json()["description"] is None


@pytest.mark.parametrize("blank", ["", "   "])
@pytest.mark.parametrize("field", ["name", "brand", "unit"])
def test_a_blank_required_product_field_is_422_naming_it_on_create_and_on_patch(api, admin, category, field,
                                                                                 blank):
    token = admin.session_token
    body = product_body(category["category_id"], **{field: blank})
    problem = assert_problem(api.post("/products", body, token=token), 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    product = make_product(api, admin, category["category_id"])
    problem = assert_problem(api.patch(f"/products/{product['product_id']}", {field: blank}, token=token), 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert api.get(f"/products/{product['product_id']}").json()[field] == product[field]


def test_product_create_needs_an_existing_category_and_an_admin(api, admin, customer, category):
    assert_problem(api.post("/products", product_body(UNKNOWN_CATEGORY), token=admin.session_token), 422,
                   "unknown-category")
    assert_problem(api.post("/products", product_body(category["category_id"]), token=customer.session_token), 403)
    assert api.post("/products", product_body(category["category_id"])).status == 401
    body = product_body(category["category_id"])
    del body["brand"]
    assert_problem(api.post("/products", body, token=admin.session_token), 422)


def test_patch_product_keeps_price_within_mrp(api, admin, category):
    product = make_product(api, admin, category["category_id"], mrp=5000, price=4500)
    path = f"/products/{product['product_id']}"
    assert_problem(api.patch(path, {"price": 5100}, token=admin.session_token), 422, "price-above-mrp")
    assert_problem(api.patch(path, {"mrp": 4000}, token=admin.session_token), 422, "price-above-mrp")
    changed = api.patch(path, {"mrp": 6000, "name": "Amul Gold Full Cream Milk"}, token=admin.session_token)
    assert changed.status == 200, changed.body
    assert changed.json()["discount_percent"] == 25 and changed.json()["name"] == "Amul Gold Full Cream Milk"
    assert_problem(api.patch(f"/products/{UNKNOWN_PRODUCT}", {"price": 1}, token=admin.session_token), 404)
    assert_problem(api.patch(path, {"price": 1}, token="bks_" + "y" * 43), 401)


def test_soft_delete_hides_the_product(api, admin, category):
    product = make_product(api, admin, category["category_id"])
    path = f"/products/{product['product_id']}"
    assert api.delete(path, token=admin.session_token).status == 204
    assert_problem(api.get(path), 404)
    assert api.get("/products").json()["products"] == []
    assert api.get(f"/products/category/{category['category_id']}").json()["products"] == []
    assert_problem(api.delete(f"/products/{UNKNOWN_PRODUCT}", token=admin.session_token), 404)
    # Still there for an admin to bring back.
    assert api.patch(path, {"is_active": True}, token=admin.session_token).json()["is_active"] is True
    assert api.get(path).status == 200


def test_unknown_product_store_and_category_are_404(api, admin, category):
    product = make_product(api, admin, category["category_id"])
    assert_problem(api.get(f"/products/{UNKNOWN_PRODUCT}"), 404)
    assert_problem(api.get(f"/products/{product['product_id']}", query=f"store_id={UNKNOWN_STORE}"), 404)
    assert_problem(api.get(f"/products/category/{UNKNOWN_CATEGORY}"), 404)
    assert_problem(api.get("/products", query=f"store_id={UNKNOWN_STORE}"), 404)
    assert_problem(api.get("/products/not-an-id"), 422)


def test_pagination_through_a_category_by_name_with_stock(api, admin, category, shop):
    other = make_category(api, admin, "Bakery")
    names = [f"Product {c}" for c in "QWERTYUIOPASDFG"]  # 15, created out of order
    ids = {}
    for name in names:
        ids[name] = make_product(api, admin, category["category_id"], name=name)["product_id"]
    make_product(api, admin, other["category_id"], name="Harvest Gold Bread")
    set_stock(api, admin, shop["store_id"], ids["Product A"], 3)
    seen, cursor, pages = [], None, 0
    while True:
        query = f"limit=4&store_id={shop['store_id']}" + (f"&cursor={cursor}" if cursor else "")
        reply = api.get(f"/products/category/{category['category_id']}", query=query)
        assert reply.status == 200, reply.body
        page = reply.json()
        assert len(page["products"]) <= 4
        seen += page["products"]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [p["name"] for p in seen] == sorted(names) and pages == 4
    stock = {p["name"]: (p["available"], p["in_stock"]) for p in seen}
    assert stock["Product A"] == (3, True)
    assert stock["Product Q"] == (0, False)
    # The same listing through /products?category_id=.
    first = api.get("/products", query=f"category_id={category['category_id']}&limit=2").json()
    assert [p["name"] for p in first["products"]] == sorted(names)[:2] and first["next_cursor"]
    assert "available" not in first["products"][0] or first["products"][0]["available"] is None
    # Everything, without a category: 16 products.
    everything = api.get("/products", query="limit=100").json()
    assert len(everything["products"]) == 16 and everything["next_cursor"] is None


def test_cursors_are_tamper_proof_and_bound_to_their_listing(api, admin, category):
    for i in range(3):
        make_product(api, admin, category["category_id"], name=f"Item {i}")
    page = api.get(f"/products/category/{category['category_id']}", query="limit=1").json()
    cursor = page["next_cursor"]
    tampered = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    assert_problem(api.get(f"/products/category/{category['category_id']}", query=f"limit=1&cursor={tampered}"),
                   400, "invalid-cursor")
    assert_problem(api.get("/products", query=f"limit=1&cursor={cursor}"), 400, "invalid-cursor")
    assert_problem(api.get("/products", query="cursor=%%%"), 400, "invalid-cursor")


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "store_id=nope", "category_id=nope"])
def test_listing_refuses_bad_parameters(api, query):
    assert_problem(api.get("/products", query=query), 422)


# Stock ----------------------------------------------------------------------------------------------


def test_stock_is_set_by_admins_and_staff_of_that_store_only(api, admin, customer, firebase, category, shop):
    product = make_product(api, admin, category["category_id"])
    other = make_store(api, admin)
    staff = make_staff(api, firebase, shop["store_id"])
    reply = set_stock(api, staff, shop["store_id"], product["product_id"], 12)
    assert reply.status == 200, reply.body
    assert reply.json()["available"] == 12 and reply.json()["store_id"] == shop["store_id"]
    assert_problem(set_stock(api, staff, other["store_id"], product["product_id"], 1), 403, "forbidden")
    assert_problem(set_stock(api, customer, shop["store_id"], product["product_id"], 1), 403)
    assert set_stock(api, admin, other["store_id"], product["product_id"], 4).status == 200
    assert_problem(set_stock(api, admin, shop["store_id"], product["product_id"], -1), 422)
    assert_problem(set_stock(api, admin, shop["store_id"], UNKNOWN_PRODUCT, 1), 404)
    assert_problem(set_stock(api, admin, UNKNOWN_STORE, product["product_id"], 1), 404)
    assert api.put(f"/stores/{shop['store_id']}/stock/{product['product_id']}", {"available": 1}).status == 401


def test_low_stock_lists_a_stores_scarce_products_fewest_first(api, admin, firebase, category, shop):
    counts = {"Atta": 0, "Dahi": 2, "Paneer": 5, "Ghee": 40}
    ids = {}
    for name, n in counts.items():
        ids[name] = make_product(api, admin, category["category_id"], name=name)["product_id"]
        set_stock(api, admin, shop["store_id"], ids[name], n)
    staff = make_staff(api, firebase, shop["store_id"])
    reply = api.get(f"/stores/{shop['store_id']}/stock/low", query="threshold=5", token=staff.session_token)
    assert reply.status == 200, reply.body
    items = reply.json()["items"]
    assert [(i["name"], i["available"]) for i in items] == [("Atta", 0), ("Dahi", 2), ("Paneer", 5)]
    first = api.get(f"/stores/{shop['store_id']}/stock/low", query="threshold=5&limit=2",
                    token=admin.session_token).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get(f"/stores/{shop['store_id']}/stock/low", query=f"threshold=5&limit=2&cursor={first['next_cursor']}",
                   token=admin.session_token).json()
    assert [i["name"] for i in rest["items"]] == ["Paneer"]
    other = make_store(api, admin)
    assert_problem(api.get(f"/stores/{other['store_id']}/stock/low", token=staff.session_token), 403)
    assert_problem(api.get(f"/stores/{shop['store_id']}/stock/low", query="threshold=-1",
                           token=admin.session_token), 422)


# Internal batch -------------------------------------------------------------------------------------


def test_internal_batch_returns_details_and_stock_with_unknown_ids_apart(api, admin, category, shop):
    milk = make_product(api, admin, category["category_id"], name="Amul Taaza", mrp=2900, price=2700)
    curd = make_product(api, admin, category["category_id"], name="Mother Dairy Dahi", images=[])
    gone = make_product(api, admin, category["category_id"], name="Old Product")
    api.delete(f"/products/{gone['product_id']}", token=admin.session_token)
    set_stock(api, admin, shop["store_id"], milk["product_id"], 9)
    ids = [milk["product_id"], UNKNOWN_PRODUCT, curd["product_id"], gone["product_id"]]
    reply = api.post("/internal/products/batch", {"store_id": shop["store_id"], "product_ids": ids})
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["store_id"] == shop["store_id"] and body["unknown"] == [UNKNOWN_PRODUCT]
    by_id = {p["product_id"]: p for p in body["products"]}
    assert list(by_id) == [milk["product_id"], curd["product_id"], gone["product_id"]]
    assert by_id[milk["product_id"]] | {} == {
        "product_id": milk["product_id"], "category_id": category["category_id"], "name": "Amul Taaza",
        "brand": "Amul", "unit": "500 ml",
        "image": milk["images"][0], "mrp": 2900, "price": 2700, "discount_percent": 6, "max_per_order": 10,
        "is_active": True, "available": 9, "in_stock": True,
    }
    assert by_id[curd["product_id"]]["image"] is None and by_id[curd["product_id"]]["in_stock"] is False
    assert by_id[gone["product_id"]]["is_active"] is False
    assert body["store_is_active"] is True


def test_internal_batch_still_answers_for_an_inactive_store_and_says_so(api, admin, category, shop):
    milk = make_product(api, admin, category["category_id"])
    set_stock(api, admin, shop["store_id"], milk["product_id"], 4)
    assert api.patch(f"/stores/{shop['store_id']}", {"is_active": False}, token=admin.session_token).status == 200
    reply = api.post("/internal/products/batch", {"store_id": shop["store_id"], "product_ids": [milk["product_id"]]})
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["store_is_active"] is False and [p["available"] for p in body["products"]] == [4]


def test_internal_batch_refuses_bad_input(api, shop):
    post = api.post
    assert_problem(post("/internal/products/batch", {"store_id": UNKNOWN_STORE, "product_ids": [UNKNOWN_PRODUCT]}),
                   404)
    assert_problem(post("/internal/products/batch", {"store_id": shop["store_id"], "product_ids": []}), 422)
    assert_problem(post("/internal/products/batch", {"store_id": shop["store_id"],
                                                     "product_ids": [UNKNOWN_PRODUCT, UNKNOWN_PRODUCT]}), 422)
    many = [f"prd_{i:026d}" for i in range(101)]
    assert_problem(post("/internal/products/batch", {"store_id": shop["store_id"], "product_ids": many}), 422)


def test_internal_batch_handles_a_full_hundred(api, admin, category, shop):
    from products import store

    ids = []
    records = []
    for i in range(100):
        record = store.new_product(product_id=f"prd_{i:026d}", name=f"Item {i}", brand="B",
                                   category_id=category["category_id"], unit="1 pc", mrp=100, price=90,
                                   created_at="2025-01-01T00:00:00+00:00", updated_at="2025-01-01T00:00:00+00:00")
        records.append(record)
        records.append(store.new_stock(shop["store_id"], record.product_id, i % 3, "2025-01-01T00:00:00+00:00"))
        ids.append(record.product_id)
    store.write_all(records)
    body = api.post("/internal/products/batch", {"store_id": shop["store_id"], "product_ids": ids}).json()
    assert len(body["products"]) == 100 and body["unknown"] == []
    assert sum(p["available"] for p in body["products"]) == sum(i % 3 for i in range(100))


# Idempotency ----------------------------------------------------------------------------------------


def test_idempotency_key_replays_the_first_create(api, admin, category):
    headers = {"Idempotency-Key": "create-milk-1"}
    body = product_body(category["category_id"])
    first = api.post("/products", body, token=admin.session_token, headers=headers)
    again = api.post("/products", body, token=admin.session_token, headers=headers)
    assert first.status == again.status == 201
    assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
    assert len(api.get("/products").json()["products"]) == 1
    changed = {**body, "price": 2000}
    assert_problem(api.post("/products", changed, token=admin.session_token, headers=headers), 409,
                   "idempotency-key-reused")
    # Another route or a new key is a new request.
    assert api.post("/products", body, token=admin.session_token, headers={"Idempotency-Key": "k2"}).status == 201
    assert_problem(api.post("/products", body, token=admin.session_token, headers={"Idempotency-Key": "bad key"}),
                   400, "invalid-idempotency-key")


def test_a_failed_create_does_not_burn_its_idempotency_key(api, admin, category):
    headers = {"Idempotency-Key": "store-1"}
    taken = make_store(api, admin)
    clash = store_body(store_id=taken["store_id"])
    assert_problem(api.post("/stores", clash, token=admin.session_token, headers=headers), 409, "already-exists")
    assert api.post("/stores", store_body(), token=admin.session_token, headers=headers).status == 201


def test_seeded_ids_are_kept_and_a_second_create_with_the_same_id_is_409(api, admin):
    fixed = "cat_01JABCDEFGHJKMNPQRSTVWXYZ0"
    reply = api.post("/categories", {"category_id": fixed, "name": "Snacks", "slug": "snacks"},
                     token=admin.session_token)
    assert reply.status == 201 and reply.json()["category_id"] == fixed
    again = api.post("/categories", {"category_id": fixed, "name": "Snacks 2", "slug": "snacks-2"},
                     token=admin.session_token)
    assert_problem(again, 409, "already-exists")
    assert json.loads(api.get("/categories").body)["categories"][0]["category_id"] == fixed
