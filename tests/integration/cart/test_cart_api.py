"""Every cart route: success and failure, signed-in and guest, limits, isolation, bad input."""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.products_helpers import assert_problem, set_stock

CART_ID = re.compile(r"^gc_[0-9A-HJKMNP-TV-Z]{26}$")
UNKNOWN_PRODUCT = "prd_" + "0" * 26
UNKNOWN_STORE = "sto_" + "0" * 26


def add(api, shop, i=0, quantity=1, token=None, cart_id=None, **extra):
    headers = {"x-cart-id": cart_id} if cart_id else {}
    body = {"store_id": shop.store_id, "product_id": shop.pid(i), "quantity": quantity, **extra}
    return api.post("/cart/items", body, token=token, headers=headers)


def get(api, token=None, cart_id=None):
    reply = api.get("/cart", token=token, headers={"x-cart-id": cart_id} if cart_id else {})
    assert reply.status == 200, reply.body
    return reply.json()


# ---- signed in ----------------------------------------------------------------------------------------


def test_an_empty_cart(api, customer):
    assert get(api, customer.session_token) == {"cart_id": None, "store_id": None, "items": [], "item_count": 0,
                                                 "subtotal": 0, "degraded": False}


def test_add_then_get_shows_live_details_totals_and_no_warnings(api, customer, shop):
    reply = add(api, shop, 0, 2, customer.session_token)
    assert reply.status == 200, reply.body
    assert reply.json() == {"cart_id": None, "store_id": shop.store_id, "product_id": shop.pid(0), "quantity": 2,
                            "price": 1000, "max_quantity": 10}
    assert "x-cart-id" not in reply.headers
    assert add(api, shop, 0, 3, customer.session_token).json()["quantity"] == 5
    assert add(api, shop, 1, 1, customer.session_token).status == 200
    cart = get(api, customer.session_token)
    assert cart["store_id"] == shop.store_id and cart["degraded"] is False
    assert [(i["product_id"], i["quantity"], i["line_total"]) for i in cart["items"]] == [
        (shop.pid(0), 5, 5000), (shop.pid(1), 1, 1100)]
    first = cart["items"][0]
    assert first["name"] == shop.products[0]["name"] and first["brand"] == "Amul" and first["unit"] == "500 ml"
    assert first["mrp"] == 1500 and first["price"] == 1000 and first["available"] == 20
    assert first["max_per_order"] == 10 and first["warnings"] == [] and first["image"]
    assert cart["item_count"] == 6 and cart["subtotal"] == 6100


def test_quantity_limits_name_the_limit(api, customer, shop, admin):
    problem = assert_problem(add(api, shop, 0, 11, customer.session_token), 422, "quantity-limit")
    assert problem["limit"] == "max_per_order" and problem["max_per_order"] == 10
    assert add(api, shop, 0, 8, customer.session_token).status == 200
    problem = assert_problem(add(api, shop, 0, 3, customer.session_token), 422, "quantity-limit")
    assert problem["in_cart"] == 8 and "10" in problem["detail"]
    assert set_stock(api, admin, shop.store_id, shop.pid(1), 2).status == 200
    problem = assert_problem(add(api, shop, 1, 3, customer.session_token), 422, "insufficient-stock")
    assert problem["limit"] == "available" and problem["available"] == 2
    assert set_stock(api, admin, shop.store_id, shop.pid(2), 0).status == 200
    assert_problem(add(api, shop, 2, 1, customer.session_token), 422, "insufficient-stock")
    assert [i["quantity"] for i in get(api, customer.session_token)["items"]] == [8]


def test_unknown_products_and_stores_are_404(api, customer, shop):
    body = {"store_id": shop.store_id, "product_id": UNKNOWN_PRODUCT, "quantity": 1}
    assert_problem(api.post("/cart/items", body, token=customer.session_token), 404, "unknown-product")
    body = {"store_id": UNKNOWN_STORE, "product_id": shop.pid(0), "quantity": 1}
    assert_problem(api.post("/cart/items", body, token=customer.session_token), 404)
    assert get(api, customer.session_token)["items"] == []


