"""The customer in a real browser against `make run`'s server: the first screen, the whole journey from sign-in
to a PLACED order, and the problems a person can run into on the way, each shown in words."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from local.demo import HOME
from tests.browser.app import (
    Console,
    choose_place,
    demo_session,
    fresh_phone,
    otp_code,
    request_code,
    session_token,
    sign_in,
)

pytestmark = pytest.mark.browser

SEARCH_TYPO = "paneeer"


def rupees(paise: int) -> str:
    """The app's format (web/src/money.js), to find amounts the API answered on the screen."""
    whole, cents = divmod(paise, 100)
    return f"₹{whole:,}" if not cents else f"₹{whole:,}.{cents:02d}"


def api(server: dict[str, Any], token: str) -> httpx.Client:
    return httpx.Client(base_url=server["api"], headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_the_app_opens_on_the_sign_in_screen(page: Page):
    page.goto("/")
    expect(page).to_have_title("Blinkit Clone")
    expect(page.get_by_role("heading", name="Groceries in minutes")).to_be_visible()
    expect(page.get_by_label("Mobile number")).to_be_editable()
    expect(page.get_by_role("button", name="Send code")).to_be_enabled()
    expect(page.get_by_role("button", name="Continue with Google")).to_be_visible()


def test_the_server_gives_the_app_its_config_and_keeps_the_api_where_it_was(server):
    config = httpx.get(f"{server['api']}/config.json", timeout=10).json()
    assert config["apiUrl"] == ""  # same origin
    assert config["authEmulatorUrl"] == f"http://{server['emulator_host']}"
    assert config["firebase"]["projectId"] == "demo-blinkit"
    assert httpx.get(f"{server['api']}/health", timeout=10).json()["status"] == "ok"
    me = httpx.get(f"{server['api']}/users/me", timeout=10)  # still the API, not the app
    assert me.status_code == 401 and me.json() == {"message": "Unauthorized"}


def test_a_refused_code_is_shown_in_words_and_the_right_one_then_works(person: tuple[Page, Console], server):
    page, console = person
    console.expect_failed_load(400, "/accounts:signInWithPhoneNumber")  # the emulator refuses the code
    phone = fresh_phone()
    page.goto("/")
    request_code(page, phone)
    expect(page.get_by_text("Local stack: no SMS is sent")).to_be_visible()
    right = otp_code(server["emulator_host"], "+91" + phone)
    page.get_by_label("Code").fill("000000" if right != "000000" else "111111")
    page.get_by_role("button", name="Verify and continue").click()
    expect(page.get_by_role("alert")).to_have_text("That code is not right. Check the SMS and try again.")
    page.get_by_label("Code").fill(right)
    page.get_by_role("button", name="Verify and continue").click()
    expect(page.get_by_role("heading", name="Where should we deliver?")).to_be_visible()


def test_a_place_no_store_serves_and_a_wrong_coordinate_are_explained(person: tuple[Page, Console], server):
    page, console = person
    console.expect_failed_load(404, "/stores/serviceable")
    console.expect_failed_load(422, "/stores/serviceable")
    sign_in(page, server["emulator_host"])
    page.get_by_label("Latitude").fill("28.61")  # Delhi: no demo store delivers there
    page.get_by_label("Longitude").fill("77.20")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("alert")).to_have_text("No open store delivers to this location right now")
    page.get_by_label("Latitude").fill("95")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The request has invalid or missing fields (lat: Input should be less than or equal to 90)")


