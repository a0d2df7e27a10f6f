"""One fee default: a store created without `fees` (or with some) stores, shows and is priced at the one set
of defaults (blinkit.fees). Until then products showed 0s for what it was not given while orders' defaults
were 2500 and so on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from blinkit.fees import DEFAULT_FEES
from orders.bill import StoreFees, store_local_time
from tests.integration.cart.conftest import Shop
from tests.integration.orders.conftest import add_address, fill_cart
from tests.integration.products_helpers import (
    assert_problem,
    make_category,
    make_product,
    set_stock,
    store_body,
)


def _late_night_now() -> bool:
    return StoreFees().is_late_night(store_local_time(datetime.now(UTC), "Asia/Kolkata"))


def _quote(api: Any, customer: Any, address_id: str, tip: int) -> tuple[dict[str, Any], bool]:
    """A quote and whether the default late-night window applied while it was priced."""
    for _ in range(2):  # the clock may cross 23:00 or 06:00 store time during the call: then ask again
        before = _late_night_now()
        reply = api.post("/orders/quote", {"address_id": address_id, "tip": tip}, token=customer.session_token)
        if _late_night_now() == before:
            assert reply.status == 200, reply.body
            return dict(reply.json()), before
    raise AssertionError("the late-night window kept changing")


def test_a_store_without_fees_shows_the_defaults_and_a_quote_charges_exactly_them(
        api: Any, admin: Any, customer: Any) -> None:
    body = store_body()
    del body["fees"]
    created = api.post("/stores", body, token=admin.session_token)
    assert created.status == 201, created.body
    store = created.json()
    assert store["fees"] == DEFAULT_FEES
    (listed,) = api.get("/stores").json()["stores"]
    assert listed["store_id"] == store["store_id"] and listed["fees"] == DEFAULT_FEES

    category = make_category(api, admin)
    product = make_product(api, admin, category["category_id"], price=2500, mrp=2500)
    assert set_stock(api, admin, store["store_id"], product["product_id"], 20).status == 200
    shop = Shop(store["store_id"], store["store_id"], [product])
    address_id = add_address(api, customer)

    fill_cart(api, customer, shop, {0: 1})  # 2500 < the default minimum order, 4900
    problem = assert_problem(api.post("/orders/quote", {"address_id": address_id}, token=customer.session_token),
                             422, "below-minimum")
    assert problem["minimum_order"] == DEFAULT_FEES["minimum_order"]

    fill_cart(api, customer, shop, {0: 1})  # adds one more: 5000, above the minimum and below both thresholds
    tip = DEFAULT_FEES["max_tip"]  # the largest tip the default allows
    quote, late = _quote(api, customer, address_id, tip)
    expected = [("item_total", 5000), ("delivery_fee", DEFAULT_FEES["delivery_fee"]),
                ("small_cart_fee", DEFAULT_FEES["small_cart_fee"]), ("handling_fee", DEFAULT_FEES["handling_fee"])]
    expected += [("late_night_fee", DEFAULT_FEES["late_night_fee"])] if late else []
    expected += [("tip", tip)]
    assert [(b["code"], b["amount"]) for b in quote["bill"]] == expected
    assert quote["total"] == sum(amount for _, amount in expected) == 5000 + 2500 + 2000 + 400 + 10000 + (
        1500 if late else 0)
    problem = assert_problem(api.post("/orders/quote", {"address_id": address_id, "tip": tip + 1},
                                      token=customer.session_token), 422, "invalid-tip")
    assert problem["max_tip"] == DEFAULT_FEES["max_tip"]


def test_partial_fees_are_completed_from_the_same_defaults_on_create_and_update(api: Any, admin: Any) -> None:
    created = api.post("/stores", store_body(fees={"delivery_fee": 3000, "late_night_start": "22:30"}),
                       token=admin.session_token)
    assert created.status == 201, created.body
    assert created.json()["fees"] == {**DEFAULT_FEES, "delivery_fee": 3000, "late_night_start": "22:30"}
    store_id = created.json()["store_id"]
    # PATCH replaces the fees as a whole: what it leaves out goes back to the default, not to 0.
    patched = api.patch(f"/stores/{store_id}", {"fees": {"handling_fee": 500}}, token=admin.session_token)
    assert patched.status == 200, patched.body
    assert patched.json()["fees"] == {**DEFAULT_FEES, "handling_fee": 500}
    (listed,) = api.get("/stores").json()["stores"]
    assert listed["fees"] == {**DEFAULT_FEES, "handling_fee": 500}
