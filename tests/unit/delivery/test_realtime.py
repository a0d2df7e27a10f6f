"""delivery.realtime against the loopback Supabase receiver: the REST broadcast shape, order, and outages."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from local.receivers import SupabaseReceiver
from tests.plugins.stack import flush_keeping_claim


@pytest.fixture
def supabase(redis_url: str) -> Iterator[SupabaseReceiver]:
    from blinkit.redis_client import reset_redis
    from blinkit.settings import get_settings
    from delivery import realtime

    saved = {k: os.environ.get(k) for k in ("SUPABASE_URL", "SUPABASE_KEY", "SUPABASE_KEY_PARAMETER", "REDIS_URL")}
    flush_keeping_claim(redis_url)
    with SupabaseReceiver() as receiver:
        os.environ.update({**receiver.environment(), "REDIS_URL": redis_url})
        get_settings.cache_clear()
        reset_redis()
        realtime.reset()
        yield receiver
    realtime.reset()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    reset_redis()
    flush_keeping_claim(redis_url)


def test_broadcasts_arrive_in_order_on_the_orders_topic(supabase: SupabaseReceiver) -> None:
    from delivery import realtime

    for i in range(5):
        assert realtime.publish("ord_1", {"lat": 12.97 + i / 1000, "lng": 77.64, "seq": i}) is True
    got = supabase.broadcasts
    assert [b["payload"]["seq"] for b in got] == [0, 1, 2, 3, 4]
    assert {(b["topic"], b["event"], b["private"]) for b in got} == {("order:ord_1", "location", False)}


def test_a_wrong_key_is_refused_by_the_receiver_and_publish_says_so(supabase: SupabaseReceiver) -> None:
    from blinkit.settings import get_settings
    from delivery import realtime

    os.environ["SUPABASE_KEY"] = "wrong"
    get_settings.cache_clear()
    realtime.reset()
    assert realtime.publish("ord_1", {"lat": 1.0}) is False
    assert supabase.broadcasts == [] and supabase.calls == 1


def test_supabase_down_never_raises_and_the_breaker_stops_calling_it(supabase: SupabaseReceiver) -> None:
    from delivery import realtime

    supabase.down = 503
    results = [realtime.publish("ord_1", {"seq": i}) for i in range(8)]
    assert results == [False] * 8
    assert supabase.calls == 5  # the breaker opened after 5 failures: the last 3 made no call
    supabase.stop()  # refused connections are failures too, and still never raise
    realtime.reset()
    assert realtime.publish("ord_2", {"seq": 0}) is False
