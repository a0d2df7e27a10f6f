"""Online payment in a real browser: the order waits PENDING with its `payment`, the customer pays in Razorpay
Checkout (locally its stand-in page, which drives the Razorpay stand-in) and the app verifies Checkout's answer,
so the order is PLACED; a declined payment is said in words, and the order then FAILS at the payment's
timeout (the browser tests' server waits 60 s), also said in words; order again from history."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.app import Console, demo_session
from tests.browser.conftest import PAYMENT_TIMEOUT_SECONDS
from tests.browser.journey import api, fill_cart, open_checkout, order_id_of, quote, rupees

pytestmark = pytest.mark.browser

ONLINE = "Pay online (UPI, cards, netbanking)"


def _place_online(page: Page, server: dict[str, Any]) -> tuple[str, str, int]:
    """A new customer's online order, up to its Pay button: (token, order id, total)."""
    token = fill_cart(page, server)
    open_checkout(page)
    total = quote(server, token)["total"]
    page.get_by_label(ONLINE).check()
    page.get_by_role("button", name=f"Place order and pay · {rupees(total)}").click()
    order_id = order_id_of(page)
    expect(page.get_by_text(f"Pay {rupees(total)} before")).to_be_visible(timeout=30_000)
    return token, order_id, total


def test_an_online_payment_made_in_checkout_places_the_order(page: Page, server):
    verified: list[dict[str, Any]] = []
    page.on("request", lambda r: verified.append(r.post_data_json)
            if r.method == "POST" and r.url.endswith("/payments/verify") else None)
    token, order_id, total = _place_online(page, server)
    with api(server, token) as http:
        pending = http.get(f"/orders/{order_id}").json()
    assert pending["status"] == "PENDING" and pending["payment"]["amount"] == total

    page.get_by_role("button", name=f"Pay {rupees(total)}").click()
    expect(page.get_by_role("heading", name="Razorpay Checkout (local stand-in)")).to_be_visible()
    expect(page.locator(".amount")).to_have_text(f"Pay {rupees(total)} INR")  # what Razorpay's order asks
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page.locator(".status-now")).to_have_text("Order placed", timeout=30_000)
    assert page.url.endswith(f"#/orders/{order_id}")  # Checkout's answer is not left in the address
    assert len(verified) == 1 and verified[0]["order_id"] == order_id
    assert verified[0]["razorpay_order_id"] == pending["payment"]["razorpay_order_id"]
    with api(server, token) as http:
        placed = http.get(f"/orders/{order_id}").json()
    assert placed["status"] == "PLACED" and placed["payment_method"] == "online" and placed["total"] == total
    expect(page.get_by_text("Payment: Online")).to_be_visible()


def test_a_declined_payment_is_said_in_words_and_the_order_fails_at_its_timeout(page: Page, server):
    token, order_id, total = _place_online(page, server)
    page.get_by_role("button", name=f"Pay {rupees(total)}").click()
    page.get_by_role("button", name="Fail").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The payment did not go through: Payment failed because the UPI request was declined. You can try again")
    expect(page.get_by_role("button", name=f"Pay {rupees(total)}")).to_be_enabled()  # a retry is allowed

    expect(page.locator(".status-now")).to_have_text("Could not be placed",
                                                     timeout=(int(PAYMENT_TIMEOUT_SECONDS) + 60) * 1000)
    expect(page.locator(".warning[data-reason=PAYMENT_FAILED]")).to_have_text("The payment did not go through.")
    with api(server, token) as http:
        failed = http.get(f"/orders/{order_id}").json()
    assert failed["status"] == "FAILED" and failed["reason"] == "PAYMENT_FAILED"


def test_order_again_fills_the_cart_and_says_what_could_not_be_added(person: tuple[Page, Console], server):
    page, _ = person
    token = fill_cart(page, server, quantity=1)
    page.get_by_label("Search products").fill("paneer")
    hit = page.locator("article.product").filter(has_text="Paneer").filter(has_not_text="Out of stock").first
    paneer = hit.get_by_role("heading").inner_text()
    hit.get_by_role("button", name=f"Add {paneer}").click()
    hit.get_by_role("button", name=f"Add one more {paneer}").click()
    expect(page.get_by_label("Cart, 3 items")).to_be_visible()
    open_checkout(page)
    page.get_by_role("button", name="Place order").click()
    expect(page.locator(".status-now")).to_have_text("Order placed", timeout=30_000)
    order_id = order_id_of(page)
    with api(server, token) as http:
        order = http.get(f"/orders/{order_id}").json()
    lines = {item["name"]: item for item in order["items"]}
    gone = lines[paneer]
    kept = next(item for name, item in lines.items() if name != paneer)

    shop = order["store_id"]
    with api(server, demo_session(server["api"], server["emulator_host"], "staff")) as staff:
        before = staff.get(f"/products/{gone['product_id']}", params={"store_id": shop}).json()["available"]
        assert staff.put(f"/stores/{shop}/stock/{gone['product_id']}", json={"available": 0}).status_code == 200
        try:
            person[1].expect_failed_load(422, "/cart/items")
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
            page.locator(f'.orders a[href="#/orders/{order_id}"]').click()
            page.get_by_role("button", name="Order again").click()
            result = page.locator(".again")
            expect(result).to_contain_text("Added 1 of 2 items to your cart.")
            expect(result.locator(".missed li")).to_have_count(1)
            expect(result.locator(".missed li")).to_contain_text(f"{paneer}:")
            with api(server, token) as http:
                cart = http.get("/cart").json()
            assert [(i["product_id"], i["quantity"]) for i in cart["items"]] == [(kept["product_id"], kept["quantity"])]
            expect(page.get_by_label(f"Cart, {kept['quantity']} items")).to_be_visible()
        finally:
            staff.put(f"/stores/{shop}/stock/{gone['product_id']}", json={"available": before}).raise_for_status()
