"""Cart benchmark: GET /cart (10 lines) warm latency and calls per request for a cache hit and a miss, and
add-item latency. Runs the cart functions in-process on the local stack (moto, a real Redis from REDIS_URL),
with the products service reached over real HTTP through the local gateway on loopback, as in AWS.

    PYTHONPATH=.:functions:layers/blinkit .venv/bin/python -m tests.load.bench_cart [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from tests.load.common import ALWAYS_OPEN, loopback_stack, percentile, table, timed

ROUTE_CONTEXT = {"auth_state": "ok", "uid": "bench-user", "session_id": "ses_bench", "roles": "customer"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "200")))
    args = parser.parse_args()
    rows: list[tuple[Any, ...]] = []
    with loopback_stack(14) as lb:
        store = lb.invoke("POST", "/stores", {"name": "Bench Store", "address": "1 MG Road", "city": "Bengaluru",
                                              "lat": 12.97, "lng": 77.64, "opening_hours": ALWAYS_OPEN})
        category = lb.invoke("POST", "/categories", {"name": "Bench", "slug": "bench"})
        products = []
        for i in range(10):
            product = lb.invoke("POST", "/products", {"name": f"Bench Product {i}", "brand": "Amul", "unit": "1 kg",
                                                      "category_id": category["category_id"], "mrp": 5000,
                                                      "price": 4500, "max_per_order": 100})
            lb.invoke("PUT", f"/stores/{store['store_id']}/stock/{product['product_id']}", {"available": 100_000})
            products.append(product["product_id"])
        for pid in products:
            lb.invoke("POST", "/cart/items", {"store_id": store["store_id"], "product_id": pid, "quantity": 1},
                      ROUTE_CONTEXT)

        from cart import cache

        def measure(name: str, run: Any, before: Any = None) -> None:
            times, calls = timed(run, args.rounds, lb.counters, before=before)
            rows.append((name, percentile(times, 50), percentile(times, 95), calls["dynamodb"], calls["redis"],
                         calls["internal"]))

        owner = "USER#bench-user"
        add_existing = {"store_id": store["store_id"], "product_id": products[0], "quantity": 1}
        measure("GET /cart, cache hit (10 lines)", lambda: lb.invoke("GET", "/cart", context=ROUTE_CONTEXT))
        measure("GET /cart, cache miss (10 lines)", lambda: lb.invoke("GET", "/cart", context=ROUTE_CONTEXT),
                before=lambda: cache.invalidate(owner))
        measure("POST /cart/items (existing line)",
                lambda: lb.invoke("POST", "/cart/items", add_existing, ROUTE_CONTEXT),
                before=lambda: lb.invoke("PUT", f"/cart/items/{products[0]}", {"quantity": 1}, ROUTE_CONTEXT))

    print(f"\nCart benchmark: {args.rounds} warm requests each, in-process functions on moto, real Redis, "
          "products over loopback HTTP")
    print(table(["request", "p50 ms", "p95 ms", "DynamoDB", "Redis RT", "products"], rows))
    print("(calls per request made by the cart function itself; the products service's own calls are its own)")


if __name__ == "__main__":
    main()
