"""Pure rules of the notifications domain: preferences, deterministic ids, and what orders put in a message."""

from __future__ import annotations

import pytest

from notifications import preferences
from notifications.pipeline import notification_id


def test_preferences_default_on_and_merge_partial_changes() -> None:
    merged = preferences.apply(None, {"marketing": {"email": False}})
    assert merged["marketing"] == {"in_app": True, "email": False, "push": True}
    merged = preferences.apply(merged, {"marketing": {"push": False}, "custom": {"in_app": False}})
    assert merged["marketing"] == {"in_app": True, "email": False, "push": False}
    assert merged["custom"]["in_app"] is False and merged["order_updates"]["in_app"] is True


@pytest.mark.parametrize("category", ["order_updates", "delivery_updates"])
def test_order_and_delivery_updates_stay_in_the_inbox(category: str) -> None:
    with pytest.raises(preferences.LockedChannel):
        preferences.apply(None, {category: {"in_app": False}})
    # Even a stored record that says otherwise (an older rule, a manual edit) cannot switch it off.
    assert preferences.effective({category: {"in_app": False}})[category]["in_app"] is True


def test_allowed_channels_are_the_requested_ones_the_user_allows() -> None:
    prefs = preferences.apply(None, {"order_updates": {"email": False}})
    assert preferences.allowed(prefs, "order_updates", None) == ["in_app", "push"]
    assert preferences.allowed(prefs, "order_updates", ["email", "push"]) == ["push"]
    assert preferences.allowed(prefs, "delivery_updates", ["push", "in_app"]) == ["in_app", "push"]


def test_the_notification_id_is_sortable_and_the_same_for_every_delivery() -> None:
    first = notification_id("ord_1:PLACED", 1_739_341_815_123)
    assert first == notification_id("ord_1:PLACED", 1_739_341_815_123)
    assert first != notification_id("ord_1:CONFIRMED", 1_739_341_815_123)
    assert first < notification_id("ord_1:PLACED", 1_739_341_815_124)
    assert first.startswith("ntf_") and len(first) == 30


def test_order_messages_carry_the_lines_and_bill_for_the_mail() -> None:
    from orders.service import notification
    from orders.store import OrderRecord

    order = OrderRecord(pk="ORDER#ord_1", sk="ORDER", order_id="ord_1", user_id="u1", store_id="sto_1",
                        address={}, status="PLACED", version=2, status_history=[], created_at="t", updated_at="t",
                        total=26400, items=[{"product_id": "prd_1", "name": "Milk", "quantity": 2, "price": 3000,
                                             "mrp": 3200, "line_total": 6000}],
                        bill=[{"code": "item_total", "label": "Item total", "amount": 6000}])
    message = notification(order, "PLACED", eta_minutes={"min": 10, "max": 15})
    assert message["data"]["items"] == [{"product_id": "prd_1", "name": "Milk", "quantity": 2, "unit_price": 3000,
                                         "line_total": 6000}]
    assert message["data"]["bill"] == [{"code": "item_total", "label": "Item total", "amount": 6000}]
    assert message["data"]["total"] == 26400 and message["data"]["eta_minutes"] == {"min": 10, "max": 15}
    bare = OrderRecord(pk="ORDER#ord_2", sk="ORDER", order_id="ord_2", user_id="u1", address={}, status="PENDING",
                       version=1, status_history=[], created_at="t", updated_at="t")
    assert "items" not in notification(bare, "FAILED", reason="CART_EMPTY")["data"]
