"""What `/health` reports: the readiness of the API's own dependencies, in words.

Redis (sessions, caches, breakers), the catalog table, and the search index: until an index is published
search cannot answer, so health says 503 "building" (and asks the indexer for one; see
`products.search.readiness`). It sits beside `search` rather than in `service`: it reads the search
index's state, which the catalog rules never need.
"""

from __future__ import annotations

from typing import Any

import redis

from blinkit.redis_client import get_redis
from products import store
from products.search import readiness


def report() -> dict[str, Any]:
    """What /health reports: Redis, the catalog table and the search index (503 until one is published)."""
    deps: dict[str, dict[str, Any]] = {}
    try:
        get_redis().ping()
        deps["redis"] = {"status": "ok"}
    except redis.RedisError as exc:
        deps["redis"] = {"status": "unavailable", "detail": type(exc).__name__}
    try:
        store.get_store("__health__")
        deps["catalog_table"] = {"status": "ok"}
    except Exception as exc:  # any failure to reach the table is what health reports, not raises
        deps["catalog_table"] = {"status": "unavailable", "detail": type(exc).__name__}
    deps["search_index"] = readiness.index_status().as_dependency()
    ok = all(d["status"] == "ok" for d in deps.values())
    return {"status": "ok" if ok else "degraded", "dependencies": deps}
