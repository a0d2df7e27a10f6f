"""The products domain's rules: stores and serviceability, categories, products, per-store stock.

No HTTP here: functions take plain values and raise `blinkit.errors.Problem`s. Reads on request paths are
Queries, GetItems and BatchGetItems; never a Scan.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from blinkit import clock, snapshots
from blinkit.cursor import decode_cursor, encode_cursor
from blinkit.errors import Conflict, NotFound, Problem, Unprocessable
from blinkit.eta import order_eta
from blinkit.fees import AMOUNT_FIELDS, WINDOW_FIELDS, complete_fees, live_surge
from blinkit.geo import haversine_km
from blinkit.ids import new_id
from products import cache, hours, store
from products.store import CategoryRecord, ProductRecord, StoreRecord

STORES_CACHE_SECONDS = 60.0


def _field_problem(field: str, message: str, code: str) -> Unprocessable:
    return Unprocessable(message, code=code, errors=[{"field": field, "message": message, "code": code}])


# Stores ---------------------------------------------------------------------------------------------


def store_view(r: StoreRecord, now: datetime | None = None) -> dict[str, Any]:
    """A store as the routes answer it; its surge only while it lasts at `now` (default: the clock now)."""
    fees = r.fees
    return {
        "store_id": r.store_id,
        "name": r.name,
        "address": r.address,
        "city": r.city,
        "lat": float(r.lat),
        "lng": float(r.lng),
        "radius_km": float(r.radius_km),
        "opening_hours": {"open": r.opening_hours.open, "close": r.opening_hours.close},
        "timezone": r.timezone,
        "is_active": bool(r.is_active),
        "fees": {**{name: int(getattr(fees, name)) for name in AMOUNT_FIELDS},
                 **{name: getattr(fees, name) for name in WINDOW_FIELDS}},
        "surge": live_surge(r.surge.as_dict() if r.surge else None, now or clock.now()),
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def store_fees(given: dict[str, Any] | None) -> store.Fees:
    """The fees as stored: the settings given, the rest at the one set of defaults (`blinkit.fees`)."""
    return store.Fees(**complete_fees(given).model_dump())


def store_record(data: dict[str, Any], now: str) -> StoreRecord:
    fields = dict(data)
    fields["store_id"] = fields.get("store_id") or new_id("sto_")
    fields["opening_hours"] = store.OpeningHours(**fields["opening_hours"])
    fields["fees"] = store_fees(fields.get("fees"))
    fields.setdefault("created_at", now)
    fields.setdefault("updated_at", now)
    return store.new_store(**fields)


def create_store(data: dict[str, Any]) -> dict[str, Any]:
    record = store_record(data, clock.now_iso())
    _insert_new(record, "store")
    forget_stores()
    snapshots.put_store(record.store_id, bool(record.is_active), record.updated_at)
    return store_view(record)


def update_store(store_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    _no_nulls(changes, nullable=())
    if "fees" in changes:
        changes = {**changes, "fees": complete_fees(changes["fees"]).model_dump()}
    return _change_store(store_id, changes, clock.now())


def set_surge(store_id: str, fee: int, reason: str, minutes: int) -> dict[str, Any]:
    """Charge `fee` on every order at this store for the next `minutes` (replacing a surge already set); it ends
    by itself: readers judge `expires_at` against their own clock (`blinkit.fees.live_surge`)."""
    now = clock.now()
    surge = {"fee": fee, "reason": reason, "expires_at": clock.iso(now + timedelta(minutes=minutes))}
    return _change_store(store_id, {"surge": surge}, now)


def end_surge(store_id: str) -> dict[str, Any]:
    """End the store's surge now (nothing to end is fine: the answer is the store either way)."""
    return _change_store(store_id, {"surge": None}, clock.now())


def _change_store(store_id: str, changes: dict[str, Any], now: datetime) -> dict[str, Any]:
    record = store.update_store(store_id, changes, clock.iso(now))
    if record is None:
        raise NotFound("No such store")
    forget_stores()
    snapshots.put_store(record.store_id, bool(record.is_active), record.updated_at)
    return store_view(record, now)


def list_stores() -> list[dict[str, Any]]:
    return [store_view(r) for r in sorted(store.list_stores(), key=lambda r: r.name) if r.is_active]


def require_store(store_id: str) -> StoreRecord:
    found = store.get_store(store_id)
    if found is None:
        raise NotFound("No such store")
    return found


# The handful of stores, cached per Lambda instance: serviceability is the hottest route of the app. A store
# changed on another instance shows here within STORES_CACHE_SECONDS (a new surge too; an ended one never
# outlives its `expires_at`: `serviceable` judges it again).
_stores_lock = threading.Lock()
_stores_cache: tuple[float, list[dict[str, Any]]] | None = None


