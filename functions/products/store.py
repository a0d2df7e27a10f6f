"""The products domain's two tables.

`CatalogTable` (single table, stream on: the search indexer consumes it)
    STORE#<id>    / STORE      a dark store (`surge {fee, reason, expires_at}` while ops set one)
    CATEGORY#<id> / CATEGORY   a category (parent_id for subcategories)
    PRODUCT#<id>  / PRODUCT    a product
  GSI `ByType` (gsi1pk = entity, gsi1sk = id): list one kind without a Scan.
  GSI `ByCategory` (cat_pk = category_id, cat_sk = lower(name)#id): a category's products by name.

`StockTable`
    STORE#<store_id>     / PRODUCT#<product_id>   available units (never below zero)
    RESERVATION#<order>  / RESERVATION            what an order reserved (makes reserve/release idempotent)
  GSI `LowStock` (store_id, available): a store's rows by count; reservations have no `available`,
  so the index is sparse and holds stock rows only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from blinkit.dynamodb import cancellation_codes, connection, failed_conditions, page, save_if, update_if
from blinkit.fees import DEFAULT_FEES
from blinkit.settings import get_settings

STORE, CATEGORY, PRODUCT, RESERVATION = "STORE", "CATEGORY", "PRODUCT", "RESERVATION"
RESERVED, RELEASED = "RESERVED", "RELEASED"  # a reservation's status
BATCH_GET_LIMIT = 100  # DynamoDB's BatchGetItem maximum keys per request


def store_pk(store_id: str) -> str:
    return f"STORE#{store_id}"


def category_pk(category_id: str) -> str:
    return f"CATEGORY#{category_id}"


def product_pk(product_id: str) -> str:
    return f"PRODUCT#{product_id}"


def stock_sk(product_id: str) -> str:
    return f"PRODUCT#{product_id}"


def reservation_pk(order_id: str) -> str:
    return f"RESERVATION#{order_id}"


def category_sort_key(name: str, product_id: str) -> str:
    return f"{name.lower()}#{product_id}"


class _Catalog:
    table_name = get_settings().catalog_table
    region = get_settings().aws_region


class _Stock:
    table_name = get_settings().stock_table
    region = get_settings().aws_region


# Catalog --------------------------------------------------------------------------------------------


class _ByType(GlobalSecondaryIndex):
    class Meta:
        index_name = "ByType"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class StoreByType(_ByType):
    pass


class CategoryByType(_ByType):
    pass


class ProductByType(_ByType):
    pass


class ProductByCategory(GlobalSecondaryIndex):
    class Meta:
        index_name = "ByCategory"
        projection = AllProjection()

    cat_pk = UnicodeAttribute(hash_key=True)
    cat_sk = UnicodeAttribute(range_key=True)


class OpeningHours(MapAttribute):
    open = UnicodeAttribute()  # "HH:MM" in the store's timezone
    close = UnicodeAttribute()  # earlier than `open` means the store closes after midnight


class Fees(MapAttribute):
    """What the order bill charges at this store, in paise (times are "HH:MM" store-local). The defaults are
    the one set (`blinkit.fees`): the service stores every setting, a record built here without some gets them."""

    delivery_fee = NumberAttribute(default=DEFAULT_FEES["delivery_fee"])
    free_delivery_threshold = NumberAttribute(default=DEFAULT_FEES["free_delivery_threshold"])
    small_cart_fee = NumberAttribute(default=DEFAULT_FEES["small_cart_fee"])
    small_cart_threshold = NumberAttribute(default=DEFAULT_FEES["small_cart_threshold"])
    handling_fee = NumberAttribute(default=DEFAULT_FEES["handling_fee"])
    platform_fee = NumberAttribute(default=DEFAULT_FEES["platform_fee"])
    late_night_fee = NumberAttribute(default=DEFAULT_FEES["late_night_fee"])
    late_night_start = UnicodeAttribute(default=DEFAULT_FEES["late_night_start"])
    late_night_end = UnicodeAttribute(default=DEFAULT_FEES["late_night_end"])
    minimum_order = NumberAttribute(default=DEFAULT_FEES["minimum_order"])
    max_tip = NumberAttribute(default=DEFAULT_FEES["max_tip"])


class Surge(MapAttribute):
    """A surge fee ops set for a while (rain, high demand); it is over once `expires_at` is not in the future
    (`blinkit.fees.live_surge`, judged by whoever reads it), whether or not the attribute is still here."""

    fee = NumberAttribute()  # paise
    reason = UnicodeAttribute()
    expires_at = UnicodeAttribute()  # blinkit.clock's format


class StoreRecord(Model):
    class Meta(_Catalog):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=STORE)
    entity = UnicodeAttribute(default=STORE)
    gsi1pk = UnicodeAttribute(default=STORE)
    gsi1sk = UnicodeAttribute()
    by_type = StoreByType()

    store_id = UnicodeAttribute()
    name = UnicodeAttribute()
    address = UnicodeAttribute()
    city = UnicodeAttribute()
    lat = NumberAttribute()
    lng = NumberAttribute()
    radius_km = NumberAttribute()
    opening_hours = OpeningHours()
    timezone = UnicodeAttribute(default="Asia/Kolkata")
    is_active = BooleanAttribute(default=True)
    fees = Fees()
    surge = Surge(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class CategoryRecord(Model):
    class Meta(_Catalog):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=CATEGORY)
    entity = UnicodeAttribute(default=CATEGORY)
    gsi1pk = UnicodeAttribute(default=CATEGORY)
    gsi1sk = UnicodeAttribute()
    by_type = CategoryByType()

    category_id = UnicodeAttribute()
    name = UnicodeAttribute()
    slug = UnicodeAttribute()
    parent_id = UnicodeAttribute(null=True)
    image = UnicodeAttribute(null=True)
    sort_order = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class ProductRecord(Model):
    class Meta(_Catalog):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=PRODUCT)
    entity = UnicodeAttribute(default=PRODUCT)
    gsi1pk = UnicodeAttribute(default=PRODUCT)
    gsi1sk = UnicodeAttribute()
    cat_pk = UnicodeAttribute()
    cat_sk = UnicodeAttribute()
    by_type = ProductByType()
    by_category = ProductByCategory()

    product_id = UnicodeAttribute()
    name = UnicodeAttribute()
    brand = UnicodeAttribute()
    category_id = UnicodeAttribute()
    unit = UnicodeAttribute()
    mrp = NumberAttribute()
    price = NumberAttribute()
    images = ListAttribute(of=UnicodeAttribute, default=list)
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    description = UnicodeAttribute(null=True)
    max_per_order = NumberAttribute(default=10)
    is_active = BooleanAttribute(default=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


def new_store(**fields: Any) -> StoreRecord:
    return StoreRecord(pk=store_pk(fields["store_id"]), gsi1sk=fields["store_id"], **fields)


def new_category(**fields: Any) -> CategoryRecord:
    return CategoryRecord(pk=category_pk(fields["category_id"]), gsi1sk=fields["category_id"], **fields)


def new_product(**fields: Any) -> ProductRecord:
    pid = fields["product_id"]
    return ProductRecord(pk=product_pk(pid), gsi1sk=pid, cat_pk=fields["category_id"],
                         cat_sk=category_sort_key(fields["name"], pid), **fields)


def get_store(store_id: str) -> StoreRecord | None:
    try:
        return StoreRecord.get(store_pk(store_id), STORE)
    except DoesNotExist:
        return None


def get_category(category_id: str) -> CategoryRecord | None:
    try:
        return CategoryRecord.get(category_pk(category_id), CATEGORY)
    except DoesNotExist:
        return None


def get_product(product_id: str, *, consistent: bool = False) -> ProductRecord | None:
    try:
        return ProductRecord.get(product_pk(product_id), PRODUCT, consistent_read=consistent)
    except DoesNotExist:
        return None


def list_stores() -> list[StoreRecord]:
    """Every store (active or not): one Query on ByType, a handful of items."""
    return list(StoreRecord.by_type.query(STORE))


def list_categories() -> list[CategoryRecord]:
    return list(CategoryRecord.by_type.query(CATEGORY))


def _active() -> Any:
    return ProductRecord.is_active == True  # noqa: E712


def list_active_products() -> Iterator[ProductRecord]:
    """Every active product, paging through ByType (for index builds, never a request path)."""
    yield from ProductRecord.by_type.query(PRODUCT, filter_condition=_active())


def category_has_products(category_id: str) -> bool:
    return any(True for _ in ProductRecord.by_category.query(category_id, limit=1, attributes_to_get=["pk"]))


# Projection for list views; the key attributes are in it so pynamodb can build the page's last key.
SUMMARY_ATTRIBUTES = ["pk", "sk", "gsi1pk", "gsi1sk", "cat_pk", "cat_sk", "product_id", "name", "brand",
                      "category_id", "unit", "mrp", "price", "images", "max_per_order", "is_active"]


def active_products_page(limit: int, last_key: dict[str, Any] | None
                         ) -> tuple[list[ProductRecord], dict[str, Any] | None]:
    """One page of active products by id (one Query on ByType, list-view attributes only) and DynamoDB's key
    to go on from (None at the end, though a page may be short while more follow: inactive ones are
    filtered after the read)."""
    return page(ProductRecord.by_type.query(PRODUCT, filter_condition=_active(), limit=limit,
                                             last_evaluated_key=last_key, attributes_to_get=SUMMARY_ATTRIBUTES))


def active_products_in_category_page(category_id: str, limit: int, last_key: dict[str, Any] | None
                                     ) -> tuple[list[ProductRecord], dict[str, Any] | None]:
    """One page of a category's active products by name (one Query on ByCategory), as `active_products_page`."""
    return page(ProductRecord.by_category.query(category_id, filter_condition=_active(), limit=limit,
                                                 last_evaluated_key=last_key, attributes_to_get=SUMMARY_ATTRIBUTES))


