"""Keeps the search index current: the CatalogTable stream consumer, and a full rebuild on demand.

`handler` (SearchIndexerFunction) receives batches of stream records. Product and category images
are applied to the documents of the current snapshot (no table reads: the stream carries whole new
images), the index is rebuilt in memory and published with a compare-and-set on the pointer; a lost
race reloads the winner's snapshot and re-applies the batch. Other entities (stores) are ignored.

`rebuild()` reads every active product and every category by Query on the `ByType` index and
publishes a fresh index; the indexer falls back to it when nothing has been published yet, and
`make run` seeding and tests call it directly. The event `{"rebuild": true}` runs it too: that is what a
search or health check that finds no published index asks for (`products.search.readiness`); it does
nothing when an index was published meanwhile.

The entry point is built here rather than in `products.handlers`, so the indexer's cold start never
imports the products app (FastAPI, every route).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from blinkit.clock import now_iso
from blinkit.handler import make_job
from blinkit.observability import logger, metrics
from products.search import snapshot
from products.search.index import SearchIndex, build, category_map

MAX_PUBLISH_ATTEMPTS = 5
PRODUCT, CATEGORY = "PRODUCT", "CATEGORY"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return sorted(_plain(v) for v in value)
    return value


def from_dynamodb_json(image: Mapping[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {k: _plain(deserializer.deserialize(v)) for k, v in image.items()}


@dataclass
class Changes:
    """The last state of each product and category a batch touched (None: gone or inactive)."""

    products: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    categories: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    skipped: int = 0

    def __bool__(self) -> bool:
        return bool(self.products or self.categories)


def _kind(keys: Mapping[str, Any]) -> tuple[str, str] | None:
    pk = (keys.get("pk") or {}).get("S", "")
    kind, _, ident = pk.partition("#")
    sk = (keys.get("sk") or {}).get("S", "")
    return (kind, ident) if kind in (PRODUCT, CATEGORY) and sk == kind and ident else None


def changes_of(records: Iterable[Mapping[str, Any]]) -> Changes:
    """Records in stream order: a later record of the same item wins."""
    changes = Changes()
    for record in records:
        data = record.get("dynamodb") or {}
        found = _kind(data.get("Keys") or {})
        if found is None:
            continue
        kind, ident = found
        try:
            image = from_dynamodb_json(data["NewImage"]) if record.get("eventName") != "REMOVE" else None
        except (KeyError, TypeError, ValueError) as exc:  # a malformed record must not block the shard
            logger.error("search indexer: unreadable stream record", event_id=record.get("eventID"), error=str(exc))
            changes.skipped += 1
            continue
        if kind == PRODUCT:
            changes.products[ident] = image if image and image.get("is_active", True) else None
        else:
            changes.categories[ident] = image
    return changes


def apply(base: SearchIndex, changes: Changes, *, version: str) -> SearchIndex:
    products = base.products()
    for pid, image in changes.products.items():
        if image is None:
            products.pop(pid, None)
        else:
            products[pid] = image
    categories = dict(base.categories)
    for cid, image in changes.categories.items():
        if image is None:
            categories.pop(cid, None)
        else:
            categories.update(category_map([image]))
    return build(products.values(), categories, version=version, built_at=_now())


def _now() -> str:
    return now_iso()


def _base(pointer: str) -> SearchIndex:
    cache = snapshot.CACHE
    if cache.pointer == pointer and cache.index is not None:
        return cache.index
    return snapshot.load(pointer)


def _base_or_none(pointer: str | None) -> SearchIndex | None:
    if pointer is None:
        return None
    try:
        return _base(pointer)
    except snapshot.IndexLost as exc:
        logger.warning("search index pointer names a lost object: rebuilding", error=str(exc))
        return None


def index_changes(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """DynamoDB stream batch → a new published index (or nothing, if no product or category changed);
    `{"rebuild": true}` → a full rebuild from the table, unless an index is published by now."""
    if event.get("rebuild") is True:
        return rebuild_if_missing()
    records = event.get("Records") or []
    changes = changes_of(records)
    if not changes:
        return {"published": None, "records": len(records)}
    started = time.perf_counter()
    for attempt in range(1, MAX_PUBLISH_ATTEMPTS + 1):
        pointer = snapshot.read_pointer()
        base = _base_or_none(pointer)
        if base is None:  # nothing published, or the pointer names a lost object: build it all
            published = rebuild()
            break
        index = apply(base, changes, version=snapshot.new_version())
        try:
            published = snapshot.publish(index, base=pointer)
            break
        except snapshot.PublishConflict as exc:
            logger.info("search index publish raced; retrying", attempt=attempt, current=exc.current)
    else:
        raise RuntimeError(f"could not publish the search index after {MAX_PUBLISH_ATTEMPTS} attempts")
    elapsed_ms = (time.perf_counter() - started) * 1000
    metrics.add_metric(name="SearchIndexPublished", unit="Count", value=1)
    logger.info("search index updated", records=len(records), products=len(changes.products),
                categories=len(changes.categories), skipped=changes.skipped, ms=round(elapsed_ms, 1))
    return {"published": published, "records": len(records)}


def build_from_table() -> SearchIndex:
    """Every active product and every category, read by Query on ByType (never on a request path)."""
    from products import store

    version = snapshot.new_version()  # before reading: a newer publish than this build wins over it
    categories = category_map(c.attribute_values for c in store.list_categories())
    products = [_plain(p.attribute_values) for p in store.list_active_products()]
    return build(products, categories, version=version, built_at=_now())


def rebuild() -> str:
    """Build from the table and publish (if nothing newer was published meanwhile). Returns the pointer."""
    index = build_from_table()
    try:
        return snapshot.publish(index, base=None)
    except snapshot.PublishConflict as exc:
        return exc.current


def rebuild_if_missing() -> dict[str, Any]:
    """The rebuild a search or health check asked for (the stream may have published an index since)."""
    current = snapshot.read_pointer()
    if _base_or_none(current) is not None:
        logger.info("search index rebuild not needed: an index is published", current=current)
        return {"published": None, "current": current}
    started = time.perf_counter()
    published = rebuild()
    metrics.add_metric(name="SearchIndexPublished", unit="Count", value=1)
    logger.info("search index rebuilt from the catalog", ms=round((time.perf_counter() - started) * 1000, 1))
    return {"published": published, "rebuild": True}


handler = make_job(index_changes, service="products")
