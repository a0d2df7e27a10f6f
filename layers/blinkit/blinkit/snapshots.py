"""Catalog snapshots in Redis: what the cart may trust to add an item without calling products.

The products domain writes them right after each DynamoDB write that changes them (a product created,
edited or deactivated; stock set, reserved or released; a store created or changed); the cart reads them on
every add and fills one only when it is missing, from the products batch answer it had to ask for. This
module is the one place that knows the keys and the format, so neither domain imports the other.

Keys (Redis hashes, every one expiring after `SNAPSHOT_SECONDS`, so a refresh that was lost, say to a Redis
blip between the DynamoDB write and ours, is wrong for at most that long):
    snap:product:<product_id>         v: version (the product's updated_at), d: its facts (JSON, `PRODUCT_FIELDS`)
    snap:stock:<store_id>:<product>   v: version (the stock row's updated_at), n: units available
    snap:store:<store_id>             v: version (the store's updated_at), d: {"is_active": ...} (JSON)

Ordering: a products write sets a snapshot only if its version is not older than the stored one (one Lua
call), so two edits whose refreshes cross never leave the older one behind; the cart's fill sets one only
where none is stored, so an answer the cart read before an edit can never overwrite that edit's refresh.
A reservation moves `n` by its quantities (only where a snapshot exists) without touching the version.

Stock here is a hint: the reservation at checkout is the guard. The cart trusts a snapshot only to accept;
anything the snapshot would refuse (unknown, inactive, beyond a limit) is asked of products again.

Every function swallows Redis errors (logged): a snapshot missing is a call to products, never a failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import redis

from blinkit.observability import logger
from blinkit.redis_client import get_redis

SNAPSHOT_SECONDS = 600
# The product facts a snapshot keeps: what the cart's rules and its degraded view read. Stock is kept apart
# (per store, `n`), and so is whether the store is taking orders.
PRODUCT_FIELDS = ("product_id", "name", "brand", "category_id", "unit", "mrp", "price", "discount_percent", "image",
                  "max_per_order", "is_active")

# KEYS[1] the hash; ARGV: version, ttl, then field/value pairs. Sets them unless a newer version is stored.
_SET_IF_NOT_OLDER = """
local stored = redis.call('HGET', KEYS[1], 'v')
if stored and stored > ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""
# KEYS: hashes; ARGV[1]: ttl, ARGV[2..]: a JSON field/value list per key. Sets each where none is stored.
_SET_IF_ABSENT = """
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'v', '', unpack(cjson.decode(ARGV[i + 1])))
    redis.call('EXPIRE', key, ARGV[1])
  end
end
return 1
"""
# KEYS: stock hashes; ARGV: the change of each. Moves `n` where a snapshot exists (never creates one).
_MOVE_IF_PRESENT = """
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('HINCRBY', key, 'n', ARGV[i]) end
end
return 1
"""


def product_key(product_id: str) -> str:
    return f"snap:product:{product_id}"


def stock_key(store_id: str, product_id: str) -> str:
    return f"snap:stock:{store_id}:{product_id}"


def store_key(store_id: str) -> str:
    return f"snap:store:{store_id}"


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def product_facts(view: Mapping[str, Any]) -> dict[str, Any]:
    """The snapshot's facts of a product view (a product view of products, or one product of its batch answer)."""
    return {name: view.get(name) for name in PRODUCT_FIELDS}


def _failed(what: str, exc: Exception) -> None:
    logger.warning("catalog snapshots unavailable", extra={"operation": what, "error": type(exc).__name__})


# Written by products, after its own DynamoDB write --------------------------------------------------------


def _set(key: str, version: str, fields: dict[str, str]) -> None:
    try:
        pairs = [part for item in fields.items() for part in item]
        get_redis().eval(_SET_IF_NOT_OLDER, 1, key, version, SNAPSHOT_SECONDS, *pairs)
    except redis.RedisError as exc:
        _failed("set", exc)


