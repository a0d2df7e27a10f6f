"""What the cart re-checks after a line was added: the store still active (cart writes, LoadCart), the
product still sold and within its `max_per_order` (LoadCart, the quote and the saga refuse; the view warns)."""

from __future__ import annotations

import json

import pytest

from tests.integration.cart.test_cart_api import add, get
from tests.integration.products_helpers import assert_problem


def deactivate_store(api, admin, store_id):
    assert api.patch(f"/stores/{store_id}", {"is_active": False}, token=admin.session_token).status == 200


def load_cart_error(project_stack, uid):
    from local.lambdas import LambdaError

    with pytest.raises(LambdaError) as failed:
        project_stack.functions.invoke("LoadCartFunction", {"user_id": uid})
    return failed.value.error_type, json.loads(failed.value.error_message)


# ---- an inactive store -----------------------------------------------------------------------------------


def test_adding_from_an_inactive_store_is_409_store_inactive_for_users_and_guests(api, customer, admin, shop):
    deactivate_store(api, admin, shop.store_id)
    problem = assert_problem(add(api, shop, 0, 1, customer.session_token), 409, "store-inactive")
    assert problem["store_id"] == shop.store_id and "not taking orders" in problem["detail"]
    reply = add(api, shop, 0, 1)  # a guest: no cart is created either
    assert_problem(reply, 409, "store-inactive")
    assert "x-cart-id" not in reply.headers
    assert get(api, customer.session_token)["items"] == []


def test_a_cart_of_a_store_switched_off_can_be_read_and_lowered_but_not_raised(api, customer, admin, shop):
    assert add(api, shop, 0, 3, customer.session_token).status == 200
    assert add(api, shop, 1, 1, customer.session_token).status == 200
    deactivate_store(api, admin, shop.store_id)
    assert_problem(add(api, shop, 0, 1, customer.session_token), 409, "store-inactive")
    path = f"/cart/items/{shop.pid(0)}"
    assert_problem(api.put(path, {"quantity": 4}, token=customer.session_token), 409, "store-inactive")
    reply = api.put(path, {"quantity": 2}, token=customer.session_token)  # fixing the cart never needs the store
    assert reply.status == 200 and reply.json()["quantity"] == 2, reply.body
    assert api.delete(f"/cart/items/{shop.pid(1)}", token=customer.session_token).status == 204
    assert [(i["product_id"], i["quantity"]) for i in get(api, customer.session_token)["items"]] == [(shop.pid(0), 2)]
    # replace_cart moves the customer to an active store
    body = {"store_id": shop.other_store_id, "product_id": shop.pid(2), "quantity": 1, "replace_cart": True}
    assert api.post("/cart/items", body, token=customer.session_token).status == 200


def test_load_cart_refuses_a_cart_of_an_inactive_store(api, customer, admin, shop, project_stack):
    add(api, shop, 0, 2, customer.session_token)
    deactivate_store(api, admin, shop.store_id)
    assert load_cart_error(project_stack, customer.uid) == ("StoreInactive", {"store_id": shop.store_id})


# ---- products changed after they were added --------------------------------------------------------------


def test_load_cart_refuses_a_deactivated_product_with_its_line(api, customer, admin, shop, project_stack):
    add(api, shop, 0, 2, customer.session_token)
    add(api, shop, 1, 3, customer.session_token)
    assert api.delete(f"/products/{shop.pid(1)}", token=admin.session_token).status == 204
    assert load_cart_error(project_stack, customer.uid) == ("ProductNotSold", {
        "store_id": shop.store_id,
        "items": [{"product_id": shop.pid(1), "name": shop.products[1]["name"], "requested": 3, "allowed": 0}]})


def test_load_cart_refuses_quantities_above_a_lowered_max_per_order(api, customer, admin, shop, project_stack):
    for i in range(3):
        add(api, shop, i, 4, customer.session_token)
    for i, limit in ((0, 3), (2, 4)):  # the second is still within its limit
        assert api.patch(f"/products/{shop.pid(i)}", {"max_per_order": limit},
                         token=admin.session_token).status == 200
    assert load_cart_error(project_stack, customer.uid) == ("AboveMaxPerOrder", {
        "store_id": shop.store_id,
        "items": [{"product_id": shop.pid(0), "name": shop.products[0]["name"], "requested": 4, "allowed": 3}]})
    assert api.put(f"/cart/items/{shop.pid(0)}", {"quantity": 3}, token=customer.session_token).status == 200
    loaded = project_stack.functions.invoke("LoadCartFunction", {"user_id": customer.uid})
    assert [line["quantity"] for line in loaded["lines"]] == [3, 4, 4]


def test_the_view_warns_of_a_quantity_above_a_lowered_max_per_order(api, customer, admin, shop):
    add(api, shop, 0, 5, customer.session_token)
    add(api, shop, 1, 2, customer.session_token)
    assert api.patch(f"/products/{shop.pid(0)}", {"max_per_order": 2}, token=admin.session_token).status == 200
    cart = get(api, customer.session_token)
    assert {i["product_id"]: (i["max_per_order"], i["warnings"]) for i in cart["items"]} == {
        shop.pid(0): (2, ["above_max_per_order"]), shop.pid(1): (10, [])}
