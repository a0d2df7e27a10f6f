"""Redis for the cart: the assembled view (5 minutes). The catalog snapshots are `blinkit.snapshots`'.

Keys:
    cart:view:<owner>               the GET /cart body (JSON), `cart_view_cache_seconds`
    cart:gen:<owner>                a counter every write bumps (with the DEL of the view)

A hit costs one round trip: a pipeline of GET view + GET gen. A miss keeps the generation it saw and
stores the view it assembled only if no write bumped the generation meanwhile (one Lua call), so a read
racing a write can never put a stale cart back for five minutes.

Redis is a cache here, never the only copy: every function swallows Redis errors (logged), so reads and
writes still succeed from DynamoDB when Redis is down.
"""

from __future__ import annotations

import json
from typing import Any

import redis

from blinkit.observability import logger
from blinkit.redis_client import get_redis
from blinkit.settings import get_settings

GEN_SECONDS = 24 * 3600

# Store the view only if the generation is still the one the reader saw (ARGV[1]; "" = none).
_PUT_IF_UNCHANGED = """
local gen = redis.call('GET', KEYS[2]) or ''
if gen ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""


def _client() -> redis.Redis:
    return get_redis()


def _failed(what: str, exc: Exception) -> None:
    logger.warning("cart cache unavailable", extra={"operation": what, "error": type(exc).__name__})


def view_key(owner_pk: str) -> str:
    return f"cart:view:{owner_pk}"


def gen_key(owner_pk: str) -> str:
    return f"cart:gen:{owner_pk}"


def get_view(owner_pk: str) -> tuple[dict[str, Any] | None, str | None]:
    """(cached view or None, the generation seen; None when Redis is unavailable)."""
    try:
        pipe = _client().pipeline(transaction=False)
        pipe.get(view_key(owner_pk))
        pipe.get(gen_key(owner_pk))
        view, gen = pipe.execute()
    except redis.RedisError as exc:
        _failed("get_view", exc)
        return None, None
    return (json.loads(view) if view else None), (gen or "")


def put_view(owner_pk: str, view: dict[str, Any], seen_gen: str | None) -> None:
    if seen_gen is None:  # Redis was down when we looked: do not write a view we cannot vouch for
        return
    try:
        client = _client()
        client.eval(_PUT_IF_UNCHANGED, 2, view_key(owner_pk), gen_key(owner_pk), seen_gen,
                    json.dumps(view, separators=(",", ":")), get_settings().cart_view_cache_seconds)
    except redis.RedisError as exc:
        _failed("put_view", exc)


def invalidate(*owner_pks: str) -> None:
    """After a DynamoDB write succeeded: drop the view and bump the generation (one round trip)."""
    try:
        pipe = _client().pipeline(transaction=False)
        for pk in owner_pks:
            pipe.delete(view_key(pk))
            pipe.incr(gen_key(pk))
            pipe.expire(gen_key(pk), GEN_SECONDS)
        pipe.execute()
    except redis.RedisError as exc:
        _failed("invalidate", exc)
