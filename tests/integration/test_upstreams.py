"""`blinkit.upstreams`: one client per upstream domain, each configured by settings named after it, against a
real HTTP server on loopback that answers 503 or hangs, with the breakers' state in the real Redis."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from blinkit import upstreams
from blinkit.breaker import CircuitOpen
from blinkit.service_client import UpstreamUnavailable
from blinkit.settings import Settings, get_settings
from blinkit.upstreams import UPSTREAMS, UpstreamSettings, upstream, upstream_settings
from tests.integration.test_service_client import Upstream
from tests.plugins.stack import flush_keeping_claim

Configure = Callable[..., None]


@pytest.fixture
def server() -> Iterator[Upstream]:
    served = Upstream()
    yield served
    if not served._stopped.is_set():
        served.stop()


@pytest.fixture
def configure(redis_url: str, server: Upstream, monkeypatch: pytest.MonkeyPatch) -> Iterator[Configure]:
    """`configure(AUTH_RETRIES="0", ...)`: every upstream's URL is the test server, the breakers live in the
    run's Redis database, plus the given variables; the clients are rebuilt from them."""
    from blinkit.redis_client import reset_redis

    def apply(**env: str) -> None:
        for name in UPSTREAMS:
            monkeypatch.setenv(f"{name.upper()}_SERVICE_URL", server.url)
        monkeypatch.setenv("REDIS_URL", redis_url)
        monkeypatch.delenv("INTERNAL_API_URL_PARAMETER", raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        reset_redis()
        upstreams.reset()

    flush_keeping_claim(redis_url)  # closed breakers
    apply()
    yield apply
    monkeypatch.undo()  # before the settings are read again, so no test value outlives the test
    get_settings.cache_clear()
    reset_redis()
    upstreams.reset()


def test_each_upstream_keeps_todays_values_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in UPSTREAMS:
        for field in ("TIMEOUT_SECONDS", "RETRIES", "BREAKER_FAILURES", "BREAKER_WINDOW_SECONDS",
                      "BREAKER_COOLDOWN_SECONDS"):
            monkeypatch.delenv(f"{name.upper()}_{field}", raising=False)
    defaults = Settings()
    today = UpstreamSettings(timeout_seconds=1.5, retries=2, breaker_failures=5, breaker_window_seconds=30.0,
                             breaker_cooldown_seconds=30.0)
    assert upstream_settings("products", defaults) == today
    assert upstream_settings("auth", defaults) == today
    assert upstream_settings("orders", defaults) == today
    # The cart's one caller, the guest-cart merge at sign-in, had its own client: 2 s and no retries.
    assert upstream_settings("cart", defaults) == UpstreamSettings(2.0, 0, 5, 30.0, 30.0)


@pytest.mark.parametrize("name", UPSTREAMS)
def test_a_client_is_built_from_its_own_settings_and_url(configure: Configure, server: Upstream, name: str) -> None:
    prefix = name.upper()
    configure(**{f"{prefix}_TIMEOUT_SECONDS": "0.7", f"{prefix}_RETRIES": "1", f"{prefix}_BREAKER_FAILURES": "4",
                 f"{prefix}_BREAKER_WINDOW_SECONDS": "12", f"{prefix}_BREAKER_COOLDOWN_SECONDS": "9"})
    client = upstream(name)
    assert (client.name, client.base_url, client.timeout_seconds, client.retries) == (name, server.url, 0.7, 1)
    breaker = client.breaker
    assert (breaker.name, breaker.failure_threshold, breaker.window_seconds, breaker.cooldown_seconds) == (
        name, 4, 12.0, 9.0)
    for other in UPSTREAMS:
        if other != name:
            assert upstream(other).breaker.failure_threshold == 5 and upstream(other).timeout_seconds != 0.7


@pytest.mark.parametrize("name", UPSTREAMS)
def test_each_breaker_opens_on_its_own_threshold(configure: Configure, server: Upstream, name: str) -> None:
    """`<NAME>_BREAKER_FAILURES=2` opens that upstream's breaker after 2 failed calls; another upstream
    calling the same failing server still needs its default 5."""
    other = next(o for o in UPSTREAMS if o != name)
    configure(**{f"{name.upper()}_BREAKER_FAILURES": "2", f"{name.upper()}_BREAKER_COOLDOWN_SECONDS": "7",
                 f"{name.upper()}_RETRIES": "0", f"{other.upper()}_RETRIES": "0"})
    server.mode = "503"
    for _ in range(2):
        with pytest.raises(UpstreamUnavailable):
            upstream(name).get("/internal/ping")
    with pytest.raises(CircuitOpen) as refused:
        upstream(name).get("/internal/ping")
    assert refused.value.service == name and 6 <= refused.value.retry_after <= 7
    assert len(server.hits) == 2  # the third call never left the process

    for _ in range(5):
        with pytest.raises(UpstreamUnavailable):
            upstream(other).get("/internal/ping")
    assert len(server.hits) == 7  # the other breaker let all five through, then opened
    with pytest.raises(CircuitOpen):
        upstream(other).get("/internal/ping")
    assert len(server.hits) == 7


def test_the_todays_env_names_still_configure_products(configure: Configure) -> None:
    """tests/integration/cart/conftest.py, the drills and tests/load/bench_load.py set these."""
    configure(PRODUCTS_TIMEOUT_SECONDS="10", PRODUCTS_BREAKER_FAILURES="3", PRODUCTS_BREAKER_COOLDOWN_SECONDS="1",
              CONTACT_TIMEOUT_SECONDS="4")
    client = upstream("products")
    assert client.timeout_seconds == 10 and client.breaker.failure_threshold == 3
    assert client.breaker.cooldown_seconds == 1 and get_settings().contact_timeout_seconds == 4
    assert upstream("auth").breaker.failure_threshold == 5  # no longer borrowing the products numbers


def test_internal_routes_are_signed_and_public_ones_are_not(configure: Configure, server: Upstream) -> None:
    assert upstream("products").get("/stores").status_code == 200
    assert upstream("products").post("/internal/products/batch", json={"store_id": "s"}).status_code == 200
    public, internal = server.hits
    assert "authorization" not in public["headers"]  # GET /stores has no authorizer in AWS
    assert internal["headers"]["authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert "x-amz-date" in internal["headers"]


def test_one_client_per_upstream_until_reset(configure: Configure, server: Upstream) -> None:
    first = upstream("orders")
    assert upstream("orders") is first
    configure(ORDERS_SERVICE_URL="http://127.0.0.1:9")
    rebuilt = upstream("orders")
    assert rebuilt is not first and rebuilt.base_url == "http://127.0.0.1:9"


def test_unknown_upstreams_and_out_of_range_retries_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="unknown upstream"):
        upstream("payments")
    monkeypatch.setenv("AUTH_RETRIES", "3")
    with pytest.raises(ValidationError):
        Settings()


def test_the_guest_cart_merge_never_retries_whatever_the_cart_settings(configure: Configure,
                                                                       server: Upstream) -> None:
    from auth import upstream as auth_upstream

    configure(CART_RETRIES="2")
    assert upstream("cart").retries == 2
    server.mode = "503"
    with pytest.raises(UpstreamUnavailable):
        auth_upstream.merge_guest_cart("u1", "gst_1")
    assert [hit["path"] for hit in server.hits] == ["/internal/cart/merge"]  # one attempt: not idempotent
    server.mode = "404"
    with pytest.raises(auth_upstream.CartMergeRefused) as refused:
        auth_upstream.merge_guest_cart("u1", "gst_1")
    assert refused.value.status == 404


def test_the_contact_lookup_keeps_its_own_timeout(configure: Configure, server: Upstream) -> None:
    from notifications import upstream as notifications_upstream

    configure(AUTH_TIMEOUT_SECONDS="5", AUTH_RETRIES="0", CONTACT_TIMEOUT_SECONDS="0.3")
    notifications_upstream.forget_contacts()
    server.mode, server.delay = "slow", 2.0
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable):
        notifications_upstream.contact("u1")
    assert time.monotonic() - started < 1.5  # 0.3 s, not the auth upstream's 5 s
    assert [hit["path"] for hit in server.hits] == ["/internal/users/u1/contact"]
    notifications_upstream.forget_contacts()


def test_a_call_carries_the_upstream_name_in_its_errors(configure: Configure, server: Upstream) -> None:
    configure(ORDERS_RETRIES="0")
    server.mode = "503"
    with pytest.raises(UpstreamUnavailable) as failed:
        upstream("orders").post("/internal/orders/o1/delivery", json={"action": "assign"})
    problem: Any = failed.value
    assert problem.service == "orders" and "orders" in problem.detail
