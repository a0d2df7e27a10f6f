"""A circuit breaker whose state lives in Redis, so every Lambda instance of the fleet shares it.

States: closed → open after `failure_threshold` failures within `window_seconds` → half-open once
`cooldown_seconds` have passed, when exactly one caller fleet-wide wins a trial lease (SET NX PX) →
closed if the trial succeeds, open for another cool-down if it fails.

Keys (the `{name}` hash tag keeps them in one slot, so the scripts also work on Redis Cluster):
  breaker:{name}:open      epoch ms until which the breaker is open; present ⇒ open or half-open
  breaker:{name}:failures  sorted set of failure times (a sliding window)
  breaker:{name}:trial     the half-open trial lease

Redis round trips (each a single EVALSHA or DEL; times come from the Redis clock, so instances with
skewed clocks agree):
  closed     acquire 1 · success 0 · failure 1
  open       acquire 0 once this instance has seen it open (the deadline is cached locally), else 1
  half-open  acquire 1 · trial success 1 · trial failure 1
The first script call against a fresh Redis server adds two (NOSCRIPT → SCRIPT LOAD → EVALSHA).

Redis down: the breaker must not make an outage worse, so it never raises Redis errors. It falls back
to a per-process in-memory breaker with the same rules (keyed by name, so every client of a process
shares it) and leaves Redis alone for `REDIS_RETRY_SECONDS` before trying it again, so a hanging Redis
costs one socket timeout per interval rather than one per call. The fleet then no longer agrees, but
each instance still protects itself and the upstream.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import redis
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from redis.commands.core import Script

from blinkit.errors import ServiceUnavailable
from blinkit.observability import logger, metrics

REDIS_RETRY_SECONDS = 5.0
# An open key outlives its cool-down by this much; a breaker idle longer than that starts closed again.
_STATE_GRACE_MS = 3_600_000
# Another caller holds the half-open trial: it usually settles within one call, so retry soon. Not
# cached locally either, since the trial may close the breaker any moment.
_TRIAL_RETRY_AFTER = 1.0

_ACQUIRE = """
local open_until = tonumber(redis.call('GET', KEYS[1]) or '')
if not open_until then return {0, 0} end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
if now < open_until then return {1, open_until - now} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2, 0} end
return {3, 0}
"""

# Returns {opened_now, open_ms}: opened_now is 1 for exactly one caller per opening (the script is
# atomic), which is what makes the BreakerOpened metric fire once fleet-wide.
_FAILURE = """
local threshold, window, cooldown = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local open_until = tonumber(redis.call('GET', KEYS[1]) or '')
if open_until then
  if ARGV[4] ~= '1' then return {0, math.max(open_until - now, 0)} end
  redis.call('SET', KEYS[1], now + cooldown, 'PX', cooldown + tonumber(ARGV[6]))
  redis.call('DEL', KEYS[2], KEYS[3])
  return {1, cooldown}
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('PEXPIRE', KEYS[2], window)
if redis.call('ZCARD', KEYS[2]) >= threshold then
  redis.call('SET', KEYS[1], now + cooldown, 'PX', cooldown + tonumber(ARGV[6]))
  redis.call('DEL', KEYS[2])
  return {1, cooldown}
