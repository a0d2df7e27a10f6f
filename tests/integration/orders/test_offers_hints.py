"""`GET /offers?store_id=`: the coupons a customer can use at a store now, each judged against their current cart
as the quote judges it, with why not in words ("Add ₹62 more", "For your first order only", "Already used")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.integration.conftest import User
from tests.integration.orders.conftest import fill_cart, place
from tests.integration.products_helpers import assert_problem, make_category, make_product, make_staff, set_stock


def coupon(api: Any, admin: User, code: str, **over: Any) -> dict[str, Any]:
    body = {"code": code, "title": f"{code} offer", "kind": "flat", "amount": 5000, **over}
    reply = api.post("/admin/coupons", body, token=admin.session_token)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def offers(api: Any, user: User, store_id: str) -> list[dict[str, Any]]:
    reply = api.get("/offers", query=f"store_id={store_id}", token=user.session_token)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["store_id"] == store_id
    return list(body["offers"])


def by_code(listed: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["code"]: o for o in listed}


def hint(offer: dict[str, Any]) -> tuple[bool, str | None, str | None, int | None]:
    return offer["qualifies"], offer["reason"], offer["words"], offer["discount"]


def stamp(days: float) -> str:
    from blinkit import clock

    return clock.iso(clock.now() + timedelta(days=days))


def used_up(code: str, uid: str, times: int) -> None:
    """The user's uses of a coupon, as the saga's RedeemCoupon counts them (USE#<CODE>#<uid>)."""
    from orders import store

    store.CouponUseRecord(pk=store.use_pk(code, uid), used=times).save()


def redeemed_in_total(code: str, times: int) -> None:
    """The coupon's uses by everyone, as RedeemCoupon counts them."""
    from orders import store

    record = store.get_coupon(code)
    assert record is not None
    record.update(actions=[store.CouponRecord.used.set(times)])


@pytest.fixture
def priced(api: Any, admin: User, shop: Any) -> dict[str, Any]:
    """A ₹137 product at the shop's store (the shop's own products cost ₹20 to ₹70)."""
    category = make_category(api, admin)
    product = make_product(api, admin, category["category_id"], price=13700, mrp=15000)
    assert set_stock(api, admin, shop.store_id, product["product_id"], 10).status == 200
    return product


def add(api: Any, user: User, store_id: str, product_id: str, quantity: int = 1) -> None:
    reply = api.post("/cart/items", {"store_id": store_id, "product_id": product_id, "quantity": quantity},
                     token=user.session_token)
    assert reply.status == 200, reply.body


def test_customers_see_only_active_current_coupons_of_this_store_not_used_up(
        api: Any, admin: User, customer: User, shop: Any) -> None:
    coupon(api, admin, "ANYSTORE")
    coupon(api, admin, "HERE", store_ids=[shop.store_id])
    coupon(api, admin, "ELSEWHERE", store_ids=[shop.other_store_id])
    coupon(api, admin, "ENDED", valid_from=stamp(-10), valid_until=stamp(-1))
    coupon(api, admin, "LATER", valid_from=stamp(1))
    coupon(api, admin, "STOPPED")
    assert api.post("/admin/coupons/STOPPED/deactivate", token=admin.session_token).status == 200
    coupon(api, admin, "PATCHEDOFF")
    assert api.patch("/admin/coupons/PATCHEDOFF", {"version": 1, "is_active": False},
                     token=admin.session_token).status == 200
    coupon(api, admin, "GONE", total_limit=5)
    redeemed_in_total("GONE", 5)
    coupon(api, admin, "LASTONE", total_limit=5)
    redeemed_in_total("LASTONE", 4)

    assert sorted(o["code"] for o in offers(api, customer, shop.store_id)) == ["ANYSTORE", "HERE", "LASTONE"]
    assert sorted(o["code"] for o in offers(api, customer, shop.other_store_id)) == [
        "ANYSTORE", "ELSEWHERE", "LASTONE"]


def test_an_empty_cart_is_asked_to_fill_up(api: Any, admin: User, customer: User, shop: Any) -> None:
    coupon(api, admin, "FLAT50", min_item_total=19900, description="₹50 off above ₹199",
           valid_until=stamp(30))
    (offer,) = offers(api, customer, shop.store_id)
    assert hint(offer) == (False, "cart-empty", "Add items to your cart", None)
    assert {k: offer[k] for k in ("code", "title", "description", "kind", "amount", "percent", "max_discount",
                                  "min_item_total")} == {
        "code": "FLAT50", "title": "FLAT50 offer", "description": "₹50 off above ₹199", "kind": "flat",
        "amount": 5000, "percent": None, "max_discount": None, "min_item_total": 19900}
    assert offer["valid_until"].endswith("Z")
    fill_cart(api, customer, shop, {0: 1})  # a cart at the other store says nothing of this one
    assert hint(offers(api, customer, shop.other_store_id)[0]) == (False, "cart-empty", "Add items to your cart", None)


def test_a_cart_of_137_is_told_to_add_62_more_for_a_199_minimum(api: Any, admin: User, customer: User, shop: Any,
                                                               priced: dict[str, Any]) -> None:
    coupon(api, admin, "MIN199", amount=5000, min_item_total=19900)
    coupon(api, admin, "MIN137", amount=1000, min_item_total=13700)  # exactly the minimum qualifies
    coupon(api, admin, "MIN13701", amount=1000, min_item_total=13701)  # one paisa short
    add(api, customer, shop.store_id, priced["product_id"])
    listed = by_code(offers(api, customer, shop.store_id))
    assert hint(listed["MIN199"]) == (False, "coupon-minimum-not-met", "Add ₹62 more", None)
    assert hint(listed["MIN137"]) == (True, None, None, 1000)
    assert hint(listed["MIN13701"]) == (False, "coupon-minimum-not-met", "Add ₹0.01 more", None)


def test_the_discount_is_what_the_rule_gives_for_each_kind(api: Any, admin: User, customer: User, shop: Any,
                                                          priced: dict[str, Any]) -> None:
    coupon(api, admin, "TENPC", kind="percent", amount=None, percent=10, max_discount=1000)
    coupon(api, admin, "FIVEPC", kind="percent", amount=None, percent=5, max_discount=10000)
    coupon(api, admin, "HUGE", amount=1_000_000)
    coupon(api, admin, "FREEDEL", kind="free_delivery", amount=None)
    coupon(api, admin, "ONLYTHAT", product_ids=[shop.pid(0)])
    add(api, customer, shop.store_id, priced["product_id"])  # ₹137: delivery (₹25) is charged below ₹199
    listed = by_code(offers(api, customer, shop.store_id))
    assert hint(listed["TENPC"]) == (True, None, None, 1000)  # 10% of ₹137 is ₹13.70: capped at ₹10
    assert hint(listed["FIVEPC"]) == (True, None, None, 685)  # 5% of 13700
    assert hint(listed["HUGE"]) == (True, None, None, 13700)  # never more than the items
    assert hint(listed["FREEDEL"]) == (True, None, None, 2500)  # the shop's delivery fee
    assert hint(listed["ONLYTHAT"]) == (False, "coupon-not-applicable", "Not valid on the items in your cart", None)
    add(api, customer, shop.store_id, shop.pid(0), 3)  # now ₹197 with ₹60 of the scoped product
    listed = by_code(offers(api, customer, shop.store_id))
    assert hint(listed["ONLYTHAT"]) == (True, None, None, 5000)
    assert hint(listed["FREEDEL"]) == (True, None, None, 2500)
    add(api, customer, shop.store_id, shop.pid(1), 1)  # ₹227: delivery is free from ₹199
    assert hint(by_code(offers(api, customer, shop.store_id))["FREEDEL"]) == (
        False, "coupon-not-applicable", "Delivery is already free", None)


def test_a_category_scoped_offer_counts_only_its_categorys_lines(api: Any, admin: User, customer: User, shop: Any,
                                                                 priced: dict[str, Any]) -> None:
    dairy = api.get(f"/products/{shop.pid(0)}").json()["category_id"]  # the shop's six products share one
    coupon(api, admin, "DAIRY20", amount=2000, min_item_total=9900, category_ids=[dairy])
    add(api, customer, shop.store_id, priced["product_id"])  # ₹137, of another category
    assert hint(offers(api, customer, shop.store_id)[0]) == (
        False, "coupon-not-applicable", "Not valid on the items in your cart", None)
    add(api, customer, shop.store_id, shop.pid(0), 2)  # ₹40 of the category: ₹59 short of its ₹99
    assert hint(offers(api, customer, shop.store_id)[0]) == (False, "coupon-minimum-not-met", "Add ₹59 more", None)
    add(api, customer, shop.store_id, shop.pid(5), 1)  # + ₹70: ₹110 of the category
    assert hint(offers(api, customer, shop.store_id)[0]) == (True, None, None, 2000)


def test_first_order_offers_say_so_once_an_order_is_placed(api: Any, project_stack: Any, admin: User,
                                                          customer: User, other_customer: User, shop: Any) -> None:
    coupon(api, admin, "WELCOME75", amount=7500, min_item_total=4900, first_order_only=True)
    place(api, project_stack, customer, shop, {0: 1, 1: 1})
    fill_cart(api, customer, shop, {2: 2})
    fill_cart(api, other_customer, shop, {2: 2})
    assert hint(offers(api, customer, shop.store_id)[0]) == (
        False, "coupon-first-order-only", "For your first order only", None)
    assert hint(offers(api, other_customer, shop.store_id)[0]) == (True, None, None, 7500)


def test_a_cancelled_first_order_leaves_the_first_order_offer(api: Any, project_stack: Any, admin: User,
                                                             customer: User, shop: Any) -> None:
    coupon(api, admin, "WELCOME75", amount=7500, first_order_only=True)
    placed = place(api, project_stack, customer, shop, {0: 1, 1: 1})
    assert api.post(f"/orders/{placed.order_id}/cancel", {"reason": "changed my mind"},
                    token=customer.session_token).status == 200
    fill_cart(api, customer, shop, {2: 2})
    assert hint(offers(api, customer, shop.store_id)[0]) == (True, None, None, 7500)


def test_a_coupon_used_up_by_this_customer_says_already_used(api: Any, admin: User, customer: User,
                                                            other_customer: User, shop: Any) -> None:
    coupon(api, admin, "ONCE", per_user_limit=1)
    coupon(api, admin, "THRICE", per_user_limit=3)
    used_up("ONCE", customer.uid, 1)
    used_up("THRICE", customer.uid, 3)
    for user in (customer, other_customer):
        fill_cart(api, user, shop, {5: 2})
    mine = by_code(offers(api, customer, shop.store_id))
    assert hint(mine["ONCE"]) == (False, "coupon-limit-reached", "Already used", None)
    assert hint(mine["THRICE"]) == (False, "coupon-limit-reached", "Already used 3 times", None)
    theirs = by_code(offers(api, other_customer, shop.store_id))
    assert hint(theirs["ONCE"]) == hint(theirs["THRICE"]) == (True, None, None, 5000)
    assert api.get("/orders", token=customer.session_token).json()["orders"] == []  # asking changed nothing


def test_an_empty_cart_still_says_what_no_cart_can_change(api: Any, admin: User, customer: User, shop: Any) -> None:
    coupon(api, admin, "ONCE", per_user_limit=1)
    used_up("ONCE", customer.uid, 1)
    assert hint(offers(api, customer, shop.store_id)[0]) == (False, "coupon-limit-reached", "Already used", None)


def test_qualifying_offers_come_first_biggest_first_then_the_nearest_minimum(
        api: Any, admin: User, customer: User, shop: Any, priced: dict[str, Any]) -> None:
    coupon(api, admin, "AFIRSTONLY", first_order_only=True)  # qualifies: the customer has no order
    coupon(api, admin, "BSMALL", amount=1000)
    coupon(api, admin, "CBIG", amount=3000)
    coupon(api, admin, "DFAR", min_item_total=100000)
    coupon(api, admin, "ENEAR", min_item_total=15000)
    coupon(api, admin, "FSCOPED", product_ids=[shop.pid(5)])
    coupon(api, admin, "GUSED", per_user_limit=1)
    used_up("GUSED", customer.uid, 1)
    add(api, customer, shop.store_id, priced["product_id"])
    listed = offers(api, customer, shop.store_id)
    assert [(o["code"], o["qualifies"], o["discount"], o["words"]) for o in listed] == [
        ("AFIRSTONLY", True, 5000, None),
        ("CBIG", True, 3000, None),
        ("BSMALL", True, 1000, None),
        ("ENEAR", False, None, "Add ₹13 more"),
        ("DFAR", False, None, "Add ₹863 more"),
        ("FSCOPED", False, None, "Not valid on the items in your cart"),
        ("GUSED", False, None, "Already used"),
    ]


def test_a_cart_the_quote_refuses_is_refused_the_same_way(api: Any, admin: User, customer: User, shop: Any) -> None:
    coupon(api, admin, "ANY")
    fill_cart(api, customer, shop, {0: 2})
    patched = api.patch(f"/products/{shop.pid(0)}", {"max_per_order": 1}, token=admin.session_token)
    assert patched.status == 200, patched.body
    problem = assert_problem(api.get("/offers", query=f"store_id={shop.store_id}", token=customer.session_token),
                             422, "above-max-per-order")
    assert [e["product_id"] for e in problem["errors"]] == [shop.pid(0)]
    # At another store that cart is no cart: the offers there answer as for an empty one.
    assert hint(offers(api, customer, shop.other_store_id)[0]) == (False, "cart-empty", "Add items to your cart", None)


def test_who_may_ask_and_what_they_must_send(api: Any, firebase: Any, admin: User, customer: User,
                                            shop: Any) -> None:
    coupon(api, admin, "ANY")
    staff = make_staff(api, firebase, shop.store_id)
    for user in (customer, staff, admin):  # any signed-in user has a cart
        assert [o["code"] for o in offers(api, user, shop.store_id)] == ["ANY"]
    assert api.get("/offers", query=f"store_id={shop.store_id}").status == 401
    assert_problem(api.get("/offers", query=f"store_id={shop.store_id}", token="bks_" + "x" * 43), 401)
    for query in ("", "store_id=", "store_id=nope", f"store_id={shop.store_id}x", "store_id=sto_" + "!" * 26):
        problem = assert_problem(api.get("/offers", query=query, token=customer.session_token), 422)
        assert [e["field"] for e in problem["errors"]] == ["query.store_id"], problem
    assert_problem(api.get("/offers", query="store_id=sto_" + "0" * 26, token=customer.session_token), 404,
                   "unknown-store")
