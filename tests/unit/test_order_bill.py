"""The itemised bill and store time (orders.bill): every threshold and window edge, in paise. The ETA and the
distance it is measured with are the layer's (tests/unit/test_eta.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from blinkit.fees import DEFAULT_FEES, live_surge
from orders.bill import (
    BILL_ORDER,
    BelowMinimum,
    Bill,
    InvalidTip,
    StoreFees,
    price_order,
    store_local_time,
)

NOON = time(12, 0)
DEFAULTS = StoreFees()


def line(price: int, quantity: int = 1, mrp: int | None = None, product_id: str = "p1") -> dict[str, Any]:
    return {"product_id": product_id, "name": f"Product {product_id}", "quantity": quantity, "price": price,
            "mrp": price if mrp is None else mrp}


def codes(bill: Bill) -> list[str]:
    return [entry["code"] for entry in bill.bill]


# Settings -------------------------------------------------------------------------------------------------


def test_defaults_match_the_catalog_and_the_issue():
    assert StoreFees.from_store(DEFAULT_FEES) == DEFAULTS
    assert StoreFees.from_store({}) == DEFAULTS
    assert StoreFees.from_store(None) == DEFAULTS
    assert (DEFAULTS.delivery_fee, DEFAULTS.free_delivery_threshold) == (2500, 19900)
    assert (DEFAULTS.small_cart_fee, DEFAULTS.small_cart_threshold) == (2000, 9900)
    assert (DEFAULTS.handling_fee, DEFAULTS.late_night_fee) == (400, 1500)
    assert (DEFAULTS.late_night_start, DEFAULTS.late_night_end) == (time(23, 0), time(6, 0))
    assert (DEFAULTS.minimum_order, DEFAULTS.max_tip) == (4900, 10000)


def test_store_overrides_and_dynamodb_decimals():
    fees = StoreFees.from_store({"delivery_fee": Decimal("3000"), "free_delivery_threshold": 24900,
                                 "late_night_start": "22:30"})
    assert fees.delivery_fee == 3000 and type(fees.delivery_fee) is int
    assert fees.free_delivery_threshold == 24900
    assert fees.late_night_start == time(22, 30)
    assert fees.handling_fee == 400  # untouched keys keep the default


@pytest.mark.parametrize("bad", [{"delivery_fee": 25.0}, {"handling_fee": -1}, {"max_tip": True},
                                 {"minimum_order": Decimal("49.5")}, {"late_night_end": "six"}])
def test_malformed_settings_fail_loudly(bad: dict[str, Any]):
    with pytest.raises(ValueError):
        StoreFees.from_store(bad)


# Thresholds -----------------------------------------------------------------------------------------------

# item total → (bill codes after item_total, total); noon, no tip, default fees
THRESHOLDS = [
    (4900, ["delivery_fee", "small_cart_fee", "handling_fee"], 4900 + 2500 + 2000 + 400),
    (9899, ["delivery_fee", "small_cart_fee", "handling_fee"], 9899 + 2500 + 2000 + 400),
    (9900, ["delivery_fee", "handling_fee"], 9900 + 2500 + 400),
    (19899, ["delivery_fee", "handling_fee"], 19899 + 2500 + 400),
    (19900, ["handling_fee"], 19900 + 400),
    (50000, ["handling_fee"], 50000 + 400),
]


@pytest.mark.parametrize(("item_total", "fee_codes", "total"), THRESHOLDS)
def test_threshold_edges(item_total: int, fee_codes: list[str], total: int):
    bill = price_order([line(item_total)], DEFAULTS, tip=0, local_time=NOON)
    assert codes(bill) == ["item_total", *fee_codes]
    assert bill.item_total == item_total
    assert bill.total == total == sum(entry["amount"] for entry in bill.bill)


@pytest.mark.parametrize("item_total", [4899, 1, 0])
def test_below_minimum(item_total: int):
    with pytest.raises(BelowMinimum) as caught:
        price_order([line(item_total)] if item_total else [], DEFAULTS, tip=0, local_time=NOON)
    problem = caught.value
    assert (problem.item_total, problem.minimum, problem.shortfall) == (item_total, 4900, 4900 - item_total)
    assert problem.reason == "BELOW_MINIMUM"
    body = problem.body()
    assert body["status"] == 422 and body["type"].endswith("/below-minimum")
    assert (body["item_total"], body["minimum_order"], body["shortfall"]) == (item_total, 4900, 4900 - item_total)


def test_thresholds_use_the_item_total_of_all_lines():
    # 3 * 1650 + 4950 = 9900: exactly at the small-cart threshold across two lines, so no small-cart fee.
    bill = price_order([line(1650, 3, product_id="a"), line(4950, product_id="b")], DEFAULTS, tip=0, local_time=NOON)
    assert bill.item_total == 9900
    assert "small_cart_fee" not in codes(bill)


def test_the_tip_never_lifts_a_cart_over_a_threshold_or_the_minimum():
    with pytest.raises(BelowMinimum):
        price_order([line(4899)], DEFAULTS, tip=10000, local_time=NOON)
    bill = price_order([line(19899)], DEFAULTS, tip=10000, local_time=NOON)
    assert bill.amount("delivery_fee") == 2500


def test_store_specific_fees():
    bellandur = StoreFees.from_store({"delivery_fee": 3000, "free_delivery_threshold": 24900, "handling_fee": 500})
    bill = price_order([line(19900)], bellandur, tip=0, local_time=NOON)
    assert codes(bill) == ["item_total", "delivery_fee", "handling_fee"]
    assert bill.total == 19900 + 3000 + 500


def test_a_fee_set_to_zero_is_left_out():
    bill = price_order([line(5000)], StoreFees(handling_fee=0, small_cart_fee=0), tip=0, local_time=NOON)
    assert codes(bill) == ["item_total", "delivery_fee"]


# Late night -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("local_time", "charged"), [
    (time(22, 59, 59, 999999), False),
    (time(22, 59), False),
    (time(23, 0), True),  # start is inclusive
    (time(23, 59, 59), True),
    (time(0, 0), True),
    (time(3, 0), True),
    (time(5, 59), True),
    (time(5, 59, 59, 999999), True),
    (time(6, 0), False),  # end is exclusive
    (time(12, 0), False),
])
def test_late_night_window_edges(local_time: time, charged: bool):
    bill = price_order([line(19900)], DEFAULTS, tip=0, local_time=local_time)
    assert bill.late_night is charged
    assert bill.amount("late_night_fee") == (1500 if charged else 0)
    assert bill.total == 19900 + 400 + (1500 if charged else 0)


def test_an_aware_local_time_is_compared_by_its_wall_clock():
    ist = timezone(timedelta(hours=5, minutes=30))
    assert price_order([line(19900)], DEFAULTS, tip=0, local_time=time(23, 0, tzinfo=ist)).late_night


@pytest.mark.parametrize(("start", "end", "local_time", "charged"), [
    ("01:00", "05:00", time(0, 59), False),  # a window that does not cross midnight
    ("01:00", "05:00", time(1, 0), True),
    ("01:00", "05:00", time(5, 0), False),
    ("23:00", "23:00", time(23, 0), False),  # start == end: no window at all
    ("23:00", "23:00", time(2, 0), False),
])
def test_other_windows(start: str, end: str, local_time: time, charged: bool):
    fees = StoreFees.from_store({"late_night_start": start, "late_night_end": end})
    assert fees.is_late_night(local_time) is charged


# Tip ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tip", "shown"), [(0, False), (1, True), (10000, True)])
def test_valid_tips(tip: int, shown: bool):
    bill = price_order([line(19900)], DEFAULTS, tip=tip, local_time=NOON)
    assert ("tip" in codes(bill)) is shown
    assert bill.amount("tip") == tip
    assert bill.total == 19900 + 400 + tip


@pytest.mark.parametrize("tip", [10001, -1, 1.5, 100.0, True, "100", None])
def test_invalid_tips(tip: Any):
    with pytest.raises(InvalidTip) as caught:
        price_order([line(19900)], DEFAULTS, tip=tip, local_time=NOON)
    body = caught.value.body()
    assert body["status"] == 422 and body["type"].endswith("/invalid-tip")
    assert body["max_tip"] == 10000
    assert body["errors"][0]["field"] == "tip"


def test_the_tip_is_checked_before_the_minimum():
    with pytest.raises(InvalidTip):
        price_order([line(100)], DEFAULTS, tip=-1, local_time=NOON)


def test_a_store_max_tip():
    with pytest.raises(InvalidTip):
        price_order([line(19900)], StoreFees(max_tip=5000), tip=5001, local_time=NOON)


# Lines, savings, the whole bill ---------------------------------------------------------------------------


def test_lines_and_savings():
    lines = [
        line(4000, 2, mrp=5000, product_id="a"),  # saves 1000 * 2
        line(3000, 1, mrp=3000, product_id="b"),  # saves 0
        {"product_id": "c", "name": "No MRP", "quantity": 1, "price": 1000},  # mrp missing: saves 0
        line(2000, 1, mrp=1500, product_id="d"),  # mrp below price: 0, never negative
    ]
    bill = price_order(lines, DEFAULTS, tip=0, local_time=NOON)
    assert [entry["line_total"] for entry in bill.lines] == [8000, 3000, 1000, 2000]
    assert bill.item_total == 14000
    assert bill.savings == 2000
    assert bill.total == 14000 + 2500 + 400  # savings are shown, never subtracted again


def test_every_charge_in_the_fixed_order_and_to_dict():
    bill = price_order([line(2500, 2, mrp=3000)], DEFAULTS, tip=1000, local_time=time(23, 30))
    assert bill.to_dict() == {
        "lines": [{"product_id": "p1", "name": "Product p1", "quantity": 2, "price": 2500, "mrp": 3000,
                   "line_total": 5000}],
        "bill": [
            {"code": "item_total", "label": "Item total", "amount": 5000},
            {"code": "delivery_fee", "label": "Delivery fee", "amount": 2500},
            {"code": "small_cart_fee", "label": "Small cart fee", "amount": 2000},
            {"code": "handling_fee", "label": "Handling fee", "amount": 400},
            {"code": "late_night_fee", "label": "Late night fee", "amount": 1500},
            {"code": "tip", "label": "Delivery partner tip", "amount": 1000},
        ],
        "item_total": 5000,
        "savings": 1000,
        "total": 5000 + 2500 + 2000 + 400 + 1500 + 1000,
        "coupon": None,
    }


def test_every_amount_is_an_int_and_the_dict_is_json():
    bill = price_order([line(Decimal(3333), 3, mrp=Decimal(4000))], DEFAULTS, tip=Decimal(500), local_time=NOON)
    data = bill.to_dict()
    amounts = [data["item_total"], data["savings"], data["total"]]
    amounts += [entry["amount"] for entry in data["bill"]]
    amounts += [value for entry in data["lines"] for key, value in entry.items() if key not in ("product_id", "name")]
    assert all(type(amount) is int for amount in amounts)
    assert json.loads(json.dumps(data)) == data
    assert data["item_total"] == 9999 and data["savings"] == 667 * 3


def test_extra_line_fields_are_kept():
    bill = price_order([{**line(5000), "image_url": "https://img/x.png"}], DEFAULTS, tip=0, local_time=NOON)
    assert bill.lines[0]["image_url"] == "https://img/x.png"


@pytest.mark.parametrize("bad", [
    {"price": 49.99},
    {"price": -100},
    {"quantity": 0},
    {"quantity": 1.0},
    {"mrp": 5000.5},
])
def test_malformed_lines_are_a_programming_error(bad: dict[str, Any]):
    with pytest.raises(ValueError):
        price_order([{**line(5000), **bad}], DEFAULTS, tip=0, local_time=NOON)


# Store local time -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("now_utc", "expected"), [
    (datetime(2026, 11, 25, 17, 29, 59, tzinfo=UTC), time(22, 59, 59)),
    (datetime(2026, 11, 25, 17, 30, tzinfo=UTC), time(23, 0)),
    (datetime(2026, 11, 25, 18, 30, tzinfo=UTC), time(0, 0)),  # the IST date has already moved on
    (datetime(2026, 11, 25, 23, 59, tzinfo=UTC), time(5, 29)),  # UTC is still on the 25th
    (datetime(2026, 11, 26, 0, 29, tzinfo=UTC), time(5, 59)),
    (datetime(2026, 11, 26, 0, 30, tzinfo=UTC), time(6, 0)),
    (datetime(2026, 12, 31, 20, 0, tzinfo=UTC), time(1, 30)),  # across the year boundary too
])
def test_store_local_time_in_kolkata(now_utc: datetime, expected: time):
    local = store_local_time(now_utc, "Asia/Kolkata")
    assert local == expected
    assert local.tzinfo is None


def test_store_local_time_treats_naive_as_utc_and_converts_other_offsets():
    assert store_local_time(datetime(2026, 11, 25, 18, 30), "Asia/Kolkata") == time(0, 0)
    plus_one = timezone(timedelta(hours=1))
    assert store_local_time(datetime(2026, 11, 25, 19, 30, tzinfo=plus_one), "Asia/Kolkata") == time(0, 0)


def test_late_night_end_to_end_across_the_utc_date_boundary():
    local = store_local_time(datetime(2026, 11, 25, 18, 45, tzinfo=UTC), "Asia/Kolkata")  # 00:15 IST
    assert price_order([line(19900)], DEFAULTS, tip=0, local_time=local).amount("late_night_fee") == 1500
    local = store_local_time(datetime(2026, 11, 26, 0, 30, tzinfo=UTC), "Asia/Kolkata")  # 06:00 IST
    assert price_order([line(19900)], DEFAULTS, tip=0, local_time=local).amount("late_night_fee") == 0


# Platform and surge fees ------------------------------------------------------------------------------

NOW = datetime(2026, 12, 5, 6, 30, tzinfo=UTC)  # 12:00 in Kolkata
RAIN = {"fee": 3000, "reason": "Rain", "expires_at": "2026-12-05T06:31:00.000Z"}
PLATFORM = StoreFees.from_store({"platform_fee": 200})


def test_every_fee_line_in_the_contract_order():
    bill = price_order([line(2500, 2)], PLATFORM, tip=1000, local_time=time(23, 30), now=NOW, surge=RAIN)
    assert [(e["code"], e["label"], e["amount"]) for e in bill.bill] == [
        ("item_total", "Item total", 5000),
        ("delivery_fee", "Delivery fee", 2500),
        ("small_cart_fee", "Small cart fee", 2000),
        ("handling_fee", "Handling fee", 400),
        ("platform_fee", "Platform fee", 200),
        ("surge_fee", "Surge fee (Rain)", 3000),
        ("late_night_fee", "Late night fee", 1500),
        ("tip", "Delivery partner tip", 1000),
    ]
    assert bill.total == 5000 + 2500 + 2000 + 400 + 200 + 3000 + 1500 + 1000
    assert [c for c in BILL_ORDER if c in codes(bill)] == codes(bill)  # BILL_ORDER names the order shown


def test_a_platform_fee_of_zero_is_not_shown():
    assert DEFAULTS.platform_fee == 0
    bill = price_order([line(20000)], DEFAULTS, tip=0, local_time=NOON)
    assert "platform_fee" not in codes(bill) and bill.total == 20000 + 400
    charged = price_order([line(20000)], PLATFORM, tip=0, local_time=NOON)
    assert charged.amount("platform_fee") == 200 and charged.total == 20000 + 400 + 200


@pytest.mark.parametrize(("now", "charged"), [
    (NOW, True),
    (datetime(2026, 12, 5, 6, 30, 59, 999000, tzinfo=UTC), True),  # the last millisecond before the end
    (datetime(2026, 12, 5, 6, 31, tzinfo=UTC), False),  # the instant of expiry is not charged
    (datetime(2026, 12, 5, 6, 31, 0, 1, tzinfo=UTC), False),
    (datetime(2026, 12, 5, 7, 0, tzinfo=UTC), False),
    (datetime(2026, 12, 5, 12, 0, 59, tzinfo=timezone(timedelta(hours=5, minutes=30))), True),  # any offset
    (datetime(2026, 12, 5, 6, 30), True),  # naive is UTC
])
def test_the_surge_is_charged_until_it_expires(now: datetime, charged: bool):
    bill = price_order([line(20000)], DEFAULTS, tip=0, local_time=NOON, now=now, surge=RAIN)
    assert ("surge_fee" in codes(bill)) is charged
    assert bill.total == 20000 + 400 + (3000 if charged else 0)


def test_no_surge_or_a_surge_with_decimals_from_dynamodb():
    assert "surge_fee" not in codes(price_order([line(20000)], DEFAULTS, tip=0, local_time=NOON, now=NOW))
    stored = {"fee": Decimal(1500), "reason": "High demand", "expires_at": "2026-12-05T07:00:00.000Z"}
    bill = price_order([line(20000)], DEFAULTS, tip=0, local_time=NOON, now=NOW, surge=stored)
    assert bill.bill[-1] == {"code": "surge_fee", "label": "Surge fee (High demand)", "amount": 1500}
    assert type(bill.amount("surge_fee")) is int


@pytest.mark.parametrize("bad", [{**RAIN, "fee": 25.5}, {**RAIN, "fee": -1}, {**RAIN, "fee": Decimal("10.5")}])
def test_a_malformed_surge_fee_fails_loudly(bad: dict[str, Any]):
    with pytest.raises(ValueError):
        price_order([line(20000)], DEFAULTS, tip=0, local_time=NOON, now=NOW, surge=bad)


def test_a_surge_is_priced_at_an_instant_the_caller_gives():
    with pytest.raises(ValueError, match="now"):
        price_order([line(20000)], DEFAULTS, tip=0, local_time=NOON, surge=RAIN)


def test_live_surge_is_the_one_rule_of_when_a_surge_counts():
    assert live_surge(RAIN, NOW) == {"fee": 3000, "reason": "Rain", "expires_at": "2026-12-05T06:31:00.000Z"}
    assert live_surge(RAIN, datetime(2026, 12, 5, 6, 31, tzinfo=UTC)) is None
    assert live_surge({**RAIN, "expires_at": "2026-12-05T12:01:00+05:30"}, NOW)["expires_at"] == RAIN["expires_at"]
    assert live_surge(None, NOW) is None and live_surge({}, NOW) is None
    assert live_surge({**RAIN, "expires_at": None}, NOW) is None
    assert live_surge({**RAIN, "expires_at": "soon"}, NOW) is None  # no readable end: over, never charged forever
# Coupons (the rule itself: tests/unit/test_coupons.py) -------------------------------------------------------


def _coupon(**changes: Any) -> Any:
    from orders.coupons import Coupon

    values: dict[str, Any] = {"code": "SAVE50", "title": "₹50 off", "kind": "flat", "amount": 5000,
                              "valid_from": datetime(2026, 1, 1, tzinfo=UTC)}
    values.update(changes)
    return Coupon(**values)


def test_coupon_line_right_after_the_item_total_and_the_total_drops():
    bill = price_order([line(30000)], DEFAULTS, tip=1000, local_time=NOON, coupon=_coupon())
    assert codes(bill) == ["item_total", "coupon_discount", "handling_fee", "tip"]
    assert bill.bill[1] == {"code": "coupon_discount", "label": "Coupon SAVE50", "amount": -5000}
    assert bill.total == 30000 - 5000 + 400 + 1000
    assert bill.item_total == 30000  # the item total line is what the items cost; the discount is its own line
    assert bill.to_dict()["coupon"] == {"code": "SAVE50", "title": "₹50 off", "kind": "flat", "discount": 5000}


def test_fee_thresholds_use_the_item_total_before_the_discount():
    # 19900 reaches free delivery and the small cart threshold even though 19900 - 5000 is below both.
    bill = price_order([line(19900)], DEFAULTS, tip=0, local_time=NOON, coupon=_coupon())
    assert bill.amount("delivery_fee") == 0 and bill.amount("small_cart_fee") == 0
    assert bill.total == 19900 - 5000 + 400


def test_minimum_order_is_checked_after_the_discount():
    price_order([line(9900)], DEFAULTS, tip=0, local_time=NOON, coupon=_coupon())  # 9900 - 5000 = 4900: accepted
    with pytest.raises(BelowMinimum) as caught:
        price_order([line(9899)], DEFAULTS, tip=0, local_time=NOON, coupon=_coupon())
    assert (caught.value.item_total, caught.value.shortfall) == (4899, 1)


def test_the_tip_and_the_fees_are_never_discounted():
    everything = _coupon(amount=10**9)  # more than the items: capped at the item total, fees untouched
    fees = StoreFees(minimum_order=0)
    bill = price_order([line(5000)], fees, tip=2000, local_time=time(23, 30), coupon=everything)
    assert bill.amount("coupon_discount") == -5000
    assert bill.total == 2500 + 2000 + 400 + 1500 + 2000  # delivery, small cart, handling, late night, tip


def test_free_delivery_is_a_negative_line_of_the_delivery_fee():
    free = _coupon(code="FREEDEL", kind="free_delivery", amount=None)
    bill = price_order([line(15000)], DEFAULTS, tip=0, local_time=NOON, coupon=free)
    assert codes(bill) == ["item_total", "coupon_discount", "delivery_fee", "handling_fee"]
    assert bill.bill[1] == {"code": "coupon_discount", "label": "Free delivery (FREEDEL)", "amount": -2500}
    assert bill.total == 15000 + 400


def test_free_delivery_does_not_lower_the_minimum_check():
    free = _coupon(code="FREEDEL", kind="free_delivery", amount=None)
    with pytest.raises(BelowMinimum):
        price_order([line(4899)], DEFAULTS, tip=0, local_time=NOON, coupon=free)


def test_free_delivery_when_delivery_is_already_free_refuses_the_coupon():
    from orders.coupons import CouponRefused

    free = _coupon(code="FREEDEL", kind="free_delivery", amount=None)
    with pytest.raises(CouponRefused) as caught:
        price_order([line(19900)], DEFAULTS, tip=0, local_time=NOON, coupon=free)
    assert caught.value.words == "Delivery is already free"


def test_percent_coupon_on_the_bill_floors():
    ten = _coupon(code="TEN", kind="percent", amount=None, percent=10, max_discount=10000)
    bill = price_order([line(12345)], DEFAULTS, tip=0, local_time=NOON, coupon=ten)
    assert bill.amount("coupon_discount") == -1234
    assert bill.total == sum(entry["amount"] for entry in bill.bill)


def test_without_a_coupon_the_bill_has_no_coupon():
    bill = price_order([line(30000)], DEFAULTS, tip=0, local_time=NOON)
    assert "coupon_discount" not in codes(bill) and bill.coupon is None
