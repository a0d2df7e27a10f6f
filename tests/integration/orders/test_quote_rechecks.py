"""The quote says before checkout what the saga would refuse: a product deactivated or a `max_per_order`
lowered after it was put in the cart (422, the lines in `errors[]`), a store switched off (409)."""

from __future__ import annotations

from typing import Any

from tests.integration.orders.conftest import add_address, fill_cart
from tests.integration.products_helpers import assert_problem

LINE_KEYS = ("product_id", "name", "requested", "allowed", "code")


def quote(api: Any, user: Any, address_id: str) -> Any:
    return api.post("/orders/quote", {"address_id": address_id}, token=user.session_token)


def lines(problem: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: e.get(k) for k in LINE_KEYS} for e in problem["errors"]]


def cart_lines(api: Any, user: Any) -> list[tuple[str, int, list[str]]]:
    cart = api.get("/cart", token=user.session_token).json()
    return [(i["product_id"], i["quantity"], i["warnings"]) for i in cart["items"]]


def test_a_quote_refuses_a_product_deactivated_after_it_was_added_and_names_the_line(
        api: Any, customer: Any, admin: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3, 3: 2})
    assert api.delete(f"/products/{shop.pid(3)}", token=admin.session_token).status == 204

    problem = assert_problem(quote(api, customer, address_id), 422, "product-unavailable")
    assert lines(problem) == [{"product_id": shop.pid(3), "name": shop.products[3]["name"], "requested": 2,
                               "allowed": 0, "code": "product-unavailable"}]
    assert all(e["field"] and e["message"] for e in problem["errors"])
    assert shop.products[3]["name"] in problem["detail"]
    # The cart keeps the line (the customer removes it), flagged as it was before.
    assert cart_lines(api, customer) == [(shop.pid(0), 3, []), (shop.pid(3), 2, ["unavailable"])]


def test_a_quote_refuses_a_quantity_above_a_lowered_max_per_order_and_names_the_limit(
        api: Any, customer: Any, admin: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 5, 1: 1})
    assert api.patch(f"/products/{shop.pid(0)}", {"max_per_order": 2}, token=admin.session_token).status == 200

    problem = assert_problem(quote(api, customer, address_id), 422, "above-max-per-order")
    assert lines(problem) == [{"product_id": shop.pid(0), "name": shop.products[0]["name"], "requested": 5,
                               "allowed": 2, "code": "above-max-per-order"}]
    assert cart_lines(api, customer) == [(shop.pid(0), 5, ["above_max_per_order"]), (shop.pid(1), 1, [])]
    # Lowering the line to the limit is all it takes.
    assert api.put(f"/cart/items/{shop.pid(0)}", {"quantity": 2}, token=customer.session_token).status == 200
    assert quote(api, customer, address_id).status == 200


def test_an_unavailable_product_is_named_before_a_quantity_above_its_limit(
        api: Any, customer: Any, admin: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 5, 3: 1})
    assert api.patch(f"/products/{shop.pid(0)}", {"max_per_order": 2}, token=admin.session_token).status == 200
    assert api.delete(f"/products/{shop.pid(3)}", token=admin.session_token).status == 204
    problem = assert_problem(quote(api, customer, address_id), 422, "product-unavailable")
    assert [e["product_id"] for e in problem["errors"]] == [shop.pid(3)]


def test_a_quote_for_a_cart_of_a_store_switched_off_is_409_store_inactive(
        api: Any, customer: Any, admin: Any, shop: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3})
    assert api.patch(f"/stores/{shop.store_id}", {"is_active": False}, token=admin.session_token).status == 200

    problem = assert_problem(quote(api, customer, address_id), 409, "store-inactive")
    assert problem["store_id"] == shop.store_id
    assert cart_lines(api, customer) == [(shop.pid(0), 3, [])]


def test_a_store_switched_off_after_the_cart_was_read_is_409_store_inactive_too(
        api: Any, customer: Any, admin: Any, shop: Any, monkeypatch: Any) -> None:
    from blinkit.clock import now_iso
    from orders import upstream
    from products import store as products_store

    load_cart = upstream.load_cart

    def load_then_deactivate(user_id: str) -> dict[str, Any]:
        cart = load_cart(user_id)
        assert products_store.update_store(shop.store_id, {"is_active": False}, now_iso()) is not None
        return cart

    monkeypatch.setattr(upstream, "load_cart", load_then_deactivate)
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3})
    problem = assert_problem(quote(api, customer, address_id), 409, "store-inactive")
    assert problem["store_id"] == shop.store_id
