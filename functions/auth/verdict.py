"""The authorizer's verdict on a request's session token, and the session store it reads.

Apart from `auth.service` so that the authorizer (on every protected request's path, its own function) imports
only what a verdict needs: Redis, the session rules and the settings; no FastAPI, no pynamodb, no routes.
`auth.service` uses the same store and re-exports these for its routes.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

import redis

from auth.session_store import SessionStore
from auth.sessions import Policy, hash_token, looks_like_token
from blinkit import clock
from blinkit.context import AuthState
from blinkit.observability import logger
from blinkit.redis_client import get_redis
from blinkit.settings import get_settings


def session_policy() -> Policy:
    s = get_settings()
    return Policy(
        absolute=timedelta(days=s.session_absolute_days),
        idle=timedelta(days=s.session_idle_days),
        touch_every=timedelta(seconds=s.session_touch_seconds),
    )


@lru_cache(maxsize=4)
def _store_for(client: redis.Redis) -> SessionStore:
    return SessionStore(client, session_policy())


def sessions() -> SessionStore:
    return _store_for(get_redis())




def bearer_token(headers: dict[str, str] | None) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == "authorization" and value[:7].lower() == "bearer ":
            return value[7:].strip()
    return None


def authorize(headers: dict[str, str] | None) -> dict[str, Any]:
    """The authorizer's verdict for a request's session token (see blinkit.security for why a verdict)."""
    if not any(key.lower() == "authorization" for key in (headers or {})):
        # No credentials at all: a guest. Only OptionalSessionAuthorizer routes get here without the
        # header (SessionAuthorizer declares it, so API Gateway answers 401 first); they serve guests.
        return {"auth_state": AuthState.ANONYMOUS.value}
    token = bearer_token(headers)
    if not token or not looks_like_token(token):
        return {"auth_state": AuthState.INVALID.value}
    try:
        store_ = sessions()
        token_hash = hash_token(token)
        session = store_.get(token_hash)
        now = clock.now()
        if session is None or not session.is_active(now, store_.policy):
            return {"auth_state": AuthState.INVALID.value}
        if session.needs_touch(now, store_.policy) and not store_.touch(token_hash, session, now):
            return {"auth_state": AuthState.INVALID.value}  # ended between our read and our write
    except redis.RedisError:
        return {"auth_state": AuthState.UNAVAILABLE.value}
    verdict = {
        "auth_state": AuthState.OK.value,
        "uid": session.uid,
        "session_id": session.session_id,
        "roles": ",".join(session.roles),
    }
    if session.store_id:
        verdict["store_id"] = session.store_id
    return verdict


def authorize_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """HTTP API REQUEST authorizer (payload 2.0, simple responses). Always answers with a verdict."""
    verdict = authorize(event.get("headers"))
    logger.debug("authorizer verdict", auth_state=verdict["auth_state"], uid=verdict.get("uid"))
    return {"isAuthorized": True, "context": verdict}
