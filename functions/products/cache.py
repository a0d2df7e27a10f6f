"""The catalog a warm container keeps in memory: the category list, product records, pages of product lists and
stock, each for `TTL_SECONDS` (0 DynamoDB calls on a hit).

How an edit shows everywhere within `TTL_SECONDS`: every route is its own Lambda function, so the container
that serves `GET /products/{id}` never sees the `PATCH` (another function's container). Each entry simply
expires `TTL_SECONDS` after it was read from the table, on every container by its own clock: no message to
miss, no Redis on the read path. A write in *this* process (the local stack and the tests run every function
in one process) also forgets everything at once (`forget`, called by the products routes after a successful
write and by the stock reservation jobs), so there an edit shows on the next read.

Why a TTL and not a catalog generation number in Redis: the generation would make an edit show at once on every
container, for 1 Redis GET per read (and every stock change, one per order line, would have to bump it), while
the answers these caches feed are public and already cached by browsers and the CDN for their `max-age`
(products.api), which bounds what a client sees anyway. 5 s more of staleness costs nothing a client can
tell; the Redis GET would cost every read. docs/decisions.md has the figures.

Stale stock is safe: the cart checks stock again when an item is added and the reservation at checkout is the
real guard (a transaction on the stock items), so an "in stock" shown a few seconds late costs at most a
refused add.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

TTL_SECONDS = 5.0
# Bounds the memory a container spends on pages (keyed by filters and cursors, which a client chooses); the
# oldest entry goes first. Products and stock are bounded by the catalog, pages by this.
MAX_ENTRIES = 2048

class TtlCache[V]:
    """A thread-safe map whose entries expire `ttl` seconds after they were loaded, at most `max_entries` of
    them (least recently used first out). `clock` is monotonic seconds; tests move it on."""

    def __init__(self, name: str, *, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> tuple[bool, V | None]:
        """(True, value) while `key` is fresh, else (False, None)."""
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] <= self.clock():
                if found is not None:
                    del self._entries[key]
                self.misses += 1
                return False, None
            self._entries.move_to_end(key)
            self.hits += 1
            return True, found[1]

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            self._entries[key] = (self.clock() + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def get_or_load(self, key: Hashable, load: Callable[[], V]) -> V:
        """The fresh value of `key`, or `load()`'s (kept for `ttl`). Two threads missing at once both load: the
        loads are reads, and the later one wins."""
        fresh, value = self.get(key)
        if fresh:
            return value  # type: ignore[return-value]
        return self.put(key, load())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# The category records (key None), product records by id (None for an unknown id is not kept), pages of the
# product lists by (category or None, limit, cursor), and stock units by (store id, product id).
CATEGORIES: TtlCache[list[Any]] = TtlCache("categories")
PRODUCTS: TtlCache[Any] = TtlCache("products")
PAGES: TtlCache[tuple[list[Any], dict[str, Any] | None]] = TtlCache("pages")
STOCK: TtlCache[int] = TtlCache("stock")
ALL = (CATEGORIES, PRODUCTS, PAGES, STOCK)


def forget(*_: Any) -> None:
    """Forget every cached catalog read of this process (after a write here; other containers wait for the TTL)."""
    for cache in ALL:
        cache.clear()


def forget_stock() -> None:
    """Forget the stock this process keeps (after a reservation or a release here)."""
    STOCK.clear()


def stock_many(store_id: str, product_ids: list[str], load: Callable[[list[str]], dict[str, int]]
               ) -> dict[str, int]:
    """Units of each product at `store_id`: cached ones from memory, the rest in one `load(missing)` (a product
    the store has no stock item for counts 0 and is cached as 0 too)."""
    found: dict[str, int] = {}
    missing = []
    for pid in product_ids:
        fresh, units = STOCK.get((store_id, pid))
        if fresh:
            found[pid] = units  # type: ignore[assignment]
        else:
            missing.append(pid)
    if missing:
        loaded = load(missing)
        for pid in missing:
            found[pid] = STOCK.put((store_id, pid), loaded.get(pid, 0))
    return found
