"""The browser tests: `make run`'s server as a subprocess (as tests/e2e start it), Debian's chromium driven by
Playwright, one browser context per person. Every process started here is stopped here."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.app import Console, launch, open_first_store_all_day, phone_page
from tests.plugins.local_server import local_server
from tests.plugins.stack import flush_keeping_claim

PAYMENT_TIMEOUT_SECONDS = "60"  # the template's minimum: a declined online payment ends FAILED after it


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[dict[str, Any]]:
    flush_keeping_claim(redis_url)  # the server shares this run's database; other tests clean up after it
    with local_server(tmp_path_factory.mktemp("web-stack"), redis_url, stop_signal=signal.SIGTERM,
                      env={"BLINKIT_PAYMENT_TIMEOUT_SECONDS": PAYMENT_TIMEOUT_SECONDS}) as info:
        info["store"] = open_first_store_all_day(info["api"], info["emulator_host"])
        yield info


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def person(browser: Browser, server: dict[str, Any]) -> Iterator[tuple[Page, Console]]:
    """One person's page (a context of their own); the test fails if the page logged a console error."""
    with phone_page(browser, server["api"]) as (page, console):
        yield page, console
        assert console.errors == [], f"console errors: {console.errors}"


@pytest.fixture
def page(person: tuple[Page, Console]) -> Page:
    return person[0]
