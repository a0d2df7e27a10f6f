"""Search benchmark (`make bench`): index build time, size and load time, warm p50/p95 through the real
handler, and DynamoDB/Redis calls per request, for generated 10k and 100k catalogs. Not a test.

Runs the template's ProductsSearchFunction in-process on moto (S3, DynamoDB) and the Redis at REDIS_URL
(database 14), with SEARCH_VERSION_CHECK_SECONDS=0: the worst case of one Redis GET per request.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from typing import Any
from urllib.parse import urlencode

QUERIES = [
    {"q": "paneeer"}, {"q": "amul mlk"}, {"q": "aata"}, {"q": "tom"}, {"q": "pan"}, {"q": "basmti rice"},
    {"q": "amul"}, {"q": "haldiram bhujia"}, {"q": "doodh"}, {"q": "chocolat"},
    {"q": "milk", "sort": "price_asc"}, {"q": "dal", "min_price": 5000, "max_price": 20000},
    {"q": "atta", "brand": "Aashirvaad"}, {"q": "rice", "sort": "discount", "limit": 50},
    {"q": "paneer", "store_id": "STORE"}, {"q": "oil", "store_id": "STORE", "in_stock": "true"},
]
SIZES = tuple(int(n) for n in os.environ.get("BENCH_SEARCH_SIZES", "10000,100000").split(","))
ROUNDS = int(os.environ.get("BENCH_SEARCH_ROUNDS", "20"))


class Counter:
    def __init__(self) -> None:
        self.aws: dict[str, int] = {}
        self.redis: dict[str, int] = {}

    def reset(self) -> None:
        self.aws.clear()
        self.redis.clear()

    def install(self) -> None:
        import botocore.client
        import redis

        counter = self
        make_api_call = botocore.client.BaseClient._make_api_call
        execute = redis.Redis.execute_command

        def counted_call(client: Any, operation: str, params: Any) -> Any:
            key = f"{client.meta.service_model.service_name}:{operation}"
            counter.aws[key] = counter.aws.get(key, 0) + 1
            return make_api_call(client, operation, params)

        def counted_execute(client: Any, *args: Any, **kw: Any) -> Any:
            counter.redis[str(args[0])] = counter.redis.get(str(args[0]), 0) + 1
            return execute(client, *args, **kw)

        botocore.client.BaseClient._make_api_call = counted_call  # type: ignore[method-assign]
        redis.Redis.execute_command = counted_execute  # type: ignore[method-assign]


def event(params: dict[str, Any]) -> dict[str, Any]:
    raw = urlencode(params)
    return {
        "version": "2.0", "routeKey": "GET /products/search", "rawPath": "/products/search", "rawQueryString": raw,
        "queryStringParameters": {k: str(v) for k, v in params.items()},
        "headers": {"content-type": "application/json", "x-request-id": "bench"},
        "requestContext": {"http": {"method": "GET", "path": "/products/search", "protocol": "HTTP/1.1",
                                    "sourceIp": "127.0.0.1", "userAgent": "bench"},
                           "routeKey": "GET /products/search", "stage": "$default", "requestId": "bench",
                           "accountId": "123456789012", "apiId": "local", "domainName": "localhost"},
        "isBase64Encoded": False,
    }


def main() -> int:
    import logging

    import redis

    from local.config import PARAMETERS, TEMPLATE, local_environment
    from local.stack import LocalStack

    logging.disable(logging.WARNING)
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    redis_url = f"{base}/14"
    redis.Redis.from_url(redis_url).flushdb()
    env = local_environment(redis_url=redis_url, firebase_emulator_host="", stage="test")
    env.update(SEARCH_VERSION_CHECK_SECONDS="0", POWERTOOLS_LOG_LEVEL="ERROR", POWERTOOLS_METRICS_DISABLED="true")
    rows = []
    with LocalStack(TEMPLATE, env_overrides=env, parameter_overrides=PARAMETERS,
                    only_functions=["ProductsSearchFunction"]) as stack:
        from blinkit.redis_client import reset_redis
        from blinkit.settings import get_settings

        get_settings.cache_clear()
        reset_redis()
        from local.catalog import generate_catalog
        from products import store
        from products.search import snapshot
        from products.search.index import SearchIndex, build, category_map

        assert stack.functions is not None
        counter = Counter()
        counter.install()
        for n in SIZES:
            data = generate_catalog(n)
            store_id = data["stores"][0]["store_id"]
            store.new_store(store_id=store_id, name="Bench", address="-", city="Bengaluru", lat=12.9, lng=77.6,
                            radius_km=3, opening_hours={"open": "06:00", "close": "23:00"}, fees={},
                            created_at="2025-01-01T00:00:00Z", updated_at="2025-01-01T00:00:00Z").save()
            started = time.perf_counter()
            index = build(data["products"], category_map(data["categories"]), version=snapshot.new_version())
            build_s = time.perf_counter() - started
            blob = index.to_bytes()
            started = time.perf_counter()
            SearchIndex.from_bytes(blob)
            load_s = time.perf_counter() - started
            snapshot.CACHE.forget()
            snapshot.publish(index, base=None)
            snapshot.CACHE.forget()
            events = [event({k: (store_id if v == "STORE" else v) for k, v in q.items()}) for q in QUERIES]
            for e in events:  # warm up: the first request downloads and decodes the index
                assert stack.functions.invoke("ProductsSearchFunction", e)["statusCode"] == 200
            counter.reset()
            times = []
            for _ in range(ROUNDS):
                for e in events:
                    started = time.perf_counter()
                    reply = stack.functions.invoke("ProductsSearchFunction", e)
                    times.append((time.perf_counter() - started) * 1000)
                    assert reply["statusCode"] == 200, reply
            requests = ROUNDS * len(events)
            quantiles = statistics.quantiles(times, n=100)
            dynamo = sum(v for k, v in counter.aws.items() if k.startswith("dynamodb"))
            s3 = sum(v for k, v in counter.aws.items() if k.startswith("s3"))
            rows.append((n, build_s, len(blob), load_s, quantiles[49], quantiles[94], dynamo / requests,
                         sum(counter.redis.values()) / requests, s3 / requests, len(index.vocab)))
    print()
    print(f"{'products':>9} {'build s':>8} {'size MB':>8} {'load s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'ddb/req':>8} {'redis/req':>9} {'s3/req':>7} {'vocab':>7}")
    for n, build_s, size, load_s, p50, p95, ddb, red, s3, vocab in rows:
        print(f"{n:>9} {build_s:>8.2f} {size / 1e6:>8.2f} {load_s:>7.2f} {p50:>7.2f} {p95:>7.2f} "
              f"{ddb:>8.2f} {red:>9.2f} {s3:>7.2f} {vocab:>7}")
    print(f"\n{ROUNDS} rounds of {len(QUERIES)} queries per size; ddb/req counts BatchGetItem of stock "
          f"(2 of {len(QUERIES)} queries carry store_id; in_stock may read up to 3 chunks).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