def get_products_many(product_ids: Iterable[str]) -> dict[str, ProductRecord]:
    """BatchGetItem in chunks of 100 (pynamodb pages and retries unprocessed keys); missing ids are absent."""
    keys = [(product_pk(pid), PRODUCT) for pid in dict.fromkeys(product_ids)]
    return {record.product_id: record for record in ProductRecord.batch_get(keys)} if keys else {}


# Catalog writes -------------------------------------------------------------------------------------


def insert_new(record: StoreRecord | CategoryRecord | ProductRecord) -> bool:
    """Save a new catalog item; False (nothing written) when an item with its key exists already."""
    return save_if(record, type(record).pk.does_not_exist())


def update_store(store_id: str, changes: dict[str, Any], updated_at: str) -> StoreRecord | None:
    """Set `changes` (opening_hours, fees and surge as plain dicts; a `surge` of None removes it) on an existing
    store and return it, all attributes as stored; None when there is no such store."""
    record = StoreRecord(pk=store_pk(store_id), sk=STORE)
    actions = []
    for name, value in changes.items():
        if name == "surge" and value is None:
            actions.append(StoreRecord.surge.remove())
            continue
        if name == "opening_hours":
            value = OpeningHours(**value)
        elif name == "fees":
            value = Fees(**value)
        elif name == "surge":
            value = Surge(**value)
        actions.append(getattr(StoreRecord, name).set(value))
    actions.append(StoreRecord.updated_at.set(updated_at))
    return record if update_if(record, actions, StoreRecord.pk.exists()) else None


