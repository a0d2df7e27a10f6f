"""Checkout benchmark: POST /orders until the order is PLACED (median and p95), and the state transitions
each order costs (from the execution history). Everything runs on the local stack: functions in-process,
the saga on moto's ASL interpreter, a real Redis from REDIS_URL, services over loopback HTTP.

    PYTHONPATH=.:functions:layers/blinkit .venv/bin/python -m tests.load.bench_checkout [--orders 50]

The figures are local: they show the cost of our own code and the number of transitions (what Step
Functions bills), not Lambda cold starts or network latency in AWS.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from typing import Any

from tests.load.common import ALWAYS_OPEN, loopback_stack, percentile, table

# Transition-counting: every state entered is one billed transition in a STANDARD workflow.
ENTERED = "StateEntered"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=int(os.environ.get("BENCH_ORDERS", "50")))
    args = parser.parse_args()
    with loopback_stack(13) as lb:
        stack, invoke = lb.stack, lb.invoke
        store = invoke("POST", "/stores", {"name": "Bench Store", "address": "1 MG Road", "city": "Bengaluru",
                                           "lat": 12.97, "lng": 77.64, "radius_km": 5.0,
                                           "opening_hours": ALWAYS_OPEN,
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

    times = sorted(r[0] for r in results)
    transitions = [r[1] for r in results]
    placed = sum(1 for r in results if r[2] == "PLACED")
    print(f"\nCheckout benchmark: {len(results)} orders of 3 lines, one at a time, on the local stack")
    print(table(["request", "p50 ms", "p95 ms", "transitions/order", "placed"],
                [("POST /orders -> PLACED", percentile(times, 50), percentile(times, 95),
                  sum(transitions) / len(transitions), f"{placed}/{len(results)}")], floats=".1f"))
    print("(transitions = states entered in the execution history: the happy path is 6 tasks and Succeed)")


if __name__ == "__main__":
    main()
