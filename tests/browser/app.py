"""Driving the web app in Debian's chromium through Playwright: the browser, pages that record console errors,
and signing in as a person does (the code read from the Auth emulator, as they would read the SMS). Shared by
the browser tests and `make screenshots`."""

from __future__ import annotations

import itertools
import os
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, expect

CHROMIUM = os.environ.get("BLINKIT_CHROMIUM", "/usr/bin/chromium")
# No sandbox (CI runs as root in a container), no GPU, and nothing that phones home: the tests run offline.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE_VIEWPORT = {"width": 375, "height": 812}  # mobile first
# The one console error the app cannot avoid locally: the Firebase JS SDK asks the Auth emulator for the
# reCAPTCHA Enterprise config before a phone sign-in and the emulator does not implement that endpoint (501);
# the SDK then goes on with the emulator's stand-in reCAPTCHA. Firebase itself answers it.
EMULATOR_ONLY = "/identitytoolkit.googleapis.com/v2/recaptchaConfig"

_phones = itertools.count(random.randrange(10_000, 90_000))


def fresh_phone() -> str:
    """A 10-digit Indian mobile number no other test (or run against the same emulator) has used."""
    return f"97{os.getpid() % 1000:03d}{next(_phones):05d}"


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d{3})")


@dataclass
class Console:
    """What a page logged as an error, and uncaught exceptions: a test fails on any of them.

    Chromium also logs every HTTP error answer to a fetch ("Failed to load resource: ... 404"), which the app
    handles and shows in words: a test that provokes one declares it (`expect_failed_load`), and any other
    still fails the test."""

    errors: list[str] = field(default_factory=list)
    expected: list[tuple[int, str]] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._message)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def expect_failed_load(self, status: int, url_part: str) -> None:
        self.expected.append((status, url_part))

    def _message(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url") or ""
        failed = FAILED_LOAD.match(message.text)
        if failed and (EMULATOR_ONLY in url or any(int(failed.group(1)) == status and part in url
                                                   for status, part in self.expected)):
            return
        self.errors.append(f"{message.text} ({url})")


@contextmanager
def phone_page(browser: Browser, base_url: str) -> Iterator[tuple[Page, Console]]:
    """A fresh browser context (its own storage: one person) with a phone-sized page; closed afterwards."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, base_url=base_url, locale="en-IN",
                                  timezone_id="Asia/Kolkata")
    context.set_default_timeout(15_000)
    page = context.new_page()
    console = Console()
    console.watch(page)
    try:
        yield page, console
    finally:
        context.close()


def otp_code(emulator_host: str, phone: str, project_id: str = "demo-blinkit") -> str:
    """The last code the Auth emulator 'sent' to `phone` (E.164), from its REST API."""
    reply = httpx.get(f"http://{emulator_host}/emulator/v1/projects/{project_id}/verificationCodes", timeout=10)
    reply.raise_for_status()
    codes = [c["code"] for c in reply.json().get("verificationCodes", []) if c["phoneNumber"] == phone]
    if not codes:
        raise AssertionError(f"the emulator sent no code to {phone}")
    return str(codes[-1])


def request_code(page: Page, phone: str) -> None:
    """On the sign-in screen: asks for a code for `phone` (10 digits) and waits for the code field."""
    page.get_by_label("Mobile number").fill(phone)
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_label("Code")).to_be_visible()


def sign_in(page: Page, emulator_host: str, phone: str | None = None, *, open_app: bool = True) -> str:
    """Signs in with phone OTP through the sign-in screen (opening the app first, or on the sign-in screen the
    page shows); returns the phone (10 digits) used."""
    phone = phone or fresh_phone()
    if open_app:
        page.goto("/")
    request_code(page, phone)
    page.get_by_label("Code").fill(otp_code(emulator_host, "+91" + phone))
    page.get_by_role("button", name="Verify and continue").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    return phone


def session_token(page: Page) -> str:
    """The API session token the app keeps (to check through the API what the screen showed)."""
    token = page.evaluate("() => JSON.parse(localStorage.getItem('blinkit.session')).token")
    assert isinstance(token, str) and token
    return token


def choose_place(page: Page, label: str = "Near Koramangala") -> None:
    page.get_by_role("button", name=label).click()
    expect(page.get_by_text("Delivering to")).to_be_visible()


def demo_session(api_url: str, emulator_host: str, user: str = "admin") -> str:
    """A session token for a seeded demo user (signed in through the emulator's REST API, not the app)."""
    from local.firebase_emulator import FirebaseAuthEmulator
    from local.seed import demo_user

    emulator = FirebaseAuthEmulator.attach(emulator_host)
    try:
        _, id_token = emulator.sign_in_with_phone(demo_user(user).phone)
    finally:
        emulator.stop()  # an attached client: the emulator keeps running
    login = httpx.post(f"{api_url}/auth/login", timeout=30,
                       json={"id_token": id_token, "device": {"name": "tests", "platform": "web"}})
    login.raise_for_status()
    return str(login.json()["session_token"])


def open_first_store_all_day(api_url: str, emulator_host: str) -> dict[str, Any]:
    """The demo stores close at night (01:00-06:00 IST): the admin opens the first one around the clock, as
    `make demo` does when it finds it closed, so the tests run at any hour. Returns the store."""
    from local.catalog.data import STORES

    headers = {"Authorization": f"Bearer {demo_session(api_url, emulator_host)}"}
    with httpx.Client(base_url=api_url, timeout=30, headers=headers) as http:
        all_day = {"opening_hours": {"open": "00:00", "close": "00:00"}}
        store = http.patch(f"/stores/{STORES[0]['store_id']}", json=all_day)
        store.raise_for_status()
        http.post("/auth/logout")
    return dict(store.json())
