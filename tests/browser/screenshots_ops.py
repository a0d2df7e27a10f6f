"""`make screenshots`, the ops screens: the customer's last order (cash on delivery) is confirmed and packed in
the store console, the demo rider picks it up and drives while the customer's map follows, delivers with the
customer's code, and the customer's inbox shows what they were told. Called by `screenshots.py` after the
customer journey, with that customer's page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from local.seed import demo_user
from tests.browser.app import Console, phone_page, sign_in


def _shot(page: Page, out: Path, name: str, shots: list[Path]) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=out / name)
    shots.append(out / name)


def capture_ops(browser: Browser, server: dict[str, Any], customer: Page, out: Path) -> list[Path]:
    shots: list[Path] = []
    order_id = customer.locator(".orders li a").first.get_attribute("href").rsplit("/", 1)[-1]
    host = server["emulator_host"]
    with phone_page(browser, server["api"]) as (staff, staff_console), \
            phone_page(browser, server["api"]) as (rider, rider_console):
        rider_console.expect_failed_load(404, "/delivery/partners/me/assignment")
        sign_in(staff, host, demo_user("staff").phone.removeprefix("+91"))
        expect(staff.get_by_role("heading", name="Store console")).to_be_visible()
        _open_in_queue(staff, order_id)
        expect(staff.get_by_role("button", name="Confirm order")).to_be_visible()
        _shot(staff, out, "staff.png", shots)
        staff.get_by_role("button", name="Confirm order").click()
        staff.get_by_role("button", name="Confirmed", exact=True).click()
        staff.get_by_role("button", name=f"Open order {order_id}").click()
        staff.get_by_role("button", name="Pack order").click()
        expect(staff.locator(".notice")).to_contain_text("is packed")

        sign_in(rider, host, demo_user("partner").phone.removeprefix("+91"))
        expect(rider.locator(".job-status")).to_contain_text(order_id[-6:], timeout=30_000)
        rider.get_by_role("button", name="Picked up").click()
        customer.goto(f"/#/orders/{order_id}")
        expect(customer.get_by_role("heading", name="Track your rider")).to_be_visible(timeout=15_000)
        rider.get_by_role("button", name="Drive to the customer").click()
        expect(rider.get_by_text("GPS fix 5 of 9 sent")).to_be_visible(timeout=20_000)
        _shot(rider, out, "rider.png", shots)
        expect(customer.locator("svg.map polyline.map-path")).to_be_visible()
        _shot(customer, out, "tracking.png", shots)
        expect(rider.get_by_role("button", name="Drive to the customer")).to_be_enabled(timeout=30_000)
        rider.get_by_label("Code from the customer").fill(customer.locator(".otp strong").inner_text())
        rider.get_by_role("button", name="Deliver").click()
        expect(customer.locator(".status-now")).to_have_text("Delivered", timeout=15_000)
        customer.wait_for_timeout(3000)  # the last notices travel through the notifications queue
        customer.goto("/#/notifications")
        expect(customer.locator(".notice-item").first).to_be_visible()
        _shot(customer, out, "notifications.png", shots)
        _fail_on_console_errors(staff_console, rider_console)
    return shots


def _open_in_queue(staff: Page, order_id: str) -> None:
    """Opens the order in the New tab, pressing Refresh as staff would while it is not listed yet."""
    opener = staff.get_by_role("button", name=f"Open order {order_id}")
    for _ in range(10):
        expect(staff.locator(".queue, .empty").first).to_be_visible()
        if opener.count():
            break
        staff.get_by_role("button", name="Refresh").click()
        staff.wait_for_timeout(1000)
    opener.click()


def _fail_on_console_errors(*consoles: Console) -> None:
    errors = [e for c in consoles for e in c.errors]
    if errors:
        raise AssertionError(f"console errors: {errors}")
