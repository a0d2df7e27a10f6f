"""Live rider locations on Supabase Realtime: a broadcast on topic `order:{order_id}`, event `location`.

Sent through Supabase's REST broadcast endpoint (`POST {SUPABASE_URL}/realtime/v1/api/broadcast`) with
plain httpx: the supabase SDK would add a large import for one POST. Best effort: one attempt with a
short timeout, behind the fleet-wide circuit breaker, and any failure is logged and swallowed, so
Supabase being down never fails a location update (the point is already stored).
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from blinkit.breaker import CircuitBreaker, CircuitOpen
from blinkit.observability import logger
from blinkit.parameters import secure_string
from blinkit.settings import get_settings

EVENT = "location"
_lock = threading.Lock()
_state: dict[str, Any] = {}


def topic(order_id: str) -> str:
    return f"order:{order_id}"


def _key() -> str:
    s = get_settings()
    return secure_string(s.supabase_key_parameter, s.supabase_key, max_age=3600)


def _parts() -> tuple[httpx.Client, CircuitBreaker, str, dict[str, str]]:
    with _lock:
        if not _state:
            s = get_settings()
            key = _key()
            _state.update(
                http=httpx.Client(timeout=httpx.Timeout(s.supabase_timeout_seconds), trust_env=False),
                breaker=CircuitBreaker("supabase", failure_threshold=5, window_seconds=30, cooldown_seconds=15),
                url=s.supabase_url.rstrip("/") + "/realtime/v1/api/broadcast",
                headers={"apikey": key, "Authorization": f"Bearer {key}", "content-type": "application/json"},
            )
        return _state["http"], _state["breaker"], _state["url"], _state["headers"]


def reset() -> None:
    """Forget the client (tests point SUPABASE_URL elsewhere)."""
    with _lock:
        if _state.get("http"):
            _state["http"].close()
        _state.clear()


def publish(order_id: str, payload: dict[str, Any]) -> bool:
    """Broadcast one location; True if Supabase accepted it. Never raises."""
    try:
        http, breaker, url, headers = _parts()
        permit = breaker.acquire()
    except CircuitOpen:
        return False
    except Exception:  # a missing key parameter must not fail the update either
        logger.exception("realtime unavailable")
        return False
    body = {"messages": [{"topic": topic(order_id), "event": EVENT, "payload": payload, "private": False}]}
    try:
        reply = http.post(url, json=body, headers=headers)
        ok = reply.status_code < 300
        failure = None if ok or reply.status_code < 500 else f"HTTP {reply.status_code}"
    except httpx.HTTPError as exc:
        ok, failure = False, type(exc).__name__
    if failure is None:
        breaker.record_success(permit)
        if not ok:
            logger.warning("realtime broadcast refused", extra={"status": reply.status_code})
    else:
        breaker.record_failure(permit)
        logger.warning("realtime broadcast failed", extra={"order_id": order_id, "failure": failure})
    return ok