def cached_stores() -> list[dict[str, Any]]:
    global _stores_cache
    with _stores_lock:
        if _stores_cache is None or _stores_cache[0] <= time.monotonic():
            _stores_cache = (time.monotonic() + STORES_CACHE_SECONDS, [store_view(r) for r in store.list_stores()])
        return _stores_cache[1]


def forget_stores() -> None:
    global _stores_cache
    with _stores_lock:
        _stores_cache = None


def nearest_serviceable(
    stores: Iterable[dict[str, Any]], lat: float, lng: float, now: datetime
) -> tuple[dict[str, Any], float] | None:
    """The nearest store that is active, open at `now` (its own timezone) and whose radius covers the point."""
    best: tuple[dict[str, Any], float] | None = None
    for s in stores:
        if not s["is_active"]:
            continue
        distance = haversine_km(s["lat"], s["lng"], lat, lng)  # store to door, as orders measures it
        if distance > s["radius_km"]:
            continue
        if not hours.is_open(s["opening_hours"]["open"], s["opening_hours"]["close"], s["timezone"], now):
            continue
        if best is None or distance < best[1]:
            best = (s, distance)
    return best


def serviceable(lat: float, lng: float, now: datetime | None = None, stores: list[dict[str, Any]] | None = None
                ) -> dict[str, Any]:
    now = now or clock.now()
    found = nearest_serviceable(cached_stores() if stores is None else stores, lat, lng, now)
    if found is None:
        raise NotFound("No open store delivers to this location right now", code="not-serviceable")
    chosen, distance = found
    # The cached view judged its surge when it was filled: judge it again now, so it never outlives its end.
    chosen = {**chosen, "surge": live_surge(chosen.get("surge"), now)}
    return {"store": chosen, "distance_km": round(distance, 2), "eta_minutes": order_eta(distance)}


# Categories -----------------------------------------------------------------------------------------


