"""Warm latency of the main routes on the local stack: p50/p95 and DynamoDB/Redis calls per request.

    PYTHONPATH=.:functions:layers/blinkit .venv/bin/python -m tests.load.bench_routes [--rounds 100]

Every function runs in-process on moto with a real Redis (REDIS_URL, database 12) and the Firebase Auth
emulator; the demo catalog is seeded (4 stores, 424 products, search index published) and the demo customer is
signed in with a real session. Each request goes through the local gateway as API Gateway would send it
(`Gateway.handle`: the authorizer first when the route has one, then the route's function); services call each
other over loopback HTTP. Columns: "own" calls are those of the authorizer and the route's function, "all"
adds what the services they call made on their behalf; "internal" counts those service-to-service requests.

The public catalog reads run twice: warm (served from the container's memory, products.cache) and "cold"
(that memory forgotten before each request: the table read every request made before issue 17), and once as a
revalidation (`If-None-Match` with the ETag of the previous answer: a 304 with no body).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from tests.load.common import ALWAYS_OPEN, Goal, Loopback, loopback_stack, percentile, save_results, table, timed

CUSTOMER_LOCATION = {"lat": 12.9352, "lng": 77.6245}  # next to the first demo store (Koramangala)


class Client:
    """Requests through the gateway (authorizer included), in this thread, as JSON."""

    def __init__(self, lb: Loopback) -> None:
        self.lb = lb

    def call(self, method: str, path: str, body: Any = None, token: str | None = None, query: str = "",
             headers: dict[str, str] | None = None, expect: int = 300) -> Any:
        return self.reply(method, path, body, token, query, headers, expect).json()

    def reply(self, method: str, path: str, body: Any = None, token: str | None = None, query: str = "",
              headers: dict[str, str] | None = None, expect: int = 300) -> Any:
        sent = {"content-type": "application/json", **(headers or {})}
        if token:
            sent["authorization"] = f"Bearer {token}"
        raw = json.dumps(body).encode() if body is not None else b""
        reply = self.lb.gateway.handle(method, path, query, sent, raw)
        if reply.status >= expect:
            raise AssertionError(f"{method} {path} answered {reply.status}: {reply.body[:400]!r}")
        return reply

    def not_modified(self, path: str, query: str = "") -> Any:
        """GET `path` again with the ETag of its answer; anything but a bodiless 304 fails the row."""
        etag = self.reply("GET", path, query=query).headers["etag"]

        def run() -> None:
            reply = self.reply("GET", path, query=query, headers={"if-none-match": etag}, expect=400)
            if reply.status != 304 or reply.body:
                raise AssertionError(f"GET {path} with its ETag answered {reply.status}")
        return run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUTE_ROUNDS", "100")))
    args = parser.parse_args()
    # The rounds of POST /auth/validate-token all come from one address, past its per-address limit (30 a window):
    # the bench measures the route, not the limit (bench_load sets the same).
    os.environ.setdefault("LOGIN_RATE_PER_IP", "100000")

    from local.firebase_emulator import FirebaseAuthEmulator

    rows: list[tuple[Any, ...]] = []
    skipped: list[str] = []
    with FirebaseAuthEmulator(project_id="demo-blinkit") as emulator, \
            loopback_stack(12, firebase_emulator_host=emulator.host) as lb:
        from local.catalog.data import catalog
        from local.seed import demo_user, seed_catalog, seed_users
        from products.search import indexer

        seed_users(emulator)
        data = catalog()
        for store in data["stores"]:
            store["opening_hours"] = dict(ALWAYS_OPEN)
        store_id = data["stores"][0]["store_id"]
        in_stock = {row["product_id"] for row in data["stock"] if row["store_id"] == store_id and row["available"]}
        product_ids = [p["product_id"] for p in data["products"] if p["product_id"] in in_stock][:3]
        for row in data["stock"]:  # enough for every order and cart update the benchmark makes
            if row["store_id"] == store_id and row["product_id"] in product_ids:
                row["available"] = 1_000_000
        seed_catalog(data)
        indexer.rebuild()
        api = Client(lb)

        def session(user: str) -> tuple[str, str]:
            _, id_token = emulator.sign_in_with_phone(demo_user(user).phone)
            login = api.call("POST", "/auth/login", {"id_token": id_token,
                                                     "device": {"name": "bench", "platform": "web"}})
            return login["session_token"], id_token

        token, id_token = session("customer")
        address = api.call("POST", "/users/me/addresses", {"label": "Home", "line1": "18 80 Feet Road",
                                                           "city": "Bengaluru", "pincode": "560095",
                                                           **CUSTOMER_LOCATION}, token)
        for pid in product_ids:
            api.call("POST", "/cart/items", {"store_id": store_id, "product_id": pid, "quantity": 1}, token)
        # One order so GET /orders lists something; then fill the cart again for the quote.
        accepted = api.call("POST", "/orders", {"address_id": address["address_id"]}, token,
                            headers={"idempotency-key": str(uuid.uuid4())})
        machine = lb.stack.resources.state_machines["OrderSagaStateMachine"]
        lb.stack.executor.wait(machine.replace(":stateMachine:", ":execution:") + ":" + accepted["order_id"],
                               timeout=60)
        for pid in product_ids:
            api.call("POST", "/cart/items", {"store_id": store_id, "product_id": pid, "quantity": 1}, token)

        geo = f"lat={CUSTOMER_LOCATION['lat']}&lng={CUSTOMER_LOCATION['lng']}"
        add = {"store_id": store_id, "product_id": product_ids[0], "quantity": 1}
        from products import cache as catalog_cache

        page = f"/products/{product_ids[0]}"
        cases: list[tuple[str, Any, Any]] = [
            ("GET /stores/serviceable", lambda: api.call("GET", "/stores/serviceable", query=geo), None),
            ("GET /categories", lambda: api.call("GET", "/categories"), None),
            ("GET /categories (cold)", lambda: api.call("GET", "/categories"), catalog_cache.forget),
            ("GET /categories (304)", api.not_modified("/categories"), None),
            ("GET /products?store_id (20)", lambda: api.call("GET", "/products",
                                                             query=f"store_id={store_id}&limit=20"), None),
            ("GET /products?store_id (20, cold)", lambda: api.call("GET", "/products",
                                                                   query=f"store_id={store_id}&limit=20"),
             catalog_cache.forget),
            ("GET /products/{id}", lambda: api.call("GET", page), None),
            ("GET /products/{id} (cold)", lambda: api.call("GET", page), catalog_cache.forget),
            ("GET /products/{id}?store_id", lambda: api.call("GET", page, query=f"store_id={store_id}"), None),
            ("GET /products/{id}?store_id (cold)", lambda: api.call("GET", page, query=f"store_id={store_id}"),
             catalog_cache.forget),
            ("GET /products/{id}?store_id (304)", api.not_modified(page, f"store_id={store_id}"), None),
            ("GET /products/search", lambda: api.call("GET", "/products/search",
                                                      query=f"q=amul+milk&store_id={store_id}"), None),
            ("GET /cart (3 lines)", lambda: api.call("GET", "/cart", token=token), None),
            ("POST /cart/items", lambda: api.call("POST", "/cart/items", add, token),
             lambda: api.call("PUT", f"/cart/items/{product_ids[0]}", {"quantity": 1}, token)),
            ("POST /orders/quote", lambda: api.call("POST", "/orders/quote", {"address_id": address["address_id"]},
                                                    token), None),
            ("GET /orders", lambda: api.call("GET", "/orders", token=token), None),
            ("GET /users/me", lambda: api.call("GET", "/users/me", token=token), None),
            ("POST /auth/validate-token", lambda: api.call("POST", "/auth/validate-token", {"id_token": id_token}),
             None),
        ]
        from local.gateway import build_event

        me_route, me_params = lb.gateway.match("GET", "/users/me")
        request = build_event(me_route, "GET", "/users/me", "", {"authorization": f"Bearer {token}"}, b"",
                              "127.0.0.1", me_params)
        event = {**{k: v for k, v in request.items() if k not in ("body", "isBase64Encoded")}, "type": "REQUEST",
                 "identitySource": [f"Bearer {token}"],
                 "routeArn": "arn:aws:execute-api:ap-south-1:123456789012:localapi/$default/GET/users/me"}
        authorizer = me_route.authorizer.function_id
        cases.insert(0, ("authorizer alone (session)", lambda: lb.stack.functions.invoke(authorizer, event), None))
        if lb.gateway.match("GET", "/notifications"):
            cases.append(("GET /notifications", lambda: api.call("GET", "/notifications", token=token), None))
        if lb.gateway.match("POST", "/delivery/partners/me/location"):
            try:
                admin, _ = session("admin")
                partner_uid = emulator.sign_in_with_phone(demo_user("partner").phone)[0]
                api.call("POST", "/delivery/partners", {"uid": partner_uid, "name": "Bench Rider",
                                                        "phone": demo_user("partner").phone,
                                                        "vehicle": "Honda Activa KA01AB1234", "store_id": store_id},
                         admin, expect=500)  # 409 when the seed already made them a partner
                partner, _ = session("partner")

                def location() -> Any:
                    fix = {**CUSTOMER_LOCATION, "accuracy_m": 5,
                           "recorded_at": datetime.now(UTC).isoformat(timespec="milliseconds")}
                    return api.call("POST", "/delivery/partners/me/location", fix, partner)

                location()
                # The route accepts one fix per second per partner (429 otherwise), as a phone sends them.
                cases.append(("POST /delivery/partners/me/location", location, lambda: time.sleep(1.05)))
            except AssertionError as exc:
                skipped.append(f"POST /delivery/partners/me/location: setup failed ({exc})")

        for name, run, before in cases:
            paced = name.startswith("POST /delivery/partners/me/location")
            try:
                times, calls = timed(run, min(args.rounds, 20) if paced else args.rounds, lb.counters,
                                     before=before, warmup=2 if paced else 10)
            except AssertionError as exc:
                skipped.append(f"{name}: {exc}")
                continue
            rows.append((name, percentile(times, 50), percentile(times, 95), calls["dynamodb"], calls["redis"],
                         calls["internal"], calls["dynamodb_all"], calls["redis_all"]))

        # A warm row may include the one table read per TTL (5 s) that refreshes an entry; a hit is measured alone:
        # the request right after one that loaded the entry.
        def hit_calls(run: Any) -> float:
            run()
            lb.counters.reset()
            run()
            return float(lb.counters.dynamodb)

        hits = {name: hit_calls(run) for name, run, _ in cases if name in (
            "GET /categories", "GET /products/{id}?store_id", "GET /products?store_id (20)")}

    print(f"\nWarm routes: {args.rounds} requests each after 10 warm-up, through the local gateway (authorizer "
          "included), one at a time")
    print(table(["route", "p50 ms", "p95 ms", "ddb own", "redis own", "internal", "ddb all", "redis all"], rows))
    print("(own: the authorizer and the route's function; all: plus the services they called over HTTP. Redis "
          "counts round trips: a pipeline is one. The partner location route takes one fix per second, so it is "
          "measured 20 times, a second apart.)")
    for line in skipped:
        print(f"skipped: {line}")
    by_name = {row[0]: row for row in rows}

    def ddb(name: str) -> float:
        return hits.get(name, float("nan"))

    goals = [
        Goal("GET /categories: DynamoDB calls on a warm hit", "1 Query per request", ddb("GET /categories"), 0,
             "calls"),
        Goal("GET /products/{id}?store_id: DynamoDB calls on a warm hit", "3 calls per request (store, product, stock)",
             ddb("GET /products/{id}?store_id"), 0, "calls"),
        Goal("GET /products?store_id: DynamoDB calls on a warm hit", "3 calls per request (store, page, stock)",
             ddb("GET /products?store_id (20)"), 0, "calls"),
        Goal("GET /categories with its ETag: answered 304 (1 = yes)", "no ETag, no 304",
             1.0 if "GET /categories (304)" in by_name else 0.0, 1, "", at_most=False),
    ]
    print("(warm rows: a container reads the table once per 5 s TTL per entry, which a row may catch; the goals "
          "count the calls of a hit alone)")
    figures = {name: {"p50_ms": row[1], "p95_ms": row[2], "ddb_own": row[3], "redis_own": row[4],
                      "internal": row[5], "ddb_all": row[6], "redis_all": row[7]} for name, row in by_name.items()}
    path = save_results("routes", {"rounds": args.rounds, "routes": figures, "warm_hit_dynamodb_calls": hits,
                                   "skipped": skipped}, goals)
    for goal in goals:
        print(f"goal: {goal.name}: {goal.now:g} (before: {goal.before}; target {goal.target:g}) "
              f"{'met' if goal.met else 'NOT met'}")
    print(f"results: {path}")
    return 1 if skipped else 0


if __name__ == "__main__":
    raise SystemExit(main())
