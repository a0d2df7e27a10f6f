"""What the benchmarks share: percentiles, table printing, call counters, and the local stack served on loopback.

Pure helpers (`percentile`, `summarize`, `table`) import nothing heavy, so unit tests can use them; `LoopbackStack`
imports the local stack only when entered.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

ADMIN_CONTEXT = {"auth_state": "ok", "uid": "bench-admin", "session_id": "ses_admin", "roles": "admin,customer"}
ALWAYS_OPEN = {"open": "00:00", "close": "00:00"}  # so a benchmark never meets a closed store


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (the smallest value with at least `pct`% of values at or below it)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < pct <= 100:
        raise ValueError("pct must be in (0, 100]")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def summarize(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 by nearest rank, plus the count."""
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99)}


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, floats: str = ".2f") -> str:
    """A plain-text table, first column left-aligned, the others right-aligned; floats as `floats`."""
    def cell(value: Any) -> str:
        return format(value, floats) if isinstance(value, float) else str(value)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h) for i, h in enumerate(headers)]
    # Text columns read left to right; numbers line up on the right.
    left = [i == 0 or any(isinstance(row[i], str) and not _numeric(row[i]) for row in rows)
            for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if left[i] else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                               strict=True))).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in text)])


def _numeric(text: str) -> bool:
    try:
        float(text.replace("/", "").replace("%", ""))
    except ValueError:
        return False
    return True


def bench_redis_url(db: int) -> str:
    """The benchmark's own database on the Redis of REDIS_URL (default: the standard local one)."""
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + f"/{db}"


def quiet_environment() -> None:
    """Dummy AWS credentials for moto, and no log or metric lines between the figures."""
    import logging

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore", message="Dimension 'service' has already been added")


# ---- counting DynamoDB and Redis calls ---------------------------------------------------------------------


@dataclass
class Counters:
    """DynamoDB API calls and Redis round trips (a pipeline is one), made on `thread` or on any thread."""

    thread: int = field(default_factory=threading.get_ident)
    dynamodb: int = 0
    redis: int = 0
    dynamodb_all: int = 0
    redis_all: int = 0
    internal: int = 0  # service-to-service HTTP calls through the loopback gateway

    def reset(self) -> None:
        self.dynamodb = self.redis = self.dynamodb_all = self.redis_all = self.internal = 0


