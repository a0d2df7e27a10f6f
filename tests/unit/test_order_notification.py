"""The order message orders puts on the notifications queue carries the bill and, for an order that used one,
its coupon; notifications renders both (every bill line, the discount negative, "You saved ₹75 with CODE")."""

from __future__ import annotations

from typing import Any

from notifications.render import render
from orders import service
from orders.store import OrderRecord

BILL = [{"code": "item_total", "label": "Item total", "amount": 43150},
        {"code": "coupon_discount", "label": "Coupon WELCOME75", "amount": -7500},
        {"code": "handling_fee", "label": "Handling fee", "amount": 400},
        {"code": "platform_fee", "label": "Platform fee", "amount": 200},
        {"code": "surge_fee", "label": "Surge fee (Rain)", "amount": 3000}]


def _order(**over: Any) -> OrderRecord:
    return OrderRecord(pk="ORDER#ord_1", order_id="ord_1", user_id="u1", store_id="sto_1", address={},
                       items=[{"product_id": "p1", "name": "Amul Gold 1 L", "quantity": 1, "price": 43150,
                               "line_total": 43150}],
                       bill=BILL, total=39250, status="PLACED", version=2, status_history=[],
                       created_at="2026-12-05T06:30:00.000Z", updated_at="2026-12-05T06:30:00.000Z", **over)


def test_an_order_without_a_coupon_passes_its_bill_and_no_coupon():
    message = service.notification(_order(), "PLACED")
    assert message["data"]["bill"] == BILL and "coupon" not in message["data"]
    assert "saved" not in render(message["type"], message["data"]).inbox


def test_an_order_with_a_coupon_passes_it_and_every_channel_shows_the_saving():
    record = _order()
    # offers-core's orders carry `coupon` ({code, title, kind, discount}); DynamoDB hands numbers back as Decimal.
    from decimal import Decimal

    record.coupon = {"code": "WELCOME75", "title": "₹75 off", "kind": "flat", "discount": Decimal(7500)}
    message = service.notification(record, "PLACED")
    assert message["data"]["coupon"] == {"code": "WELCOME75", "title": "₹75 off", "kind": "flat", "discount": 7500}
    rendered = render(message["type"], message["data"])
    assert rendered.inbox.endswith("Bill: Item total ₹431.50, Coupon WELCOME75 \u2212₹75.00, Handling fee ₹4.00, "
                                   "Platform fee ₹2.00, Surge fee (Rain) ₹30.00. You saved ₹75 with WELCOME75.")
    assert "Coupon WELCOME75: \u2212₹75.00" in rendered.text and "You saved ₹75 with WELCOME75" in rendered.text
    assert "Surge fee (Rain)" in rendered.html and "\u2212₹75.00" in rendered.html
