"""The one way a domain calls another domain: `upstream("products")` is that domain's process-wide client.

    from blinkit.upstreams import upstream
    reply = upstream("products").post("/internal/products/batch", json={...})

Each upstream (products, auth, cart, orders) is configured by settings named after it (`AUTH_TIMEOUT_SECONDS`,
`AUTH_RETRIES`, `AUTH_BREAKER_FAILURES`, `AUTH_BREAKER_WINDOW_SECONDS`, `AUTH_BREAKER_COOLDOWN_SECONDS`, ...), so
the breaker for auth never runs on the products numbers. Its base URL comes from `blinkit.endpoints` (the
settings locally, the SSM parameter in AWS); requests to `/internal/...` (IAM-authorized in AWS) are
SigV4-signed, public routes such as `GET /stores` are not.

A client is built on first use, never at import (no SSM or network call during a cold start's imports), and
is shared by every caller in the process, as its breaker state is shared by the fleet through Redis.
Call-specific choices belong to the call: `upstream("cart").post(..., retries=0)`,
`upstream("auth").get(..., timeout_seconds=...)`. Each calling domain keeps these calls in its `upstream.py`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, fields

from blinkit import endpoints
from blinkit.breaker import CircuitBreaker
from blinkit.service_client import ServiceClient
from blinkit.settings import Settings, get_settings

INTERNAL_PREFIX = "/internal/"

_URLS: dict[str, Callable[[], str]] = {
    "products": endpoints.products_service_url,
    "auth": endpoints.auth_service_url,
    "cart": endpoints.cart_service_url,
    "orders": endpoints.orders_service_url,
}
UPSTREAMS = tuple(_URLS)

_lock = threading.Lock()
_clients: dict[str, ServiceClient] = {}


@dataclass(frozen=True, slots=True)
class UpstreamSettings:
    timeout_seconds: float
    retries: int
    breaker_failures: int
    breaker_window_seconds: float
    breaker_cooldown_seconds: float


def upstream_settings(name: str, settings: Settings | None = None) -> UpstreamSettings:
    """The `<name>_*` settings of one upstream."""
    _known(name)
    s = settings or get_settings()
    return UpstreamSettings(**{f.name: getattr(s, f"{name}_{f.name}") for f in fields(UpstreamSettings)})


def upstream(name: str) -> ServiceClient:
    """The process-wide client for the upstream domain `name` (built on first use)."""
    _known(name)
    with _lock:
        client = _clients.get(name)
        if client is None:
            client = _clients[name] = _build(name)
        return client


def reset() -> None:
    """Forget every client: the next call builds it again from the current settings (tests change them)."""
    with _lock:
        _clients.clear()


def _build(name: str) -> ServiceClient:
    config = upstream_settings(name)
    breaker = CircuitBreaker(name, failure_threshold=config.breaker_failures,
                             window_seconds=config.breaker_window_seconds,
                             cooldown_seconds=config.breaker_cooldown_seconds)
    return ServiceClient(name, _URLS[name](), timeout_seconds=config.timeout_seconds, retries=config.retries,
                         breaker=breaker, sign_prefix=INTERNAL_PREFIX)


def _known(name: str) -> None:
    if name not in _URLS:
        raise ValueError(f"unknown upstream {name!r}: one of {', '.join(UPSTREAMS)}")