def _set_or_remove(model: type[Model], changes: dict[str, Any]) -> list[Any]:
    """Update actions: `None` removes an optional attribute, anything else sets it."""
    return [getattr(model, k).set(v) if v is not None else getattr(model, k).remove() for k, v in changes.items()]


def update_category(category: CategoryRecord, changes: dict[str, Any], updated_at: str) -> bool:
    """Apply `changes` to a category read earlier (refreshed in place); False when it was deleted meanwhile."""
    actions = [*_set_or_remove(CategoryRecord, changes), CategoryRecord.updated_at.set(updated_at)]
    return update_if(category, actions, CategoryRecord.pk.exists())


def delete_category(category: CategoryRecord) -> None:
    category.delete()


def update_product(product: ProductRecord, changes: dict[str, Any], updated_at: str) -> bool:
    """Apply `changes` to a product read earlier (refreshed in place), keeping its ByCategory keys in step,
    only if nobody changed it since that read (same `updated_at`); False otherwise."""
    actions = _set_or_remove(ProductRecord, changes)
    if "name" in changes or "category_id" in changes:
        name = changes.get("name", product.name)
        actions += [ProductRecord.cat_pk.set(changes.get("category_id", product.category_id)),
                    ProductRecord.cat_sk.set(category_sort_key(name, product.product_id))]
    actions.append(ProductRecord.updated_at.set(updated_at))
    return update_if(product, actions, ProductRecord.updated_at == product.updated_at)


