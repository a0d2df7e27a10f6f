"""What the notifications domain asks the auth domain, through its IAM-authorized internal routes.

Every call goes through `blinkit.upstreams` (the auth upstream's breaker and retries), each attempt bounded
by `CONTACT_TIMEOUT_SECONDS` rather than the auth upstream's own timeout: a consumer batch can wait longer
for a contact than a customer's request can for an address.

- `GET /internal/users/{uid}/contact` → {uid, name, email, phone, device_tokens}: kept in-process for
  `CONTACT_CACHE_SECONDS` (a batch often holds several messages for one user; a changed email or a new
  device is picked up within that time);
- `DELETE /internal/users/{uid}/devices/{token}`: FCM said the token is no longer registered;
- `GET /internal/users?limit=&cursor=`: every user id, page by page (the admin broadcast's fan-out).
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import quote

from blinkit.observability import logger
from blinkit.settings import get_settings
from blinkit.upstreams import upstream

_lock = threading.Lock()
_cache: dict[str, tuple[float, dict[str, Any] | None]] = {}
_flights: dict[str, threading.Lock] = {}


class AuthUnavailable(Exception):
    """Auth answered something unexpected; the message is retried."""


def _timeout() -> float:
    return get_settings().contact_timeout_seconds


def forget_contacts() -> None:
    """Drop the contact cache (tests change users)."""
    with _lock:
        _cache.clear()


def contact(uid: str) -> dict[str, Any] | None:
    """The user's email and device tokens; None when auth has no such user.

    One lookup per user at a time (the others of a batch wait for it and read the cache)."""
    with _lock:
        cached = _cache.get(uid)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        flight = _flights.setdefault(uid, threading.Lock())
    with flight:
        with _lock:
            cached = _cache.get(uid)
            if cached and cached[0] > time.monotonic():
                return cached[1]
        found = _lookup(uid)
        with _lock:
            _cache[uid] = (time.monotonic() + get_settings().contact_cache_seconds, found)
            _flights.pop(uid, None)
        return found


def _lookup(uid: str) -> dict[str, Any] | None:
    reply = upstream("auth").get(f"/internal/users/{quote(uid, safe='')}/contact", timeout_seconds=_timeout())
    if reply.status_code == 404:
        return None
    if reply.status_code != 200:
        logger.error("contact lookup refused", extra={"status": reply.status_code, "body": reply.text[:300]})
        raise AuthUnavailable(f"contact of {uid}: HTTP {reply.status_code}")
    return dict(reply.json())


def remove_device(uid: str, token: str) -> None:
    path = f"/internal/users/{quote(uid, safe='')}/devices/{quote(token, safe='')}"
    reply = upstream("auth").delete(path, timeout_seconds=_timeout())
    if reply.status_code not in (204, 404):  # 404: already gone
        raise AuthUnavailable(f"removing a device of {uid}: HTTP {reply.status_code}")
    with _lock:
        _cache.pop(uid, None)


def user_page(limit: int, cursor: str | None) -> tuple[list[str], str | None]:
    params: dict[str, Any] = {"limit": limit}
    if cursor:
        params["cursor"] = cursor
    reply = upstream("auth").get("/internal/users", params=params, timeout_seconds=_timeout())
    if reply.status_code != 200:
        raise AuthUnavailable(f"listing users: HTTP {reply.status_code}")
    body = reply.json()
    return [str(u) for u in body["users"]], body.get("next_cursor")
