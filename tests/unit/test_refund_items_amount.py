"""A refund of items is what the customer paid for them: their checkout price less the share of a flat or
percent coupon they carried (rounded down, in the customer's favour); a coupon limited to some products was
carried by those lines alone; a free-delivery coupon took nothing off the items."""

from __future__ import annotations

import pytest

from blinkit.errors import Unprocessable
from payments.schemas import RefundItem
from payments.service import _items_amount, items_coupon_share

MILK, BREAD = "prd_" + "1" * 26, "prd_" + "2" * 26


def order(coupon: dict | None) -> dict:
    """Two lines, ₹300 of items: 2 x ₹100 milk and 1 x ₹100 bread."""
    return {"items": [{"product_id": MILK, "quantity": 2, "price": 10_000},
                      {"product_id": BREAD, "quantity": 1, "price": 10_000}],
            "item_total": 30_000, "coupon": coupon}


def flat(discount: int) -> dict:
    return {"code": "SAVE", "title": "off", "kind": "flat", "discount": discount}


def test_without_a_coupon_items_are_refunded_at_their_checkout_price():
    assert _items_amount(order(None), [RefundItem(product_id=MILK, quantity=2)]) == 20_000


def test_a_flat_coupon_is_shared_in_proportion_to_the_items():
    # ₹75 off ₹300: a third of the items carried ₹25 of it.
    assert _items_amount(order(flat(7_500)), [RefundItem(product_id=BREAD, quantity=1)]) == 7_500
    assert _items_amount(order(flat(7_500)), [RefundItem(product_id=MILK, quantity=2),
                                              RefundItem(product_id=BREAD, quantity=1)]) == 30_000 - 7_500


def test_a_percent_coupon_is_shared_the_same_way():
    percent = {"code": "TEN", "title": "10% off", "kind": "percent", "discount": 3_000}
    assert _items_amount(order(percent), [RefundItem(product_id=MILK, quantity=1)]) == 9_000


def test_the_share_is_rounded_down_so_the_customer_gets_the_odd_paisa():
    # ₹1 off ₹300: one item's share is 33.33 paise; 33 is kept back, 9,967 refunded.
    assert items_coupon_share(order(flat(100)), {BREAD: 1}) == 33
    assert _items_amount(order(flat(100)), [RefundItem(product_id=BREAD, quantity=1)]) == 9_967


def test_free_delivery_takes_nothing_off_the_items():
    free = {"code": "FREEDEL", "title": "Free delivery", "kind": "free_delivery", "discount": 2_500}
    assert _items_amount(order(free), [RefundItem(product_id=BREAD, quantity=1)]) == 10_000


def test_a_discount_never_shares_more_than_the_items_cost():
    assert items_coupon_share(order(flat(99_999)), {BREAD: 1}) == 10_000
    assert items_coupon_share({"items": [], "item_total": 0, "coupon": flat(100)}, {}) == 0


def test_a_coupon_limited_to_some_products_is_carried_by_their_lines_alone():
    # ₹50 off the milk only (₹200 of it): one milk carried ₹25, the bread nothing.
    milk_only = {**flat(5_000), "applies_to": [MILK]}
    assert _items_amount(order(milk_only), [RefundItem(product_id=MILK, quantity=1)]) == 7_500
    assert _items_amount(order(milk_only), [RefundItem(product_id=BREAD, quantity=1)]) == 10_000
    # Every line refunded gives back exactly what was paid for the items.
    assert _items_amount(order(milk_only), [RefundItem(product_id=MILK, quantity=2),
                                            RefundItem(product_id=BREAD, quantity=1)]) == 30_000 - 5_000


def test_items_not_in_the_order_or_above_its_quantity_are_refused_by_name():
    with pytest.raises(Unprocessable) as refused:
        _items_amount(order(flat(7_500)), [RefundItem(product_id=MILK, quantity=3)])
    assert refused.value.errors == [{"field": "items.0.quantity", "message": "the order has 2",
                                     "code": "above-ordered-quantity"}]