def category_view(r: CategoryRecord) -> dict[str, Any]:
    return {
        "category_id": r.category_id,
        "name": r.name,
        "slug": r.slug,
        "parent_id": r.parent_id,
        "image": r.image,
        "sort_order": int(r.sort_order),
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def category_tree() -> list[dict[str, Any]]:
    views = [category_view(r) for r in cache.CATEGORIES.get_or_load(None, store.list_categories)]

    def order(c: dict[str, Any]) -> tuple[int, str]:
        return c["sort_order"], c["name"].lower()

    top = sorted((c for c in views if c["parent_id"] is None), key=order)
    known = {c["category_id"] for c in top}
    children: dict[str, list[dict[str, Any]]] = {}
    for c in views:
        if c["parent_id"] is not None and c["parent_id"] in known:
            children.setdefault(c["parent_id"], []).append(c)
    return [{**c, "children": sorted(children.get(c["category_id"], []), key=order)} for c in top]


def _check_parent(parent_id: str, category_id: str | None) -> None:
    if parent_id == category_id:
        raise _field_problem("parent_id", "A category cannot be its own parent", "invalid-parent")
    parent = store.get_category(parent_id)
    if parent is None:
        raise _field_problem("parent_id", "No such parent category", "unknown-parent")
    if parent.parent_id is not None:
        raise _field_problem("parent_id", "Categories nest two levels deep: the parent must be top-level",
                             "invalid-parent")


def _check_slug(slug: str, category_id: str | None) -> None:
    if any(c.slug == slug and c.category_id != category_id for c in store.list_categories()):
        raise Conflict(f"The slug {slug!r} is taken", code="slug-taken")


def category_record(data: dict[str, Any], now: str) -> CategoryRecord:
    fields = {k: v for k, v in data.items() if v is not None}
    fields["category_id"] = fields.get("category_id") or new_id("cat_")
    fields.setdefault("created_at", now)
    fields.setdefault("updated_at", now)
    return store.new_category(**fields)


def _insert_new(record: Any, what: str) -> None:
    """Save a new catalog item; an id that exists already (a replayed seed, a clash) is 409."""
    if not store.insert_new(record):
        raise Conflict(f"A {what} with this id exists already", code="already-exists")


def create_category(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("parent_id"):
        _check_parent(data["parent_id"], data.get("category_id"))
    _check_slug(data["slug"], None)
    record = category_record(data, clock.now_iso())
    _insert_new(record, "category")
    return category_view(record)


def update_category(category_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    _no_nulls(changes, nullable=("parent_id", "image"))
    current = store.get_category(category_id)
    if current is None:
        raise NotFound("No such category")
    if changes.get("parent_id"):
        _check_parent(changes["parent_id"], category_id)
        if any(c.parent_id == category_id for c in store.list_categories()):
            raise _field_problem("parent_id", "A category with subcategories cannot become one", "invalid-parent")
    if changes.get("slug"):
        _check_slug(changes["slug"], category_id)
    if not store.update_category(current, changes, clock.now_iso()):
        raise NotFound("No such category")
    return category_view(current)


def delete_category(category_id: str) -> None:
    current = store.get_category(category_id)
    if current is None:
        raise NotFound("No such category")
    if store.category_has_products(category_id):
        raise Conflict("The category still has products; move or delete them first", code="category-not-empty")
    if any(c.parent_id == category_id for c in store.list_categories()):
        raise Conflict("The category still has subcategories; delete them first", code="category-not-empty")
    store.delete_category(current)


# Products -------------------------------------------------------------------------------------------


def discount_percent(mrp: int, price: int) -> int:
    return (mrp - price) * 100 // mrp if mrp > 0 else 0


def product_summary(r: ProductRecord, stock: dict[str, int] | None = None) -> dict[str, Any]:
    mrp, price = int(r.mrp), int(r.price)
    view = {
        "product_id": r.product_id,
        "name": r.name,
        "brand": r.brand,
        "category_id": r.category_id,
        "unit": r.unit,
        "mrp": mrp,
        "price": price,
        "discount_percent": discount_percent(mrp, price),
        "image": r.images[0] if r.images else None,
        "max_per_order": int(r.max_per_order),
    }
    if stock is not None:
        available = stock.get(r.product_id, 0)
        view.update(available=available, in_stock=available > 0)
    return view


def product_view(r: ProductRecord, stock: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        **product_summary(r, stock),
        "images": list(r.images or []),
        "tags": list(r.tags or []),
        "description": r.description,
        "is_active": bool(r.is_active),
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def product_record(data: dict[str, Any], now: str) -> ProductRecord:
    fields = {k: v for k, v in data.items() if v is not None}
    fields["product_id"] = fields.get("product_id") or new_id("prd_")
    fields.setdefault("created_at", now)
    fields.setdefault("updated_at", now)
    return store.new_product(**fields)


def _require_category(category_id: str) -> None:
    if store.get_category(category_id) is None:
        raise _field_problem("category_id", "No such category", "unknown-category")


def create_product(data: dict[str, Any]) -> dict[str, Any]:
    _require_category(data["category_id"])
    record = product_record(data, clock.now_iso())
    _insert_new(record, "product")
    return _snapshotted(product_view(record))


def update_product(product_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    _no_nulls(changes, nullable=("description",))
    current = store.get_product(product_id, consistent=True)
    if current is None:
        raise NotFound("No such product")
    mrp = changes.get("mrp", int(current.mrp))
    price = changes.get("price", int(current.price))
    if price > mrp:
        raise _field_problem("price", "price must not exceed mrp", "price-above-mrp")
    if "category_id" in changes and changes["category_id"] != current.category_id:
        _require_category(changes["category_id"])
    # Optimistic: the price ≤ mrp check above holds only if nobody changed the product meanwhile.
    if not store.update_product(current, changes, clock.now_iso()):
        raise Conflict("The product changed meanwhile; read it and try again", code="edit-conflict")
    return _snapshotted(product_view(current))


def deactivate_product(product_id: str) -> None:
    record = store.deactivate_product(product_id, clock.now_iso())
    if record is None:
        raise NotFound("No such product")
    _snapshotted(product_view(record))


def _snapshotted(view: dict[str, Any]) -> dict[str, Any]:
    """Refresh the cart's snapshot of a product just written (`blinkit.snapshots`); returns the view."""
    snapshots.put_product(view, view["updated_at"])
    return view


# The public reads below (product page, product lists) come from this container's memory while fresh
# (products.cache: 0 DynamoDB calls on a hit, an edit shows within its TTL); writes and the cart's batch read
# the table.


def _require_known_store(store_id: str) -> None:
    """404 for an unknown store, judged from the cached store list (a store made since: one GetItem)."""
    if not any(s["store_id"] == store_id for s in cached_stores()):
        require_store(store_id)


def _require_known_category(category_id: str) -> None:
    known = cache.CATEGORIES.get_or_load(None, store.list_categories)
    if not any(c.category_id == category_id for c in known) and store.get_category(category_id) is None:
        raise NotFound("No such category")


def cached_stock(store_id: str, product_ids: list[str]) -> dict[str, int]:
    """Units at the store: this container's fresh ones (products.cache) and one BatchGetItem for the rest."""
    return cache.stock_many(store_id, product_ids, lambda missing: store.get_stock_many(store_id, missing))


def _stock_for(store_id: str | None, product_ids: list[str]) -> dict[str, int] | None:
    if store_id is None:
        return None
    _require_known_store(store_id)
    return cached_stock(store_id, product_ids) if product_ids else {}


def _cached_product(product_id: str) -> ProductRecord | None:
    fresh, record = cache.PRODUCTS.get(product_id)
    if fresh:
        return record
    record = store.get_product(product_id)
    return None if record is None else cache.PRODUCTS.put(product_id, record)  # an unknown id is not kept


def get_product(product_id: str, store_id: str | None) -> dict[str, Any]:
    record = _cached_product(product_id)
    if record is None or not record.is_active:
        raise NotFound("No such product")
    return product_view(record, _stock_for(store_id, [product_id]))


def list_products(*, category_id: str | None, store_id: str | None, limit: int, cursor: str | None
                  ) -> dict[str, Any]:
    """One page of active products, by name within a category (ByCategory) or by id overall (ByType)."""
    if store_id is not None:
        _require_known_store(store_id)
    scope = f"products:category:{category_id}" if category_id else "products:all"
    last_key = decode_cursor(cursor, scope=scope)
    if category_id:
        _require_known_category(category_id)
        records, last_read = cache.PAGES.get_or_load(
            (category_id, limit, cursor), lambda: store.active_products_in_category_page(category_id, limit, last_key))
    else:
        records, last_read = cache.PAGES.get_or_load(
            (None, limit, cursor), lambda: store.active_products_page(limit, last_key))
    stock = cached_stock(store_id, [r.product_id for r in records]) if store_id and records else None
    if store_id and stock is None:
        stock = {}
    next_key = last_read if len(records) == limit else None
    return {
        "products": [product_summary(r, stock) for r in records],
        "next_cursor": encode_cursor(next_key, scope=scope),
    }


def batch_products(store_id: str, product_ids: list[str]) -> dict[str, Any]:
    """Details, price and stock of up to 100 products for the cart: one BatchGetItem per table. An inactive
    store still answers (its carts must stay readable), saying it is inactive (`store_is_active`)."""
    shop = require_store(store_id)
    found = store.get_products_many(product_ids)
    stock = store.get_stock_many(store_id, list(found)) if found else {}
    products = []
    for pid in product_ids:
        record = found.get(pid)
        if record is None:
            continue
        view = product_summary(record, stock)  # with its category: orders' coupons can be scoped to one
        products.append({**view, "is_active": bool(record.is_active)})
    return {"store_id": store_id, "store_is_active": bool(shop.is_active), "products": products,
            "unknown": [pid for pid in product_ids if pid not in found]}


# Stock ----------------------------------------------------------------------------------------------


def stock_view(r: store.StockRecord) -> dict[str, Any]:
    return {"store_id": r.store_id, "product_id": r.product_id, "available": int(r.available),
            "updated_at": r.updated_at}


# Who may touch a store's stock (admins, and that store's staff) is checked by the routes'
# `blinkit.security.store_access` dependency before these run.


def set_stock(store_id: str, product_id: str, available: int) -> dict[str, Any]:
    require_store(store_id)
    if store.get_product(product_id) is None:
        raise NotFound("No such product")
    record = store.set_stock(store_id, product_id, available, clock.now_iso())
    snapshots.put_stock(store_id, product_id, available, record.updated_at)
    return stock_view(record)


def low_stock(store_id: str, threshold: int, limit: int, cursor: str | None) -> dict[str, Any]:
    require_store(store_id)
    scope = f"low-stock:store:{store_id}:threshold:{threshold}"
    rows, last_read = store.low_stock(store_id, threshold, limit=limit, last_key=decode_cursor(cursor, scope=scope))
    names = {pid: r.name for pid, r in store.get_products_many([r.product_id for r in rows]).items()} if rows else {}
    next_key = last_read if len(rows) == limit else None
    return {
        "items": [{**stock_view(r), "name": names.get(r.product_id)} for r in rows],
        "next_cursor": encode_cursor(next_key, scope=scope),
    }


# Helpers --------------------------------------------------------------------------------------------


def _no_nulls(changes: dict[str, Any], *, nullable: tuple[str, ...]) -> None:
    """PATCH bodies may send `null` only to clear an optional field."""
    bad = [k for k, v in changes.items() if v is None and k not in nullable]
    if bad:
        raise Problem("These fields cannot be removed", status=422, code="validation-error",
                      errors=[{"field": k, "message": "may not be null", "code": "null-not-allowed"} for k in bad])
