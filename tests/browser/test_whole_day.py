"""The whole day in the browser, three people at once in their own browser contexts: a customer searches with a
typo, fills the cart, applies an offer at checkout and pays online (Razorpay Checkout's local stand-in page), the
store staff confirm and pack it in their console, the demo rider goes online, is assigned, picks it up and drives
while the customer's map shows the rider moving, and delivers with the code the customer reads out; the customer
sees DELIVERED and is told in the notifications inbox."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from local.demo import HOME
from local.seed import demo_user
from tests.browser.app import Console, choose_place, phone_page, sign_in
from tests.browser.test_accessibility import low_contrast

pytestmark = pytest.mark.browser

SEARCH_TYPO = "paneeer"
ONLINE = "Pay online (UPI, cards, netbanking)"


def demo_phone(key: str) -> str:
    """The 10 digits a seeded demo user types on the sign-in screen."""
    return demo_user(key).phone.removeprefix("+91")


@pytest.fixture
def people(browser: Browser, server: dict[str, Any]) -> Iterator[dict[str, tuple[Page, Console]]]:
    """A customer, the store's staff and the store's rider, each in a browser context of their own."""
    with ExitStack() as stack:
        pages = {who: stack.enter_context(phone_page(browser, server["api"]))
                 for who in ("customer", "staff", "rider")}
        yield pages
        assert {who: console.errors for who, (_, console) in pages.items() if console.errors} == {}


def customer_orders_with_an_offer_and_pays_online(page: Page, server: dict[str, Any]) -> str:
    sign_in(page, server["emulator_host"])
    choose_place(page)
    page.get_by_label("Search products").fill(SEARCH_TYPO)
    hit = page.locator("article.product").filter(has_text="Paneer").filter(has_not_text="Out of stock").first
    paneer = hit.get_by_role("heading").inner_text()
    hit.get_by_role("button", name=f"Add {paneer}").click()
    hit.get_by_role("button", name=f"Add one more {paneer}").click()
    expect(page.get_by_label("Cart, 2 items")).to_be_visible()
    page.get_by_role("link", name="Cart, 2 items").click()
    page.get_by_role("link", name="Continue to checkout").click()
    page.get_by_label("House, street and area").fill(HOME["line1"])
    page.get_by_label("PIN code").fill(HOME["pincode"])
    page.get_by_role("button", name="Save address").click()
    expect(page.locator(".bill")).to_be_visible()

    # An offer this cart qualifies for (a new customer's first order above ₹149 gets at least one of the seeds).
    offer = page.locator(".offer.ok").first
    expect(offer).to_be_visible(timeout=15_000)
    code = str(offer.get_attribute("data-code"))
    page.get_by_role("button", name=f"Apply {code}").click()
    expect(page.locator(".applied")).to_contain_text(f"{code} applied")
    expect(page.locator(".bill tr[data-code=coupon_discount]")).to_be_visible()

    # Paid online: the order waits for its payment, Checkout (the local stand-in) takes it, the order is placed.
    page.get_by_label(ONLINE).check()
    page.get_by_role("button", name="Place order and pay", exact=False).click()
    pay = page.get_by_role("button", name="Pay ₹", exact=False)
    expect(pay).to_be_visible(timeout=30_000)
    pay.click()
    expect(page.get_by_role("heading", name="Razorpay Checkout (local stand-in)")).to_be_visible()
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator(".status-now")).to_have_text("Order placed", timeout=30_000)
    expect(page.get_by_text("Payment: Online")).to_be_visible()
    expect(page.locator(".bill tr[data-code=coupon_discount]")).to_be_visible()
    return page.url.rsplit("/", 1)[-1]


def staff_move(page: Page, order_id: str, tab: str, action: str, done: str) -> None:
    """In the console's `tab`: opens the order and does `action` (Confirm/Pack); the queue says it is `done`."""
    page.get_by_role("button", name=tab, exact=True).click()
    # Each tab starts with its cards closed: an order opened in the tab before reads itself afresh here.
    opener = page.get_by_role("button", name=f"Open order {order_id}")
    for _ in range(30):  # as staff would: Refresh while the order is not listed yet (the queue read it earlier)
        expect(page.locator(".queue, .empty").first).to_be_visible()
        if opener.count():
            break
        page.get_by_role("button", name="Refresh").click()
        page.wait_for_timeout(1000)
    # Not listed after every refresh: say what the queue showed, so a failure names its cause.
    shown = page.locator(".queue, .empty").first.inner_text()
    assert opener.count(), f"order {order_id} not in the {tab} queue: {shown!r}"
    opener.click()
    page.get_by_role("button", name=f"{action} order").click()
    expect(page.get_by_role("status").filter(has_text=f"Order {order_id[-6:]} is {done}.")).to_be_visible()


