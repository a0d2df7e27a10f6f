"""Is a search index published? If not, have one built from the catalog, never scanning on the request path.

A stack can have a catalog and no published index: in AWS right after the first deploy (the indexer runs
on the CatalogTable stream, so nothing is indexed until the first catalog write), or if the index was ever
lost (its S3 object and pointer gone). The first search or health check that finds no published index
asks SearchIndexerFunction for a full rebuild (`lambda:InvokeFunction`, `InvocationType="Event"`, the
event `{"rebuild": true}`, which runs `indexer.rebuild()`: a Query on the ByType index in the indexer, not
here) and answers at once: search with 503 problem+json `search-index-building` and `Retry-After`, health
with 503 and the `search_index` component "building". A Redis `SET NX EX` guard makes that at most one
request a minute across the fleet; the indexer skips the rebuild when an index was published meanwhile.

This costs no stack resource (no custom resource, no deploy-time hook) and heals a lost index, not only a
new stack (docs/decisions.md, 2026-12-05). Locally `make run` publishes an index while seeding (the stream
pump), and the local stack runs an Event invoke of a local function on a thread (local/executor.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import redis

from blinkit import aws
from blinkit.context import request_id_var
from blinkit.errors import ServiceUnavailable
from blinkit.observability import logger
from blinkit.redis_client import get_redis
from blinkit.settings import get_settings
from products.search import snapshot

REBUILD_GUARD_KEY = "products:search:rebuild-requested"
REBUILD_GUARD_SECONDS = 60  # at most one rebuild request a minute, fleet-wide
RETRY_AFTER_SECONDS = 5  # a rebuild of the demo catalog takes about a second; 10k products a few
BUILDING = "No search index has been published yet; it is being built from the catalog"
NOT_REQUESTED = "No search index has been published yet, and a rebuild could not be requested"

Requested = Literal["requested", "pending", "failed"]


@dataclass(frozen=True)
class IndexStatus:
    """The search index as a /health component."""

    status: Literal["ok", "building", "unavailable"]
    detail: str | None = None

    def as_dependency(self) -> dict[str, Any]:
        return {"status": self.status, "detail": self.detail}


def request_rebuild() -> Requested:
    """Ask the indexer for a rebuild unless someone asked within the last minute ("pending")."""
    try:
        claimed = get_redis().set(REBUILD_GUARD_KEY, request_id_var.get() or "-", nx=True, ex=REBUILD_GUARD_SECONDS)
    except redis.RedisError as exc:
        # Without the guard every request would invoke the indexer; the durable pointer (S3) still serves
        # searches once an index exists, and the next request after Redis returns asks again.
        logger.warning("no search index, and no rebuild requested: Redis is unavailable", error=str(exc))
        return "failed"
    if not claimed:
        return "pending"
    function = get_settings().search_indexer_function
    event = {"rebuild": True, "correlation_id": request_id_var.get()}
    try:
        aws.client("lambda").invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps(event).encode())
    except Exception as exc:  # botocore's errors, throttling included: the guard keeps retries to one a minute
        logger.error("could not request a search index rebuild", function=function, error=str(exc))
        return "failed"
    logger.info("no search index published: rebuild requested", function=function)
    return "requested"


def index_status() -> IndexStatus:
    """For /health: "ok" once an index is published; otherwise a rebuild is requested and it is "building"."""
    try:
        published = snapshot.read_pointer() is not None
    except Exception as exc:  # the durable pointer could not be read either (S3): what health reports
        return IndexStatus("unavailable", f"The search index pointer could not be read ({type(exc).__name__})")
    if published:
        return IndexStatus("ok")
    if request_rebuild() == "failed":
        return IndexStatus("unavailable", NOT_REQUESTED)
    return IndexStatus("building", BUILDING)


def unavailable_until_built() -> ServiceUnavailable:
    """Search found no published index: ask for one, and answer this meanwhile."""
    request_rebuild()
    return ServiceUnavailable(BUILDING, code="search-index-building", retry_after=RETRY_AFTER_SECONDS)
