"""Cart benchmark: GET /cart (10 lines) warm latency and calls per request for a cache hit and a miss, and
add-item latency. Runs the cart functions in-process on the local stack (moto, a real Redis from REDIS_URL),
with the products service reached over real HTTP through the local gateway on loopback, as in AWS.

    PYTHONPATH=.:functions:layers/blinkit .venv/bin/python -m tests.load.bench_cart [--rounds 200]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import threading
import time
from typing import Any

ROUTE_CONTEXT = {"auth_state": "ok", "uid": "bench-user", "session_id": "ses_bench", "roles": "customer"}
ADMIN_CONTEXT = {"auth_state": "ok", "uid": "bench-admin", "session_id": "ses_admin", "roles": "admin,customer"}


class Counters:
    def __init__(self) -> None:
        self.dynamodb = self.redis = self.products = 0
        self.thread = threading.get_ident()


def install_counters(counters: Counters) -> None:
    import botocore.client
    import redis

    call, send = botocore.client.BaseClient._make_api_call, redis.connection.AbstractConnection.send_packed_command

    def counted_call(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb" and threading.get_ident() == counters.thread:
            counters.dynamodb += 1
        return call(self, operation, params)

    def counted_send(self, command, check_health=True):
        if threading.get_ident() == counters.thread:
            counters.redis += 1
        return send(self, command, check_health)

    botocore.client.BaseClient._make_api_call = counted_call
    redis.connection.AbstractConnection.send_packed_command = counted_send


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    import logging

    logging.disable(logging.WARNING)
    import uvicorn

    from local.config import PARAMETERS, TEMPLATE, local_environment
    from local.gateway import Gateway, asgi_app, build_event
    from local.stack import LocalStack

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/14"
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = local_environment(redis_url=redis_url, firebase_emulator_host="127.0.0.1:1", stage="test", api_url=url)
    env["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    counters = Counters()
    with LocalStack(TEMPLATE, env_overrides=env, parameter_overrides=PARAMETERS) as stack:
        from blinkit.redis_client import get_redis, reset_redis
        from blinkit.settings import get_settings

        get_settings.cache_clear()
        reset_redis()
        get_redis().flushdb()
        gateway = Gateway(stack.template, stack.functions)
        inner = asgi_app(gateway)

        async def app(scope, receive, send):
            if scope["type"] == "http" and scope["path"].startswith("/internal/products/"):
                counters.products += 1
            await inner(scope, receive, send)

        server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
        threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
        while not server.started:
            time.sleep(0.02)

        def invoke(method: str, path: str, body: Any = None, context: dict[str, Any] = ROUTE_CONTEXT) -> Any:
            route, params = gateway.match(method, path)
            raw = json.dumps(body).encode() if body is not None else b""
            event = build_event(route, method, path, "", {"content-type": "application/json"}, raw, "127.0.0.1",
                                params)
            event["requestContext"]["authorizer"] = {"lambda": context}
            reply = stack.functions.invoke(route.function_id, event)
            assert reply["statusCode"] < 300, reply
            return json.loads(reply["body"]) if reply.get("body") else None

        store = invoke("POST", "/stores", {"name": "Bench Store", "address": "1 MG Road", "city": "Bengaluru",
                                           "lat": 12.97, "lng": 77.64,
                                           "opening_hours": {"open": "00:00", "close": "00:00"}}, ADMIN_CONTEXT)
        category = invoke("POST", "/categories", {"name": "Bench", "slug": "bench"}, ADMIN_CONTEXT)
        products = []
        for i in range(10):
            product = invoke("POST", "/products", {"name": f"Bench Product {i}", "brand": "Amul", "unit": "1 kg",
                                                   "category_id": category["category_id"], "mrp": 5000,
                                                   "price": 4500, "max_per_order": 100}, ADMIN_CONTEXT)
            invoke("PUT", f"/stores/{store['store_id']}/stock/{product['product_id']}", {"available": 100_000},
                   ADMIN_CONTEXT)
            products.append(product["product_id"])
        for pid in products:
            invoke("POST", "/cart/items", {"store_id": store["store_id"], "product_id": pid, "quantity": 1})

        from cart import cache

        install_counters(counters)
        rows = []

        def measure(name: str, run: Any, before: Any = None) -> None:
            for _ in range(10):  # warm-up
                if before:
                    before()
                run()
            times, calls = [], [0, 0, 0]
            for _ in range(args.rounds):
                if before:
                    before()
                counters.dynamodb = counters.redis = counters.products = 0
                started = time.perf_counter()
                run()
                times.append((time.perf_counter() - started) * 1000)
                calls = [calls[0] + counters.dynamodb, calls[1] + counters.redis, calls[2] + counters.products]
            times.sort()
            rows.append((name, statistics.median(times), times[int(len(times) * 0.95) - 1],
                         *(c / args.rounds for c in calls)))

        owner = "USER#bench-user"
        measure("GET /cart, cache hit (10 lines)", lambda: invoke("GET", "/cart"))
        measure("GET /cart, cache miss (10 lines)", lambda: invoke("GET", "/cart"),
                before=lambda: cache.invalidate(owner))
        measure("POST /cart/items (existing line)",
                lambda: invoke("POST", "/cart/items", {"store_id": store["store_id"], "product_id": products[0],
                                                       "quantity": 1}),
                before=lambda: invoke("PUT", f"/cart/items/{products[0]}", {"quantity": 1}))
        server.should_exit = True

    print(f"\nCart benchmark: {args.rounds} warm requests each, in-process functions on moto, real Redis, "
          "products over loopback HTTP")
    print(f"{'request':<36} {'p50 ms':>8} {'p95 ms':>8} {'DynamoDB':>9} {'Redis RT':>9} {'products':>9}")
    for name, p50, p95, ddb, rds, prod in rows:
        print(f"{name:<36} {p50:>8.2f} {p95:>8.2f} {ddb:>9.2f} {rds:>9.2f} {prod:>9.2f}")
    print("(calls per request made by the cart function itself; the products service's own calls are its own)")


if __name__ == "__main__":
    main()