def rider_marker(page: Page) -> tuple[str, str]:
    marker = page.locator("svg.map circle.map-rider")
    return str(marker.get_attribute("cx")), str(marker.get_attribute("cy"))


def test_the_whole_day(people: dict[str, tuple[Page, Console]], server):
    customer, _ = people["customer"]
    staff, _ = people["staff"]
    rider, rider_console = people["rider"]
    rider_console.expect_failed_load(404, "/delivery/partners/me/assignment")  # nothing assigned yet
    rider_console.expect_failed_load(422, "/deliver")  # the wrong code, on purpose

    order_id = customer_orders_with_an_offer_and_pays_online(customer, server)

    # The rider signs in (their work screen opens) and goes online.
    sign_in(rider, server["emulator_host"], demo_phone("partner"))
    expect(rider.get_by_role("heading", name="Rider")).to_be_visible()
    expect(rider.locator(".rider-status")).to_be_visible()
    if rider.get_by_role("button", name="Go offline").is_visible():
        rider.get_by_role("button", name="Go offline").click()
    rider.get_by_role("button", name="Go online").click()
    expect(rider.locator(".rider-status")).to_have_text("You are online")
    expect(rider.get_by_text("Waiting for an order…").or_(rider.get_by_text("No order yet"))).to_be_visible()

    # The store staff confirm and pack it in their console.
    sign_in(staff, server["emulator_host"], demo_phone("staff"))
    expect(staff.get_by_role("heading", name="Store console")).to_be_visible()
    staff_move(staff, order_id, "New", "Confirm", "confirmed")
    staff_move(staff, order_id, "Confirmed", "Pack", "packed")
    expect(customer.locator(".status-now")).to_have_text("Packed", timeout=15_000)

    # The rider is assigned, picks up, and drives; the customer's map follows.
    expect(rider.locator(".job-status")).to_contain_text(order_id[-6:], timeout=30_000)
    expect(rider.locator(".rider-status")).to_have_text("You are on a delivery", timeout=10_000)
    rider.get_by_role("button", name="Picked up").click()
    expect(rider.locator(".job-status")).to_contain_text("on the way")
    expect(customer.locator(".status-now")).to_have_text("On the way", timeout=15_000)
    expect(customer.get_by_role("heading", name="Track your rider")).to_be_visible()
    expect(customer.locator("svg.map .map-store")).to_be_visible()
    expect(customer.locator("svg.map .map-home")).to_be_visible()
    rider.get_by_role("button", name="Drive to the customer").click()
    marker = customer.locator("svg.map circle.map-rider")
    expect(marker).to_be_visible(timeout=15_000)
    first = rider_marker(customer)
    expect(marker).not_to_have_attribute("cx", first[0], timeout=15_000)
    second = rider_marker(customer)
    assert second != first
    expect(customer.locator(".tracking .eta")).to_contain_text("Arriving in about")
    assert low_contrast(customer) == [] and low_contrast(rider) == []  # the map and the rider on a delivery
    expect(rider.get_by_role("button", name="Drive to the customer")).to_be_enabled(timeout=30_000)
    expect(rider.get_by_text("GPS fix 9 of 9 sent")).to_be_visible()
    expect(customer.locator("svg.map polyline.map-path")).to_be_visible()

    # The customer reads the code out; a wrong one is refused in words, the right one delivers.
    code = customer.locator(".otp strong").inner_text()
    assert len(code) == 4 and code.isdigit()
    rider.get_by_label("Code from the customer").fill(f"{(int(code) + 1) % 10_000:04d}")
    rider.get_by_role("button", name="Deliver").click()
    expect(rider.get_by_role("alert")).to_contain_text("The delivery OTP is wrong")
    rider.get_by_label("Code from the customer").fill(code)
    rider.get_by_role("button", name="Deliver").click()
    expect(rider.get_by_role("status").filter(has_text=f"Delivered {order_id[-6:]}")).to_be_visible()

    expect(customer.locator(".status-now")).to_have_text("Delivered", timeout=15_000)
    expect(customer.locator(".otp")).to_have_count(0)
    expect(customer.get_by_role("heading", name="Track your rider")).to_have_count(0)

    # Told in the inbox (the notice travels through a queue: the customer opens the inbox again until it is there).
    for _ in range(15):
        customer.get_by_role("link", name="Notifications", exact=False).first.click()
        expect(customer.get_by_role("heading", name="Notifications")).to_be_visible()
        expect(customer.locator(".loading")).to_have_count(0)
        if customer.locator('.notice-item[data-type="order.delivered"]').count():
            break
        customer.goto(f"/#/orders/{order_id}")
        customer.wait_for_timeout(1000)
    delivered = customer.locator('.notice-item[data-type="order.delivered"]')
    expect(delivered).to_be_visible()
    expect(delivered.get_by_role("link", name="Open order")).to_have_attribute("href", f"#/orders/{order_id}")
