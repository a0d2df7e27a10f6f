"""Coupons at checkout, through the gateway and the saga on the real template: the quote applies the one rule
(orders.coupons) and refuses with its reason codes; a checkout's coupon is priced, redeemed in one conditional
transaction and given back (once) by any later failure and by a cancel; concurrent checkouts never use more than
the coupon allows.

Coupons are written with the store's models (the admin routes are another branch's); the carts use the orders
shop fixture: products 0..5 cost ₹20, ₹30 ... ₹70, 20 in stock each, delivery ₹25 below ₹199, small cart fee ₹20
below ₹99, handling ₹4, minimum order ₹49.
"""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import boto3
import pytest

from tests.integration.conftest import User, login_again, sign_up_and_login
from tests.integration.dynamodb_spy import spy_dynamodb
from tests.integration.orders.conftest import (
    add_address,
    checkout,
    drain_notifications,
    fill_cart,
    order,
    stock,
    wait_done,
)
from tests.integration.orders.test_online_saga import (  # noqa: F401 (fixtures)
    SHORT_TIMEOUT,
    _fresh_razorpay,
    checkout_payment,
    short_timeout,
    transitions,
)
from tests.integration.products_helpers import assert_problem, make_category, make_product, set_stock

BIG = 5  # product 5: ₹70


# Coupons, written as the admin route would write them --------------------------------------------------------


def make_coupon(**fields: Any) -> str:
    from blinkit import clock
    from orders.store import CouponRecord, coupon_pk

    code = fields.pop("code", None) or f"T{uuid.uuid4().hex[:12].upper()}"
    now = clock.now()
    values: dict[str, Any] = {"title": f"Test {code}", "kind": "flat", "amount": 5000,
                              "valid_from": now - timedelta(days=1)}
    values.update(fields)
    CouponRecord(pk=coupon_pk(code), code=code, created_at=now, updated_at=now, **values).save()
    return code


def used(code: str) -> int:
    from orders import store

    record = store.get_coupon(code)
    assert record is not None
    return int(record.used)


def user_used(code: str, uid: str) -> int:
    from orders import store

    return store.user_used(code, uid)


def redemption_state(order_id: str) -> str | None:
    from orders import store

    found = store.get_redemption(order_id)
    return None if found is None else str(found.state)


def run_job(function_id: str, event: dict[str, Any]) -> dict[str, Any]:
    """Invoke a job function through Lambda (the local stack runs its handler), as the saga does."""
    import json

    reply = boto3.client("lambda").invoke(FunctionName=function_id, Payload=json.dumps(event).encode())
    assert not reply.get("FunctionError"), reply["Payload"].read()
    return dict(json.loads(reply["Payload"].read()))


def quote(api: Any, user: User, address_id: str, **extra: Any) -> Any:
    return api.post("/orders/quote", {"address_id": address_id, **extra}, token=user.session_token)


def ready(api: Any, user: User, shop: Any, quantities: dict[int, int]) -> str:
    address_id = add_address(api, user)
    fill_cart(api, user, shop, quantities)
    return address_id


def settle(stack: Any, api: Any, user: User, reply: Any) -> dict[str, Any]:
    assert reply.status == 202, reply.body
    order_id = reply.json()["order_id"]
    assert wait_done(stack, order_id)["status"] == "SUCCEEDED"
    return order(api, user, order_id)


# Quote: each kind ----------------------------------------------------------------------------------------------

