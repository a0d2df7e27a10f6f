"""Load benchmark: `make run`'s server as a subprocess, then a headless Locust run of tests/load/locustfile.py
(browse, search, cart, quote, checkout by signed-in customers) for a bounded time; prints requests per second,
p50/p95/p99 and the error rate per request and in total, and writes them to .bench/load.json. The server is
always stopped.

    PYTHONPATH=.:functions:layers/blinkit .venv/bin/python -m tests.load.bench_load

The server runs with PRODUCTION upstream timeouts (each `*_TIMEOUT_SECONDS` as template.yaml gives it, else the
layer's setting default: products 1.5 s), and with `make run`'s own bound on concurrent client requests
(local/gateway.py: calls between services never wait behind clients, as separate Lambdas would not).

Knobs (environment): BENCH_LOAD_USERS (20), BENCH_LOAD_SPAWN_RATE (5/s), BENCH_LOAD_SECONDS (60),
BENCH_LOAD_UPSTREAM_TIMEOUT (the products timeout; default production's), BENCH_LOAD_CONCURRENCY (the server's
`--concurrency`; default `make run`'s; 0 lifts the bound, which shows the failure this bench was written for:
the products breaker opening under 20 users). The goal "0 % errors at 20 users, production timeouts" is written
only for a run with those settings. The server uses its own Redis database (11 on REDIS_URL) and state file,
so it can run beside a `make run`. It is one Python process (uvicorn + every function in-process + moto): the
figures are that process's ceiling on this machine, not what Lambda and DynamoDB would do.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.load.common import ALWAYS_OPEN, Goal, bench_redis_url, save_results, table
from tests.plugins.local_server import local_server

QUERIES = ["milk", "amul mlk", "paneer", "atta", "basmati rice", "tomato", "chocolate", "bread", "eggs", "dal"]
CUSTOMER = {"lat": 12.9352, "lng": 77.6245}  # beside the first demo store (Koramangala)
PRODUCTS = 20
UPSTREAMS = ("products", "auth", "cart", "orders")  # the domains other domains call (blinkit.upstreams)
GOAL_USERS = 20  # issue 17's goal: 0 % errors at 20 users with production timeouts


def production_timeouts() -> dict[str, str]:
    """`<UPSTREAM>_TIMEOUT_SECONDS` as deployed: the template's value where it sets one (Globals or a function;
    every function must agree, as they share the local process), else the layer's setting default."""
    from blinkit.settings import Settings
    from local.config import PARAMETERS, TEMPLATE
    from local.template import Resolver, Template

    template = Template.load(TEMPLATE)
    resolver = Resolver(template, PARAMETERS)  # a value may be a parameter's (!Ref)
    timeouts = {}
    for name in UPSTREAMS:
        variable = f"{name.upper()}_TIMEOUT_SECONDS"
        values = {str(resolver.resolve(spec.environment[variable])) for spec in template.functions.values()
                  if variable in spec.environment}
        if len(values) > 1:
            raise RuntimeError(f"template.yaml gives {variable} several values: {sorted(values)}")
        timeouts[variable] = values.pop() if values else str(Settings.model_fields[f"{name}_timeout_seconds"].default)
    return timeouts


def parse_locust_stats(path: Path) -> list[dict[str, Any]]:
    """Rows of Locust's `<prefix>_stats.csv`: name, requests, failures, rps, p50/p95/p99 (ms), error rate.
    The "Aggregated" row (every request) comes last."""
    rows = []
    with path.open(newline="") as file:
        for record in csv.DictReader(file):
            requests, failures = int(record["Request Count"]), int(record["Failure Count"])

            def ms(column: str, record: dict[str, str] = record) -> float:
                value = record.get(column, "N/A")
                return float(value) if value not in ("", "N/A") else float("nan")

            rows.append({"name": record["Name"] if record["Name"] != "Aggregated" else "total",
                         "requests": requests, "failures": failures, "rps": float(record["Requests/s"]),
                         "p50": ms("50%"), "p95": ms("95%"), "p99": ms("99%"),
                         "error_rate": failures / requests if requests else 0.0})
    total = [r for r in rows if r["name"] == "total"]
    return sorted((r for r in rows if r["name"] != "total"), key=lambda r: r["name"]) + total