def deactivate_product(product_id: str, updated_at: str) -> ProductRecord | None:
    """Soft delete (is_active false); the product as stored now, or None when there is no such product."""
    record = ProductRecord(pk=product_pk(product_id), sk=PRODUCT)
    actions = [ProductRecord.is_active.set(False), ProductRecord.updated_at.set(updated_at)]
    return record if update_if(record, actions, ProductRecord.pk.exists()) else None


# Stock ----------------------------------------------------------------------------------------------


class LowStockIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "LowStock"
        projection = AllProjection()

    store_id = UnicodeAttribute(hash_key=True)
    available = NumberAttribute(range_key=True)


class StockRecord(Model):
    class Meta(_Stock):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    store_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    available = NumberAttribute()
    updated_at = UnicodeAttribute()
    low_stock = LowStockIndex()


class ReservedItem(MapAttribute):
    product_id = UnicodeAttribute()
    quantity = NumberAttribute()


class ReservationRecord(Model):
    class Meta(_Stock):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=RESERVATION)
    order_id = UnicodeAttribute()
    store_id = UnicodeAttribute()
    items = ListAttribute(of=ReservedItem)
    status = UnicodeAttribute()  # RESERVED | RELEASED
    created_at = UnicodeAttribute()
    released_at = UnicodeAttribute(null=True)


def new_stock(store_id: str, product_id: str, available: int, updated_at: str) -> StockRecord:
    return StockRecord(pk=store_pk(store_id), sk=stock_sk(product_id), store_id=store_id, product_id=product_id,
                       available=available, updated_at=updated_at)


def get_stock_many(store_id: str, product_ids: list[str], *, consistent: bool = False) -> dict[str, int]:
    """product_id → available at `store_id`, by BatchGetItem in chunks of 100; rows that do not exist are absent."""
    keys = [(store_pk(store_id), stock_sk(pid)) for pid in dict.fromkeys(product_ids)]
    if not keys:
        return {}
    rows = StockRecord.batch_get(keys, consistent_read=consistent, attributes_to_get=["product_id", "available"])
    return {row.product_id: int(row.available) for row in rows}


def set_stock(store_id: str, product_id: str, available: int, updated_at: str) -> StockRecord:
    record = new_stock(store_id, product_id, available, updated_at)
    record.save()
    return record


def low_stock(store_id: str, threshold: int, *, limit: int, last_key: dict[str, Any] | None
              ) -> tuple[list[StockRecord], dict[str, Any] | None]:
    """Stock rows of a store with available <= threshold, fewest first (one Query on LowStock), and the key
    to go on from."""
    return page(StockRecord.low_stock.query(store_id, StockRecord.available <= threshold, limit=limit,
                                             last_evaluated_key=last_key))