def test_an_inactive_product_cannot_be_added(api, customer, admin, shop):
    assert api.delete(f"/products/{shop.pid(0)}", token=admin.session_token).status in (200, 204)
    assert_problem(add(api, shop, 0, 1, customer.session_token), 422, "product-unavailable")


def test_another_store_is_409_unless_replace_cart(api, customer, shop):
    assert add(api, shop, 0, 1, customer.session_token).status == 200
    body = {"store_id": shop.other_store_id, "product_id": shop.pid(1), "quantity": 2}
    problem = assert_problem(api.post("/cart/items", body, token=customer.session_token), 409, "different-store")
    assert problem["cart_store_id"] == shop.store_id
    reply = api.post("/cart/items", {**body, "replace_cart": True}, token=customer.session_token)
    assert reply.status == 200, reply.body
    cart = get(api, customer.session_token)
    assert cart["store_id"] == shop.other_store_id and [i["product_id"] for i in cart["items"]] == [shop.pid(1)]


def test_an_emptied_cart_takes_another_store_without_replace(api, customer, shop):
    assert add(api, shop, 0, 1, customer.session_token).status == 200
    assert api.delete(f"/cart/items/{shop.pid(0)}", token=customer.session_token).status == 204
    body = {"store_id": shop.other_store_id, "product_id": shop.pid(1), "quantity": 1}
    assert api.post("/cart/items", body, token=customer.session_token).status == 200


def test_at_most_50_lines(api, customer, admin):
    from tests.integration.cart.conftest import make_shop

    big = make_shop(api, admin, n=51, stock=5)
    for i in range(50):
        assert add(api, big, i, 1, customer.session_token).status == 200
    problem = assert_problem(add(api, big, 50, 1, customer.session_token), 409, "limit-reached")
    assert problem["max_lines"] == 50
    assert add(api, big, 3, 1, customer.session_token).status == 200  # an existing line still grows
    assert len(get(api, customer.session_token)["items"]) == 50


def test_set_quantity_up_down_and_zero_removes(api, customer, shop):
    add(api, shop, 0, 2, customer.session_token)
    path = f"/cart/items/{shop.pid(0)}"
    reply = api.put(path, {"quantity": 7}, token=customer.session_token)
    assert reply.status == 200 and reply.json()["quantity"] == 7, reply.body
    assert api.put(path, {"quantity": 1}, token=customer.session_token).json()["quantity"] == 1
    problem = assert_problem(api.put(path, {"quantity": 11}, token=customer.session_token), 422, "quantity-limit")
    assert problem["max_per_order"] == 10
    reply = api.put(path, {"quantity": 0}, token=customer.session_token)
    assert reply.status == 204 and reply.body == b""
    assert get(api, customer.session_token)["items"] == []
    assert_problem(api.put(path, {"quantity": 1}, token=customer.session_token), 404, "not-in-cart")


def test_remove_and_clear(api, customer, shop):
    add(api, shop, 0, 1, customer.session_token)
    add(api, shop, 1, 1, customer.session_token)
    assert api.delete(f"/cart/items/{shop.pid(0)}", token=customer.session_token).status == 204
    assert_problem(api.delete(f"/cart/items/{shop.pid(0)}", token=customer.session_token), 404, "not-in-cart")
    assert [i["product_id"] for i in get(api, customer.session_token)["items"]] == [shop.pid(1)]
    assert api.delete("/cart", token=customer.session_token).status == 204
    assert api.delete("/cart", token=customer.session_token).status == 204  # nothing left: still fine
    assert get(api, customer.session_token)["items"] == []


