"""Cart benchmark: GET /cart (10 lines) warm latency and calls per request for a cache hit and a miss, and add
to cart (an existing line, and a new one in a cart read before) with its time outside moto beside the peer's
add_to_cart, measured in the same run. Runs the cart functions in-process on the local stack (moto, a real Redis
from REDIS_URL), with the products service reached over real HTTP through the local gateway on loopback, as in AWS.

    PYTHONPATH=.:functions:layers/blinkit .venv/bin/python -m tests.load.bench_cart [--rounds 200]

"Outside moto" is the request's time minus the time spent inside moto's emulated DynamoDB
(`BotocoreStubber.process_request`), botocore's own client work kept: the figure the peer's bench
(/work/shared/peers/shopping-cart/bench.py, its README's "-moto") reports, so the two compare. The add is timed
around the function's handler, as the peer times its `lambda_handler`. The peer runs when PEER_SRC (its
checkout) and PEER_PYTHON (its venv's python) are set or found at /work/peer; else "peer not set up" and no
peer column.
"""

from __future__ import annotations

import argparse
import contextvars
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.load.common import ALWAYS_OPEN, Goal, loopback_stack, percentile, save_results, table, timed

ROUTE_CONTEXT = {"auth_state": "ok", "uid": "bench-user", "session_id": "ses_bench", "roles": "customer"}
PEER_BENCH = "/work/shared/peers/shopping-cart/bench.py"
PEER_HOME = "/work/peer"
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


@dataclass
class MotoMeter:
    """Time inside moto's backend and the DynamoDB operations it served, on the measuring thread only."""

    thread: int = field(default_factory=threading.get_ident)
    ns: int = 0
    operations: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.ns, self.operations = 0, []

    def install(self) -> None:
        from moto.core.botocore_stubber import BotocoreStubber

        process = BotocoreStubber.process_request

        def timed_process(stubber: Any, request: Any) -> Any:
            if threading.get_ident() != self.thread:
                return process(stubber, request)
            started = time.perf_counter_ns()
            try:
                return process(stubber, request)
            finally:
                self.ns += time.perf_counter_ns() - started
                target = request.headers.get("X-Amz-Target", b"")
                target = target.decode() if isinstance(target, bytes) else str(target)
                if target.startswith("DynamoDB_"):
                    self.operations.append(target.rsplit(".", 1)[-1])

        BotocoreStubber.process_request = timed_process  # type: ignore[method-assign]


