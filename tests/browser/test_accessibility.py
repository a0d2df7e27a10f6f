"""The app works with the keyboard alone and its text passes WCAG AA contrast on every screen of the journey."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from local.demo import HOME
from tests.browser.app import Console, choose_place, fresh_phone, otp_code, sign_in

pytestmark = pytest.mark.browser

# For each visible element with text of its own: its colour against the first opaque background behind it
# (ancestors' background colours, composited from the page down), and the WCAG ratio it needs (3:1 for large
# text: 24 px, or 18.66 px bold; 4.5:1 otherwise). Disabled controls are exempt, as WCAG says.
CONTRAST = """() => {
  const rgba = (s) => {
    const m = s.match(/[\\d.]+/g).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const over = (top, below) => [0, 1, 2].map((i) => top[i] * top[3] + below[i] * (1 - top[3])).concat(1);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) layers.push(rgba(getComputedStyle(e).backgroundColor));
    return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255, 1]);
  };
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || !box.width || !box.height || el.closest("[disabled], .visually-hidden")) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || Number(style.opacity) === 0) continue;
    const bg = background(el);
    const fg = over(rgba(style.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) found.push({ text: el.textContent.trim().slice(0, 40), ratio: ratio.toFixed(2), needed });
  }
  return found;
}"""


def low_contrast(page: Page) -> list[dict[str, Any]]:
    page.wait_for_load_state("networkidle")
    return list(page.evaluate(CONTRAST))


def tab_to(page: Page, name: str, presses: int = 60) -> None:
    """Presses Tab until the focused element's text, label or aria-label is `name` (fails if it never is)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement;
            return (e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent)
                    || e.textContent || '').trim(); }""")
        if focused == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_a_customer_signs_in_chooses_a_place_and_adds_to_the_cart_with_the_keyboard_only(page: Page, server):
    phone = fresh_phone()
    page.goto("/")
    tab_to(page, "Mobile number")
    page.keyboard.type(phone)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Code")).to_be_visible()
    tab_to(page, "Code")
    page.keyboard.type(otp_code(server["emulator_host"], "+91" + phone))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Near Koramangala")).to_be_visible()  # signed in: Tab from here on
    tab_to(page, "Near Koramangala")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Delivering to")).to_be_visible()
    first = page.locator("article.product").filter(has_not_text="Out of stock").first.get_by_role("heading")
    name = first.inner_text()
    tab_to(page, f"Add {name}")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Cart, 1 items")).to_be_visible()
    tab_to(page, "Cart, 1 items", presses=200)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()


def test_text_passes_wcag_aa_contrast_on_every_screen(page: Page, server):
    page.goto("/")
    expect(page.get_by_label("Mobile number")).to_be_visible()
    screens = {"sign-in": low_contrast(page)}
    sign_in(page, server["emulator_host"])
    screens["choose a place"] = low_contrast(page)
    choose_place(page)
    expect(page.locator("article.product").first).to_be_visible()
    screens["shop"] = low_contrast(page)
    card = page.locator("article.product").filter(has_not_text="Out of stock").first
    name = card.get_by_role("heading").inner_text()
    card.get_by_role("button", name=f"Add {name}").click()
    card.get_by_role("button", name=f"Add one more {name}").click()  # above the minimum order
    expect(page.get_by_label("Cart, 2 items")).to_be_visible()
    page.get_by_role("link", name="Cart, 2 items").click()
    expect(page.locator(".total")).to_be_visible()
    screens["cart"] = low_contrast(page)
    page.get_by_role("link", name="Continue to checkout").click()
    page.get_by_label("House, street and area").fill(HOME["line1"])
    page.get_by_label("PIN code").fill(HOME["pincode"])
    page.get_by_role("button", name="Save address").click()
    expect(page.locator(".bill")).to_be_visible()
    screens["checkout"] = low_contrast(page)
    page.get_by_role("button", name="Place order").click()
    expect(page.locator(".status-now")).to_have_text("Order placed", timeout=30_000)
    screens["order"] = low_contrast(page)
    assert {name: found for name, found in screens.items() if found} == {}


# web-ops: the store console, the rider's screen and the inbox (the tracking map: test_whole_day checks it live).
def test_the_ops_screens_pass_wcag_aa_contrast_and_staff_confirm_with_the_keyboard_only(
        person: tuple[Page, Console], server):
    from tests.browser.test_ops import placed_order
    from tests.browser.test_whole_day import demo_phone

    page, console = person
    console.expect_failed_load(404, "/delivery/partners/me/assignment")  # the rider has nothing assigned
    order = placed_order(server, "cod")
    sign_in(page, server["emulator_host"], demo_phone("staff"))
    expect(page.get_by_role("heading", name="Store console")).to_be_visible()
    tab_to(page, f"Open order {order['order_id']}", presses=200)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Confirm order")).to_be_visible()
    screens = {"store console": low_contrast(page)}
    tab_to(page, "Confirm order", presses=40)
    page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_have_text(f"Order {order['order_id'][-6:]} is confirmed.")
    page.goto("/#/notifications")
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    screens["notifications"] = low_contrast(page)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server["emulator_host"], demo_phone("partner"), open_app=False)
    expect(page.locator(".rider-status")).to_be_visible()
    screens["rider"] = low_contrast(page)
    assert {name: found for name, found in screens.items() if found} == {}


def test_the_admin_screens_and_online_payment_pass_wcag_aa_contrast(page: Page, server):
    from tests.browser.journey import admin_signs_in, fill_cart, open_checkout

    admin_signs_in(page, server)
    screens = {}
    for route, ready in (("/#/admin", "[data-testid=orders-today]"), ("/#/admin/coupons", ".admin-table"),
                         ("/#/admin/coupons/new", ".admin-form"), ("/#/admin/coupons/WELCOME75", ".admin-form .hint"),
                         ("/#/admin/surge", ".surge"), ("/#/admin/partners", ".admin-table, .empty"),
                         ("/#/admin/roles", ".admin-form")):
        page.goto(route)
        expect(page.locator(ready).first).to_be_visible()
        screens[route] = low_contrast(page)
    page.get_by_role("navigation", name="Admin").get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Mobile number")).to_be_visible()  # signed out on the server too
    fill_cart(page, server)
    open_checkout(page)
    expect(page.locator(".offer").first).to_be_visible()
    screens["checkout with offers"] = low_contrast(page)
    page.get_by_label("Pay online (UPI, cards, netbanking)").check()
    page.get_by_role("button", name="Place order and pay").click()
    expect(page.get_by_role("button", name="Pay ₹")).to_be_visible(timeout=30_000)
    screens["payment"] = low_contrast(page)
    page.get_by_role("button", name="Pay ₹").click()
    expect(page.get_by_role("heading", name="Razorpay Checkout (local stand-in)")).to_be_visible()
    screens["checkout stand-in"] = low_contrast(page)
    # Pay, so no order is left waiting for its payment: at its timeout (60 s here) the saga would give the
    # reserved stock back in the middle of whichever test runs next on this server (one that had just sold that
    # product out saw it back in stock).
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator(".status-now")).to_have_text("Order placed", timeout=30_000)
    assert {name: found for name, found in screens.items() if found} == {}
