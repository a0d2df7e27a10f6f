"""The admin coupon bodies (orders.schemas): ranges and types per field, and the combinations of fields that do
not fit together (`coupon_conflicts`), each naming its field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from orders.schemas import CouponIn, CouponPatch, coupon_conflicts

FLAT = {"code": "save50", "title": "₹50 off", "kind": "flat", "amount": 5000}
PERCENT = {"code": "TEN", "title": "10% off", "kind": "percent", "percent": 10, "max_discount": 10000}
FREE = {"code": "FREEDEL", "title": "Free delivery", "kind": "free_delivery"}


def refused(model: type, body: dict[str, Any]) -> dict[str, str]:
    """field -> pydantic error type of a body the model refuses."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return {".".join(str(p) for p in e["loc"]): e["type"] for e in caught.value.errors()}


def conflicts(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["code"] for e in coupon_conflicts(CouponIn.model_validate(body).model_dump())}


def test_a_flat_coupon_takes_its_defaults_and_an_upper_cased_code() -> None:
    coupon = CouponIn.model_validate(FLAT)
    assert coupon.code == "SAVE50"
    assert (coupon.min_item_total, coupon.valid_from, coupon.valid_until, coupon.per_user_limit,
            coupon.total_limit, coupon.first_order_only, coupon.is_active) == (0, None, None, None, None, False, True)
    assert (coupon.store_ids, coupon.category_ids, coupon.product_ids, coupon.description) == ([], [], [], "")
    assert conflicts(FLAT) == {} and conflicts(PERCENT) == {} and conflicts(FREE) == {}


def test_timestamps_are_stored_in_the_one_format_and_need_an_offset() -> None:
    coupon = CouponIn.model_validate({**FLAT, "valid_from": "2026-12-05T10:00:00+05:30",
                                      "valid_until": "2027-03-05T00:00:00Z"})
    assert (coupon.valid_from, coupon.valid_until) == ("2026-12-05T04:30:00.000Z", "2027-03-05T00:00:00.000Z")
    assert refused(CouponIn, {**FLAT, "valid_from": "2026-12-05T10:00:00"}) == {"valid_from": "timezone_aware"}
    assert refused(CouponIn, {**FLAT, "valid_until": "next tuesday"}) == {"valid_until": "datetime_format"}
    assert refused(CouponIn, {**FLAT, "valid_until": 1796000000}) == {"valid_until": "string_type"}
    for out_of_range in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+05:00", "1999-12-31T23:59:59Z",
                         "2100-01-01T00:00:00Z"):
        assert refused(CouponIn, {**FLAT, "valid_until": out_of_range}) == {"valid_until": "datetime_range"}
    assert CouponIn.model_validate({**FLAT, "valid_from": "2000-01-01T05:30:00+05:30"}).valid_from == \
        "2000-01-01T00:00:00.000Z"


@pytest.mark.parametrize(("body", "field", "error"), [
    ({**PERCENT, "percent": 101}, "percent", "less_than_equal"),
    ({**PERCENT, "percent": 0}, "percent", "greater_than_equal"),
    ({**PERCENT, "percent": 10.5}, "percent", "int_type"),
    ({**PERCENT, "percent": "10"}, "percent", "int_type"),
    ({**FLAT, "amount": -100}, "amount", "greater_than_equal"),
    ({**FLAT, "amount": 0}, "amount", "greater_than_equal"),
    ({**FLAT, "min_item_total": -1}, "min_item_total", "greater_than_equal"),
    ({**PERCENT, "max_discount": -5}, "max_discount", "greater_than_equal"),
    ({**FLAT, "per_user_limit": 0}, "per_user_limit", "greater_than_equal"),
    ({**FLAT, "total_limit": 0}, "total_limit", "greater_than_equal"),
    ({**FLAT, "kind": "bogo"}, "kind", "literal_error"),
    ({**FLAT, "code": "ab"}, "code", "string_pattern_mismatch"),
    ({**FLAT, "code": "SAVE-50"}, "code", "string_pattern_mismatch"),
    ({**FLAT, "code": "A" * 21}, "code", "string_pattern_mismatch"),
    ({**FLAT, "title": ""}, "title", "string_too_short"),
    ({**FLAT, "title": "x" * 81}, "title", "string_too_long"),
    ({**FLAT, "first_order_only": "yes"}, "first_order_only", "bool_type"),
    ({**FLAT, "store_ids": ["sto_nope"]}, "store_ids.0", "string_pattern_mismatch"),
    ({**FLAT, "category_ids": "cat_x"}, "category_ids", "list_type"),
    ({**FLAT, "product_ids": ["prd_" + "0" * 26] * 101}, "product_ids", "too_long"),
    ({**FLAT, "used": 3}, "used", "extra_forbidden"),
    ({**FLAT, "title": "bell\x07"}, "title", "control_characters"),
])
def test_each_field_refuses_what_is_out_of_its_range_or_type(body: dict[str, Any], field: str, error: str) -> None:
    assert refused(CouponIn, body) == {field: error}


def test_missing_fields_are_named() -> None:
    assert refused(CouponIn, {"title": "x"}) == {"code": "missing", "kind": "missing"}


@pytest.mark.parametrize(("body", "expected"), [
    ({**PERCENT, "max_discount": None}, {"max_discount": "missing"}),
    ({**FLAT, "amount": None}, {"amount": "missing"}),
    ({**PERCENT, "amount": 5000}, {"amount": "not_for_kind"}),
    ({**FREE, "amount": 5000}, {"amount": "not_for_kind"}),
    ({**FLAT, "percent": 10}, {"percent": "not_for_kind"}),
    ({**FREE, "max_discount": 100}, {"max_discount": "not_for_kind"}),
    ({**FLAT, "valid_from": "2026-12-05T00:00:00Z", "valid_until": "2026-12-04T23:59:59Z"},
     {"valid_until": "before_valid_from"}),
    ({**FLAT, "valid_from": "2026-12-05T00:00:00Z", "valid_until": "2026-12-05T05:30:00+05:30"},
     {"valid_until": "before_valid_from"}),  # the same instant: an empty window
])
def test_fields_that_do_not_fit_together_are_named(body: dict[str, Any], expected: dict[str, str]) -> None:
    assert conflicts(body) == expected


def test_repeated_scope_ids_are_kept_once() -> None:
    store = "sto_" + "1" * 26
    assert CouponIn.model_validate({**FLAT, "store_ids": [store, store]}).store_ids == [store]


def test_a_patch_needs_the_version_never_takes_the_code_and_never_nulls_a_required_field() -> None:
    assert refused(CouponPatch, {"title": "x"}) == {"version": "missing"}
    assert refused(CouponPatch, {"version": 0}) == {"version": "greater_than_equal"}
    assert refused(CouponPatch, {"version": 1, "code": "OTHER"}) == {"code": "extra_forbidden"}
    for field in ("title", "kind", "min_item_total", "valid_from", "is_active", "store_ids"):
        assert refused(CouponPatch, {"version": 1, field: None}) == {field: "not_null"}
    cleared = CouponPatch.model_validate({"version": 2, "valid_until": None, "total_limit": None})
    assert cleared.model_dump(exclude_unset=True) == {"version": 2, "valid_until": None, "total_limit": None}