def peer_add_to_cart(rounds: int) -> dict[str, Any] | None:
    """The peer's add_to_cart (anon and user), run by its own bench in its own venv; None when not set up."""
    src = os.environ.get("PEER_SRC") or (f"{PEER_HOME}/src" if os.path.isdir(f"{PEER_HOME}/src") else "")
    python = os.environ.get("PEER_PYTHON") or (f"{PEER_HOME}/venv/bin/python"
                                               if os.path.exists(f"{PEER_HOME}/venv/bin/python") else "")
    if not (src and python and os.path.exists(PEER_BENCH)):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "peer.json")
        done = subprocess.run([python, PEER_BENCH, "--only", "add_to_cart", "--no-import", "-n", str(rounds),
                               "--warmup", str(min(100, rounds)), "--json", out],
                              env={**os.environ, "PEER_SRC": src}, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"peer bench failed ({done.returncode}): {done.stderr[-500:]}", file=sys.stderr)
            return None
        with open(out, encoding="utf-8") as f:
            results = json.load(f)["results"]
    return {r["identity"]: r for r in results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "200")))
    args = parser.parse_args()
    rows: list[tuple[Any, ...]] = []
    adds: dict[str, dict[str, Any]] = {}
    with loopback_stack(14) as lb:
        store = lb.invoke("POST", "/stores", {"name": "Bench Store", "address": "1 MG Road", "city": "Bengaluru",
                                              "lat": 12.97, "lng": 77.64, "opening_hours": ALWAYS_OPEN})
        category = lb.invoke("POST", "/categories", {"name": "Bench", "slug": "bench"})
        products = []
        for i in range(11):
            product = lb.invoke("POST", "/products", {"name": f"Bench Product {i}", "brand": "Amul", "unit": "1 kg",
                                                      "category_id": category["category_id"], "mrp": 5000,
                                                      "price": 4500, "max_per_order": 100})
            lb.invoke("PUT", f"/stores/{store['store_id']}/stock/{product['product_id']}", {"available": 100_000})
            products.append(product["product_id"])
        for pid in products[:10]:
            lb.invoke("POST", "/cart/items", {"store_id": store["store_id"], "product_id": pid, "quantity": 1},
                      ROUTE_CONTEXT)

        from cart import cache
        from local.gateway import build_event
        from local.lambdas import LambdaContext

        def measure(name: str, run: Any, before: Any = None) -> None:
            times, calls = timed(run, args.rounds, lb.counters, before=before)
            rows.append((name, percentile(times, 50), percentile(times, 95), "", calls["dynamodb"], "",
                         calls["redis"], calls["internal"]))

        meter = MotoMeter()
        meter.install()
        functions = lb.stack.functions

        def measure_add(name: str, product_id: str, before: Any) -> None:
            """POST /cart/items timed around the handler (as the peer times its lambda_handler)."""
            route, params = lb.gateway.match("POST", "/cart/items")
            body = json.dumps({"store_id": store["store_id"], "product_id": product_id, "quantity": 1}).encode()
            event = build_event(route, "POST", "/cart/items", "", {"content-type": "application/json"}, body,
                                "127.0.0.1", params)
            event["requestContext"]["authorizer"] = {"lambda": ROUTE_CONTEXT}
            handler = functions.handler_of(route.function_id)
            fn = functions._lookup(route.function_id)  # the local runner's record: what its invoke passes
            totals, outside, dynamodb, writes, redis_rt, internal = [], [], 0, 0, 0, 0
            for i in range(10 + args.rounds):
                before()
                payload = json.loads(json.dumps(event))
                context = LambdaContext(fn.spec, fn.arn, fn.spec.memory_size, fn.spec.timeout, "/bench")
                lb.counters.reset()
                meter.reset()
                started = time.perf_counter_ns()
                reply = contextvars.Context().run(handler, payload, context)
                elapsed = time.perf_counter_ns() - started
                assert reply["statusCode"] == 200, reply
                if i < 10:
                    continue  # warm-up
                totals.append(elapsed / 1e6)
                outside.append((elapsed - meter.ns) / 1e6)
                dynamodb += lb.counters.dynamodb
                writes += sum(op in WRITES for op in meter.operations)
                redis_rt += lb.counters.redis
                internal += lb.counters.internal
            n = args.rounds
            figures = {"p50_ms": percentile(totals, 50), "p95_ms": percentile(totals, 95),
                       "p50_outside_moto_ms": percentile(outside, 50), "dynamodb_calls": dynamodb / n,
                       "dynamodb_writes": writes / n, "redis_round_trips": redis_rt / n, "internal_calls": internal / n}
            adds[name] = figures
            rows.append((name, figures["p50_ms"], figures["p95_ms"], figures["p50_outside_moto_ms"],
                         figures["dynamodb_calls"], figures["dynamodb_writes"], figures["redis_round_trips"],
                         figures["internal_calls"]))

        owner = "USER#bench-user"
        measure("GET /cart, cache hit (10 lines)", lambda: lb.invoke("GET", "/cart", context=ROUTE_CONTEXT))
        measure("GET /cart, cache miss (10 lines)", lambda: lb.invoke("GET", "/cart", context=ROUTE_CONTEXT),
                before=lambda: cache.invalidate(owner))
        measure_add("POST /cart/items (existing line)", products[0],
                    before=lambda: lb.invoke("PUT", f"/cart/items/{products[0]}", {"quantity": 1}, ROUTE_CONTEXT))
        # The common new line: a product not in a cart the user read or wrote before (GET /cart above left the
        # lines hint, which the route's DELETE keeps, as every cart route does).
        lb.invoke("POST", "/cart/items", {"store_id": store["store_id"], "product_id": products[10], "quantity": 1},
                  ROUTE_CONTEXT)  # each round's DELETE finds it
        measure_add("POST /cart/items (new line)", products[10],
                    before=lambda: lb.invoke("DELETE", f"/cart/items/{products[10]}", context=ROUTE_CONTEXT))

    peer = peer_add_to_cart(args.rounds)
    print(f"\nCart benchmark: {args.rounds} warm requests each, in-process functions on moto, real Redis, "
          "products over loopback HTTP")
    headers = ["request", "p50 ms", "p95 ms", "p50 outside moto", "DynamoDB", "writes", "Redis RT", "products"]
    if peer is None:
        print("peer not set up (PEER_SRC / PEER_PYTHON, or /work/peer): no peer column")
    else:
        for identity, r in sorted(peer.items()):
            ops = "+".join(f"{k}x{v:g}" for k, v in r["aws_ops_per_inv"].items())
            rows.append((f"peer add_to_cart ({identity})", r["median_us"] / 1000, r["p90_us"] / 1000,
                         r["median_excl_moto_us"] / 1000, r["aws_calls_per_inv"], ops, "-",
                         r["product_http_per_inv"]))
        headers[2] = "p95 ms (peer: p90)"
    print(table(headers, rows))
    print("(calls per request made by the cart function itself; the products service's own calls are its own;\n"
          " outside moto = total - time inside moto's DynamoDB backend, botocore client work kept)")

    existing, new_line = adds["POST /cart/items (existing line)"], adds["POST /cart/items (new line)"]
    figures: dict[str, Any] = {"rounds": args.rounds, "add": adds,
                               "get_cart": {row[0]: {"p50_ms": row[1], "p95_ms": row[2], "dynamodb_calls": row[4],
                                                     "redis_round_trips": row[6], "internal_calls": row[7]}
                                            for row in rows if str(row[0]).startswith("GET")}}
    goals = [
        Goal("add to cart: DynamoDB calls per add (existing line)", "3 DynamoDB calls", existing["dynamodb_calls"], 1,
             "calls"),
        Goal("add to cart: DynamoDB writes per add (existing line)", "2 writes (UpdateItem + header touch)",
             existing["dynamodb_writes"], 1, "writes"),
        Goal("add to cart: DynamoDB calls per add (new line)", "3 DynamoDB calls", new_line["dynamodb_calls"], 1,
             "calls"),
        Goal("add to cart: Redis round trips per add (new line)", "3 round trips", new_line["redis_round_trips"], 2,
             "round trips"),
        Goal("add to cart: Redis round trips per add", "3 round trips", existing["redis_round_trips"], 2,
             "round trips"),
        Goal("add to cart: internal (products) calls per add", "1 call", existing["internal_calls"], 0, "calls"),
    ]
    if peer is not None:
        peer_outside = min(r["median_excl_moto_us"] for r in peer.values()) / 1000
        ratio = existing["p50_outside_moto_ms"] / peer_outside
        figures["peer_add_to_cart"] = {identity: {"p50_ms": r["median_us"] / 1000,
                                                  "p50_outside_moto_ms": r["median_excl_moto_us"] / 1000,
                                                  "aws_calls": r["aws_calls_per_inv"],
                                                  "product_http_calls": r["product_http_per_inv"]}
                                       for identity, r in peer.items()}
        figures["outside_moto_ratio_vs_peer"] = ratio
        print(f"add (existing line) outside moto: {existing['p50_outside_moto_ms']:.2f} ms p50 = {ratio:.2f}x the "
              f"peer's add_to_cart ({peer_outside:.2f} ms, the faster of its anon/user medians, same run)")
        goals.append(Goal("add to cart: p50 outside moto / peer add_to_cart", "p50 71 ms vs the peer's 3.5 ms total "
                          "(outside moto not measured)", ratio, 1.0, "x"))
    print(f"results: {save_results('cart', figures, goals)}")


if __name__ == "__main__":
    main()
