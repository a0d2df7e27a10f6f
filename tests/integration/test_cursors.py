"""Every list route's cursor knows its list (issue 18, item 4).

A world with two pages or more in every list, and in each list again with other filters (another user's
orders and inbox, another store's orders, partners and low stock, another category, another search, another
order's route...). Then every list is sent the cursor of every other list: each answers 400 `invalid-cursor`
as problem+json, never a 500 (a foreign DynamoDB key used to reach the query as its ExclusiveStartKey), and
never a page of the wrong list; and its own cursor still pages it.

The world is built once for the module (it takes a few seconds); the tests only read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.cart.conftest import served  # noqa: F401 (the gateway over loopback HTTP, for assignment)
from tests.integration.conftest import User, login_again, sign_up_and_login
from tests.integration.delivery.conftest import (  # noqa: F401 (fixtures)
    STORE_AT,
    _delivery_clients,
    _orders_clients,
    assign,
    packed_order,
    post_location,
    purge,
    register_partner,
)
from tests.integration.products_helpers import make_category, make_product, make_store, set_stock
from tests.plugins.stack import Api, _empty_tables, flush_keeping_claim


@dataclass(frozen=True)
class Listing:
    """One list with fixed filters: GET `path?query` as `token`, the items under `items`."""

    name: str
    path: str
    query: str
    token: str | None
    items: str

    def get(self, api: Api, cursor: str | None = None, limit: int = 1) -> Any:
        query = "&".join(part for part in (self.query, f"limit={limit}", f"cursor={cursor}" if cursor else "") if part)
        return api.get(self.path, query=query, token=self.token)


@dataclass
class World:
    api: Api
    listings: dict[str, Listing]
    first_pages: dict[str, dict[str, Any]]


def _admin(api: Api, firebase: Any) -> User:
    from auth import store

    user = sign_up_and_login(api, firebase)
    store.update_user(user.uid, store.UserRecord.get(store.user_pk(user.uid), store.PROFILE).updated_at,
                      roles=["admin"])
    user.session_token = login_again(api, user, "Admin laptop")
    return user


def _inbox(user: User, count: int) -> None:
    """In-app notifications written as the consumer writes them (unread)."""
    import time

    from blinkit.clock import now_iso
    from blinkit.ids import new_id
    from notifications import store

    for i in range(count):
        nid = new_id("ntf_")
        store.put_notification(store.NotificationRecord(
            pk=store.user_pk(user.uid), sk=store.NTF + nid, notification_id=nid, user_id=user.uid, type="custom",
            category="custom", title=f"Hello {i}", body="A note", created_at=now_iso(),
            unread_pk=store.user_pk(user.uid), expires_at=int(time.time()) + 86400))


def _search_index(stack: Any) -> None:
    from products.search import indexer

    stack.streams.drain()
    indexer.rebuild()
    stack.streams.drain()


@pytest.fixture(scope="module")
def world(project_stack: Any, served: Any, redis_url: str, firebase_emulator: Any) -> World:  # noqa: F811
    import os

    from blinkit import aws, upstreams
    from blinkit.settings import get_settings
    from delivery import realtime
    from delivery import upstream as delivery_upstream

    os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = firebase_emulator.host
    os.environ["AUTH_SERVICE_URL"] = os.environ["ORDERS_SERVICE_URL"] = served.url
    os.environ.update(project_stack.supabase.environment())
    get_settings.cache_clear()
    upstreams.reset()
    aws.reset()
    delivery_upstream.forget_stores()
    realtime.reset()
    flush_keeping_claim(redis_url)
    _empty_tables()
    assert project_stack.functions is not None
    from local.gateway import Gateway

    api = Api(Gateway(project_stack.template, project_stack.functions))
    admin = _admin(api, firebase_emulator)
    customer, other = sign_up_and_login(api, firebase_emulator), sign_up_and_login(api, firebase_emulator)

    # Catalog: two stores, two categories of two products each; low stock at both stores.
    shop_a = make_store(api, admin, lat=STORE_AT[0], lng=STORE_AT[1])["store_id"]
    shop_b = make_store(api, admin, lat=STORE_AT[0], lng=STORE_AT[1])["store_id"]
    categories = [make_category(api, admin)["category_id"] for _ in range(2)]
    for n, category in enumerate(categories):
        for i in range(2):
            product = make_product(api, admin, category, name=f"Paneer Cube {n}{i}" if n == 0 else f"Amul Ghee {i}")
            for shop in (shop_a, shop_b):
                assert set_stock(api, admin, shop, product["product_id"], 2 + i).status == 200
    _search_index(project_stack)

    # Orders: two of the customer's at store A, two of the other customer's at store B (all PACKED). Store A's
    # go out with two of its four partners, who report two fixes each (two routes); store B has two partners.
    riders = {p.uid: p for p in (register_partner(api, firebase_emulator, admin, shop_a, at=STORE_AT)
                                 for _ in range(4))}
    for _ in range(2):
        register_partner(api, firebase_emulator, admin, shop_b, at=STORE_AT)
    deliveries = [packed_order(customer, shop_a) for _ in range(2)]
    for _ in range(2):
        packed_order(other, shop_b)
    from delivery import store as delivery_store

    for order_id in deliveries:
        assign(project_stack, order_id)
        rider = riders[delivery_store.get_delivery(order_id).partner_id]
        for seconds_ago in (20, 10):
            assert post_location(api, rider, STORE_AT[0] + 0.001, STORE_AT[1], seconds_ago=seconds_ago).status == 200
    purge(project_stack, "NotificationsQueue", "DeliveryAssignmentQueue")

    # Inboxes: three for the customer, two for the other.
    _inbox(customer, 3)
    _inbox(other, 2)

    # Coupons: four, two of them switched off.
    for code in ("ALPHA1", "BRAVO2", "CHARLIE3", "DELTA4"):
        made = api.post("/admin/coupons", {"code": code, "title": code, "kind": "free_delivery"},
                        token=admin.session_token)
        assert made.status == 201, made.body
    for code in ("ALPHA1", "CHARLIE3"):
        assert api.post(f"/admin/coupons/{code}/deactivate", token=admin.session_token).status == 200

    staff = admin.session_token
    listings = [
        Listing("users", "/internal/users", "", None, "users"),
        Listing("my-orders", "/orders", "", customer.session_token, "orders"),
        Listing("my-orders-of-another-user", "/orders", "", other.session_token, "orders"),
        Listing("store-orders", "/admin/orders", f"store_id={shop_a}", staff, "orders"),
        Listing("store-orders-of-another-store", "/admin/orders", f"store_id={shop_b}", staff, "orders"),
        Listing("store-orders-in-a-status", "/admin/orders", f"store_id={shop_a}&status=PACKED", staff, "orders"),
        Listing("orders-in-a-status", "/admin/orders", "status=PACKED", staff, "orders"),
        Listing("inbox", "/notifications", "", customer.session_token, "notifications"),
        Listing("inbox-unread", "/notifications", "unread_only=true", customer.session_token, "notifications"),
        Listing("inbox-of-another-user", "/notifications", "", other.session_token, "notifications"),
        Listing("products", "/products", "", None, "products"),
        Listing("category", f"/products/category/{categories[0]}", "", None, "products"),
        Listing("another-category", f"/products/category/{categories[1]}", "", None, "products"),
        Listing("low-stock", f"/stores/{shop_a}/stock/low", "threshold=5", staff, "items"),
        Listing("low-stock-other-threshold", f"/stores/{shop_a}/stock/low", "threshold=10", staff, "items"),
        Listing("low-stock-of-another-store", f"/stores/{shop_b}/stock/low", "threshold=5", staff, "items"),
        Listing("search", "/products/search", "q=paneer", None, "items"),
        Listing("another-search", "/products/search", "q=ghee", None, "items"),
        Listing("partners", "/admin/delivery/partners", f"store_id={shop_a}", staff, "partners"),
        Listing("partners-in-a-status", "/admin/delivery/partners", f"store_id={shop_a}&status=available", staff,
                "partners"),
        Listing("partners-of-another-store", "/admin/delivery/partners", f"store_id={shop_b}", staff, "partners"),
        Listing("route", f"/delivery/orders/{deliveries[0]}/route", "", staff, "points"),
        Listing("route-of-another-order", f"/delivery/orders/{deliveries[1]}/route", "", staff, "points"),
        Listing("coupons", "/admin/coupons", "", staff, "coupons"),
        Listing("coupons-active", "/admin/coupons", "active=true", staff, "coupons"),
        Listing("coupons-inactive", "/admin/coupons", "active=false", staff, "coupons"),
    ]
    first_pages = {}
    for listing in listings:
        reply = listing.get(api)
        assert reply.status == 200, (listing.name, reply.body)
        page = reply.json()
        assert len(page[listing.items]) == 1 and page["next_cursor"], (listing.name, page)
        first_pages[listing.name] = page
    return World(api, {listing.name: listing for listing in listings}, first_pages)


NAMES = ["users", "my-orders", "my-orders-of-another-user", "store-orders", "store-orders-of-another-store",
         "store-orders-in-a-status", "orders-in-a-status", "inbox", "inbox-unread", "inbox-of-another-user",
         "products", "category", "another-category", "low-stock", "low-stock-other-threshold",
         "low-stock-of-another-store", "search", "another-search", "partners", "partners-in-a-status",
         "partners-of-another-store", "route", "route-of-another-order", "coupons", "coupons-active",
         "coupons-inactive"]


def _outcome(reply: Any) -> str:
    """What a client sees: `400 invalid-cursor` as problem+json, or the status and the start of the body."""
    if reply.status == 400 and reply.headers.get("content-type", "").startswith("application/problem+json"):
        body = reply.json()
        if body["status"] == 400 and body["title"] and body["detail"] and "Traceback" not in reply.body.decode():
            return "400 " + body["type"].rsplit("/", 1)[-1]
    return f"{reply.status} {reply.body[:120]!r}"


@pytest.mark.parametrize("name", NAMES)
def test_a_cursor_of_any_other_list_is_refused_as_400_invalid_cursor(world: World, name: str) -> None:
    listing = world.listings[name]
    outcomes = {other: _outcome(listing.get(world.api, page["next_cursor"]))
                for other, page in world.first_pages.items() if other != name}
    wrong = {other: outcome for other, outcome in outcomes.items() if outcome != "400 invalid-cursor"}
    assert len(outcomes) == len(NAMES) - 1 and not wrong, f"{name} took other lists' cursors: {wrong}"


@pytest.mark.parametrize("name", NAMES)
def test_a_cursor_still_pages_its_own_list(world: World, name: str) -> None:
    listing = world.listings[name]
    first = world.first_pages[name]
    reply = listing.get(world.api, first["next_cursor"])
    assert reply.status == 200, reply.body
    second = reply.json()[listing.items]
    assert len(second) == 1 and second != first[listing.items]


def test_every_list_route_of_the_template_is_in_the_world() -> None:
    # A list route added later must join the matrix above: the routes whose answer carries `next_cursor`.
    from tests.unit.test_template import cursor_routes

    paths = {path for _, path in cursor_routes()}
    covered = {"/internal/users", "/orders", "/admin/orders", "/notifications", "/products",
               "/products/category/{category_id}", "/stores/{store_id}/stock/low", "/products/search",
               "/admin/delivery/partners", "/delivery/orders/{order_id}/route", "/admin/coupons"}
    assert paths == covered
