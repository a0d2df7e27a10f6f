"""The Redis-backed circuit breaker against a real Redis: thresholds, windows, the half-open trial,
fleet-wide sharing, the BreakerOpened metric, round trips per call, and the in-process fallback."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from blinkit.breaker import CircuitBreaker, CircuitOpen, Permit
from tests.plugins.stack import flush_keeping_claim

DOWN_REDIS = "redis://127.0.0.1:1/0"  # nothing listens there: every command is refused at once


class CountingRedis(redis.Redis):
    """Counts commands sent: without pipelines (the breaker uses none), one command is one round trip."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: list[str] = []

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.commands.append(str(args[0]))
        return super().execute_command(*args, **options)


@pytest.fixture
def rds(redis_url: str) -> Iterator[CountingRedis]:
    client = CountingRedis.from_url(redis_url, decode_responses=True)
    flush_keeping_claim(redis_url)  # the run's claim on this database must survive
    yield client
    client.close()


def make(rds: redis.Redis, name: str | None = None, **kw: Any) -> CircuitBreaker:
    options: dict[str, Any] = {"failure_threshold": 3, "window_seconds": 1.0, "cooldown_seconds": 0.3} | kw
    return CircuitBreaker(name or f"svc-{uuid.uuid4().hex[:8]}", redis_client=rds, **options)


def fail(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        breaker.record_failure(breaker.acquire())


def opened_metrics(out: str) -> list[dict[str, Any]]:
    blobs = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]
    return [b for b in blobs if "BreakerOpened" in b]


def wait_for_half_open(breaker: CircuitBreaker) -> None:
    time.sleep(breaker.cooldown_seconds + 0.05)


def test_opens_after_the_threshold_and_not_before(rds):
    breaker = make(rds)
    fail(breaker, 2)
    breaker.record_success(breaker.acquire())  # successes do not reset a sliding window
    fail(breaker, 1)
    with pytest.raises(CircuitOpen) as refused:
        breaker.acquire()
    assert refused.value.status == 503
    assert refused.value.headers["Retry-After"] == "1" and refused.value.retry_after == 1


def test_failures_older_than_the_window_do_not_count(rds):
    breaker = make(rds, window_seconds=0.3)
    fail(breaker, 2)
    time.sleep(0.35)
    fail(breaker, 2)
    assert breaker.acquire() == Permit(trial=False)
    fail(breaker, 1)  # three inside the window now
    with pytest.raises(CircuitOpen):
        breaker.acquire()


def test_retry_after_is_the_remaining_cool_down(rds):
    breaker = make(rds, cooldown_seconds=5.0)
    fail(breaker, 3)
    with pytest.raises(CircuitOpen) as refused:
        make(rds, breaker.name).acquire()  # a fresh instance asks Redis
    assert refused.value.headers["Retry-After"] == "5"


def test_half_open_lets_exactly_one_of_ten_concurrent_callers_through(rds):
    breaker = make(rds)
    fail(breaker, 3)
    wait_for_half_open(breaker)
    # Ten "Lambda instances": separate breaker objects, same name, racing through a barrier.
    instances = [make(rds, breaker.name) for _ in range(10)]
    barrier = threading.Barrier(10)
    permits: list[Permit] = []
    refusals: list[CircuitOpen] = []

    def caller(instance: CircuitBreaker) -> None:
        barrier.wait()
        try:
            permits.append(instance.acquire())
        except CircuitOpen as exc:
            refusals.append(exc)

    threads = [threading.Thread(target=caller, args=(i,)) for i in instances]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert permits == [Permit(trial=True)] and len(refusals) == 9


def test_trial_success_closes_and_resets_the_count(rds):
    breaker = make(rds)
    fail(breaker, 3)
    wait_for_half_open(breaker)
    trial = breaker.acquire()
    assert trial.trial
    breaker.record_success(trial)
    assert breaker.acquire() == Permit(trial=False)
    fail(breaker, 2)  # counting starts again from zero
    assert breaker.acquire() == Permit(trial=False)
    assert not rds.exists(f"breaker:{{{breaker.name}}}:trial")


def test_trial_failure_reopens_for_another_cool_down(rds, capsys):
    breaker = make(rds)
    fail(breaker, 3)
    wait_for_half_open(breaker)
    assert breaker.record_failure(breaker.acquire()) is True
    with pytest.raises(CircuitOpen):
        make(rds, breaker.name).acquire()
    wait_for_half_open(breaker)
    assert breaker.acquire().trial
    assert len(opened_metrics(capsys.readouterr().out)) == 2  # the first opening and the re-opening


