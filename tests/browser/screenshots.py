"""`make screenshots`: a PNG of each screen of the web app, 375 px wide as on a phone, in docs/screenshots/
(the README shows them). It starts its own `make run` server (with an embedded Redis, so a shared one is never
touched), walks the customer journey in chromium as the browser tests do, and stops everything it started.

    .venv/bin/python -m tests.browser.screenshots docs/screenshots
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from local.demo import HOME, SEARCH_TERM
from tests.browser.app import choose_place, launch, open_first_store_all_day, otp_code, phone_page, sign_in
from tests.browser.screenshots_ops import capture_ops
from tests.plugins.local_server import local_server

# The screens, in the order of the journey: (file name, what it shows). The README's table follows it.
SCREENS = (
    ("sign-in.png", "Sign in with your phone"),
    ("sign-in-code.png", "The code (locally: read from the Auth emulator)"),
    ("shop.png", "Store and ETA for the place, category shelf"),
    ("search.png", "Search as you type, with a typo"),
    ("cart.png", "Cart"),
    ("checkout.png", "Address, tip and the bill"),
    ("order.png", "Order status as a timeline"),
    ("orders.png", "Order history"),
    # web-ops: store staff, rider, live tracking, notifications (tests/browser/screenshots_ops.py)
    ("staff.png", "Store console: the queue, confirm and pack, low stock"),
    ("rider.png", "Rider: the assignment, pickup, drive, deliver with the code"),
    ("tracking.png", "Live tracking: the rider on a map drawn from coordinates"),
    ("notifications.png", "Notifications inbox, unread count in the header"),
    # web-admin: coupons, online payment, order again, the admin's screens
    ("checkout-coupon.png", "Offers at checkout, a coupon applied"),
    ("order-again.png", "Order again from an order"),
    ("payment.png", "An online order waiting for its payment"),
    ("checkout-stand-in.png", "Razorpay Checkout (local stand-in)"),
    ("admin-dashboard.png", "Admin: today's orders"),
    ("admin-coupons.png", "Admin: coupons"),
    ("admin-coupon.png", "Admin: a coupon, its form"),
    ("admin-surge.png", "Admin: surge per store"),
    ("admin-partners.png", "Admin: delivery partners"),
    ("admin-roles.png", "Admin: roles"),
)


def capture(page: Page, out: Path, emulator_host: str) -> list[Path]:
    shots: list[Path] = []

    def shot(name: str) -> None:
        page.wait_for_load_state("networkidle")
        shots.append(out / name)
        page.screenshot(path=out / name)

    phone = "9876500001"
    page.goto("/")
    expect(page.get_by_label("Mobile number")).to_be_visible()
    page.get_by_label("Mobile number").fill(phone)
    shot("sign-in.png")
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_label("Code")).to_be_visible()
    page.get_by_label("Code").fill(otp_code(emulator_host, "+91" + phone))
    shot("sign-in-code.png")
    page.get_by_role("button", name="Verify and continue").click()
    choose_place(page)
    expect(page.locator("article.product").first).to_be_visible()
    shot("shop.png")
    page.get_by_label("Search products").fill(SEARCH_TERM)
    hit = page.locator("article.product").filter(has_text="Paneer").filter(has_not_text="Out of stock").first
    name = hit.get_by_role("heading").inner_text()
    hit.get_by_role("button", name=f"Add {name}").click()
    hit.get_by_role("button", name=f"Add one more {name}").click()
    expect(hit.locator("output")).to_have_text("2")
    shot("search.png")
    page.get_by_label("Search products").fill("")
    expect(page.get_by_role("heading", name="Shop by category")).to_be_visible()
    card = page.locator("article.product").filter(has_not_text="Out of stock").first
    card.get_by_role("button", name=f"Add {card.get_by_role('heading').inner_text()}").click()
    expect(page.get_by_label("Cart, 3 items")).to_be_visible()
    page.get_by_role("link", name="Cart, 3 items").click()
    expect(page.locator(".total")).to_be_visible()
    shot("cart.png")
    page.get_by_role("link", name="Continue to checkout").click()
    page.get_by_label("House, street and area").fill(HOME["line1"])
    page.get_by_label("PIN code").fill(HOME["pincode"])
    page.get_by_role("button", name="Save address").click()
    page.get_by_text("₹20", exact=True).click()
    expect(page.locator(".bill tr[data-code=tip]")).to_be_visible()
    shot("checkout.png")
    late: list[str] = []  # taken now, shown after the foundation's screens (SCREENS' order)
    page.locator(".offer.ok").first.get_by_role("button").click()
    expect(page.locator(".bill tr[data-code=coupon_discount]")).to_be_visible()
    page.locator(".offers").scroll_into_view_if_needed()
    late.append("checkout-coupon.png")
    page.screenshot(path=out / late[-1])
    page.get_by_role("button", name="Place order").click()
    expect(page.locator(".status-now")).to_have_text("Order placed", timeout=30_000)
    shot("order.png")
    order_url = page.url
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    expect(page.locator(".orders li").first).to_be_visible()
    shot("orders.png")
    shots.extend(out / name for name in late)

    page.goto(order_url)
    page.get_by_role("button", name="Order again").click()
    expect(page.locator(".again")).to_contain_text("to your cart")
    page.locator(".again").scroll_into_view_if_needed()
    shot("order-again.png")
    page.goto("/#/checkout")
    page.get_by_label("Pay online (UPI, cards, netbanking)").check()
    page.get_by_role("button", name="Place order and pay").click()
    expect(page.get_by_role("button", name="Pay ₹")).to_be_visible(timeout=30_000)
    shot("payment.png")
    page.get_by_role("button", name="Pay ₹").click()
    expect(page.get_by_role("heading", name="Razorpay Checkout (local stand-in)")).to_be_visible()
    shot("checkout-stand-in.png")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator(".status-now")).to_have_text("Order placed", timeout=30_000)
    return shots


def capture_admin(page: Page, out: Path, emulator_host: str) -> list[Path]:
    """The admin's screens, signed in as the seeded admin."""
    from local.seed import demo_user

    shots: list[Path] = []
    sign_in(page, emulator_host, demo_user("admin").phone.removeprefix("+91"))
    for route, ready, name in (("/#/admin", "[data-testid=orders-today]", "admin-dashboard.png"),
                               ("/#/admin/coupons", ".admin-table", "admin-coupons.png"),
                               ("/#/admin/coupons/SAVE10", ".admin-form .hint", "admin-coupon.png"),
                               ("/#/admin/surge", ".surge", "admin-surge.png"),
                               ("/#/admin/partners", ".admin-table, .empty", "admin-partners.png"),
                               ("/#/admin/roles", ".admin-form", "admin-roles.png")):
        page.goto(route)
        if name == "admin-partners.png":  # the demo rider works at the first demo store
            from local.catalog.data import STORES

            page.get_by_label("Store").select_option(label=STORES[0]["name"])
        expect(page.locator(ready).first).to_be_visible()
        page.wait_for_load_state("networkidle")
        shots.append(out / name)
        page.screenshot(path=out / name)
    return shots


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work, local_server(Path(work), None) as server:
        open_first_store_all_day(server["api"], server["emulator_host"])
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                with phone_page(browser, server["api"]) as (page, console):
                    shots = capture(page, out, server["emulator_host"])
                    shots += capture_ops(browser, server, page, out)
                    if console.errors:
                        print(f"console errors: {console.errors}", file=sys.stderr)
                        return 1
                with phone_page(browser, server["api"]) as (page, console):
                    shots += capture_admin(page, out, server["emulator_host"])
                    if console.errors:
                        print(f"console errors: {console.errors}", file=sys.stderr)
                        return 1
            finally:
                browser.close()
    assert [p.name for p in shots] == [name for name, _ in SCREENS]
    for path in shots:
        print(f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}  "
              f"{path.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
