"""Every notification type renders from the domain's templates with realistic data: title, body, deep link,
push data, email subject, HTML (brand, order summary) and plain text, amounts in rupees."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from notifications.render import MalformedMessage, UnknownType, render, types

ORDER_ID = "ord_01JK8ZB2D4F6H8K0M2P4R6T8V0"
ORDER = {"order_id": ORDER_ID, "status": "PLACED", "store_id": "sto_01JK8Z1A3C5E7G9J1K3M5P7R9T", "total": 43950,
         "eta_minutes": {"min": 11, "max": 16},
         "items": [{"product_id": "prd_01JK8Z6S8V0X2Z4B6D8F0H2K4M", "name": "Amul Gold Full Cream Milk 1 L",
                    "quantity": 3, "unit_price": 6800, "line_total": 20400},
                   {"product_id": "prd_01JK8Z7T9W1Y3A5C7E9G1J3K5N", "name": "Britannia Brown Bread 400 g",
                    "quantity": 1, "unit_price": 5500, "line_total": 5500},
                   {"product_id": "prd_01JK8Z8V0X2Z4B6D8F0H2K4M6P", "name": "Tata Sampann Toor Dal 1 kg",
                    "quantity": 1, "unit_price": 17250, "line_total": 17250}],
         "bill": [{"code": "item_total", "label": "Item total", "amount": 43150},
                  {"code": "handling_fee", "label": "Handling fee", "amount": 400},
                  {"code": "tip", "label": "Delivery partner tip", "amount": 400}]}

# type -> (data, expected subject, expected body fragment, expected deep link)
CASES: dict[str, tuple[dict[str, Any], str, str, str]] = {
    "order.placed": ({**ORDER}, "Your Blinkit order is placed (₹439.50)",
                     "We've received your order of ₹439.50. It should reach you in 11-16 minutes.",
                     f"blinkit://orders/{ORDER_ID}"),
    "order.confirmed": ({**ORDER, "status": "CONFIRMED"}, "Your Blinkit order is confirmed",
                        "The store has confirmed your order", f"blinkit://orders/{ORDER_ID}"),
    "order.packed": ({**ORDER, "status": "PACKED"}, "Your Blinkit order is packed", "packed and waiting",
                     f"blinkit://orders/{ORDER_ID}"),
    "order.out_for_delivery": ({**ORDER, "status": "OUT_FOR_DELIVERY", "eta_minutes": 7},
                               "Your Blinkit order is on its way", "should arrive in 7 minutes",
                               f"blinkit://orders/{ORDER_ID}/track"),
    "order.arrived": ({**ORDER, "status": "ARRIVED"}, "Your Blinkit order has arrived", "at your door",
                      f"blinkit://orders/{ORDER_ID}"),
    "order.delivered": ({**ORDER, "status": "DELIVERED"}, "Your Blinkit order was delivered",
                        "Your order of ₹439.50 was delivered", f"blinkit://orders/{ORDER_ID}"),
    "order.cancelled": ({**ORDER, "status": "CANCELLED", "reason": "Ordered by mistake"},
                        "Your Blinkit order was cancelled", "cancelled: Ordered by mistake",
                        f"blinkit://orders/{ORDER_ID}"),
    "order.failed": ({"order_id": ORDER_ID, "status": "FAILED", "store_id": None, "total": None,
                      "reason": "NOT_SERVICEABLE"}, "We couldn't place your Blinkit order",
                     "The store cannot deliver to this address. Nothing was charged.", f"blinkit://orders/{ORDER_ID}"),
    "delivery.partner_assigned": ({"order_id": ORDER_ID, "partner_name": "Ravi Kumar", "vehicle": "scooter",
                                   "eta_minutes": 9}, "Ravi Kumar is delivering your Blinkit order",
                                  "Ravi Kumar is on a scooter and will reach you in 9 minutes.",
                                  f"blinkit://orders/{ORDER_ID}/track"),
    "delivery.rider_nearby": ({"order_id": ORDER_ID, "distance_m": 180}, "Your Blinkit rider is nearby",
                              "is 180 m away", f"blinkit://orders/{ORDER_ID}/track"),
    "delivery.eta_changed": ({"order_id": ORDER_ID, "eta_minutes": 14, "previous_eta_minutes": 9},
                             "New arrival time for your Blinkit order", "arrive in 14 minutes (was 9 minutes)",
                             f"blinkit://orders/{ORDER_ID}/track"),
    "delivery.assignment": ({"order_id": ORDER_ID, "store_name": "Blinkit Koramangala 5th Block",
                             "store_lat": 12.9352, "store_lng": 77.6245, "drop_address": "221 MG Road, Bengaluru",
                             "drop_lat": 12.9756, "drop_lng": 77.605}, "New Blinkit delivery assigned",
                            "at Blinkit Koramangala 5th Block and deliver to 221 MG Road, Bengaluru",
                            "blinkit://delivery/assignment"),
    "email.verify": ({"email": "asha@example.com", "expires_at": "2026-12-06T07:00:00.000Z",
                      "link": "https://blinkit.example/verify-email?token=Vq3mZ8xK2pL9nR4tW7yB1cF6hJ0dS5gA3eU8iO2kXwQ"},
                     "Confirm your email for Blinkit", "Confirm that asha@example.com is yours",
                     "https://blinkit.example/verify-email?token=Vq3mZ8xK2pL9nR4tW7yB1cF6hJ0dS5gA3eU8iO2kXwQ"),
    "refund.initiated": ({"order_id": ORDER_ID, "refund_id": "rfd_01JK8ZC3E5G7J9K1M3P5R7T9W1", "amount": 17250,
                          "reason": "Tata Sampann Toor Dal 1 kg could not be packed"},
                         "Your Blinkit refund of ₹172.50 is on its way",
                         "We've started a refund of ₹172.50 for your order (Tata Sampann Toor Dal 1 kg could not be "
                         "packed). It reaches your original payment method in 5-7 working days.",
                         f"blinkit://orders/{ORDER_ID}"),
    "refund.processed": ({"order_id": ORDER_ID, "refund_id": "rfd_01JK8ZC3E5G7J9K1M3P5R7T9W1", "amount": 43950,
                          "reason": "Order cancelled"}, "Your Blinkit refund of ₹439.50 is processed",
                         "Your refund of ₹439.50 has been processed.", f"blinkit://orders/{ORDER_ID}"),
    "custom": ({"title": "Mango season is here", "body": "Alphonso mangoes from Ratnagiri, in 10 minutes.",
                "deep_link": "blinkit://categories/fruits", "category": "marketing"}, "Mango season is here",
               "Alphonso mangoes from Ratnagiri", "blinkit://categories/fruits"),
}


class _Structure(HTMLParser):
    """Tags must balance (void elements aside), and the text and links are collected."""

    VOID = frozenset({"meta", "img", "br", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.links: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag == "img":
            self.images.append(str(found.get("src")))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())


def parse(html: str) -> _Structure:
    parsed = _Structure()
    parsed.feed(html)
    parsed.close()
    assert parsed.stack == [], f"unclosed tags: {parsed.stack}"
    return parsed


def test_the_cases_cover_exactly_the_types_table() -> None:
    assert set(types()) == set(CASES)


@pytest.mark.parametrize("type_", sorted(CASES))
def test_every_type_renders_its_title_body_link_subject_and_email(type_: str) -> None:
    data, subject, body_fragment, deep_link = CASES[type_]
    rendered = render(type_, data)

    assert rendered.subject == subject
    assert body_fragment in rendered.body
    assert rendered.title and len(rendered.title) <= 100 and "{" not in rendered.title + rendered.body
    assert rendered.deep_link == deep_link
    assert rendered.push_data["deep_link"] == deep_link and rendered.push_data["type"] == type_
    assert all(isinstance(v, str) for v in rendered.push_data.values())  # FCM data values are strings
    page = parse(rendered.html)
    web = deep_link.replace("blinkit://", "https://blinkit.example/")
    assert web in page.links and "https://blinkit.example/account/notifications" in page.links
    assert page.images == ["https://blinkit.example/static/blinkit-logo.png"]
    assert "#F8CB46" in rendered.html and "#0C831F" in rendered.html  # brand colours
    assert rendered.title in page.text and f"<title>{subject}</title>" in rendered.html.replace("&#39;", "'")
    assert rendered.title in rendered.text and web in rendered.text
    assert "Manage notification preferences" in rendered.text
    assert not re.search(r"\d+\.\d{3,}", rendered.text)  # never a float's tail in an amount


@pytest.mark.parametrize("type_", [t for t in sorted(CASES) if t.startswith("order.") and t != "order.failed"])
def test_order_mails_carry_the_summary_table_in_rupees(type_: str) -> None:
    rendered = render(type_, CASES[type_][0])
    page = parse(rendered.html)
    for expected in ("Amul Gold Full Cream Milk 1 L", "₹68", "₹204", "Tata Sampann Toor Dal 1 kg", "₹172.50",
                     "Item total", "₹431.50", "Delivery partner tip", "₹4.00", "Grand total", "₹439.50", ORDER_ID):
        assert expected in page.text, expected
    assert "3 x Amul Gold Full Cream Milk 1 L @ ₹68 = ₹204" in rendered.text
    assert "Grand total: ₹439.50" in rendered.text


def test_an_order_mail_without_lines_still_shows_its_total() -> None:
    rendered = render("order.confirmed", {"order_id": ORDER_ID, "status": "CONFIRMED", "store_id": None,
                                          "total": 19900})
    assert "Total: ₹199" in parse(rendered.html).text


def test_user_text_is_escaped_in_html_but_not_in_push() -> None:
    rendered = render("custom", {"title": "<b>Sale</b> & more", "body": "<script>alert(1)</script>"})
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert rendered.title == "<b>Sale</b> & more" and rendered.category == "custom"
    assert rendered.deep_link is None


def test_unknown_types_and_malformed_data_are_refused() -> None:
    with pytest.raises(UnknownType):
        render("order.teleported", {})
    with pytest.raises(MalformedMessage):
        render("delivery.rider_nearby", {"order_id": ORDER_ID})  # no distance_m
    with pytest.raises(MalformedMessage):
        render("order.placed", {**ORDER, "total": 439.5})  # money is integer paise, never a float
    with pytest.raises(MalformedMessage):
        render("refund.processed", {"order_id": ORDER_ID, "amount": "439.50"})  # a refund's amount too


def test_only_a_self_addressed_type_names_its_recipient_and_its_own_button() -> None:
    confirmation = render("email.verify", CASES["email.verify"][0])
    assert confirmation.recipient == "asha@example.com"
    assert "Confirm email address" in confirmation.html and "Confirm email address:" in confirmation.text
    assert all(render(type_, CASES[type_][0]).recipient is None for type_ in CASES if type_ != "email.verify")


def test_a_paid_online_order_is_told_its_payment_was_received_in_the_placed_notification() -> None:
    paid = render("order.placed", {**ORDER, "paid": ORDER["total"]})
    assert paid.body.startswith("Payment of ₹439.50 received: your order is placed.")
    assert "It should reach you in 11-16 minutes." in paid.body
    assert "We've received your order" not in paid.body
    assert paid.subject == "Your Blinkit order is placed (₹439.50)"


# An order with a coupon, a platform fee and a surge: every bill line, the discount negative, and the saving.
SAVED = {**ORDER, "total": 41925,
         "bill": [{"code": "item_total", "label": "Item total", "amount": 43150},
                  {"code": "coupon_discount", "label": "Coupon WELCOME75", "amount": -7500},
                  {"code": "handling_fee", "label": "Handling fee", "amount": 400},
                  {"code": "platform_fee", "label": "Platform fee", "amount": 200},
                  {"code": "surge_fee", "label": "Surge fee (Rain)", "amount": 3000},
                  {"code": "tip", "label": "Delivery partner tip", "amount": 2675}],
         "coupon": {"code": "WELCOME75", "title": "₹75 off your first order", "kind": "flat", "discount": 7500}}
SAVED_LINES = [("Item total", "₹431.50"), ("Coupon WELCOME75", "\u2212₹75.00"), ("Handling fee", "₹4.00"),
               ("Platform fee", "₹2.00"), ("Surge fee (Rain)", "₹30.00"), ("Delivery partner tip", "₹26.75")]


def test_bill_amounts_keep_their_paise_and_a_discount_its_minus_sign() -> None:
    from blinkit.money import format_bill_amount

    assert [format_bill_amount(a) for a in (0, 200, 43950, -7500, -1, 12345678)] == [
        "₹0.00", "₹2.00", "₹439.50", "\u2212₹75.00", "\u2212₹0.01", "₹123,456.78"]


@pytest.mark.parametrize("type_", ["order.placed", "order.delivered"])
def test_the_order_mail_shows_every_bill_line_the_discount_and_the_saving(type_: str) -> None:
    rendered = render(type_, {**SAVED, "status": type_.split(".")[1].upper()})
    texts = parse(rendered.html).text
    for label, amount in SAVED_LINES:
        assert label in texts and amount in texts, (label, amount)
    assert "₹419.25" in texts and "You saved ₹75 with WELCOME75" in texts
    shown = [line.strip() for line in rendered.text.splitlines()]
    assert [f"{label}: {amount}" for label, amount in SAVED_LINES] == [
        line for line in shown if any(line.startswith(f"{label}:") for label, _ in SAVED_LINES)]  # in bill order
    assert "Grand total: ₹419.25" in shown and "You saved ₹75 with WELCOME75" in shown
    assert "-₹75" not in rendered.text and "-₹75" not in rendered.html  # the minus sign, never a hyphen


@pytest.mark.parametrize("type_", ["order.placed", "order.delivered"])
def test_the_inbox_text_shows_every_bill_line_and_the_saving_but_the_push_stays_short(type_: str) -> None:
    rendered = render(type_, {**SAVED, "status": type_.split(".")[1].upper()})
    bill = ", ".join(f"{label} {amount}" for label, amount in SAVED_LINES)
    assert rendered.inbox == f"{rendered.body} Bill: {bill}. You saved ₹75 with WELCOME75."
    assert "Bill" not in rendered.body and "saved" not in rendered.body  # the push's text


def test_without_a_coupon_there_is_no_saving_line_and_other_types_keep_their_body_in_the_inbox() -> None:
    plain = render("order.placed", ORDER)
    assert "saved" not in plain.inbox and "saved" not in plain.text and "saved" not in plain.html
    assert plain.inbox == (f"{plain.body} Bill: Item total ₹431.50, Handling fee ₹4.00, "
                           "Delivery partner tip ₹4.00.")
    packed = render("order.packed", {**SAVED, "status": "PACKED"})
    assert packed.inbox == packed.body  # a status update: the inbox has the short text
    assert "You saved ₹75 with WELCOME75" in packed.text  # its mail still has the whole bill
    failed = render("order.failed", CASES["order.failed"][0])  # no bill, no coupon
    assert failed.inbox == failed.body and "Bill" not in failed.text


def test_a_coupon_discount_that_is_not_integer_paise_is_refused() -> None:
    with pytest.raises(MalformedMessage):
        render("order.placed", {**SAVED, "coupon": {**SAVED["coupon"], "discount": 75.0}})
    with pytest.raises(MalformedMessage):
        render("order.placed", {**SAVED, "bill": [{**SAVED["bill"][1], "amount": -75.5}]})