def test_warnings_flag_price_changes_stock_outs_and_quantities_above_stock(api, customer, admin, shop):
    for i in range(3):
        add(api, shop, i, 4, customer.session_token)
    assert api.patch(f"/products/{shop.pid(0)}", {"price": 900}, token=admin.session_token).status == 200
    set_stock(api, admin, shop.store_id, shop.pid(1), 0)
    set_stock(api, admin, shop.store_id, shop.pid(2), 2)
    cart = get(api, customer.session_token)
    warnings = {i["product_id"]: i["warnings"] for i in cart["items"]}
    assert warnings == {shop.pid(0): ["price_changed"], shop.pid(1): ["out_of_stock"],
                        shop.pid(2): ["quantity_above_available"]}
    first = cart["items"][0]
    assert first["price"] == 900 and first["price_at_add"] == 1000
    assert cart["subtotal"] == 900 * 4 + 1200 * 4  # the out-of-stock line is not counted


def test_another_users_cart_is_never_visible(api, customer, other_customer, shop):
    add(api, shop, 0, 3, customer.session_token)
    assert get(api, other_customer.session_token)["items"] == []
    assert_problem(api.delete(f"/cart/items/{shop.pid(0)}", token=other_customer.session_token), 404)
    assert_problem(api.put(f"/cart/items/{shop.pid(0)}", {"quantity": 1}, token=other_customer.session_token), 404)
    assert api.delete("/cart", token=other_customer.session_token).status == 204
    assert get(api, customer.session_token)["items"][0]["quantity"] == 3


# ---- guests ------------------------------------------------------------------------------------------


def test_a_guest_gets_a_cart_id_on_the_first_write_and_uses_it(api, shop):
    assert get(api) == {"cart_id": None, "store_id": None, "items": [], "item_count": 0, "subtotal": 0,
                        "degraded": False}
    reply = add(api, shop, 0, 2)
    assert reply.status == 200, reply.body
    cart_id = reply.json()["cart_id"]
    assert CART_ID.match(cart_id) and reply.headers["x-cart-id"] == cart_id
    assert add(api, shop, 0, 1, cart_id=cart_id).json()["quantity"] == 3
    cart = get(api, cart_id=cart_id)
    assert cart["cart_id"] == cart_id and cart["item_count"] == 3
    assert api.put(f"/cart/items/{shop.pid(0)}", {"quantity": 1}, headers={"x-cart-id": cart_id}).status == 200
    assert api.delete(f"/cart/items/{shop.pid(0)}", headers={"x-cart-id": cart_id}).status == 204
    assert api.delete("/cart", headers={"x-cart-id": cart_id}).status == 204


def test_an_unknown_guest_cart_reads_as_empty_and_cannot_be_changed(api, shop):
    unknown = "gc_01JK8Z7Q9S1T3W5Y7A9C1E3G5J"
    assert get(api, cart_id=unknown)["items"] == []
    assert_problem(api.put(f"/cart/items/{shop.pid(0)}", {"quantity": 1}, headers={"x-cart-id": unknown}), 404)
    assert_problem(api.delete(f"/cart/items/{shop.pid(0)}"), 404, "not-in-cart")


def test_guest_carts_are_separate_from_each_other_and_from_users(api, customer, shop):
    first = add(api, shop, 0, 1).json()["cart_id"]
    second = add(api, shop, 1, 1).json()["cart_id"]
    assert first != second
    assert [i["product_id"] for i in get(api, cart_id=first)["items"]] == [shop.pid(0)]
    # A signed-in caller ignores X-Cart-Id: a guest's cart is never theirs by sending its id.
    assert get(api, customer.session_token, cart_id=first)["items"] == []


@pytest.mark.parametrize("header", ["Bearer bks_not-a-real-token", "Basic abc", "Bearer ", "bks_x"])
def test_an_invalid_token_is_401_not_a_guest(api, shop, header):
    for reply in (api.get("/cart", headers={"authorization": header}),
                  api.post("/cart/items", {"store_id": shop.store_id, "product_id": shop.pid(0), "quantity": 1},
                           headers={"authorization": header})):
        assert_problem(reply, 401)


