"""Checkout benchmark: POST /orders until the order is PLACED (median and p95), and the state transitions
each order costs (from the execution history). Everything runs on the local stack: functions in-process,
the saga on moto's ASL interpreter, a real Redis from REDIS_URL, services over loopback HTTP.

    PYTHONPATH=.:functions:layers/blinkit .venv/bin/python -m tests.load.bench_checkout [--orders 50]

The figures are local: they show the cost of our own code and the number of transitions (what Step
Functions bills), not Lambda cold starts or network latency in AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import threading
import time
import uuid
from typing import Any

ADMIN_CONTEXT = {"auth_state": "ok", "uid": "bench-admin", "session_id": "ses_admin", "roles": "admin,customer"}
# Transition-counting: every state entered is one billed transition in a STANDARD workflow.
ENTERED = "StateEntered"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # no EMF lines between the figures
    import logging

    logging.disable(logging.WARNING)
    import uvicorn

    from local.config import PARAMETERS, TEMPLATE, local_environment
    from local.gateway import Gateway, asgi_app, build_event
    from local.stack import LocalStack

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/13"
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = local_environment(redis_url=redis_url, firebase_emulator_host="127.0.0.1:1", stage="test", api_url=url)
    env["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    with LocalStack(TEMPLATE, env_overrides=env, parameter_overrides=PARAMETERS) as stack:
        from blinkit.redis_client import get_redis, reset_redis
        from blinkit.settings import get_settings

        get_settings.cache_clear()
        reset_redis()
        get_redis().flushdb()
        gateway = Gateway(stack.template, stack.functions)
        server = uvicorn.Server(uvicorn.Config(asgi_app(gateway), log_level="error", lifespan="off"))
        threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
        while not server.started:
            time.sleep(0.02)

        def invoke(method: str, path: str, body: Any = None, context: dict[str, Any] = ADMIN_CONTEXT,
                   headers: dict[str, str] | None = None) -> Any:
            route, params = gateway.match(method, path)
            raw = json.dumps(body).encode() if body is not None else b""
            event = build_event(route, method, path, "", {"content-type": "application/json", **(headers or {})},
                                raw, "127.0.0.1", params)
            event["requestContext"]["authorizer"] = {"lambda": context}
            reply = stack.functions.invoke(route.function_id, event)
            assert reply["statusCode"] < 300, reply
            return json.loads(reply["body"]) if reply.get("body") else None

        store = invoke("POST", "/stores", {"name": "Bench Store", "address": "1 MG Road", "city": "Bengaluru",
                                           "lat": 12.97, "lng": 77.64, "radius_km": 5.0,
                                           "opening_hours": {"open": "00:00", "close": "00:00"},
                                           "fees": {"delivery_fee": 2500, "free_delivery_threshold": 19900,
                                                    "handling_fee": 400, "minimum_order": 4900}})
        category = invoke("POST", "/categories", {"name": "Bench", "slug": "bench"})
        products = []
        for i in range(5):
            product = invoke("POST", "/products", {"name": f"Bench Product {i}", "brand": "Amul", "unit": "1 kg",
                                                   "category_id": category["category_id"], "mrp": 5000,
                                                   "price": 4500, "max_per_order": 100})
            invoke("PUT", f"/stores/{store['store_id']}/stock/{product['product_id']}", {"available": 1_000_000})
            products.append(product["product_id"])

        from datetime import UTC, datetime

        from auth import store as auth_store

        users = []
        for n in range(args.orders + 5):
            uid = f"bench-user-{n}"
            now = datetime.now(UTC)
            auth_store.UserRecord(pk=auth_store.user_pk(uid), uid=uid, roles=["customer"], created_at=now,
                                  updated_at=now).save()
            context = {"auth_state": "ok", "uid": uid, "session_id": "ses_bench", "roles": "customer"}
            address = invoke("POST", "/users/me/addresses", {"label": "Home", "line1": "2 MG Road",
                                                              "city": "Bengaluru", "pincode": "560001",
                                                              "lat": 12.975, "lng": 77.645}, context)
            users.append((context, address["address_id"]))

        import boto3

        sfn = boto3.client("stepfunctions")
        machine = stack.resources.state_machines["OrderSagaStateMachine"]

        def one_order(context: dict[str, Any], address_id: str) -> tuple[float, int, str]:
            for pid in products[:3]:
                invoke("POST", "/cart/items", {"store_id": store["store_id"], "product_id": pid, "quantity": 1},
                       context)
            started = time.perf_counter()
            accepted = invoke("POST", "/orders", {"address_id": address_id}, context,
                              headers={"idempotency-key": str(uuid.uuid4())})
            arn = machine.replace(":stateMachine:", ":execution:") + ":" + accepted["order_id"]
            while True:
                status = invoke("GET", f"/orders/{accepted['order_id']}", context=context)["status"]
                if status != "PENDING":
                    break
                time.sleep(0.005)
            elapsed = (time.perf_counter() - started) * 1000
            stack.executor.wait(arn, timeout=60)
            history = stack.executor.history(arn)
            return elapsed, sum(1 for e in history if e["type"].endswith(ENTERED)), status

        for context, address_id in users[:5]:  # warm-up: imports, connection pools
            one_order(context, address_id)
        results = [one_order(context, address_id) for context, address_id in users[5:]]
        server.should_exit = True
        del sfn

    times = sorted(r[0] for r in results)
    transitions = [r[1] for r in results]
    placed = sum(1 for r in results if r[2] == "PLACED")
    print(f"\nCheckout benchmark: {len(results)} orders of 3 lines, one at a time, on the local stack")
    print(f"{'POST /orders -> PLACED':<28} {'p50 ms':>8} {'p95 ms':>8} {'transitions/order':>18} {'placed':>7}")
    print(f"{'':<28} {statistics.median(times):>8.1f} {times[max(0, int(len(times) * 0.95) - 1)]:>8.1f} "
          f"{statistics.mean(transitions):>18.1f} {placed:>7}")
    print("(transitions = states entered in the execution history: the happy path is 6 tasks and Succeed)")


if __name__ == "__main__":
    main()