def get_reservation(order_id: str) -> ReservationRecord | None:
    try:
        return ReservationRecord.get(reservation_pk(order_id), RESERVATION, consistent_read=True)
    except DoesNotExist:
        return None


# Reservations -------------------------------------------------------------------------------------
# Both transactions write the reservation first and the stock rows after it, so a cancellation reason at
# position 0 is the reservation's own condition and one at k + 1 is item k's (see blinkit.dynamodb).


class StockNotWritten(Exception):
    """A reservation transaction (`reserve`, `release`) wrote nothing.

    `lost`: the reservation's own condition failed: another call for the order won (reserve: the reservation
    exists already; release: it is no longer RESERVED). `short`: some item's stock row had fewer units than
    asked (reserve only). Neither: a conflict with another transaction or a failure (throttling), worth
    another try. `reasons`: DynamoDB's cancellation code per item, for the log.
    """

    def __init__(self, error: TransactWriteError) -> None:
        failed = failed_conditions(error)
        self.reasons = cancellation_codes(error)
        self.lost = 0 in failed
        self.short = any(position > 0 for position in failed)
        super().__init__(f"stock transaction not written: {self.reasons}")


def new_reservation(order_id: str, store_id: str, items: Iterable[tuple[str, int]], created_at: str
                    ) -> ReservationRecord:
    return ReservationRecord(pk=reservation_pk(order_id), order_id=order_id, store_id=store_id,
                             items=[ReservedItem(product_id=pid, quantity=quantity) for pid, quantity in items],
                             status=RESERVED, created_at=created_at)


def reserve(reservation: ReservationRecord, now: str) -> None:
    """Write the reservation (only if the order has none) and take each item's quantity off its stock row
    (only if `available >= quantity`) in one transaction: all or nothing. Raises StockNotWritten."""
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(reservation, condition=ReservationRecord.pk.does_not_exist())
            for item in reservation.items:
                quantity = int(item.quantity)
                row = StockRecord(pk=store_pk(reservation.store_id), sk=stock_sk(item.product_id))
                tx.update(row, actions=[StockRecord.available.add(-quantity), StockRecord.updated_at.set(now)],
                          condition=StockRecord.available >= quantity)
    except TransactWriteError as exc:
        raise StockNotWritten(exc) from exc


def release(reservation: ReservationRecord, now: str) -> None:
    """Flip a RESERVED reservation to RELEASED (only if it still is) and add each quantity back to its stock row,
    in one transaction; the record then shows RELEASED. Raises StockNotWritten (with `lost` when it was
    released meanwhile)."""
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(reservation, condition=ReservationRecord.status == RESERVED,
                      actions=[ReservationRecord.status.set(RELEASED), ReservationRecord.released_at.set(now)])
            for item in reservation.items:
                row = StockRecord(pk=store_pk(reservation.store_id), sk=stock_sk(item.product_id))
                tx.update(row, actions=[StockRecord.available.add(int(item.quantity)),
                                        StockRecord.store_id.set(reservation.store_id),
                                        StockRecord.product_id.set(item.product_id),
                                        StockRecord.updated_at.set(now)])
    except TransactWriteError as exc:
        raise StockNotWritten(exc) from exc
    reservation.status, reservation.released_at = RELEASED, now


# Batch writes (seeding) ----------------------------------------------------------------------------


def write_all(records: Iterable[Model]) -> int:
    """BatchWriteItem in chunks of 25 per model class (pynamodb retries unprocessed items)."""
    by_model: dict[type[Model], list[Model]] = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record)
    count = 0
    for model, items in by_model.items():
        with model.batch_write() as batch:
            for item in items:
                batch.save(item)
                count += 1
    return count
