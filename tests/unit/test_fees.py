"""A store's fee settings (blinkit.fees): the one schema and the one set of defaults that products stores and
shows, the orders bill prices with and the demo catalog is built from."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from blinkit.fees import AMOUNT_FIELDS, DEFAULT_FEES, FEE_FIELDS, WINDOW_FIELDS, FeeSettings, complete_fees
from local.catalog.data import STORES
from orders.bill import StoreFees

DECIDED = {"delivery_fee": 2500, "free_delivery_threshold": 19900, "small_cart_fee": 2000,
           "small_cart_threshold": 9900, "handling_fee": 400, "platform_fee": 0, "late_night_fee": 1500,
           "late_night_start": "23:00", "late_night_end": "06:00", "minimum_order": 4900, "max_tip": 10000}


def test_the_defaults_are_the_decided_ones():
    assert dict(DEFAULT_FEES) == DECIDED
    assert FeeSettings().model_dump() == DECIDED
    assert set(AMOUNT_FIELDS) | set(WINDOW_FIELDS) == set(FEE_FIELDS) == set(DECIDED)
    with pytest.raises(TypeError):
        DEFAULT_FEES["delivery_fee"] = 0  # type: ignore[index]  # read-only: nobody changes them for everyone


def test_the_bill_and_the_catalog_use_the_same_defaults():
    from datetime import time

    assert StoreFees() == StoreFees.from_store(None) == StoreFees.from_store({}) == StoreFees.from_store(DEFAULT_FEES)
    assert StoreFees().late_night_start == time(23, 0) and StoreFees().late_night_end == time(6, 0)
    assert all(getattr(StoreFees(), name) == DECIDED[name] for name in AMOUNT_FIELDS)
    # The catalog's stores are the defaults with their own overrides.
    assert STORES[0]["fees"] == {**DECIDED, "platform_fee": 200}  # the demo stores charge a platform fee
    assert STORES[3]["fees"] == {**DECIDED, "platform_fee": 200, "delivery_fee": 3000, "free_delivery_threshold": 24900,
                                 "handling_fee": 500, "late_night_fee": 2000}


def test_partial_and_null_settings_are_completed_from_the_defaults():
    fees = complete_fees({"delivery_fee": 3000, "max_tip": None, "late_night_start": "22:30"})
    assert fees.model_dump() == {**DECIDED, "delivery_fee": 3000, "late_night_start": "22:30"}
    assert complete_fees(None) == complete_fees({}) == FeeSettings()


def test_dynamodb_decimals_are_whole_paise_and_unknown_names_are_ignored():
    fees = complete_fees({"delivery_fee": Decimal("3000"), "surge_fee": 99})
    assert fees.delivery_fee == 3000 and type(fees.delivery_fee) is int
    assert "surge_fee" not in fees.model_dump()


@pytest.mark.parametrize("bad", [
    {"delivery_fee": 25.0}, {"delivery_fee": 25.5}, {"handling_fee": -1}, {"max_tip": True},
    {"minimum_order": Decimal("49.5")}, {"minimum_order": "4900"}, {"delivery_fee": 10_000_001},
    {"late_night_end": "six"}, {"late_night_start": "24:00"}, {"late_night_start": "7:00"},
])
def test_bad_settings_are_refused_never_rounded(bad: dict[str, Any]):
    with pytest.raises(ValidationError):
        complete_fees(bad)
    with pytest.raises(ValueError):
        StoreFees.from_store(bad)


def test_the_request_schema_refuses_unknown_settings():
    with pytest.raises(ValidationError):
        FeeSettings.model_validate({"surge_fee": 99})
