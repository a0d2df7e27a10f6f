"""Checkout benchmark: POST /orders until the order is PLACED (median and p95), the state transitions
each order costs (from the execution history), and what one order costs in calls (for `make capacity`).
Everything runs on the local stack: functions in-process, the saga on moto's ASL interpreter, a real Redis
from REDIS_URL, services over loopback HTTP.

    PYTHONPATH=.:functions:layers/blinkit .venv/bin/python -m tests.load.bench_checkout [--orders 50]

Calls per order are counted on a second pass of `--counted` orders (default 5) that do not poll
GET /orders/{id} (the first pass polls to time the order, and the polls would count): from POST /orders
until the execution has ended, on every thread: the saga's tasks and the services they call. Its SQS messages
are counted as what the queues gained (this stack runs no queue pump, so nothing consumes them; the consumers
have benchmarks of their own: notifications, delivery). The counts are exact and carry over to AWS; the times
are local: they show the cost of our own code, not Lambda cold starts or network latency in AWS. Results:
printed, and `.bench/checkout.json` (tests/load/common.py).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.load.common import ALWAYS_OPEN, loopback_stack, percentile, save_results, table

# Transition-counting: every state entered is one billed transition in a STANDARD workflow.
ENTERED = "StateEntered"
# DynamoDB operations by what they consume (read or write request units).
DYNAMODB_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


@dataclass
class Tally:
    """AWS API calls by service and operation and Lambda invocations by function, on every thread (the saga
    runs on threads of its own)."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    invocations: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> tuple[Counter[tuple[str, str]], Counter[str]]:
        with self.lock:
            return Counter(self.calls), Counter(self.invocations)