def test_a_customer_signs_in_searches_with_a_typo_fills_the_cart_and_orders_cash_on_delivery(page: Page, server):
    checkouts: list[dict[str, Any]] = []
    page.on("request", lambda r: checkouts.append({"headers": r.headers, "body": r.post_data_json})
            if r.method == "POST" and r.url.endswith("/orders") else None)
    sign_in(page, server["emulator_host"])
    token = session_token(page)

    # Where: the store that serves the place, and its ETA, in the header.
    choose_place(page)
    store = server["store"]
    expect(page.get_by_text(f"from {store['name']}")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text(re.compile(r"Delivery in \d+\u2013\d+ min"))

    # The shelf: the first subcategory's products with price, MRP, discount, stock and the per-order limit.
    first_card = page.locator("article.product").filter(has_not_text="Out of stock").first
    expect(first_card).to_contain_text("₹")
    expect(first_card).to_contain_text(re.compile(r"Max \d+ per order"))
    shelf_name = first_card.get_by_role("heading").inner_text()
    first_card.get_by_role("button", name=f"Add {shelf_name}").click()
    expect(page.get_by_label("Cart, 1 items")).to_be_visible()

    # Search as you type, with a typo: the paneer arrives.
    page.get_by_label("Search products").fill(SEARCH_TYPO)
    expect(page.get_by_role("heading", name=f"Results for “{SEARCH_TYPO}”")).to_be_visible()
    hit = page.locator("article.product").filter(has_text="Paneer").filter(has_not_text="Out of stock").first
    expect(hit).to_contain_text("% OFF")
    paneer = hit.get_by_role("heading").inner_text()
    hit.get_by_role("button", name=f"Add {paneer}").click()
    hit.get_by_role("button", name=f"Add one more {paneer}").click()
    expect(page.get_by_label("Cart, 3 items")).to_be_visible()

    # The cart as the API has it.
    page.get_by_role("link", name="Cart, 3 items").click()
    with api(server, token) as http:
        cart = http.get("/cart").json()
    assert {line["name"]: line["quantity"] for line in cart["items"]} == {shelf_name: 1, paneer: 2}
    expect(page.locator(".total")).to_contain_text(rupees(cart["subtotal"]))

    # Checkout: a new address, a tip, and every line of the bill the API quotes.
    page.get_by_role("link", name="Continue to checkout").click()
    page.get_by_label("House, street and area").fill(HOME["line1"])
    page.get_by_label("PIN code").fill(HOME["pincode"])
    page.get_by_role("button", name="Save address").click()
    page.get_by_text("₹20", exact=True).click()
    expect(page.locator(".bill tr[data-code=tip]")).to_contain_text("₹20")
    with api(server, token) as http:
        address_id = http.get("/users/me/addresses").json()["addresses"][0]["address_id"]
        quote = http.post("/orders/quote", json={"address_id": address_id, "tip": 2000}).json()
    for entry in quote["bill"]:
        expect(page.locator(f".bill tr[data-code={entry['code']}]")).to_have_text(
            f"{entry['label']}{rupees(entry['amount'])}")
    expect(page.locator(".bill tfoot")).to_have_text(f"To pay{rupees(quote['total'])}")

    page.get_by_role("button", name=f"Place order · {rupees(quote['total'])}").click()
    expect(page.locator(".status-now")).to_have_text("Order placed", timeout=30_000)
    order_id = page.url.rsplit("/", 1)[-1]
    expect(page.locator(".timeline li.done")).to_have_count(2)  # PENDING, PLACED
    expect(page.get_by_label("Cart, 0 items")).to_be_visible()  # the saga emptied the cart

    with api(server, token) as http:
        order = http.get(f"/orders/{order_id}").json()
    assert order["status"] == "PLACED" and order["payment_method"] == "cod" and order["tip"] == 2000
    assert order["total"] == quote["total"]
    assert len(checkouts) == 1 and checkouts[0]["headers"].get("idempotency-key")
    assert checkouts[0]["body"] == {"address_id": address_id, "payment_method": "cod", "tip": 2000}
    expect(page.get_by_text(f"Share this code with your rider: {order['delivery_otp']}")).to_be_visible()

    # Order history lists it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    expect(page.locator(f'.orders a[href="#/orders/{order_id}"]')).to_contain_text(rupees(order["total"]))


def test_an_ended_session_goes_back_to_sign_in_and_keeps_the_cart(person: tuple[Page, Console], server):
    page, console = person
    console.expect_failed_load(401, "/cart")
    console.expect_failed_load(401, "/notifications/unread-count")  # the header's unread count asks too
    phone = sign_in(page, server["emulator_host"])
    choose_place(page)
    card = page.locator("article.product").filter(has_not_text="Out of stock").first
    name = card.get_by_role("heading").inner_text()
    card.get_by_role("button", name=f"Add {name}").click()
    expect(page.get_by_label("Cart, 1 items")).to_be_visible()

    with api(server, session_token(page)) as http:  # the session is revoked elsewhere (another device)
        assert http.post("/auth/logout-all").status_code in (200, 204)
    page.get_by_role("link", name="Cart, 1 items").click()
    expect(page.get_by_role("status")).to_have_text("Your session has ended. Sign in again: your cart is kept.")

    sign_in(page, server["emulator_host"], phone, open_app=False)
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()  # back where they were
    expect(page.locator(".line .name")).to_have_text([name])


def test_a_cart_below_the_minimum_order_is_refused_in_rupees_at_checkout(person: tuple[Page, Console], server):
    page, console = person
    console.expect_failed_load(422, "/orders/quote")
    minimum = server["store"]["fees"]["minimum_order"]
    cheap = cheapest_in_stock(server, below=minimum)
    sign_in(page, server["emulator_host"])
    choose_place(page)
    page.get_by_label("Search products").fill(cheap["name"])
    page.locator("article.product").filter(has_text=cheap["name"]).first.get_by_role(
        "button", name=f"Add {cheap['name']}").click()
    expect(page.get_by_label("Cart, 1 items")).to_be_visible()
    page.goto("/#/checkout")
    page.get_by_label("House, street and area").fill(HOME["line1"])
    page.get_by_label("PIN code").fill(HOME["pincode"])
    page.get_by_role("button", name="Save address").click()
    expect(page.get_by_role("alert")).to_have_text(
        f"The minimum order is {rupees(minimum)}: add items worth {rupees(minimum - cheap['price'])} more.Try again")
    expect(page.get_by_role("button", name=re.compile("Place order"))).to_have_count(0)


def cheapest_in_stock(server: dict[str, Any], below: int) -> dict[str, Any]:
    """The cheapest product in stock at the test's store, priced under `below` paise (from the API)."""
    store_id = server["store"]["store_id"]
    with httpx.Client(base_url=server["api"], timeout=30) as http:
        tree = http.get("/categories").json()["categories"]
        products = [p for top in tree for child in top["children"]
                    for p in http.get("/products", params={"store_id": store_id, "category_id": child["category_id"],
                                                           "limit": 100}).json()["products"]]
    cheap = [p for p in products if p["in_stock"] and p["price"] < below]
    assert cheap, f"no product under {below} paise in stock at {store_id}"
    return min(cheap, key=lambda p: p["price"])


def test_an_item_that_runs_out_is_flagged_in_the_cart_and_an_unknown_order_is_explained(
        person: tuple[Page, Console], server):
    page, console = person
    console.expect_failed_load(404, "/orders/ord_")
    sign_in(page, server["emulator_host"])
    choose_place(page)
    in_stock = page.locator("article.product").filter(has_not_text="Out of stock")
    first = in_stock.nth(0).get_by_role("heading").inner_text()
    in_stock.nth(0).get_by_role("button", name=f"Add {first}").click()
    expect(page.get_by_label("Cart, 1 items")).to_be_visible()
    token = session_token(page)
    with api(server, token) as http:
        product_id = http.get("/cart").json()["items"][0]["product_id"]
    staff = demo_session(server["api"], server["emulator_host"], "staff")
    shop = server["store"]["store_id"]
    with api(server, staff) as http:  # the store sells its last one to someone else
        before = http.get(f"/products/{product_id}", params={"store_id": shop}).json()["available"]
        assert http.put(f"/stores/{shop}/stock/{product_id}", json={"available": 0}).status_code == 200
    try:
        second = in_stock.nth(1).get_by_role("heading").inner_text()
        in_stock.nth(1).get_by_role("button", name=f"Add {second}").click()
        expect(page.get_by_label("Cart, 2 items")).to_be_visible()
        page.get_by_role("link", name="Cart, 2 items").click()
        line = page.locator(".line").filter(has_text=first)
        expect(line.locator(".warning")).to_have_text("Out of stock: remove it to check out.")
        with api(server, token) as http:
            cart = http.get("/cart").json()
        assert [i["warnings"] for i in cart["items"] if i["product_id"] == product_id] == [["out_of_stock"]]
        expect(page.locator(".total")).to_contain_text(rupees(cart["subtotal"]))  # without the sold-out line

        missing = "ord_" + "0" * 26
        page.goto(f"/#/orders/{missing}")
        with api(server, token) as http:
            problem = http.get(f"/orders/{missing}").json()
        expect(page.get_by_role("alert")).to_have_text(problem["detail"] + "Try again")
    finally:
        with api(server, staff) as http:  # other tests shop at this store
            http.put(f"/stores/{shop}/stock/{product_id}", json={"available": before}).raise_for_status()


def test_an_item_sold_out_between_the_quote_and_the_order_fails_the_order_in_words(page: Page, server):
    """Out of stock at checkout: the bill was quoted, then the store sold the last one; the saga's reservation
    refuses it, the order is FAILED `OUT_OF_STOCK` and the order screen says so in words."""
    from tests.browser.journey import fill_cart, open_checkout, order_id_of

    token = fill_cart(page, server, quantity=3)
    open_checkout(page)
    with api(server, token) as http:
        product_id = http.get("/cart").json()["items"][0]["product_id"]
    staff = demo_session(server["api"], server["emulator_host"], "staff")
    shop = server["store"]["store_id"]
    with api(server, staff) as http:
        before = http.get(f"/products/{product_id}", params={"store_id": shop}).json()["available"]
        assert http.put(f"/stores/{shop}/stock/{product_id}", json={"available": 0}).status_code == 200
    try:
        page.get_by_role("button", name=re.compile("^Place order")).click()
        order_id = order_id_of(page)
        expect(page.locator(".status-now")).to_have_text("Could not be placed", timeout=30_000)
        expect(page.get_by_text("Some items went out of stock.")).to_be_visible()
        with api(server, token) as http:
            failed = http.get(f"/orders/{order_id}").json()
        assert failed["status"] == "FAILED" and failed["reason"] == "OUT_OF_STOCK"
    finally:
        with api(server, staff) as http:  # other tests shop at this store
            http.put(f"/stores/{shop}/stock/{product_id}", json={"available": before}).raise_for_status()
