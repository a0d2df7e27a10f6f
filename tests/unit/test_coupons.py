"""The one coupon rule (orders.coupons): every kind and scope at its edges, in paise, with the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from orders import coupons
from orders.coupons import Coupon, CouponRefused, check, check_available, discount

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
STORE = "sto_A"


def coupon(**changes: Any) -> Coupon:
    values: dict[str, Any] = {"code": "SAVE50", "title": "₹50 off", "kind": "flat", "amount": 5000,
                              "valid_from": NOW - timedelta(days=1)}
    values.update(changes)
    return Coupon(**values)


def line(price: int, quantity: int = 1, product_id: str = "p1", category_id: str | None = "cat_fruit"
         ) -> dict[str, Any]:
    return {"product_id": product_id, "category_id": category_id, "name": product_id, "quantity": quantity,
            "price": price, "mrp": price}


def refusal(c: Coupon, *, lines: list[dict[str, Any]] | None = None, now: datetime = NOW, user_used: int = 0,
            is_first_order: bool = True, store_id: str = STORE) -> CouponRefused:
    with pytest.raises(CouponRefused) as caught:
        check(c, store_id=store_id, lines=lines if lines is not None else [line(30000)], now=now,
              user_used=user_used, is_first_order=is_first_order)
    return caught.value


def applies(c: Coupon, lines: list[dict[str, Any]], **kw: Any) -> int:
    return check(c, store_id=kw.pop("store_id", STORE), lines=lines, now=kw.pop("now", NOW),
                 user_used=kw.pop("user_used", 0), is_first_order=kw.pop("is_first_order", True))


# Building from a record ----------------------------------------------------------------------------------


def test_from_record_upper_cases_the_code_and_takes_dynamodb_decimals():
    record = {"code": "save50", "title": "T", "kind": "percent", "percent": Decimal(10),
              "max_discount": Decimal(10000), "min_item_total": Decimal(49900), "valid_from": NOW,
              "valid_until": None, "first_order_only": True, "per_user_limit": Decimal(1), "total_limit": None,
              "store_ids": ["sto_A"], "category_ids": [], "product_ids": None, "is_active": True,
              "used": Decimal(3)}
    built = Coupon.from_record(record)
    assert built.code == "SAVE50"
    assert (built.percent, built.max_discount, built.min_item_total, built.per_user_limit, built.used) == (
        10, 10000, 49900, 1, 3)
    assert type(built.percent) is int and built.total_limit is None
    assert built.store_ids == frozenset({"sto_A"}) and built.product_ids == frozenset()
    assert Coupon.of(record) == built  # the first name still works


def test_from_record_reads_attributes_too():
    class Record:
        code, title, kind, amount, valid_from, is_active, used = "abc", "T", "flat", 100, NOW, False, 0

    built = Coupon.from_record(Record())
    assert (built.code, built.amount, built.is_active, built.valid_until) == ("ABC", 100, False, None)


def test_summary_and_bill_labels():
    assert coupon().summary(5000) == {"code": "SAVE50", "title": "₹50 off", "kind": "flat", "discount": 5000}
    assert coupons.bill_label(coupon()) == "Coupon SAVE50"
    assert coupons.bill_label(coupon(code="FREEDEL", kind="free_delivery", amount=None)) == "Free delivery (FREEDEL)"


def test_a_scoped_coupons_summary_names_the_products_it_was_taken_from():
    lines = [line(10_000, product_id="p1"), line(5_000, product_id="p2", category_id="cat_dairy"),
             line(2_000, product_id="p3", category_id="cat_dairy")]
    dairy = coupon(category_ids=frozenset({"cat_dairy"}))
    assert dairy.summary(5000, lines)["applies_to"] == ["p2", "p3"]
    assert coupon(product_ids=frozenset({"p1"})).summary(5000, lines)["applies_to"] == ["p1"]
    assert "applies_to" not in coupon().summary(5000, lines)  # every line
    free = coupon(code="FREEDEL", kind="free_delivery", amount=None, category_ids=frozenset({"cat_dairy"}))
    assert "applies_to" not in free.summary(2500, lines)  # the fee, not the items


def test_a_refusal_is_a_422_problem_with_its_code_and_words():
    refused = coupons.not_found("nope")
    assert (refused.status, refused.code, refused.words) == (422, "coupon-not-found", "Coupon not found")
    body = refused.body()
    assert body["type"].endswith("/coupon-not-found") and body["detail"] == "Coupon not found"
    assert body["coupon_code"] == "NOPE" and body["words"] == "Coupon not found"
    assert refused.detail_for_order() == {"code": "coupon-not-found", "words": "Coupon not found"}


# Validity: half-open [valid_from, valid_until) -----------------------------------------------------------


def test_valid_from_exactly_now_applies():
    assert applies(coupon(valid_from=NOW), [line(30000)]) == 30000


def test_one_millisecond_before_valid_from_is_not_yet_valid():
    refused = refusal(coupon(valid_from=NOW + timedelta(milliseconds=1)))
    assert (refused.code, refused.words) == ("coupon-expired", "Not yet valid")


def test_valid_until_exactly_now_is_expired():
    refused = refusal(coupon(valid_until=NOW))
    assert (refused.code, refused.words) == ("coupon-expired", "Expired")


def test_one_millisecond_before_valid_until_applies():
    assert applies(coupon(valid_until=NOW + timedelta(milliseconds=1)), [line(30000)]) == 30000


def test_no_valid_until_never_ends():
    assert applies(coupon(valid_until=None), [line(30000)], now=NOW + timedelta(days=3650)) == 30000


def test_inactive_is_not_found_even_in_the_cheap_check():
    refused = refusal(coupon(is_active=False))
    assert (refused.code, refused.words) == ("coupon-not-found", "Coupon not found")
    with pytest.raises(CouponRefused) as caught:
        check_available(coupon(is_active=False), NOW)
    assert caught.value.code == "coupon-not-found"


def test_the_cheap_check_passes_a_coupon_the_cart_may_still_refuse():
    check_available(coupon(min_item_total=10**9, total_limit=1, used=1), NOW)  # no raise: cart and limits wait


# Minimum ---------------------------------------------------------------------------------------------------


def test_exactly_the_minimum_applies():
    assert applies(coupon(min_item_total=29900), [line(29900)]) == 29900


def test_one_paisa_below_the_minimum_says_how_much_more():
    refused = refusal(coupon(min_item_total=29900), lines=[line(29899)])
    assert (refused.code, refused.words, refused.short) == ("coupon-minimum-not-met", "Add ₹0.01 more", 1)


def test_minimum_shortfall_in_whole_rupees():
    refused = refusal(coupon(min_item_total=29900), lines=[line(23700)])
    assert refused.words == "Add ₹62 more" and refused.body()["short"] == 6200


def test_minimum_counts_the_in_scope_lines_only():
    scoped = coupon(min_item_total=20000, category_ids=frozenset({"cat_dairy"}))
    lines = [line(15000, product_id="milk", category_id="cat_dairy"), line(90000, product_id="tv")]
    refused = refusal(scoped, lines=lines)
    assert refused.code == "coupon-minimum-not-met" and refused.short == 5000


# Limits and first order ------------------------------------------------------------------------------------


def test_total_limit_reached_is_fully_redeemed():
    refused = refusal(coupon(total_limit=5, used=5))
    assert (refused.code, refused.words) == ("coupon-limit-reached", "Fully redeemed")


def test_total_limit_with_one_use_left_applies():
    assert applies(coupon(total_limit=5, used=4), [line(30000)]) == 30000


def test_per_user_limit_one_is_already_used():
    refused = refusal(coupon(per_user_limit=1), user_used=1)
    assert (refused.code, refused.words) == ("coupon-limit-reached", "Already used")


def test_per_user_limit_three_says_how_often():
    assert applies(coupon(per_user_limit=3), [line(30000)], user_used=2) == 30000
    assert refusal(coupon(per_user_limit=3), user_used=3).words == "Already used 3 times"


def test_no_limits_are_no_limits():
    assert applies(coupon(per_user_limit=None, total_limit=None, used=10**6), [line(30000)], user_used=500) == 30000


def test_first_order_only():
    first = coupon(first_order_only=True)
    assert applies(first, [line(30000)], is_first_order=True) == 30000
    refused = refusal(first, is_first_order=False)
    assert (refused.code, refused.words) == ("coupon-first-order-only", "For your first order only")


def test_a_not_first_order_does_not_matter_for_other_coupons():
    assert applies(coupon(), [line(30000)], is_first_order=False) == 30000


# Scope -------------------------------------------------------------------------------------------------------


def test_store_scope():
    scoped = coupon(store_ids=frozenset({"sto_A", "sto_B"}))
    assert applies(scoped, [line(30000)], store_id="sto_B") == 30000
    refused = refusal(scoped, store_id="sto_C")
    assert (refused.code, refused.words) == ("coupon-not-applicable", "Not valid at this store")


def test_scope_excluding_every_line():
    scoped = coupon(category_ids=frozenset({"cat_dairy"}), product_ids=frozenset({"p9"}))
    refused = refusal(scoped, lines=[line(30000, product_id="p1", category_id="cat_fruit")])
    assert (refused.code, refused.words) == ("coupon-not-applicable", "Not valid on the items in your cart")


def test_a_line_without_a_category_is_out_of_a_category_scope():
    refused = refusal(coupon(category_ids=frozenset({"cat_dairy"})), lines=[line(30000, category_id=None)])
    assert refused.code == "coupon-not-applicable"


def test_category_or_product_scope_either_is_enough():
    scoped = coupon(kind="percent", amount=None, percent=10, max_discount=100000,
                    category_ids=frozenset({"cat_dairy"}), product_ids=frozenset({"bread"}))
    lines = [line(10000, product_id="milk", category_id="cat_dairy"),
             line(5000, 2, product_id="bread", category_id="cat_bakery"),
             line(70000, product_id="tv", category_id="cat_electronics")]
    assert applies(scoped, lines) == 20000  # milk 10000 + bread 2 x 5000; the tv is out of scope
    assert discount(scoped, lines, 0) == 2000


# Discounts and rounding ---------------------------------------------------------------------------------------


def test_flat_takes_its_amount():
    assert discount(coupon(amount=5000), [line(30000)], 2500) == 5000


def test_flat_larger_than_the_in_scope_total_is_capped_at_it():
    scoped = coupon(amount=50000, product_ids=frozenset({"p1"}))
    lines = [line(12000, product_id="p1"), line(90000, product_id="p2")]
    assert discount(scoped, lines, 0) == 12000  # never the other line's money, never negative


def test_percent_floors_to_the_paisa():
    ten = coupon(kind="percent", amount=None, percent=10, max_discount=100000)
    assert discount(ten, [line(12345)], 0) == 1234
    assert discount(coupon(kind="percent", amount=None, percent=33, max_discount=100000), [line(101)], 0) == 33


def test_percent_is_capped_at_max_discount():
    ten = coupon(kind="percent", amount=None, percent=10, max_discount=10000)
    assert discount(ten, [line(99999)], 0) == 9999
    assert discount(ten, [line(100000)], 0) == 10000
    assert discount(ten, [line(250000)], 0) == 10000


def test_hundred_percent_is_the_in_scope_total():
    full = coupon(kind="percent", amount=None, percent=100, max_discount=10**9)
    assert discount(full, [line(4321, 3)], 0) == 12963


def test_free_delivery_takes_the_delivery_fee():
    free = coupon(code="FREEDEL", kind="free_delivery", amount=None)
    assert discount(free, [line(15000)], 2500) == 2500


def test_free_delivery_when_delivery_is_already_free_is_refused():
    free = coupon(code="FREEDEL", kind="free_delivery", amount=None)
    with pytest.raises(CouponRefused) as caught:
        discount(free, [line(25000)], 0)
    assert (caught.value.code, caught.value.words) == ("coupon-not-applicable", "Delivery is already free")


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        discount(coupon(kind="bogo"), [line(100)], 0)


def test_refusals_come_in_a_fixed_order_the_first_obstacle_wins():
    everything_wrong = coupon(is_active=True, store_ids=frozenset({"sto_Z"}), total_limit=1, used=1,
                              per_user_limit=1, first_order_only=True, min_item_total=10**9)
    assert refusal(everything_wrong, user_used=1, is_first_order=False).code == "coupon-not-applicable"
    assert refusal(coupon(total_limit=1, used=1, per_user_limit=1), user_used=1).words == "Fully redeemed"
    assert refusal(coupon(per_user_limit=1, first_order_only=True), user_used=1,
                   is_first_order=False).words == "Already used"