def test_two_instances_share_state_through_redis(rds):
    first = make(rds)
    second = make(rds, first.name)
    fail(first, 2)
    fail(second, 1)  # failures from both instances add up
    with pytest.raises(CircuitOpen):
        first.acquire()
    with pytest.raises(CircuitOpen):
        second.acquire()
    wait_for_half_open(first)
    trial = second.acquire()
    second.record_success(trial)
    assert first.acquire() == Permit(trial=False)  # closed by the other instance's trial


def test_breaker_opened_metric_is_emitted_once_per_opening(rds, capsys):
    breaker = make(rds)
    others = [make(rds, breaker.name) for _ in range(3)]
    permits = [(b, b.acquire()) for b in [breaker, *others] for _ in range(2)]  # 8 calls in flight
    for instance, permit in permits:
        instance.record_failure(permit)  # the 3rd opens; later ones land on an open breaker
    blobs = opened_metrics(capsys.readouterr().out)
    assert len(blobs) == 1
    blob = blobs[0]
    assert blob["breaker"] == breaker.name and blob["BreakerOpened"] == [1.0]
    directive = blob["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Blinkit" and directive["Dimensions"] == [["breaker"]]
    assert directive["Metrics"] == [{"Name": "BreakerOpened", "Unit": "Count"}]


def test_redis_round_trips_per_state(rds):
    warm_up = make(rds)
    warm_up.record_failure(warm_up.acquire())  # loads both scripts into this Redis once
    rds.commands.clear()
    breaker = make(rds, cooldown_seconds=0.3)

    def trips(action: Any) -> int:
        before = len(rds.commands)
        with contextlib.suppress(CircuitOpen):
            action()
        return len(rds.commands) - before

    permit = breaker.acquire()
    assert trips(breaker.acquire) == 1  # closed: one EVALSHA
    assert trips(lambda: breaker.record_success(permit)) == 0  # closed success: nothing
    assert trips(lambda: breaker.record_failure(breaker.acquire())) == 2  # acquire + failure script
    fail(breaker, 2)
    assert trips(breaker.acquire) == 0  # open, and this instance knows until when
    assert trips(make(rds, breaker.name).acquire) == 1  # open, learnt from Redis
    wait_for_half_open(breaker)
    trial: list[Permit] = []
    assert trips(lambda: trial.append(breaker.acquire())) == 1  # half-open: the lease in the same script
    assert trips(make(rds, breaker.name).acquire) == 1  # half-open, trial taken: refused
    assert trips(lambda: breaker.record_success(trial[0])) == 1  # closing is one DEL
    fail(breaker, 3)
    wait_for_half_open(breaker)
    trial[0] = breaker.acquire()
    assert trips(lambda: breaker.record_failure(trial[0])) == 1  # re-opening is one script
    assert set(rds.commands) <= {"EVALSHA", "DEL"}


def test_redis_down_calls_still_work_and_the_fallback_breaker_opens(capsys):
    down = redis.Redis.from_url(DOWN_REDIS, socket_connect_timeout=0.2, socket_timeout=0.2)
    breaker = CircuitBreaker(f"svc-{uuid.uuid4().hex[:8]}", failure_threshold=3, window_seconds=1.0,
                             cooldown_seconds=0.3, redis_client=down)
    started = time.monotonic()
    permit = breaker.acquire()  # no Redis error reaches the caller
    assert permit == Permit(trial=False, backend="memory")
    breaker.record_success(permit)
    fail(breaker, 3)
    with pytest.raises(CircuitOpen):
        breaker.acquire()
    assert len(opened_metrics(capsys.readouterr().out)) == 1
    wait_for_half_open(breaker)
    trial = breaker.acquire()
    assert trial.trial and trial.backend == "memory"
    with pytest.raises(CircuitOpen):  # the in-process trial lease holds too
        breaker.acquire()
    breaker.record_success(trial)
    assert breaker.acquire() == Permit(trial=False, backend="memory")
    assert time.monotonic() - started < 2


def test_redis_is_retried_after_the_fallback_interval(rds, monkeypatch):
    import blinkit.breaker as module

    monkeypatch.setattr(module, "REDIS_RETRY_SECONDS", 0.1)
    breaker = make(rds)
    real = rds.execute_command
    monkeypatch.setattr(rds, "execute_command", lambda *a, **k: (_ for _ in ()).throw(redis.ConnectionError("x")))
    assert breaker.acquire().backend == "memory"
    monkeypatch.setattr(rds, "execute_command", real)
    assert breaker.acquire().backend == "memory"  # still within the interval: Redis left alone
    time.sleep(0.15)
    assert breaker.acquire().backend == "redis"


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError):
        CircuitBreaker("x", failure_threshold=0)
    with pytest.raises(ValueError):
        CircuitBreaker("x", cooldown_seconds=0)
