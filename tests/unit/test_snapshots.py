"""blinkit.snapshots on a real Redis: the ordering rules that keep the cart's catalog snapshots fresh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from blinkit import snapshots
from tests.plugins.stack import flush_keeping_claim

STORE, PRODUCT = "sto_1", "prd_1"


def view(**over: object) -> dict[str, object]:
    return {"product_id": PRODUCT, "name": "Milk", "brand": "Amul", "category_id": "cat_1", "unit": "1 l",
            "mrp": 6000, "price": 5600, "discount_percent": 6, "image": None, "max_per_order": 5, "is_active": True,
            "created_at": "2026-12-05T10:00:00.000Z", **over}


@pytest.fixture
def rds(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    flush_keeping_claim(redis_url)
    monkeypatch.setattr(snapshots, "get_redis", lambda: client)
    yield client
    flush_keeping_claim(redis_url)


def test_the_newer_version_wins_whatever_order_the_refreshes_arrive_in(rds: redis.Redis) -> None:
    snapshots.put_product(view(price=5000), "2026-12-05T10:00:02.000Z")
    snapshots.put_product(view(price=5600), "2026-12-05T10:00:01.000Z")  # the older edit's refresh, late
    snapshots.put_stock(STORE, PRODUCT, 7, "2026-12-05T10:00:02.000Z")
    snapshots.put_stock(STORE, PRODUCT, 9, "2026-12-05T10:00:01.000Z")
    snapshots.put_store(STORE, True, "2026-12-05T10:00:00.000Z")
    found = snapshots.read(STORE, [PRODUCT])
    assert found.product(PRODUCT) == {**snapshots.product_facts(view(price=5000)), "available": 7, "in_stock": True}
    assert found.store_active is True
    assert "created_at" not in found.products[PRODUCT]  # only the facts the cart uses
    assert 0 < rds.ttl(snapshots.product_key(PRODUCT)) <= snapshots.SNAPSHOT_SECONDS


def test_a_fill_never_overwrites_what_products_wrote(rds: redis.Redis) -> None:
    snapshots.put_product(view(price=5000), "2026-12-05T10:00:02.000Z")
    # The cart read the batch before that edit and fills afterwards: the edit's refresh stays.
    snapshots.fill(STORE, False, [{**view(price=5600), "available": 3}])
    found = snapshots.read(STORE, [PRODUCT])
    assert found.products[PRODUCT]["price"] == 5000
    assert found.stock == {PRODUCT: 3} and found.store_active is False  # absent ones are filled
    snapshots.put_store(STORE, True, "2026-12-05T10:00:03.000Z")  # any products write beats a fill
    assert snapshots.read(STORE, []).store_active is True


def test_reservations_move_stock_only_where_a_snapshot_exists(rds: redis.Redis) -> None:
    snapshots.put_stock(STORE, PRODUCT, 10, "2026-12-05T10:00:00.000Z")
    snapshots.move_stock(STORE, [(PRODUCT, -3), ("prd_2", -1)])
    assert snapshots.read(STORE, [PRODUCT, "prd_2"]).stock == {PRODUCT: 7}
    assert not rds.exists(snapshots.stock_key(STORE, "prd_2"))  # never a made-up figure
    snapshots.move_stock(STORE, [(PRODUCT, 3)])
    assert snapshots.read(STORE, [PRODUCT]).stock == {PRODUCT: 10}


def test_a_product_without_its_stock_is_no_snapshot(rds: redis.Redis) -> None:
    snapshots.put_product(view(), "2026-12-05T10:00:00.000Z")
    found = snapshots.read(STORE, [PRODUCT])
    assert found.product(PRODUCT) is None and found.store_active is None


def test_redis_down_reads_nothing_and_writes_nothing_without_raising(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.2, socket_connect_timeout=0.2)
    monkeypatch.setattr(snapshots, "get_redis", lambda: dead)
    snapshots.put_product(view(), "2026-12-05T10:00:00.000Z")
    snapshots.move_stock(STORE, [(PRODUCT, -1)])
    snapshots.fill(STORE, True, [{**view(), "available": 1}])
    found = snapshots.read(STORE, [PRODUCT])
    assert (found.products, found.stock, found.store_active) == ({}, {}, None)


def test_a_callers_reads_ride_the_same_round_trip(rds: redis.Redis) -> None:
    snapshots.put_stock(STORE, PRODUCT, 7, "2026-12-05T10:00:00.000Z")
    rds.sadd("caller:set", "a")
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counted(self: redis.connection.AbstractConnection, command: object, check_health: bool = True) -> None:
        sent.append(command)
        send(self, command, check_health)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(redis.connection.AbstractConnection, "send_packed_command", counted)
        found = snapshots.read(STORE, [PRODUCT], also=lambda pipe: (pipe.smembers("caller:set"), pipe.get("none")))
    assert len(sent) == 1 and found.also == [{b"a"}, None]
    assert found.stock == {PRODUCT: 7} and found.store_active is None  # its own replies unchanged


def test_redis_down_gives_a_caller_no_replies(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.2, socket_connect_timeout=0.2)
    monkeypatch.setattr(snapshots, "get_redis", lambda: dead)
    assert snapshots.read(STORE, [PRODUCT], also=lambda pipe: pipe.smembers("caller:set")).also == []