def install_counters(counters: Counters) -> None:
    """Patch botocore and redis-py to count into `counters` (for the rest of the process)."""
    import botocore.client
    import redis

    call, send = botocore.client.BaseClient._make_api_call, redis.connection.AbstractConnection.send_packed_command

    def counted_call(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            counters.dynamodb_all += 1
            if threading.get_ident() == counters.thread:
                counters.dynamodb += 1
        return call(self, operation, params)

    def counted_send(self: Any, command: Any, check_health: bool = True) -> Any:
        counters.redis_all += 1
        if threading.get_ident() == counters.thread:
            counters.redis += 1
        return send(self, command, check_health)

    botocore.client.BaseClient._make_api_call = counted_call  # type: ignore[method-assign]
    redis.connection.AbstractConnection.send_packed_command = counted_send  # type: ignore[method-assign]


# ---- the local stack with its gateway on loopback ----------------------------------------------------------


@dataclass
class Loopback:
    stack: Any
    gateway: Any
    url: str
    counters: Counters

    def invoke(self, method: str, path: str, body: Any = None, context: dict[str, Any] | None = ADMIN_CONTEXT,
               headers: dict[str, str] | None = None, query: str = "") -> Any:
        """Call a route's function directly with an authorizer context (no authorizer run); 2xx or raise."""
        from local.gateway import build_event

        found = self.gateway.match(method, path)
        assert found is not None, f"no route for {method} {path}"
        route, params = found
        raw = json.dumps(body).encode() if body is not None else b""
        event = build_event(route, method, path, query, {"content-type": "application/json", **(headers or {})},
                            raw, "127.0.0.1", params)
        if context is not None:
            event["requestContext"]["authorizer"] = {"lambda": context}
        reply = self.stack.functions.invoke(route.function_id, event)
        assert reply["statusCode"] < 300, reply
        return json.loads(reply["body"]) if reply.get("body") else None


def claim_database(client: Any, db: int) -> None:
    """Claim the bench's Redis database as a test run claims its own (tests/plugins/stack.py), then empty it:
    a test run starting beside the bench then takes another database instead of flushing this one mid-run."""
    from tests.plugins.stack import CLAIM_KEY

    if not client.set(CLAIM_KEY, f"bench {os.getpid()}", nx=True, ex=3600):
        raise RuntimeError(f"Redis database {db} is claimed by {client.get(CLAIM_KEY)!r} (a test run or another "
                           f"bench); wait for it, or delete the key {CLAIM_KEY} if that run is gone")
    client.flushdb()
    client.set(CLAIM_KEY, f"bench {os.getpid()}", ex=3600)


@contextlib.contextmanager
def loopback_stack(redis_db: int, *, firebase_emulator_host: str = "127.0.0.1:1",
                   env: dict[str, str] | None = None) -> Iterator[Loopback]:
    """Every function in-process on moto, a flushed Redis database `redis_db`, and the gateway served over
    loopback HTTP (services call each other through it, as through the HttpApi in AWS). Counters are
    installed; `counters.internal` counts requests to /internal/ routes."""
    quiet_environment()
    import uvicorn

    from local.config import PARAMETERS, TEMPLATE, local_environment
    from local.gateway import Gateway, asgi_app, server_config
    from local.stack import LocalStack

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    overrides = local_environment(redis_url=bench_redis_url(redis_db), firebase_emulator_host=firebase_emulator_host,
                                  stage="test", api_url=url)
    overrides["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    overrides.update(env or {})
    counters = Counters()
    with LocalStack(TEMPLATE, env_overrides=overrides, parameter_overrides=PARAMETERS) as stack:
        from blinkit.redis_client import get_redis, reset_redis
        from blinkit.settings import get_settings

        get_settings.cache_clear()
        reset_redis()
        claim_database(get_redis(), redis_db)
        gateway = Gateway(stack.template, stack.functions)
        inner = asgi_app(gateway)

        async def app(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"].startswith("/internal/"):
                counters.internal += 1
            await inner(scope, receive, send)

        server = uvicorn.Server(server_config(app, log_level="error", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        install_counters(counters)
        try:
            yield Loopback(stack, gateway, url, counters)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
            get_redis().flushdb()  # the claim with it


def timed(run: Callable[[], Any], rounds: int, counters: Counters, *, warmup: int = 10,
          before: Callable[[], Any] | None = None) -> tuple[list[float], dict[str, float]]:
    """Run `run` warm `rounds` times: latencies in ms and the mean of each counter per call."""
    for _ in range(warmup):
        if before:
            before()
        run()
    times: list[float] = []
    totals = dict.fromkeys(("dynamodb", "redis", "dynamodb_all", "redis_all", "internal"), 0)
    for _ in range(rounds):
        if before:
            before()
        counters.reset()
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
        for name in totals:
            totals[name] += getattr(counters, name)
    return times, {name: total / rounds for name, total in totals.items()}


# ---- results as JSON (for the summary of goals and for `make capacity`) --------------------------------------

RESULTS_DIR_ENV = "BENCH_RESULTS_DIR"  # default .bench/ at the project root (git-ignored)


@dataclass
class Goal:
    """One goal of a benchmark beside the figure it had before: `met` is computed, never written by hand."""

    name: str  # e.g. "cold start median / fastapi floor"
    before: str  # the figure before the work, in words with units ("2.31x", "3 DynamoDB calls")
    now: float  # this run's figure
    target: float  # the goal's bound
    unit: str = ""  # "x", "calls", "%", "ms"
    at_most: bool = True  # False when the goal is a floor (>= target)

    @property
    def met(self) -> bool:
        return self.now <= self.target if self.at_most else self.now >= self.target


def results_dir() -> str:
    return os.environ.get(RESULTS_DIR_ENV, ".bench")


def save_results(bench: str, figures: dict[str, Any], goals: Sequence[Goal] = ()) -> str:
    """Write `<results dir>/<bench>.json`: this run's figures and goals (with `met`). Returns the path."""
    os.makedirs(results_dir(), exist_ok=True)
    path = os.path.join(results_dir(), f"{bench}.json")
    payload = {"bench": bench, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "load_average": os.getloadavg()[0], "figures": figures,
               "goals": [{**goal.__dict__, "met": goal.met} for goal in goals]}
    with open(path, "w", encoding="utf-8") as out:
        json.dump(payload, out, indent=2, sort_keys=True, default=str)
    return path
