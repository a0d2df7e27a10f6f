"""A store's platform fee and surge fee in the quote and the placed bill, through the gateway and the saga:
the surge shows from the moment it is set, stops at its end whatever holds the store, and the bill a COD
checkout places is the bill its quote showed for the same cart at the same time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from blinkit import clock
from tests.integration.cart.conftest import Shop
from tests.integration.orders.conftest import FEES, add_address, checkout, fill_cart, order, wait_done

RAIN = {"fee": 3000, "reason": "Rain", "minutes": 1}


def _quote(api: Any, customer: Any, address_id: str, tip: int = 0) -> dict[str, Any]:
    reply = api.post("/orders/quote", {"address_id": address_id, "tip": tip}, token=customer.session_token)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def _charges(bill: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(entry["code"], entry["label"], entry["amount"]) for entry in bill]


@pytest.fixture
def charging(api: Any, admin: Any, shop: Shop) -> Shop:
    """The orders tests' store with a ₹2 platform fee (`FEES` has no late-night fee: the clock cannot add one)."""
    reply = api.patch(f"/stores/{shop.store_id}", {"fees": {**FEES, "platform_fee": 200}}, token=admin.session_token)
    assert reply.status == 200 and reply.json()["fees"]["platform_fee"] == 200, reply.body
    return shop


def test_a_surge_shows_in_the_next_quote_and_not_after_it_expires(
        api: Any, admin: Any, customer: Any, charging: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, charging, {0: 2, 1: 1})  # 7000 paise
    plain = [("item_total", "Item total", 7000), ("delivery_fee", "Delivery fee", 2500),
             ("small_cart_fee", "Small cart fee", 2000), ("handling_fee", "Handling fee", 400),
             ("platform_fee", "Platform fee", 200)]
    assert _charges(_quote(api, customer, address_id)["bill"]) == plain

    reply = api.put(f"/admin/stores/{charging.store_id}/surge", RAIN, token=admin.session_token)
    assert reply.status == 200, reply.body
    ends = clock.parse(reply.json()["surge"]["expires_at"])
    # Orders reads the store from products on every pricing (no cache in between): the very next quote has it.
    surged = _quote(api, customer, address_id)
    assert _charges(surged["bill"]) == [*plain, ("surge_fee", "Surge fee (Rain)", 3000)]
    assert surged["total"] == 7000 + 2500 + 2000 + 400 + 200 + 3000

    # A minute later, at the instant it ends and after: the table still holds the surge, the bill stops charging it.
    for later in (ends - timedelta(milliseconds=1), ends, ends + timedelta(seconds=30)):
        monkeypatch.setattr(clock, "now", lambda later=later: later)
        quote = _quote(api, customer, address_id)
        if later < ends:
            assert quote["bill"][-1]["code"] == "surge_fee", later
        else:
            assert _charges(quote["bill"]) == plain, later
            assert quote["total"] == 7000 + 2500 + 2000 + 400 + 200
    monkeypatch.undo()
    from products import store

    assert store.get_store(charging.store_id).surge is not None  # ended by the clock, not by a write


def test_an_ended_surge_is_not_charged_even_by_a_store_answer_that_still_carries_it(
        api: Any, customer: Any, charging: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a cache of the store would hand pricing after the end: the surge still in it. The bill judges it."""
    from orders import upstream

    address_id = add_address(api, customer)
    fill_cart(api, customer, charging, {0: 3})  # 6000 paise
    real = upstream.get_store
    past = {"fee": 3000, "reason": "Rain", "expires_at": clock.iso(clock.now() - timedelta(seconds=1))}
    monkeypatch.setattr(upstream, "get_store", lambda store_id: {**real(store_id), "surge": past})
    assert "surge_fee" not in [entry["code"] for entry in _quote(api, customer, address_id)["bill"]]
    lasting = {**past, "expires_at": clock.iso(clock.now() + timedelta(minutes=5))}
    monkeypatch.setattr(upstream, "get_store", lambda store_id: {**real(store_id), "surge": lasting})
    assert _quote(api, customer, address_id)["bill"][-1] == {"code": "surge_fee", "label": "Surge fee (Rain)",
                                                             "amount": 3000}


def test_quote_equals_bill_with_platform_fee_and_surge(
        api: Any, admin: Any, project_stack: Any, customer: Any, charging: Shop) -> None:
    surge = {"fee": 2500, "reason": "High demand", "minutes": 30}
    assert api.put(f"/admin/stores/{charging.store_id}/surge", surge, token=admin.session_token).status == 200
    address_id = add_address(api, customer)
    fill_cart(api, customer, charging, {0: 2, 2: 1})  # 2 x 2000 + 4000 = 8000 paise
    quote = _quote(api, customer, address_id, tip=1500)
    assert [entry["code"] for entry in quote["bill"]] == [
        "item_total", "delivery_fee", "small_cart_fee", "handling_fee", "platform_fee", "surge_fee", "tip"]

    reply = checkout(api, customer, address_id, tip=1500)
    assert reply.status == 202, reply.body
    order_id = reply.json()["order_id"]
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"
    placed = order(api, customer, order_id)
    assert placed["status"] == "PLACED"
    assert placed["bill"] == quote["bill"]  # every line, label and amount: no fee at checkout the quote did not show
    assert (placed["total"], placed["item_total"]) == (quote["total"], quote["item_total"])
    assert placed["total"] == 8000 + 2500 + 2000 + 400 + 200 + 2500 + 1500