def put_product(view: Mapping[str, Any], version: str) -> None:
    """A product as it now is (created, edited, deactivated). `view` has at least `PRODUCT_FIELDS`."""
    _set(product_key(str(view["product_id"])), version, {"d": _dump(product_facts(view))})


def put_stock(store_id: str, product_id: str, available: int, version: str) -> None:
    _set(stock_key(store_id, product_id), version, {"n": str(int(available))})


def put_store(store_id: str, is_active: bool, version: str) -> None:
    _set(store_key(store_id), version, {"d": _dump({"is_active": bool(is_active)})})


def move_stock(store_id: str, changes: Iterable[tuple[str, int]]) -> None:
    """A reservation (negative changes) or its release (positive) committed: move the snapshots' stock too."""
    changes = list(changes)
    if not changes:
        return
    try:
        get_redis().eval(_MOVE_IF_PRESENT, len(changes), *(stock_key(store_id, pid) for pid, _ in changes),
                         *(int(change) for _, change in changes))
    except redis.RedisError as exc:
        _failed("move_stock", exc)


# Read (and filled on a miss) by the cart ---------------------------------------------------------------------


@dataclass
class Snapshot:
    """What Redis holds for some products at one store: facts, stock, and whether the store takes orders."""

    products: dict[str, dict[str, Any]] = field(default_factory=dict)  # product_id → facts
    stock: dict[str, int] = field(default_factory=dict)  # product_id → available
    store_active: bool | None = None  # None: no snapshot of the store
    also: list[Any] = field(default_factory=list)  # the replies to the caller's `also` commands ([]: Redis failed)

    def product(self, product_id: str) -> dict[str, Any] | None:
        """The product as the batch answer gives it (facts, `available`, `in_stock`), or None when its facts or
        its stock at this store are not in the snapshot."""
        facts, available = self.products.get(product_id), self.stock.get(product_id)
        if facts is None or available is None:
            return None
        return {**facts, "available": available, "in_stock": available > 0}


def read(store_id: str, product_ids: list[str], *, with_store: bool = True,
         also: Callable[[Any], None] | None = None) -> Snapshot:
    """Everything snapshotted for `product_ids` at `store_id`, in one round trip (an empty one when Redis fails).
    `also` queues the caller's own reads on the same pipeline (so they cost no round trip of their own); their
    replies are the Snapshot's `also`."""
    found = Snapshot()
    try:
        pipe = get_redis().pipeline(transaction=False)
        for pid in product_ids:
            pipe.hget(product_key(pid), "d")
            pipe.hget(stock_key(store_id, pid), "n")
        if with_store:
            pipe.hget(store_key(store_id), "d")
        if also is not None:
            also(pipe)
        values = pipe.execute()
    except redis.RedisError as exc:
        _failed("read", exc)
        return found
    mine = 2 * len(product_ids) + int(with_store)
    values, found.also = values[:mine], values[mine:]
    for i, pid in enumerate(product_ids):
        facts, available = values[2 * i], values[2 * i + 1]
        if facts is not None:
            found.products[pid] = json.loads(facts)
        if available is not None:
            found.stock[pid] = int(available)
    if with_store and values[-1] is not None:
        found.store_active = bool(json.loads(values[-1]).get("is_active"))
    return found


def fill(store_id: str, store_active: bool | None, products: Iterable[Mapping[str, Any]]) -> None:
    """What a products batch answer said, where no snapshot is stored yet (one round trip)."""
    keys: list[str] = []
    values: list[str] = []
    for product in products:
        pid = str(product["product_id"])
        keys += [product_key(pid), stock_key(store_id, pid)]
        values += [_dump(["d", _dump(product_facts(product))]), _dump(["n", str(int(product["available"]))])]
    if store_active is not None:
        keys.append(store_key(store_id))
        values.append(_dump(["d", _dump({"is_active": store_active})]))
    if not keys:
        return
    try:
        get_redis().eval(_SET_IF_ABSENT, len(keys), *keys, SNAPSHOT_SECONDS, *values)
    except redis.RedisError as exc:
        _failed("fill", exc)
