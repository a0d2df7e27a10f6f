"""Delivery benchmark: POST /delivery/partners/me/location — warm latency, the updates per second the function
sustains (one instance, and four in parallel for four riders), and its calls per update, off a delivery and on
one (route point + Supabase Realtime broadcast to the loopback receiver). Then the reads the customer's order
screen polls every 2 s while the rider is on the way (web/src/screens/Orders.jsx and Tracking.jsx):
GET /orders/{id}, GET /delivery/orders/{id}/tracking and .../route, with their calls. In-process on the local
stack (moto, a real Redis from REDIS_URL). Results: printed, and `.bench/delivery.json` (calls per request
for `make capacity`).

    PYTHONPATH=.:functions:layers/blinkit .venv/bin/python -m tests.load.bench_delivery [--rounds 300]

The 1/s-per-rider gate is real: the driver deletes a rider's gate key before each of its posts (outside the
counted calls), as if each fix came a second after the last.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from tests.load.common import ALWAYS_OPEN, loopback_stack, percentile, save_results, table, timed

PARALLEL = 4  # the local stack's instances per function
# moto reads a rider's whole route in Python (~1.5 s here with a few hundred points): the counts are exact after
# a few rounds, so the polls are measured at most this many times.
POLL_ROUNDS = 30
CUSTOMER = {"auth_state": "ok", "uid": "bench-customer", "session_id": "ses_bench", "roles": "customer"}


def partner_context(uid: str) -> dict[str, str]:
    return {"auth_state": "ok", "uid": uid, "session_id": "ses_bench", "roles": "delivery_partner"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "300")))
    args = parser.parse_args()
    rows: list[tuple[Any, ...]] = []
    throughput: list[tuple[Any, ...]] = []
    figures: dict[str, dict[str, float]] = {}
    with loopback_stack(11) as lb:
        shop = lb.invoke("POST", "/stores", {"name": "Bench Store", "address": "1 MG Road", "city": "Bengaluru",
                                             "lat": 12.97, "lng": 77.64, "opening_hours": ALWAYS_OPEN})
        from blinkit.clock import now_iso
        from blinkit.redis_client import get_redis
        from delivery import store
        from orders import service as orders_service
        from orders.store import OrderRecord, order_pk

        now = now_iso()
        riders = [f"bench-rider-{i}" for i in range(PARALLEL + 1)]
        for uid in riders:
            store.PartnerRecord(pk=store.partner_pk(uid), uid=uid, name=uid, phone="+919000000009", vehicle="Bike",
                                store_id=shop["store_id"], status=store.AVAILABLE,
                                status_uid=store.status_uid(store.AVAILABLE, uid), lat=12.97, lng=77.64, loc_ms=0,
                                created_at=now, updated_at=now).save()
        idle = riders[-1]
        # One PACKED order per working rider, assigned by the job, picked up through the API.
        store.set_partner_status(idle, store.OFFLINE, now)  # the idle rider is never assigned
        for i in range(PARALLEL):
            order_id = f"ord_01BENCH{i:019d}"
            OrderRecord(pk=order_pk(order_id), order_id=order_id, user_id="bench-customer", store_id=shop["store_id"],
                        address={"line1": "Bench Lane", "lat": 12.99, "lng": 77.66}, items=[], bill=[],
                        status="PACKED", version=1, status_history=[], delivery_otp="1234", created_at=now,
                        updated_at=now).save()
            message = orders_service.status_message(OrderRecord.get(order_pk(order_id), "ORDER"))
            event = {"Records": [{"messageId": f"m{i}", "body": __import__("json").dumps(message)}]}
            assert lb.stack.functions.invoke("AssignPartnerFunction", event) == {"batchItemFailures": []}
        assigned = {p.order_id: p.uid for p in (store.get_partner(u) for u in riders[:PARALLEL]) if p and p.order_id}
        assert len(assigned) == PARALLEL, assigned
        for order_id, uid in assigned.items():
            lb.invoke("POST", f"/delivery/orders/{order_id}/pickup", context=partner_context(uid))
        redis, supabase = get_redis(), lb.stack.supabase
        step = [0]

        def post(uid: str) -> None:
            step[0] += 1
            lat = 12.97 + (step[0] % 1000) * 0.00002
            fix = {"lat": lat, "lng": 77.64, "accuracy_m": 5.0, "heading": 10.0, "speed_kmph": 20.0,
                   "recorded_at": datetime.now(UTC).isoformat(timespec="microseconds")}
            lb.invoke("POST", "/delivery/partners/me/location", fix, context=partner_context(uid))

        def measure(name: str, uid: str) -> None:
            broadcasts = supabase.calls
            times, calls = timed(lambda: post(uid), args.rounds, lb.counters,
                                 before=lambda: redis.delete(f"delivery:loc-gate:{uid}"))
            http = (supabase.calls - broadcasts) / (args.rounds + 10)
            rows.append((name, percentile(times, 50), percentile(times, 95), calls["dynamodb"], calls["redis"],
                         round(http, 2)))
            throughput.append((f"{name}, 1 instance", round(1000 * len(times) / sum(times))))
            figures[name] = {"p50_ms": percentile(times, 50), "dynamodb": calls["dynamodb"],
                             "dynamodb_all": calls["dynamodb_all"], "redis": calls["redis"],
                             "redis_all": calls["redis_all"], "internal": calls["internal"], "external_http": http}

        measure("off a delivery", idle)
        store.set_partner_status(idle, store.AVAILABLE, now_iso())
        measure("on a delivery (history + broadcast)", riders[0])

        # Four riders at once, one per instance.
        lock, done = threading.Lock(), [0]

        def rider_loop(uid: str, count: int) -> None:
            for _ in range(count):
                redis.delete(f"delivery:loc-gate:{uid}")
                post(uid)
                with lock:
                    done[0] += 1

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            list(pool.map(lambda uid: rider_loop(uid, args.rounds), riders[:PARALLEL]))
        elapsed = time.perf_counter() - started
        throughput.append((f"on a delivery, {PARALLEL} riders on {PARALLEL} instances", round(done[0] / elapsed)))
        points = sum(len(store.route(o, 10_000, None)[0]) for o in assigned)
        received = len(supabase.broadcasts)

        # What the customer's order screen polls while the rider is on the way (the route is read with
        # limit=1000, as the app does; this rider has stored a few hundred points by now).
        watched = next(iter(assigned))
        reads = [("GET /orders/{order_id}", f"/orders/{watched}", ""),
                 ("GET /delivery/orders/{order_id}/tracking", f"/delivery/orders/{watched}/tracking", ""),
                 ("GET /delivery/orders/{order_id}/route", f"/delivery/orders/{watched}/route", "limit=1000")]
        read_rows = []
        for name, path, query in reads:
            times, calls = timed(lambda p=path, q=query: lb.invoke("GET", p, context=CUSTOMER, query=q),
                                 min(args.rounds, POLL_ROUNDS), lb.counters)
            read_rows.append((name, percentile(times, 50), percentile(times, 95), calls["dynamodb"], calls["redis"],
                              calls["internal"]))
            figures[name] = {"p50_ms": percentile(times, 50), "dynamodb": calls["dynamodb"],
                             "dynamodb_all": calls["dynamodb_all"], "redis": calls["redis"],
                             "redis_all": calls["redis_all"], "internal": calls["internal"], "external_http": 0.0}

    print(f"\nDelivery benchmark: POST /delivery/partners/me/location, {args.rounds} warm updates each, in-process "
          "on moto, real Redis, Supabase Realtime on its loopback receiver")
    print(table(["update", "p50 ms", "p95 ms", "DynamoDB", "Redis RT", "Supabase HTTP"], rows))
    print("(calls per update made by the location function; Redis includes the breaker's check before a broadcast)")
    print()
    print(table(["sustained", "updates/s"], throughput))
    print(f"(route points stored: {points}; broadcasts the receiver recorded: {received})")
    print()
    print(table(["customer's poll while the rider is on the way", "p50 ms", "p95 ms", "DynamoDB", "Redis RT",
                 "internal"], read_rows))
    print(f"({min(args.rounds, POLL_ROUNDS)} requests each; calls per request made by the route's function; internal: "
          "its calls to another service)")
    path = save_results("delivery", {"requests": figures,
                                     "sustained_updates_per_second": {name: n for name, n in throughput},
                                     "route_points": points, "broadcasts": received})
    print(f"(saved {path})")


if __name__ == "__main__":
    main()
