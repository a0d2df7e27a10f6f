"""Redis for the cart: the assembled view (5 minutes). The catalog snapshots are `blinkit.snapshots`'.

Keys:
    cart:view:<owner>               the GET /cart body (JSON), `cart_view_cache_seconds`
    cart:gen:<owner>                a counter every write bumps (with the DEL of the view)
    cart:lines:<owner>              a hint of the cart's lines: a set of product ids, plus `COMPLETE` when it
                                    lists them all (set from a full read of the cart), 24 h

A hit costs one round trip: a pipeline of GET view + GET gen. A miss keeps the generation it saw and
stores the view it assembled only if no write bumped the generation meanwhile (one Lua call), so a read
racing a write can never put a stale cart back for five minutes. That Lua call also sets the lines hint
from the view (complete).

The lines hint only orders an add's writes (ADD to the line first, or the new line's transaction first): it
is read in the add's snapshot pipeline and updated in the invalidation pipeline, so it costs no round trip.
The writes' conditions decide, never the hint: a stale hint (a concurrent write, another container, an
expired line) costs one refused write, and the add that follows it corrects the hint.

Redis is a cache here, never the only copy: every function swallows Redis errors (logged), so reads and
writes still succeed from DynamoDB when Redis is down.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import redis

from blinkit.observability import logger
from blinkit.redis_client import get_redis
from blinkit.settings import get_settings

GEN_SECONDS = 24 * 3600
LINES_SECONDS = 24 * 3600
COMPLETE = "*"  # the lines hint's member saying it lists every line (a product id never is "*")

# Store the view (ARGV[2], for ARGV[3] s) and the lines hint (ARGV[5..], for ARGV[4] s) only if the generation
# is still the one the reader saw (ARGV[1]; "" = none).
_PUT_IF_UNCHANGED = """
local gen = redis.call('GET', KEYS[2]) or ''
if gen ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('DEL', KEYS[3])
redis.call('SADD', KEYS[3], unpack(ARGV, 5))
redis.call('EXPIRE', KEYS[3], ARGV[4])
return 1
"""


@dataclass(frozen=True)
class Lines:
    """What the lines hint says of a cart: the product ids it lists, and whether that is all of them."""

    held: frozenset[str] = frozenset()
    complete: bool = False

    def holds(self, product_id: str) -> bool | None:
        """True: the cart has the line; False: it has not; None: the hint does not know."""
        if product_id in self.held:
            return True
        return False if self.complete else None


def _client() -> redis.Redis:
    return get_redis()


def _failed(what: str, exc: Exception) -> None:
    logger.warning("cart cache unavailable", extra={"operation": what, "error": type(exc).__name__})


def view_key(owner_pk: str) -> str:
    return f"cart:view:{owner_pk}"


def gen_key(owner_pk: str) -> str:
    return f"cart:gen:{owner_pk}"


def lines_key(owner_pk: str) -> str:
    return f"cart:lines:{owner_pk}"


def read_lines(owner_pk: str) -> Callable[[Any], None]:
    """Queues the read of the lines hint on another read's pipeline (the add's snapshots); parse with `lines`."""
    return lambda pipe: pipe.smembers(lines_key(owner_pk))


def lines(replies: list[Any]) -> Lines:
    """The hint from `read_lines`' reply (none: Redis failed, or no hint stored)."""
    members = {m.decode() if isinstance(m, bytes) else str(m) for m in (replies[0] if replies else ())}
    return Lines(frozenset(members - {COMPLETE}), COMPLETE in members)


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
        client.eval(_PUT_IF_UNCHANGED, 3, view_key(owner_pk), gen_key(owner_pk), lines_key(owner_pk), seen_gen,
                    json.dumps(view, separators=(",", ":")), get_settings().cart_view_cache_seconds, LINES_SECONDS,
                    COMPLETE, *(item["product_id"] for item in view.get("items", ())))
    except redis.RedisError as exc:
        _failed("put_view", exc)


def invalidate(*owner_pks: str, line_in: str | None = None, line_out: str | None = None,
               all_lines: Iterable[str] | None = None) -> None:
    """After a DynamoDB write: drop the view and bump the generation, and update the lines hint in the same
    round trip: `line_in` the cart now has that line, `line_out` it has not, `all_lines` these are all of them
    (read with the cart); none of those: the write may have changed the lines, so the hint is dropped."""
    try:
        pipe = _client().pipeline(transaction=False)
        for pk in owner_pks:
            pipe.delete(view_key(pk))
            pipe.incr(gen_key(pk))
            pipe.expire(gen_key(pk), GEN_SECONDS)
            if line_in is not None:
                pipe.sadd(lines_key(pk), line_in)  # on a dropped hint: a partial one (not COMPLETE)
                pipe.expire(lines_key(pk), LINES_SECONDS)
            elif line_out is not None:
                pipe.srem(lines_key(pk), line_out)
            else:
                pipe.delete(lines_key(pk))
                if all_lines is not None:
                    pipe.sadd(lines_key(pk), COMPLETE, *all_lines)
                    pipe.expire(lines_key(pk), LINES_SECONDS)
        pipe.execute()
    except redis.RedisError as exc:
        _failed("invalidate", exc)
