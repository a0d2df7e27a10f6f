"""The admin in a real browser (role `admin`, signed in through the app): a surge set on the screen shows in a
customer's quote, the dashboard counts the day's orders, partners and roles screens answer from the API, and
a person without the role is told the admin pages are not for them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.app import phone_page, sign_in
from tests.browser.journey import admin_signs_in, api, fill_cart, open_checkout, rupees

pytestmark = pytest.mark.browser


def test_an_admin_sets_a_surge_that_the_customers_quote_then_shows(page: Page, browser: Browser, server):
    token = admin_signs_in(page, server)
    store = server["store"]
    page.goto("/#/admin/surge")
    card = page.locator(f".surge[data-store={store['store_id']}]")
    expect(card.get_by_role("status")).to_have_text("No surge now")
    card.get_by_label("Fee (₹)").fill("15")
    card.get_by_label("Reason").fill("Heavy rain")
    card.get_by_label("Minutes").fill("30")
    card.get_by_role("button", name="Set surge").click()
    try:
        expect(card.get_by_role("status")).to_contain_text("Surge ₹15 (Heavy rain) until")
        # Back on the screen later, the list is read again: GET /stores is cacheable (max-age 60), and the app
        # must not show the browser's copy from before the surge.
        page.goto("/#/admin/partners")
        page.goto("/#/admin/surge")
        expect(card.get_by_role("status")).to_contain_text("Surge ₹15 (Heavy rain) until")
        with phone_page(browser, server["api"]) as (customer, console):
            fill_cart(customer, server)
            open_checkout(customer)
            expect(customer.locator(".bill tr[data-code=surge_fee]")).to_have_text("Surge fee (Heavy rain)₹15")
            assert console.errors == []
        card.get_by_role("button", name="End surge now").click()
        expect(card.get_by_role("status")).to_have_text("No surge now")
    finally:
        with api(server, token) as http:  # other tests shop at this store
            http.delete(f"/admin/stores/{store['store_id']}/surge").raise_for_status()


def test_a_surge_out_of_range_is_refused_beside_its_field(person, server):
    page, console = person
    console.expect_failed_load(422, "/surge")
    admin_signs_in(page, server)
    page.goto("/#/admin/surge")
    card = page.locator(f".surge[data-store={server['store']['store_id']}]")
    card.get_by_label("Fee (₹)").fill("500")  # 50000 paise: above the 10000 allowed
    card.get_by_label("Minutes").fill("0")
    card.get_by_role("button", name="Set surge").click()
    expect(card.locator(".field-error")).to_have_count(2)
    expect(card.locator(".field-error").first).to_contain_text("Fee (₹): Input should be less than or equal to 10000")
    expect(card.get_by_role("status")).to_have_text("No surge now")


def test_the_dashboard_counts_the_days_orders(page: Page, browser: Browser, server):
    token = admin_signs_in(page, server)
    with api(server, token) as http:
        before = http.get("/admin/dashboard").json()
    page.goto("/#/admin")
    expect(page.get_by_test_id("orders-today")).to_have_text(str(before["total_orders"]))
    with phone_page(browser, server["api"]) as (customer, console):
        fill_cart(customer, server)
        open_checkout(customer)
        customer.get_by_role("button", name="Place order").click()
        expect(customer.locator(".status-now")).to_have_text("Order placed", timeout=30_000)
        assert console.errors == []
    page.get_by_role("button", name="Refresh").click()
    expect(page.get_by_test_id("orders-today")).to_have_text(str(before["total_orders"] + 1))
    placed = before["by_status"]["PLACED"] + 1
    expect(page.locator("tr[data-status=PLACED] td")).to_have_text(str(placed))
    with api(server, token) as http:
        after = http.get("/admin/dashboard").json()
    expect(page.locator(".tile").nth(1)).to_contain_text(rupees(after["revenue"]))
    assert after["revenue"] > before["revenue"]


def test_partners_and_roles_answer_from_the_api(page: Page, server):
    token = admin_signs_in(page, server)
    page.goto("/#/admin/partners")
    page.get_by_label("Store").select_option(label=server["store"]["name"])
    with api(server, token) as http:
        partners = http.get("/admin/delivery/partners", params={"store_id": server["store"]["store_id"]}).json()
    assert partners["partners"], "the demo seeds a partner at the first store"
    for partner in partners["partners"]:
        expect(page.locator(".admin-table tbody")).to_contain_text(partner["name"])
    page.get_by_role("link", name="Roles").click()
    page.get_by_label("User id").fill(partners["partners"][0]["uid"])
    page.get_by_label("Customer").uncheck()
    page.get_by_label("Delivery partner").check()
    page.get_by_role("button", name="Save roles").click()
    expect(page.get_by_role("status")).to_have_text(f"{partners['partners'][0]['uid']} now has: delivery_partner.")


def test_the_admin_pages_are_not_for_customers(page: Page, server):
    sign_in(page, server["emulator_host"])
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    asked_admin: list[str] = []
    page.on("request", lambda request: asked_admin.append(request.url) if "/admin/" in request.url else None)
    page.goto("/#/admin/coupons")
    expect(page.get_by_role("alert")).to_have_text("This page is for admins. Back to the shop")
    # The refusal is the app's own: it does not ask the API for admin data it knows it would be refused.
    page.wait_for_load_state("networkidle")
    assert [url for url in asked_admin if "/#/" not in url] == []