end
return {0, 0}
"""


class CircuitOpen(ServiceUnavailable):
    """Refused without calling the upstream: the breaker is open or another caller holds the trial."""

    def __init__(self, service: str, retry_after_seconds: float) -> None:
        self.service = service
        self.retry_after = max(1, math.ceil(retry_after_seconds))
        super().__init__(f"The {service} service is temporarily unavailable", retry_after=self.retry_after)


@dataclass(frozen=True)
class Permit:
    """Leave to make one call. `trial` permits decide the half-open state; `backend` answers the result."""

    trial: bool = False
    backend: Literal["redis", "memory"] = "redis"


@dataclass
class _MemoryState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    failures: deque[float] = field(default_factory=deque)
    open_until: float | None = None  # monotonic seconds; set ⇒ open or half-open
    trial_until: float = 0.0


_memory_states: dict[str, _MemoryState] = {}
_memory_lock = threading.Lock()


def _memory_state(name: str) -> _MemoryState:
    with _memory_lock:
        return _memory_states.setdefault(name, _MemoryState())


class CircuitBreaker:
    """Guards calls to one dependency. Use `acquire()` before a call, then `record_success/failure`."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        window_seconds: float = 30.0,
        cooldown_seconds: float = 30.0,
        trial_lease_seconds: float = 10.0,
        redis_client: redis.Redis | None = None,
    ) -> None:
        if failure_threshold < 1 or min(window_seconds, cooldown_seconds, trial_lease_seconds) <= 0:
            raise ValueError("breaker thresholds and durations must be positive")
        self.name = name
        self.failure_threshold = failure_threshold
        self.window_seconds = window_seconds
        self.cooldown_seconds = cooldown_seconds
        # The lease must outlive a trial call; if the trial's caller dies, another may try after it.
        self.trial_lease_seconds = trial_lease_seconds
        self._redis = redis_client  # None: the process-wide client, resolved on first use (no I/O at import)
        self._scripts: tuple[Script, Script] | None = None
        self._keys = tuple(f"breaker:{{{name}}}:{part}" for part in ("open", "failures", "trial"))
        self._known_open_until = 0.0  # monotonic; lets an instance refuse without asking Redis again
        self._redis_skip_until = 0.0
        self._memory = _memory_state(name)

    # -- public API ---------------------------------------------------------------------------------

    def acquire(self) -> Permit:
        """Leave for one call, or `CircuitOpen` carrying the remaining cool-down as Retry-After."""
        remaining = self._known_open_until - time.monotonic()
        if remaining > 0:
            raise CircuitOpen(self.name, remaining)
        client = self._client()
        if client is not None:
            try:
                state, ms = self._acquire_script(client)
            except redis.RedisError as exc:
                self._redis_failed(exc)
            else:
                return self._permit_from(int(state), int(ms))
        return self._memory_acquire()

    def record_success(self, permit: Permit) -> None:
        """A successful call closes a half-open breaker; in the closed state it costs nothing."""
        if not permit.trial:
            return
        if permit.backend == "redis":
            client = self._client()
            if client is not None:
                try:
                    client.delete(*self._keys)
                    return
                except redis.RedisError as exc:
                    self._redis_failed(exc)
            # Redis went away mid-trial: its lease will expire; nothing to close locally.
            return
        with self._memory.lock:
            self._memory.open_until = None
            self._memory.failures.clear()
            self._memory.trial_until = 0.0

    def record_failure(self, permit: Permit) -> bool:
        """Count one failed call. Returns True when the breaker is open after it."""
        if permit.backend == "redis":
            client = self._client()
            if client is not None:
                try:
                    opened, ms = self._failure_script(client, permit.trial)
                except redis.RedisError as exc:
                    self._redis_failed(exc)
                else:
                    if int(ms) > 0:
                        self._known_open_until = time.monotonic() + int(ms) / 1000
                    if int(opened):
                        self._opened(reopened=permit.trial, fallback=False)
                    return int(ms) > 0
            permit = Permit(trial=False, backend="memory")
        return self._memory_failure(permit.trial)

    # -- Redis --------------------------------------------------------------------------------------

    def _client(self) -> redis.Redis | None:
        if time.monotonic() < self._redis_skip_until:
            return None
        if self._redis is None:
            from blinkit.redis_client import get_redis

            self._redis = get_redis()
        return self._redis

    def _redis_failed(self, exc: Exception) -> None:
        self._redis_skip_until = time.monotonic() + REDIS_RETRY_SECONDS
        logger.warning("breaker falling back to in-process state: Redis unavailable",
                       extra={"breaker": self.name, "error": type(exc).__name__})

    def _script(self, client: redis.Redis) -> tuple[Script, Script]:
        if self._scripts is None:  # registering only hashes the source locally
            self._scripts = (client.register_script(_ACQUIRE), client.register_script(_FAILURE))
        return self._scripts

    def _acquire_script(self, client: redis.Redis) -> tuple[int, int]:
        lease_ms = max(1, int(self.trial_lease_seconds * 1000))
        state, ms = self._script(client)[0](keys=[self._keys[0], self._keys[2]],
                                            args=[uuid.uuid4().hex, lease_ms], client=client)
        return int(state), int(ms)

    def _failure_script(self, client: redis.Redis, trial: bool) -> tuple[int, int]:
        args = [self.failure_threshold, int(self.window_seconds * 1000), int(self.cooldown_seconds * 1000),
                "1" if trial else "0", uuid.uuid4().hex, _STATE_GRACE_MS]
        opened, ms = self._script(client)[1](keys=list(self._keys), args=args, client=client)
        return int(opened), int(ms)

    def _permit_from(self, state: int, ms: int) -> Permit:
        if state == 0:
            return Permit(trial=False)
        if state == 2:
            return Permit(trial=True)
        if state == 1:
            self._known_open_until = time.monotonic() + ms / 1000
            raise CircuitOpen(self.name, ms / 1000)
        raise CircuitOpen(self.name, _TRIAL_RETRY_AFTER)

    # -- in-process fallback ------------------------------------------------------------------------

    def _memory_acquire(self) -> Permit:
        state, now = self._memory, time.monotonic()
        with state.lock:
            if state.open_until is None:
                return Permit(backend="memory")
            if now < state.open_until:
                raise CircuitOpen(self.name, state.open_until - now)
            if now >= state.trial_until:
                state.trial_until = now + self.trial_lease_seconds
                return Permit(trial=True, backend="memory")
            raise CircuitOpen(self.name, _TRIAL_RETRY_AFTER)

    def _memory_failure(self, trial: bool) -> bool:
        state, now = self._memory, time.monotonic()
        with state.lock:
            if state.open_until is not None:
                if not trial:  # a late failure of a call made before the breaker opened
                    return now < state.open_until
            else:
                state.failures.append(now)
                while state.failures and state.failures[0] <= now - self.window_seconds:
                    state.failures.popleft()
                if len(state.failures) < self.failure_threshold:
                    return False
            state.open_until = now + self.cooldown_seconds
            state.failures.clear()
            state.trial_until = 0.0
        self._opened(reopened=trial, fallback=True)
        return True

    # -- telemetry ----------------------------------------------------------------------------------

    def _opened(self, *, reopened: bool, fallback: bool) -> None:
        # single_metric flushes its own EMF blob: a `breaker` dimension on the shared `metrics` object
        # would be stamped onto every other business metric of the request.
        with single_metric(name="BreakerOpened", unit=MetricUnit.Count, value=1,
                           namespace=metrics.namespace) as metric:
            metric.add_dimension(name="breaker", value=self.name)
        logger.warning("circuit breaker opened", extra={
            "breaker": self.name, "reopened": reopened, "fallback": fallback,
            "failure_threshold": self.failure_threshold, "window_seconds": self.window_seconds,
            "cooldown_seconds": self.cooldown_seconds,
        })