KINDS = {
    # cart ₹140 (2 x ₹70): delivery ₹25, handling ₹4
    "flat": ({"kind": "flat", "amount": 5000}, 5000, "Coupon {code}"),
    "percent": ({"kind": "percent", "amount": None, "percent": 10, "max_discount": 1000}, 1000, "Coupon {code}"),
    "percent-uncapped": ({"kind": "percent", "amount": None, "percent": 7, "max_discount": 5000}, 980,
                         "Coupon {code}"),
    "free-delivery": ({"kind": "free_delivery", "amount": None}, 2500, "Free delivery ({code})"),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_quote_applies_each_kind(kind: str, api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    fields, discount, label = KINDS[kind]
    code = make_coupon(**fields)
    address_id = ready(api, customer, shop, {BIG: 2})
    plain = quote(api, customer, address_id)
    assert plain.status == 200 and plain.json()["coupon"] is None
    reply = quote(api, customer, address_id, coupon_code=code.lower())  # codes are case-insensitive
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["coupon"] == {"code": code, "title": f"Test {code}", "kind": fields["kind"], "discount": discount,
                              "applies_to": None}  # every line
    assert body["bill"][:2] == [{"code": "item_total", "label": "Item total", "amount": 14000},
                                {"code": "coupon_discount", "label": label.format(code=code), "amount": -discount}]
    assert body["total"] == plain.json()["total"] - discount == sum(e["amount"] for e in body["bill"])
    assert body["item_total"] == 14000
    assert used(code) == 0  # a quote changes nothing


def test_a_category_scope_discounts_the_lines_of_that_category_only(
        api: Any, project_stack: Any, customer: User, admin: User, shop: Any) -> None:
    dairy = make_category(api, admin)
    paneer = make_product(api, admin, dairy["category_id"], price=10000, mrp=11000)
    assert set_stock(api, admin, shop.store_id, paneer["product_id"], 20).status == 200
    code = make_coupon(kind="percent", amount=None, percent=50, max_discount=100000,
                       category_ids=[dairy["category_id"]])
    address_id = ready(api, customer, shop, {BIG: 1})
    added = api.post("/cart/items", {"store_id": shop.store_id, "product_id": paneer["product_id"], "quantity": 1},
                     token=customer.session_token)
    assert added.status == 200, added.body
    body = quote(api, customer, address_id, coupon_code=code).json()
    assert body["coupon"]["discount"] == 5000  # half of the ₹100 paneer; the ₹70 item is out of scope
    assert body["coupon"]["applies_to"] == [paneer["product_id"]]  # what a refund of items shares it over
    assert {line["product_id"]: line["category_id"] for line in body["lines"]} == {
        paneer["product_id"]: dairy["category_id"], shop.pid(BIG): shop.products[BIG]["category_id"]}


def test_a_product_scope_caps_a_flat_discount_at_the_in_scope_lines(
        api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    code = make_coupon(amount=20000, product_ids=[shop.pid(0)])
    address_id = ready(api, customer, shop, {0: 1, BIG: 2})  # ₹20 in scope, ₹140 not
    body = quote(api, customer, address_id, coupon_code=code).json()
    assert body["coupon"]["discount"] == 2000 and body["bill"][1]["amount"] == -2000
    assert body["coupon"]["applies_to"] == [shop.pid(0)]


# Quote: every refusal ----------------------------------------------------------------------------------------


def _hour() -> Any:
    from blinkit import clock

    return clock.now() + timedelta(hours=1)


def _ago() -> Any:
    from blinkit import clock

    return clock.now() - timedelta(minutes=1)


def _used_once(code: str, user: User) -> None:
    from orders.store import CouponUseRecord, use_pk

    CouponUseRecord(pk=use_pk(code, user.uid), used=1).save()


def _first_claimed(code: str, user: User) -> None:
    from orders.store import FirstOrderClaim, first_pk

    FirstOrderClaim(pk=first_pk(user.uid), order_id="ord_01JK8ZE5G7J9M1P3R5T7V9X1Z3").save()


REFUSALS: dict[str, tuple[Any, Any, dict[int, int], str, str]] = {
    # name: (the coupon's fields for a shop, what else is true, cart, problem type, words)
    "inactive": (lambda shop: {"is_active": False}, None, {BIG: 2}, "coupon-not-found", "Coupon not found"),
    "expired": (lambda shop: {"valid_until": _ago()}, None, {BIG: 2}, "coupon-expired", "Expired"),
    "not-yet-valid": (lambda shop: {"valid_from": _hour()}, None, {BIG: 2}, "coupon-expired", "Not yet valid"),
    "minimum": (lambda shop: {"min_item_total": 20200}, None, {BIG: 2}, "coupon-minimum-not-met", "Add ₹62 more"),
    "total-limit": (lambda shop: {"total_limit": 2, "used": 2}, None, {BIG: 2}, "coupon-limit-reached",
                    "Fully redeemed"),
    "per-user-limit": (lambda shop: {"per_user_limit": 1}, _used_once, {BIG: 2}, "coupon-limit-reached",
                       "Already used"),
    "other-store": (lambda shop: {"store_ids": [shop.other_store_id]}, None, {BIG: 2}, "coupon-not-applicable",
                    "Not valid at this store"),
    "no-line-in-scope": (lambda shop: {"product_ids": [shop.pid(0)]}, None, {BIG: 2}, "coupon-not-applicable",
                         "Not valid on the items in your cart"),
    "delivery-already-free": (lambda shop: {"kind": "free_delivery", "amount": None}, None, {BIG: 3},
                              "coupon-not-applicable", "Delivery is already free"),
    "first-order-only": (lambda shop: {"first_order_only": True}, _first_claimed, {BIG: 2},
                         "coupon-first-order-only", "For your first order only"),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_the_quote_refuses_a_coupon_that_does_not_apply_with_its_reason_and_words(
        name: str, api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    fields, arrange, cart, problem_type, words = REFUSALS[name]
    code = make_coupon(**fields(shop))
    if arrange is not None:
        arrange(code, customer)
    address_id = ready(api, customer, shop, cart)
    problem = assert_problem(quote(api, customer, address_id, coupon_code=code), 422, problem_type)
    assert (problem["detail"], problem["words"], problem["coupon_code"]) == (words, words, code)


def test_an_unknown_code_is_not_found(api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    address_id = ready(api, customer, shop, {BIG: 2})
    problem = assert_problem(quote(api, customer, address_id, coupon_code="NOSUCH123"), 422, "coupon-not-found")
    assert problem["coupon_code"] == "NOSUCH123"


@pytest.mark.parametrize("bad", ["AB", "A" * 21, "SAVE-50", "SAVE 50", "SAVE\uff15\uff10", 123, ["SAVE50"], True])
@pytest.mark.parametrize("path", ["/orders/quote", "/orders"])
def test_a_malformed_coupon_code_is_a_validation_error(
        bad: Any, path: str, api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    address_id = ready(api, customer, shop, {BIG: 2})
    reply = api.post(path, {"address_id": address_id, "coupon_code": bad}, token=customer.session_token,
                     headers={"idempotency-key": f"k-{uuid.uuid4()}"})
    problem = assert_problem(reply, 422, "validation-error")
    assert [e["field"] for e in problem["errors"]] == ["coupon_code"]
    assert api.get("/orders", token=customer.session_token).json()["orders"] == []


def test_a_blank_coupon_code_is_no_coupon(api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    address_id = ready(api, customer, shop, {BIG: 2})
    reply = quote(api, customer, address_id, coupon_code="")
    assert reply.status == 200 and reply.json()["coupon"] is None


def test_coupon_routes_need_a_session(api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    address_id = ready(api, customer, shop, {BIG: 2})
    code = make_coupon()
    body = {"address_id": address_id, "coupon_code": code}
    assert api.post("/orders/quote", body).status == 401  # the gateway's authorizer refuses before any route
    assert api.post("/orders/quote", body, token="not-a-session").status == 401


# Checkout -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["inactive", "expired", "not-yet-valid", "unknown"])
def test_checkout_refuses_at_once_a_code_it_can_tell_is_unusable(
        name: str, api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    fields = {"inactive": {"is_active": False}, "expired": {"valid_until": _ago()},
              "not-yet-valid": {"valid_from": _hour()}}.get(name)
    code = make_coupon(**fields) if fields is not None else "NOSUCH456"
    address_id = ready(api, customer, shop, {BIG: 2})
    expected = "coupon-expired" if name in ("expired", "not-yet-valid") else "coupon-not-found"
    assert_problem(checkout(api, customer, address_id, coupon_code=code), 422, expected)
    assert api.get("/orders", token=customer.session_token).json()["orders"] == []
    assert stock(api, shop, BIG) == 20


def test_a_coupon_checkout_is_placed_with_the_quoted_bill_and_counts_one_use(
        api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    code = make_coupon(amount=5000, per_user_limit=2, total_limit=10)
    address_id = ready(api, customer, shop, {BIG: 2})
    quoted = quote(api, customer, address_id, coupon_code=code, tip=1000).json()
    drain_notifications(project_stack)
    placed = settle(project_stack, api, customer, checkout(api, customer, address_id, coupon_code=code.lower(),
                                                           tip=1000))
    assert placed["status"] == "PLACED"
    assert placed["bill"] == quoted["bill"] and placed["total"] == quoted["total"]  # quote equals bill
    assert placed["coupon"] == quoted["coupon"] == {"code": code, "title": f"Test {code}", "kind": "flat",
                                                    "discount": 5000, "applies_to": None}
    assert placed["coupon_code"] == code
    assert placed["total"] == 14000 - 5000 + 2500 + 400 + 1000
    assert (used(code), user_used(code, customer.uid), redemption_state(placed["order_id"])) == (1, 1, "redeemed")
    assert transitions(project_stack, placed["order_id"]) == [
        "LoadCart", "ReserveStock", "PriceOrder", "HasCoupon", "RedeemCoupon", "PaymentMethod", "CreateOrder",
        "ClearCart", "Notify", "OrderPlaced"]
    (note,) = [m for m in drain_notifications(project_stack) if m["type"] == "order.placed"]
    # An unscoped coupon is kept without `applies_to`; the API shows it as null (every line).
    assert {**note["data"]["coupon"], "applies_to": None} == placed["coupon"]
    assert {"code": "coupon_discount", "label": f"Coupon {code}", "amount": -5000} in note["data"]["bill"]


def test_a_coupon_the_cart_does_not_qualify_for_fails_the_order_and_counts_nothing(
        api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    code = make_coupon(min_item_total=20200)
    address_id = ready(api, customer, shop, {BIG: 2})
    failed = settle(project_stack, api, customer, checkout(api, customer, address_id, coupon_code=code))
    assert (failed["status"], failed["reason"]) == ("FAILED", "COUPON_NOT_APPLICABLE")
    assert failed["reason_detail"] == {"error": "CouponNotApplicable", "coupon_code": code,
                                       "code": "coupon-minimum-not-met", "words": "Add ₹62 more"}
    assert stock(api, shop, BIG) == 20 and used(code) == 0 and redemption_state(failed["order_id"]) is None


def test_a_coupon_the_user_used_up_fails_the_order_unavailable(
        api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    code = make_coupon(per_user_limit=1)
    _used_once(code, customer)
    address_id = ready(api, customer, shop, {BIG: 2})
    failed = settle(project_stack, api, customer, checkout(api, customer, address_id, coupon_code=code))
    assert (failed["status"], failed["reason"]) == ("FAILED", "COUPON_UNAVAILABLE")
    assert failed["reason_detail"]["words"] == "Already used" and used(code) == 0


def test_a_minimum_order_met_only_before_the_discount_fails_below_minimum(
        api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    code = make_coupon(amount=3000)
    address_id = ready(api, customer, shop, {BIG: 1})  # ₹70 - ₹30 = ₹40, below the ₹49 minimum
    problem = assert_problem(quote(api, customer, address_id, coupon_code=code), 422, "below-minimum")
    assert problem["item_total"] == 4000
    failed = settle(project_stack, api, customer, checkout(api, customer, address_id, coupon_code=code))
    assert (failed["reason"], used(code)) == ("BELOW_MINIMUM", 0)


def test_an_online_coupon_order_asks_razorpay_for_the_discounted_total(
        api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    code = make_coupon(kind="percent", amount=None, percent=10, max_discount=10000)
    address_id = ready(api, customer, shop, {BIG: 2})
    quoted = quote(api, customer, address_id, coupon_code=code).json()
    reply = checkout(api, customer, address_id, coupon_code=code, payment_method="online")
    order_id = reply.json()["order_id"]
    payment = checkout_payment(api, customer, order_id)
    assert payment["amount"] == quoted["total"] == 14000 - 1400 + 2500 + 400
    assert used(code) == 1  # redeemed before the payment is asked for
    paid = project_stack.razorpay.pay(payment["razorpay_order_id"])
    verified = api.post("/payments/verify", {"order_id": order_id, **{k: paid[k] for k in (
        "razorpay_order_id", "razorpay_payment_id", "razorpay_signature")}}, token=customer.session_token)
    assert verified.status == 200, verified.body
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"
    placed = order(api, customer, order_id)
    assert (placed["status"], placed["total"], placed["coupon"]["discount"]) == ("PLACED", payment["amount"], 1400)


# Giving a use back -------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("short_timeout")
def test_an_online_order_nobody_pays_gives_the_use_back_exactly_once(
        api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    code = make_coupon(per_user_limit=1, total_limit=1, first_order_only=True)
    address_id = ready(api, customer, shop, {BIG: 2})
    reply = checkout(api, customer, address_id, coupon_code=code, payment_method="online")
    order_id = reply.json()["order_id"]
    checkout_payment(api, customer, order_id)
    assert (used(code), user_used(code, customer.uid)) == (1, 1)
    assert wait_done(project_stack, order_id, timeout=SHORT_TIMEOUT + 60)["status"] == "SUCCEEDED"
    failed = order(api, customer, order_id)
    assert (failed["status"], failed["reason"]) == ("FAILED", "PAYMENT_TIMEOUT")
    assert (used(code), user_used(code, customer.uid), redemption_state(order_id)) == (0, 0, "released")
    assert stock(api, shop, BIG) == 20
    names = transitions(project_stack, order_id)
    assert names[names.index("ClosePayment"):] == [
        "ClosePayment", "CouponToRelease", "ReleaseCoupon", "ReleaseStock", "MarkOrderFailed", "OrderNotPlaced"]
    # A second run of the compensation changes nothing: the use was given back once.
    assert run_job("ReleaseCouponFunction", {"order_id": order_id}) == {"order_id": order_id, "released": False}
    assert (used(code), user_used(code, customer.uid)) == (0, 0)
    # ...and the coupon is whole again: the same user may use it (it is still their first order).
    assert quote(api, customer, address_id, coupon_code=code).status == 200


@pytest.mark.usefixtures("short_timeout")
def test_a_failed_online_attempt_gives_the_use_back(api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    code = make_coupon(total_limit=3)
    address_id = ready(api, customer, shop, {BIG: 2})
    order_id = checkout(api, customer, address_id, coupon_code=code, payment_method="online").json()["order_id"]
    payment = checkout_payment(api, customer, order_id)
    failed_attempt = project_stack.razorpay.fail(payment["razorpay_order_id"])
    body, headers = project_stack.razorpay.webhook("payment.failed", payment_id=failed_attempt["id"])
    assert api.post("/payments/webhook", raw=body, headers=headers).status == 200
    assert wait_done(project_stack, order_id, timeout=SHORT_TIMEOUT + 60)["status"] == "SUCCEEDED"
    assert order(api, customer, order_id)["reason"] == "PAYMENT_FAILED"
    assert (used(code), redemption_state(order_id)) == (0, "released")


def test_razorpay_down_after_the_redemption_gives_the_use_back(
        api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    project_stack.razorpay.down = 503
    code = make_coupon(total_limit=3)
    address_id = ready(api, customer, shop, {BIG: 2})
    failed = settle(project_stack, api, customer,
                    checkout(api, customer, address_id, coupon_code=code, payment_method="online"))
    assert (failed["reason"], used(code), redemption_state(failed["order_id"])) == ("PAYMENT_FAILED", 0, "released")
    names = transitions(project_stack, failed["order_id"])
    assert names[names.index("CreatePayment"):] == [
        "CreatePayment", "CouponToRelease", "ReleaseCoupon", "ReleaseStock", "MarkOrderFailed", "OrderNotPlaced"]


def test_cancelling_gives_the_use_back_once(api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    code = make_coupon(per_user_limit=1, total_limit=5)
    address_id = ready(api, customer, shop, {BIG: 2})
    placed = settle(project_stack, api, customer, checkout(api, customer, address_id, coupon_code=code))
    assert (used(code), user_used(code, customer.uid)) == (1, 1)
    fill_cart(api, customer, shop, {BIG: 2})
    assert_problem(quote(api, customer, address_id, coupon_code=code), 422, "coupon-limit-reached")
    cancelled = api.post(f"/orders/{placed['order_id']}/cancel", {"reason": "Ordered by mistake"},
                         token=customer.session_token)
    assert cancelled.status == 200 and cancelled.json()["status"] == "CANCELLED"
    assert (used(code), user_used(code, customer.uid), redemption_state(placed["order_id"])) == (0, 0, "released")
    assert_problem(api.post(f"/orders/{placed['order_id']}/cancel", {"reason": "again"},
                            token=customer.session_token), 409)
    assert run_job("ReleaseCouponFunction", {"order_id": placed["order_id"]})["released"] is False
    assert used(code) == 0
    assert quote(api, customer, address_id, coupon_code=code).status == 200  # theirs to use again


def test_another_users_order_cannot_be_cancelled_to_free_a_use(
        api: Any, project_stack: Any, customer: User, other_customer: User, shop: Any) -> None:
    code = make_coupon(total_limit=1)
    address_id = ready(api, customer, shop, {BIG: 2})
    placed = settle(project_stack, api, customer, checkout(api, customer, address_id, coupon_code=code))
    assert_problem(api.post(f"/orders/{placed['order_id']}/cancel", {"reason": "x"},
                            token=other_customer.session_token), 404)
    assert used(code) == 1


# Concurrency ---------------------------------------------------------------------------------------------------------


def _customers(api: Any, firebase: Any, shop: Any, n: int, quantities: dict[int, int]) -> list[tuple[User, str]]:
    made = []
    for _ in range(n):
        user = sign_up_and_login(api, firebase)
        made.append((user, ready(api, user, shop, quantities)))
    return made


def _settle_all(stack: Any, api: Any, runs: list[tuple[User, Any]]) -> list[dict[str, Any]]:
    return [settle(stack, api, user, reply) for user, reply in runs]


def test_twenty_concurrent_checkouts_of_a_coupon_limited_to_five_place_exactly_five(
        api: Any, project_stack: Any, firebase: Any, shop: Any) -> None:
    code = make_coupon(amount=1000, total_limit=5)
    buyers = _customers(api, firebase, shop, 20, {BIG: 1})  # ₹70 each: exactly the 20 in stock
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(lambda b: checkout(api, b[0], b[1], coupon_code=code), buyers))
    orders = _settle_all(project_stack, api, [(b[0], r) for b, r in zip(buyers, replies, strict=True)])
    outcome = Counter((o["status"], o["reason"]) for o in orders)
    assert outcome == {("PLACED", None): 5, ("FAILED", "COUPON_UNAVAILABLE"): 15}, outcome
    placed = [o for o in orders if o["status"] == "PLACED"]
    assert all(o["coupon"]["discount"] == 1000 and o["total"] == 7000 - 1000 + 2500 + 2000 + 400 for o in placed)
    assert {o["reason_detail"]["words"] for o in orders if o["status"] == "FAILED"} == {"Fully redeemed"}
    assert used(code) == 5
    assert stock(api, shop, BIG) == 15  # the failed ones' stock came back


def test_one_user_on_two_devices_at_once_gets_a_per_user_coupon_once(
        api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    code = make_coupon(per_user_limit=1, amount=1000)
    address_id = ready(api, customer, shop, {BIG: 1, 0: 1})
    phone, tablet = customer.session_token, login_again(api, customer, "iPad")

    def go(token: str) -> Any:
        return api.post("/orders", {"address_id": address_id, "coupon_code": code}, token=token,
                        headers={"idempotency-key": f"k-{uuid.uuid4()}"})

    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(pool.map(go, [phone, tablet]))
    orders = _settle_all(project_stack, api, [(customer, r) for r in replies])
    assert sorted((o["status"], o["reason"]) for o in orders) == [("FAILED", "COUPON_UNAVAILABLE"), ("PLACED", None)]
    assert (used(code), user_used(code, customer.uid)) == (1, 1)


def test_two_concurrent_first_orders_get_a_first_order_coupon_once(
        api: Any, project_stack: Any, customer: User, shop: Any) -> None:
    code = make_coupon(first_order_only=True, amount=1000)  # no per-user limit: the first-order claim decides
    address_id = ready(api, customer, shop, {BIG: 1, 0: 1})
    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(pool.map(lambda _: checkout(api, customer, address_id, coupon_code=code), range(2)))
    orders = _settle_all(project_stack, api, [(customer, r) for r in replies])
    assert sorted((o["status"], o["reason"]) for o in orders) == [("FAILED", "COUPON_UNAVAILABLE"), ("PLACED", None)]
    assert used(code) == 1
    # The placed order is their first: a first-order coupon is refused from now on, whatever its code.
    fill_cart(api, customer, shop, {BIG: 2})
    other = make_coupon(first_order_only=True)
    assert_problem(quote(api, customer, address_id, coupon_code=other), 422, "coupon-first-order-only")


# Calls per quote ------------------------------------------------------------------------------------------------


@pytest.fixture
def dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(table, operation) of every DynamoDB call this process makes while the test runs."""
    calls: list[tuple[str, str]] = []
    spy_dynamodb(monkeypatch, lambda operation, params: calls.append(
        (str(params.get("TableName") or params.get("RequestItems") or ""), operation)))
    return calls


def test_a_coupon_adds_only_its_own_reads_to_a_quote(
        api: Any, project_stack: Any, customer: User, shop: Any, dynamodb_calls: list[tuple[str, str]]) -> None:
    address_id = ready(api, customer, shop, {BIG: 2})
    plain, limited, first = make_coupon(), make_coupon(per_user_limit=1), make_coupon(first_order_only=True)
    counts = {}
    for name, extra in (("none", {}), ("plain", {"coupon_code": plain}), ("per-user", {"coupon_code": limited}),
                        ("first-order", {"coupon_code": first})):
        quote(api, customer, address_id, **extra)  # warm: the first quote fills caches
        dynamodb_calls.clear()
        assert quote(api, customer, address_id, **extra).status == 200
        counts[name] = Counter(op for table, op in dynamodb_calls if table == "CouponsTable"
                               or (op, table) == ("Query", "OrdersTable"))
    assert counts["none"] == Counter()
    assert counts["plain"] == Counter({"GetItem": 1})  # the coupon
    assert counts["per-user"] == Counter({"GetItem": 2})  # the coupon, the user's uses
    assert counts["first-order"] == Counter({"GetItem": 2, "Query": 1})  # the coupon, the claim, the user's orders