def prepare(url: str, state: dict[str, Any], users: int) -> dict[str, Any]:
    """Stores always open, plenty of stock for the products the scenario buys, and `users` signed-in customers
    with an address each: what the locustfile reads."""
    import httpx

    from local.catalog.data import catalog
    from local.firebase_emulator import FirebaseAuthEmulator
    from local.seed import demo_user

    emulator = FirebaseAuthEmulator.attach(state["emulator_host"], state["project_id"])
    http = httpx.Client(base_url=url, timeout=60)

    def login(phone: str) -> str:
        _, id_token = emulator.sign_in_with_phone(phone)
        reply = http.post("/auth/login", json={"id_token": id_token, "device": {"name": "locust", "platform": "web"}})
        reply.raise_for_status()
        return str(reply.json()["session_token"])

    def ok(reply: httpx.Response) -> Any:
        if reply.status_code >= 300:
            raise RuntimeError(f"{reply.request.method} {reply.request.url} answered {reply.status_code}: "
                               f"{reply.text[:300]}")
        return reply.json() if reply.content else None

    admin = {"Authorization": f"Bearer {login(demo_user('admin').phone)}"}
    data = catalog()
    store_id = data["stores"][0]["store_id"]
    for store in data["stores"]:
        ok(http.patch(f"/stores/{store['store_id']}", json={"opening_hours": ALWAYS_OPEN}, headers=admin))
    stocked = {r["product_id"] for r in data["stock"] if r["store_id"] == store_id and r["available"]}
    # Each product alone clears the store's minimum order, so any non-empty cart can be quoted and placed.
    minimum = int(data["stores"][0]["fees"].get("minimum_order", 0))
    product_ids = [p["product_id"] for p in data["products"]
                   if p["product_id"] in stocked and p["price"] >= minimum][:PRODUCTS]
    for pid in product_ids:
        ok(http.put(f"/stores/{store_id}/stock/{pid}", json={"available": 1_000_000}, headers=admin))
    customers = []
    for n in range(users):
        token = login(f"+9198765{n:05d}")
        address = ok(http.post("/users/me/addresses", headers={"Authorization": f"Bearer {token}"},
                               json={"label": "Home", "line1": f"{n + 1} 80 Feet Road", "city": "Bengaluru",
                                     "pincode": "560095", **CUSTOMER}))
        customers.append({"token": token, "address_id": address["address_id"]})
    http.close()
    return {"store_id": store_id, "product_ids": product_ids, "queries": QUERIES, **CUSTOMER, "users": customers}


def main() -> int:
    from local.config import ROOT
    from local.server import PUBLIC_CONCURRENCY

    users = int(os.environ.get("BENCH_LOAD_USERS", str(GOAL_USERS)))
    spawn_rate = os.environ.get("BENCH_LOAD_SPAWN_RATE", "5")
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
    concurrency = int(os.environ.get("BENCH_LOAD_CONCURRENCY", str(PUBLIC_CONCURRENCY)))
    production = production_timeouts()
    timeouts = {**production}
    if os.environ.get("BENCH_LOAD_UPSTREAM_TIMEOUT"):
        timeouts["PRODUCTS_TIMEOUT_SECONDS"] = os.environ["BENCH_LOAD_UPSTREAM_TIMEOUT"]
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    redis_url = bench_redis_url(11)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = {"LOGIN_RATE_PER_IP": "100000", **timeouts, "BLINKIT_CONCURRENCY": str(concurrency),
           "POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"}
    with local_server(work, redis_url, startup_timeout=300, env=env) as state:
        url = state["api"]
        data = prepare(url, state, users)
        data_file = work / "users.json"
        data_file.write_text(json.dumps(data))
        locust = Path(sys.executable).parent / "locust"
        command = [str(locust), "-f", str(ROOT / "tests/load/locustfile.py"), "--headless", "-u", str(users),
                   "-r", spawn_rate, "-t", f"{seconds}s", "--host", url, "--csv", str(work / "load"),
                   "--only-summary", "--loglevel", "ERROR", "--stop-timeout", "10"]
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, "BENCH_LOAD_DATA": str(data_file)},
                              capture_output=True, text=True, timeout=seconds + 300)
        stats = work / "load_stats.csv"
        if not stats.exists():
            print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
            return 1
    rows = parse_locust_stats(stats)
    total = rows[-1]
    upstream_timeouts = ", ".join(f"{name} {timeouts[f'{name.upper()}_TIMEOUT_SECONDS']} s" for name in UPSTREAMS)
    at_production = timeouts == production
    print(f"\nLoad: Locust headless, {users} users (spawn {spawn_rate}/s), {seconds}s, against `make run`'s server "
          f"(ONE Python process: uvicorn + every function in-process + moto; real Redis; client requests at once: "
          f"{concurrency or 'no bound'}; upstream timeouts{' (production)' if at_production else ''}: "
          f"{upstream_timeouts})")
    print(table(["request", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors %"],
                [(r["name"], r["requests"], r["failures"], r["rps"], r["p50"], r["p95"], r["p99"],
                  100 * r["error_rate"]) for r in rows], floats=".1f"))
    failures = work / "load_failures.csv"
    if failures.exists():
        lines = failures.read_text().strip().splitlines()[1:6]
        for line in lines:
            print(f"failure: {line[:300]}")
    print(f"(Locust CSVs and the server log: {work})")
    figures = {"users": users, "seconds": seconds, "spawn_rate": float(spawn_rate), "concurrency": concurrency,
               "upstream_timeouts": {k: float(v) for k, v in timeouts.items()}, "production_timeouts": at_production,
               "requests": total["requests"], "failures": total["failures"], "rps": total["rps"],
               "p50_ms": total["p50"], "p95_ms": total["p95"], "p99_ms": total["p99"],
               "error_rate": total["error_rate"], "requests_by_name": rows[:-1]}
    goals = []
    if at_production and users == GOAL_USERS:
        goals.append(Goal(f"load errors at {GOAL_USERS} users, production timeouts", "17.9 %",
                          round(100 * total["error_rate"], 2), 0, "%"))
    else:
        print(f"(not the goal's setting: {GOAL_USERS} users with production timeouts; no goal written)")
    print(f"results: {save_results('load', figures, goals)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
