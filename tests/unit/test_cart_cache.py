"""cart.cache's lines hint on a real Redis: what each write leaves it saying, and that a read's view sets it only
when no write came between."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from blinkit import snapshots
from cart import cache
from tests.plugins.stack import flush_keeping_claim

OWNER = "USER#u_hint"


@pytest.fixture
def rds(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    flush_keeping_claim(redis_url)
    monkeypatch.setattr(cache, "get_redis", lambda: client)
    monkeypatch.setattr(snapshots, "get_redis", lambda: client)
    yield client
    flush_keeping_claim(redis_url)


def hint() -> cache.Lines:
    return cache.lines(snapshots.read("sto_1", [], with_store=False, also=cache.read_lines(OWNER)).also)


def view(*product_ids: str) -> dict[str, object]:
    return {"cart_id": None, "store_id": "sto_1", "items": [{"product_id": pid} for pid in product_ids]}


def test_no_hint_knows_nothing(rds: redis.Redis) -> None:
    assert hint() == cache.Lines() and hint().holds("p1") is None


def test_a_line_in_without_a_full_read_is_a_partial_hint(rds: redis.Redis) -> None:
    cache.invalidate(OWNER, line_in="p1")
    assert (hint().holds("p1"), hint().holds("p2")) == (True, None)
    assert 0 < rds.ttl(cache.lines_key(OWNER)) <= cache.LINES_SECONDS


def test_a_full_read_makes_it_complete_and_writes_keep_it(rds: redis.Redis) -> None:
    _, gen = cache.get_view(OWNER)
    cache.put_view(OWNER, view("p1", "p2"), gen)
    assert hint() == cache.Lines(frozenset({"p1", "p2"}), complete=True)
    cache.invalidate(OWNER, line_out="p1")
    cache.invalidate(OWNER, line_in="p3")
    assert (hint().holds("p1"), hint().holds("p2"), hint().holds("p3")) == (False, True, True)
    cache.invalidate(OWNER, all_lines=[])  # emptied
    assert hint() == cache.Lines(frozenset(), complete=True)
    cache.invalidate(OWNER)  # any other write: dropped
    assert hint() == cache.Lines()


def test_a_view_read_before_a_write_sets_no_hint(rds: redis.Redis) -> None:
    _, gen = cache.get_view(OWNER)
    cache.invalidate(OWNER, line_in="p9")  # a write between the read and its put
    cache.put_view(OWNER, view("p1"), gen)
    assert hint() == cache.Lines(frozenset({"p9"}))
