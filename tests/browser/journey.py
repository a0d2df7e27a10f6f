"""Steps the web-admin browser tests share: a customer with a cart above the minimum at checkout, the admin
signed in through the app, reading an order id from the page, and the API as a person's session."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from local.demo import HOME
from local.seed import demo_user
from tests.browser.app import choose_place, session_token, sign_in


def rupees(paise: int) -> str:
    """The app's format (web/src/money.js), to find amounts the API answered on the screen."""
    sign = "-" if paise < 0 else ""
    whole, cents = divmod(abs(paise), 100)
    return f"{sign}₹{whole:,}" if not cents else f"{sign}₹{whole:,}.{cents:02d}"


def api(server: dict[str, Any], token: str) -> httpx.Client:
    return httpx.Client(base_url=server["api"], headers={"Authorization": f"Bearer {token}"}, timeout=30)


def fill_cart(page: Page, server: dict[str, Any], *, quantity: int = 2, phone: str | None = None) -> str:
    """A new customer (or `phone`) signs in and puts `quantity` of the first product in stock in the cart;
    returns their session token."""
    sign_in(page, server["emulator_host"], phone)
    choose_place(page)
    card = page.locator("article.product").filter(has_not_text="Out of stock").first
    name = card.get_by_role("heading").inner_text()
    card.get_by_role("button", name=f"Add {name}").click()
    for count in range(2, quantity + 1):
        card.get_by_role("button", name=f"Add one more {name}").click()
        expect(page.get_by_label(f"Cart, {count} items")).to_be_visible()
    return session_token(page)


def open_checkout(page: Page) -> None:
    """Checkout with a new address saved, the bill shown."""
    page.goto("/#/checkout")
    page.get_by_label("House, street and area").fill(HOME["line1"])
    page.get_by_label("PIN code").fill(HOME["pincode"])
    page.get_by_role("button", name="Save address").click()
    expect(page.locator(".bill")).to_be_visible()


def quote(server: dict[str, Any], token: str, **extra: Any) -> dict[str, Any]:
    """The quote the API gives the customer's cart now, to their first address."""
    with api(server, token) as http:
        address_id = http.get("/users/me/addresses").json()["addresses"][0]["address_id"]
        reply = http.post("/orders/quote", json={"address_id": address_id, **extra})
        reply.raise_for_status()
        return dict(reply.json())


def order_id_of(page: Page) -> str:
    expect(page).to_have_url(re.compile(r"#/orders/ord_[0-9A-Z]{26}"))
    return page.url.split("#/orders/", 1)[1].split("?", 1)[0]


def admin_signs_in(page: Page, server: dict[str, Any]) -> str:
    """The seeded admin signs in through the app (as a person with the phone would); returns the token."""
    sign_in(page, server["emulator_host"], demo_user("admin").phone.removeprefix("+91"))
    return session_token(page)