def test_a_malformed_cart_id_is_422(api, shop):
    assert_problem(api.get("/cart", headers={"x-cart-id": "gc_nope"}), 422)
    assert_problem(add(api, shop, 0, 1, cart_id="../USER#someone"), 422)


def test_the_authorizer_answers_anonymous_only_without_an_authorization_header():
    from auth import service

    assert service.authorize({}) == {"auth_state": "anonymous"}
    assert service.authorize(None) == {"auth_state": "anonymous"}
    assert service.authorize({"Authorization": ""}) == {"auth_state": "invalid"}
    assert service.authorize({"authorization": "Bearer nope"}) == {"auth_state": "invalid"}


# ---- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    {},
    {"product_id": "prd_01JK8ZA3M5P7R9T1V3X5Z7B9D1", "quantity": 1},
    {"store_id": "sto_01JK8Z6H8K0M2P4R6T8V0X2Z4B", "quantity": 1},
    {"store_id": "nope", "product_id": "prd_01JK8ZA3M5P7R9T1V3X5Z7B9D1"},
    {"store_id": "sto_01JK8Z6H8K0M2P4R6T8V0X2Z4B", "product_id": "prd_01JK8ZA3M5P7R9T1V3X5Z7B9D1", "quantity": 0},
    {"store_id": "sto_01JK8Z6H8K0M2P4R6T8V0X2Z4B", "product_id": "prd_01JK8ZA3M5P7R9T1V3X5Z7B9D1", "quantity": -1},
    {"store_id": "sto_01JK8Z6H8K0M2P4R6T8V0X2Z4B", "product_id": "prd_01JK8ZA3M5P7R9T1V3X5Z7B9D1", "quantity": 101},
    {"store_id": "sto_01JK8Z6H8K0M2P4R6T8V0X2Z4B", "product_id": "prd_01JK8ZA3M5P7R9T1V3X5Z7B9D1", "quantity": "2"},
    {"store_id": "sto_01JK8Z6H8K0M2P4R6T8V0X2Z4B", "product_id": "prd_01JK8ZA3M5P7R9T1V3X5Z7B9D1", "quantity": 1.5},
    {"store_id": "sto_01JK8Z6H8K0M2P4R6T8V0X2Z4B", "product_id": "prd_01JK8ZA3M5P7R9T1V3X5Z7B9D1", "extra": 1},
    {"store_id": "sto_01JK8Z6H8K0M2P4R6T8V0X2Z4B", "product_id": "prd_01JK8ZA3M5P7R9T1V3X5Z7B9D1",
     "replace_cart": "yes"},
    [1, 2],
])
def test_add_refuses_bad_bodies_with_422(api, customer, body):
    problem = assert_problem(api.post("/cart/items", body, token=customer.session_token), 422, "validation-error")
    assert problem["errors"]


def test_malformed_json_is_400_and_an_oversized_body_413(api, customer):
    assert_problem(api.post("/cart/items", raw=b'{"store_id": ', token=customer.session_token), 400, "malformed-json")
    huge = json.dumps({"store_id": "x" * 20000}).encode()
    assert_problem(api.post("/cart/items", raw=huge, token=customer.session_token), 413)


@pytest.mark.parametrize("body", [{}, {"quantity": -1}, {"quantity": 101}, {"quantity": "1"}, {"quantity": None}])
def test_set_quantity_refuses_bad_bodies(api, customer, body):
    reply = api.put("/cart/items/prd_01JK8ZA3M5P7R9T1V3X5Z7B9D1", body, token=customer.session_token)
    assert_problem(reply, 422)


def test_bad_product_ids_in_the_path_are_422(api, customer):
    assert_problem(api.put("/cart/items/nope", {"quantity": 1}, token=customer.session_token), 422)
    assert_problem(api.delete("/cart/items/nope", token=customer.session_token), 422)
