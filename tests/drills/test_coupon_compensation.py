"""Drill: a failure after a coupon was redeemed gives the use back exactly once, even when the compensation itself
is throttled (tests/drills/conftest.py `dynamo_faults`: DynamoDB's own throttling error, below botocore's retries).

CreateOrder cannot be made to fail through the API (stock is reserved and the bill priced before it), so its
conditional update to PLACED is throttled for good, as in test_dynamodb_throttling; the saga then runs
CouponToRelease → ReleaseCoupon → ReleaseStock → MarkOrderFailed. ReleaseCoupon's transaction is throttled for
longer than one invocation's SDK retries absorb, so only the state machine's Retry gets it through: the coupon's
`used` must come back to exactly 0 (a double release would make it -1).
"""

from __future__ import annotations

import json
from typing import Any

from tests.drills.test_dynamodb_throttling import SDK_ATTEMPTS, _places_order, task_failures
from tests.integration.orders.conftest import add_address, checkout, fill_cart, order, stock, wait_done
from tests.integration.orders.test_coupons_checkout import make_coupon, redemption_state, used, user_used
from tests.integration.orders.test_online_saga import transitions


def _is_coupon_release(body: dict[str, Any]) -> bool:
    """ReleaseCoupon's transaction: it turns the REDEEM#<order> item `released`."""
    return "TransactItems" in body and '"released"' in json.dumps(body)


def test_create_order_failing_after_the_redemption_gives_the_use_back_once_through_a_throttled_release(
        api: Any, project_stack: Any, customer: Any, shop: Any, dynamo_faults: Any, sdk_sleeps: Any) -> None:
    code = make_coupon(amount=1000, total_limit=1, per_user_limit=1, first_order_only=True)
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {5: 2})
    # One CreateOrder invocation's SDK attempts (the state machine does not retry it); later orders go through.
    placing = dynamo_faults("UpdateItem", _places_order(project_stack.resources.tables["OrdersTable"]),
                            times=SDK_ATTEMPTS)
    releasing = dynamo_faults("TransactWriteItems", _is_coupon_release, times=SDK_ATTEMPTS + 1)

    order_id = checkout(api, customer, address_id, coupon_code=code).json()["order_id"]
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"  # compensated: no failed-execution alarm

    failed = order(api, customer, order_id)
    assert (failed["status"], failed["reason"], failed["coupon"]) == ("FAILED", "INTERNAL", None), failed
    assert (placing.throttled, placing.passed) == (SDK_ATTEMPTS, 0)
    assert (releasing.throttled, releasing.passed) == (SDK_ATTEMPTS + 1, 1)
    assert task_failures(project_stack, order_id) == [("CreateOrder", "UpdateError"),
                                                     ("ReleaseCoupon", "TransactWriteError")]
    names = transitions(project_stack, order_id)
    assert names[names.index("CreateOrder"):] == [
        "CreateOrder", "CouponToRelease", "ReleaseCoupon", "ReleaseStock", "MarkOrderFailed", "OrderNotPlaced"]
    # Redeemed, then given back exactly once: the total, the user's count and the first-order claim.
    assert (used(code), user_used(code, customer.uid), redemption_state(order_id)) == (0, 0, "released")
    from orders import store

    assert store.has_first_claim(customer.uid) is False
    assert stock(api, shop, 5) == 20
    # The coupon is whole again for this user: their next checkout with it is placed, discounted.
    again = checkout(api, customer, address_id, coupon_code=code).json()["order_id"]
    assert wait_done(project_stack, again)["status"] == "SUCCEEDED"
    placed = order(api, customer, again)
    assert (placed["status"], placed["coupon"]["discount"]) == ("PLACED", 1000)
    assert used(code) == 1 and placing.passed == 1