@contextmanager
def tallying(stack: Any) -> Iterator[Tally]:
    """Count every botocore call and every local Lambda invocation into a Tally, for the block."""
    import botocore.client

    tally = Tally()
    call = botocore.client.BaseClient._make_api_call
    invoke = stack.functions.invoke

    def counted_call(self: Any, operation: str, params: Any) -> Any:
        with tally.lock:
            tally.calls[(self.meta.service_model.service_name, operation)] += 1
        return call(self, operation, params)

    def counted_invoke(function_id: str, event: Any) -> Any:
        with tally.lock:
            tally.invocations[function_id] += 1
        return invoke(function_id, event)

    botocore.client.BaseClient._make_api_call = counted_call  # type: ignore[method-assign]
    stack.functions.invoke = counted_invoke
    try:
        yield tally
    finally:
        botocore.client.BaseClient._make_api_call = call  # type: ignore[method-assign]
        stack.functions.invoke = invoke


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=int(os.environ.get("BENCH_ORDERS", "50")))
    parser.add_argument("--counted", type=int, default=int(os.environ.get("BENCH_COUNTED_ORDERS", "5")))
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
        for n in range(args.orders + 5 + args.counted):
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
        results = [one_order(context, address_id) for context, address_id in users[5:args.orders + 5]]

        from blinkit.aws import client

        sqs = client("sqs")

        def queued_messages() -> int:
            """Messages waiting in every queue. Nothing consumes them here (no queue pump), so an order's
            messages are the difference: the functions' sends and the saga's own (its Notify state) alike,
            each once whichever road sent it."""
            urls = sqs.list_queues().get("QueueUrls", [])
            return sum(int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                           ["Attributes"]["ApproximateNumberOfMessages"]) for url in urls)

        def counted_order(context: dict[str, Any], address_id: str, tally: Tally) -> dict[str, Any]:
            for pid in products[:3]:
                invoke("POST", "/cart/items", {"store_id": store["store_id"], "product_id": pid, "quantity": 1},
                       context)
            calls0, invocations0 = tally.snapshot()
            redis0, internal0, queued0 = lb.counters.redis_all, lb.counters.internal, queued_messages()
            accepted = invoke("POST", "/orders", {"address_id": address_id}, context,
                              headers={"idempotency-key": str(uuid.uuid4())})
            arn = machine.replace(":stateMachine:", ":execution:") + ":" + accepted["order_id"]
            stack.executor.wait(arn, timeout=60)
            calls1, invocations1 = tally.snapshot()
            entered = [e for e in stack.executor.history(arn) if e["type"].endswith(ENTERED)]
            calls, invocations = calls1 - calls0, invocations1 - invocations0
            status = invoke("GET", f"/orders/{accepted['order_id']}", context=context)["status"]
            return {"status": status, "transitions": len(entered), "calls": calls, "invocations": invocations,
                    "messages": queued_messages() - queued0, "redis": lb.counters.redis_all - redis0,
                    "internal": lb.counters.internal - internal0}

        counted_users = users[args.orders + 5:]
        with tallying(stack) as tally:
            counted = [counted_order(context, address_id, tally) for context, address_id in counted_users]

    times = sorted(r[0] for r in results)
    transitions = [r[1] for r in results]
    placed = sum(1 for r in results if r[2] == "PLACED")
    print(f"\nCheckout benchmark: {len(results)} orders of 3 lines, one at a time, on the local stack")
    print(table(["request", "p50 ms", "p95 ms", "transitions/order", "placed"],
                [("POST /orders -> PLACED", percentile(times, 50), percentile(times, 95),
                  sum(transitions) / len(transitions), f"{placed}/{len(results)}")], floats=".1f"))
    print("(transitions = states entered in the execution history: tasks, choices and Succeed, each billed)")

    per_order = per_order_figures(counted)
    print(f"\nOne order's calls, from POST /orders to the end of its execution (mean of {len(counted)} orders, "
          "every thread, no polling)")
    print(table(["figure", "per order"], [(name, float(value)) for name, value in per_order.items()
                                          if not isinstance(value, dict)]))
    print("Lambda invocations by function: " + ", ".join(
        f"{fid} {n:g}" for fid, n in sorted(per_order["invocations_by_function"].items())))
    print("DynamoDB by operation: " + ", ".join(
        f"{op} {n:g}" for op, n in sorted(per_order["dynamodb_by_operation"].items())))
    path = save_results("checkout", {
        "orders": len(results), "placed": placed, "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
        "per_order": per_order})
    print(f"(saved {path})")


def per_order_figures(counted: list[dict[str, Any]]) -> dict[str, Any]:
    """The mean per order of each count (the saga, its Lambda tasks, DynamoDB by read/write, Redis, SQS)."""
    n = len(counted)
    operations: Counter[str] = Counter()
    invocations: Counter[str] = Counter()
    for order in counted:
        operations.update({op: count for (service, op), count in order["calls"].items() if service == "dynamodb"})
        # The saga's tasks arrive by ARN (moto's interpreter invokes them), routes by logical id.
        invocations.update({fid.rsplit(":function:", 1)[-1]: n for fid, n in order["invocations"].items()})
    return {
        "placed": sum(1 for o in counted if o["status"] == "PLACED") / n,
        "state_transitions": sum(o["transitions"] for o in counted) / n,
        "executions_started": 1.0,
        "lambda_invocations": sum(invocations.values()) / n,
        "dynamodb_reads": sum(c for op, c in operations.items() if op in DYNAMODB_READS) / n,
        "dynamodb_writes": sum(c for op, c in operations.items() if op in DYNAMODB_WRITES) / n,
        "redis_round_trips": sum(o["redis"] for o in counted) / n,
        "internal_calls": sum(o["internal"] for o in counted) / n,
        "sqs_messages": sum(o["messages"] for o in counted) / n,
        "invocations_by_function": {fid: count / n for fid, count in sorted(invocations.items())},
        "dynamodb_by_operation": {op: count / n for op, count in sorted(operations.items())},
    }


if __name__ == "__main__":
    main()
