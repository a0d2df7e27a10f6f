"""`products.cache`: entries live exactly their TTL by the cache's clock, the oldest goes first when full, and
stock is read only for the products not held."""

from __future__ import annotations

import pytest

from products import cache
from products.cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_is_served_until_its_ttl_then_loaded_again():
    clock, loads = Clock(), []
    c: TtlCache[int] = TtlCache("t", ttl=5.0, clock=clock)

    def load() -> int:
        loads.append(clock.now)
        return len(loads)

    assert c.get_or_load("k", load) == 1
    clock.now += 4.999
    assert c.get_or_load("k", load) == 1 and len(loads) == 1
    clock.now += 0.001  # exactly ttl after the load: expired
    assert c.get_or_load("k", load) == 2 and loads == [1000.0, 1005.0]
    assert (c.hits, c.misses) == (1, 2)


def test_two_containers_each_see_an_edit_within_the_ttl_by_their_own_clock():
    clock, table = Clock(), {"price": 100}
    first: TtlCache[int] = TtlCache("a", ttl=5.0, clock=clock)
    second: TtlCache[int] = TtlCache("b", ttl=5.0, clock=clock)
    assert first.get_or_load("p", lambda: table["price"]) == 100
    clock.now += 3
    assert second.get_or_load("p", lambda: table["price"]) == 100
    table["price"] = 90  # edited elsewhere: nobody tells either container
    clock.now += 2
    assert first.get_or_load("p", lambda: table["price"]) == 90  # read 5 s ago: fresh read
    assert second.get_or_load("p", lambda: table["price"]) == 100  # read 2 s ago: still its copy
    clock.now += 3
    assert second.get_or_load("p", lambda: table["price"]) == 90


def test_the_least_recently_used_entry_goes_first_when_full():
    c: TtlCache[str] = TtlCache("t", ttl=60, max_entries=2, clock=Clock())
    c.put("a", "A")
    c.put("b", "B")
    assert c.get("a") == (True, "A")  # a is now the most recent
    c.put("c", "C")
    assert c.get("b") == (False, None) and c.get("a") == (True, "A") and c.get("c") == (True, "C")


@pytest.fixture
def fresh_stock():
    cache.forget()
    yield
    cache.forget()


def test_stock_reads_only_the_products_not_held_and_keeps_a_missing_item_as_zero(fresh_stock):
    asked: list[list[str]] = []

    def load(missing: list[str]) -> dict[str, int]:
        asked.append(list(missing))
        return {"p1": 3}

    assert cache.stock_many("s1", ["p1", "p2"], load) == {"p1": 3, "p2": 0}
    assert cache.stock_many("s1", ["p1", "p2", "p3"], load) == {"p1": 3, "p2": 0, "p3": 0}
    assert asked == [["p1", "p2"], ["p3"]]
    assert cache.stock_many("s2", ["p1"], load) == {"p1": 3} and asked[-1] == ["p1"]  # per store
    cache.forget_stock()
    cache.stock_many("s1", ["p1"], load)
    assert asked[-1] == ["p1"]
