"""The cache (hits cost 1 Redis round trip and nothing else), the breaker and degraded mode against a real
HTTP products endpoint on loopback, Redis outages, merge at sign-in, concurrency and the saga jobs."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
import redis

from tests.integration.cart.conftest import BREAKER_COOLDOWN_SECONDS, BREAKER_FAILURES, make_shop
from tests.integration.dynamodb_spy import spy_dynamodb
from tests.integration.products_helpers import assert_problem, set_stock


def add(api, shop, i=0, quantity=1, token=None, cart_id=None):
    headers = {"x-cart-id": cart_id} if cart_id else {}
    return api.post("/cart/items", {"store_id": shop.store_id, "product_id": shop.pid(i), "quantity": quantity},
                    token=token, headers=headers)


class Calls:
    def __init__(self) -> None:
        self.dynamodb = 0
        self.redis = 0


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch):
    """Counts the DynamoDB API calls (botocore) and Redis round trips (packed commands sent) this thread makes.

    Only this thread: the products service answers the cart's HTTP calls in the gateway's threads of the
    same process, and its calls are the products domain's, not the cart's.
    """
    calls = Calls()
    me = threading.get_ident()
    send = redis.connection.AbstractConnection.send_packed_command

    def counted_call(operation, params):
        calls.dynamodb += 1

    def counted_send(self, command, check_health=True):
        if threading.get_ident() == me:
            calls.redis += 1
        return send(self, command, check_health)

    with monkeypatch.context() as m:
        spy_dynamodb(m, counted_call, this_thread_only=True)
        m.setattr(redis.connection.AbstractConnection, "send_packed_command", counted_send)
        yield calls


def cart_event(project_stack: Any, uid: str) -> dict[str, Any]:
    """GET /cart as API Gateway hands it to the function once the authorizer said ok (no authorizer here)."""
    from local.gateway import Gateway, build_event

    route, params = Gateway(project_stack.template, project_stack.functions).match("GET", "/cart")
    event = build_event(route, "GET", "/cart", "", {"content-type": "application/json"}, b"", "127.0.0.1", params)
    event["requestContext"]["authorizer"] = {"lambda": {"auth_state": "ok", "uid": uid, "session_id": "ses_x",
                                                        "roles": "customer"}}
    return event


# ---- cache ---------------------------------------------------------------------------------------------


def test_a_cache_hit_costs_one_redis_round_trip_and_nothing_else(api, customer, admin, served, project_stack,
                                                                  monkeypatch):
    import json

    shop = make_shop(api, admin, n=10)
    for i in range(10):
        assert add(api, shop, i, 1, customer.session_token).status == 200
    event = cart_event(project_stack, customer.uid)
    miss_before = served.faults.calls
    with counting(monkeypatch) as miss:
        first = project_stack.functions.invoke("CartGetFunction", event)
    assert first["statusCode"] == 200 and len(json.loads(first["body"])["items"]) == 10
    assert served.faults.calls == miss_before + 1  # one batch call for ten lines
    assert miss.dynamodb == 1  # one Query for the whole cart
    calls_before = served.faults.calls
    with counting(monkeypatch) as hit:
        second = project_stack.functions.invoke("CartGetFunction", event)
    assert second["statusCode"] == 200 and json.loads(second["body"]) == json.loads(first["body"])
    assert (hit.dynamodb, hit.redis, served.faults.calls - calls_before) == (0, 1, 0)


def test_every_write_invalidates_the_view(api, customer, shop, redis_url):
    client = redis.Redis.from_url(redis_url)
    key = f"cart:view:USER#{customer.uid}"
    token = customer.session_token
    writes = [
        lambda: add(api, shop, 0, 1, token),
        lambda: add(api, shop, 1, 1, token),
        lambda: api.put(f"/cart/items/{shop.pid(0)}", {"quantity": 3}, token=token),
        lambda: api.delete(f"/cart/items/{shop.pid(1)}", token=token),
        lambda: api.put(f"/cart/items/{shop.pid(0)}", {"quantity": 0}, token=token),
        lambda: add(api, shop, 2, 2, token),
        lambda: api.delete("/cart", token=token),
    ]
    expected = []
    for write in writes:
        api.get("/cart", token=token)
        assert client.exists(key)
        assert write().status in (200, 204)
        assert not client.exists(key), "a write must drop the cached view"
        expected = [(i["product_id"], i["quantity"]) for i in api.get("/cart", token=token).json()["items"]]
    assert expected == []


def test_a_read_racing_a_write_does_not_cache_a_stale_view(api, customer, shop):
    from cart import cache

    add(api, shop, 0, 1, customer.session_token)
    owner = f"USER#{customer.uid}"
    view, seen = cache.get_view(owner)
    assert view is None
    cache.invalidate(owner)  # a write lands between the reader's look and its store
    cache.put_view(owner, {"stale": True}, seen)
    assert cache.get_view(owner)[0] is None


def test_redis_down_reads_and_writes_still_succeed_from_dynamodb(api, customer, shop, monkeypatch):
    from cart import cache

    dead = redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.2, socket_connect_timeout=0.2)
    monkeypatch.setattr(cache, "_client", lambda: dead)
    assert add(api, shop, 0, 2, customer.session_token).status == 200
    assert api.put(f"/cart/items/{shop.pid(0)}", {"quantity": 3}, token=customer.session_token).status == 200
    reply = api.get("/cart", token=customer.session_token)
    assert reply.status == 200 and reply.json()["items"][0]["quantity"] == 3
    assert reply.json()["degraded"] is False
    assert api.delete("/cart", token=customer.session_token).status == 204


def test_a_guest_cart_works_with_all_of_redis_down(api, shop, project_stack, monkeypatch):
    """No session to check, so nothing but the cache and the breaker touch Redis: both degrade gracefully."""
    from blinkit import redis_client

    dead = redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.2, socket_connect_timeout=0.2)
    monkeypatch.setattr(redis_client, "get_redis", lambda: dead)
    from cart import cache

    monkeypatch.setattr(cache, "get_redis", lambda: dead)
    reply = add(api, shop, 0, 2)
    assert reply.status == 200, reply.body
    cart_id = reply.json()["cart_id"]
    cart = api.get("/cart", headers={"x-cart-id": cart_id})
    assert cart.status == 200 and cart.json()["items"][0]["quantity"] == 2


# ---- breaker and degraded mode --------------------------------------------------------------------------


def drop_snapshots(redis_url: str, store_id: str, product_id: str) -> None:
    """As if products' snapshots of a product at a store had expired (`blinkit.snapshots`)."""
    from blinkit import snapshots

    redis.Redis.from_url(redis_url).delete(snapshots.product_key(product_id), snapshots.stock_key(store_id, product_id))


def _breaker_open(redis_url: str) -> bool:
    return bool(redis.Redis.from_url(redis_url).exists("breaker:{products}:open"))


@pytest.mark.parametrize("fault", ["503", "slow"])
def test_breaker_opens_get_cart_degrades_and_recovers(api, customer, shop, served, redis_url, fault):
    token = customer.session_token
    add(api, shop, 0, 2, token)
    add(api, shop, 1, 1, token)
    healthy = api.get("/cart", token=token).json()
    assert healthy["degraded"] is False
    # Lowering a quantity needs no products call; it invalidates the view so the next read goes upstream.
    assert api.put(f"/cart/items/{shop.pid(0)}", {"quantity": 1}, token=token).status == 200

    served.faults.mode = fault
    before = served.faults.calls
    degraded = api.get("/cart", token=token)
    assert degraded.status == 200, degraded.body
    body = degraded.json()
    assert body["degraded"] is True
    assert served.faults.calls - before == BREAKER_FAILURES  # one call and two retries, then it opened
    assert _breaker_open(redis_url)
    first = body["items"][0]
    assert first["name"] == shop.products[0]["name"]  # from the snapshot
    assert first["price"] == first["price_at_add"] == 1000 and first["quantity"] == 1
    assert body["subtotal"] == 1000 + 1100

    # Open: later calls skip the network entirely. An add the catalog snapshots vouch for needs no products
    # call; one they cannot (no snapshot of product 3 here) is 503.
    before = served.faults.calls
    assert api.get("/cart", token=token).json()["degraded"] is True
    assert add(api, shop, 2, 1, token).status == 200
    drop_snapshots(redis_url, shop.store_id, shop.pid(3))
    reply = add(api, shop, 3, 1, token)
    problem = assert_problem(reply, 503)
    assert int(reply.headers["retry-after"]) >= 1 and "products" in problem["detail"]
    assert served.faults.calls == before
    assert api.put(f"/cart/items/{shop.pid(1)}", {"quantity": 1}, token=token).status == 200  # lowering works

    # Recovery: after the cool-down one trial call closes it again.
    served.faults.mode = "ok"
    time.sleep(BREAKER_COOLDOWN_SECONDS + 0.2)
    recovered = api.get("/cart", token=token).json()
    assert recovered["degraded"] is False and recovered["items"][0]["name"] == shop.products[0]["name"]
    assert not _breaker_open(redis_url)
    assert add(api, shop, 2, 1, token).status == 200


def test_a_degraded_view_is_not_cached(api, customer, shop, served, redis_url):
    add(api, shop, 0, 1, customer.session_token)
    served.faults.mode = "503"
    assert api.get("/cart", token=customer.session_token).json()["degraded"] is True
    assert not redis.Redis.from_url(redis_url).exists(f"cart:view:USER#{customer.uid}")


# ---- merge at sign-in ------------------------------------------------------------------------------------


def login(api, user, guest_cart_id=None):
    body = {"id_token": user.id_token, "device": {"name": "Pixel 8", "platform": "android"}}
    if guest_cart_id:
        body["guest_cart_id"] = guest_cart_id
    reply = api.post("/auth/login", body)
    assert reply.status == 201, reply.body
    return reply.json()


def test_login_merges_the_guest_cart_within_the_limits(api, customer, admin, shop):
    token = customer.session_token
    add(api, shop, 0, 5, token)  # the user's own cart: product 0 x5, product 3 x1
    add(api, shop, 3, 1, token)
    guest = add(api, shop, 0, 8).json()["cart_id"]  # the guest: product 0 x8 (5 + 8 > 10 per order)
    add(api, shop, 1, 4, cart_id=guest)  # product 1 x4, but only 2 left by sign-in time
    add(api, shop, 2, 1, cart_id=guest)  # product 2, out of stock by sign-in time
    set_stock(api, admin, shop.store_id, shop.pid(1), 2)
    set_stock(api, admin, shop.store_id, shop.pid(2), 0)
    session = login(api, customer, guest)
    assert session["cart_merge"] == "merged"
    cart = api.get("/cart", token=session["session_token"]).json()
    assert {i["product_id"]: i["quantity"] for i in cart["items"]} == {
        shop.pid(0): 10, shop.pid(1): 2, shop.pid(3): 1}
    assert api.get("/cart", headers={"x-cart-id": guest}).json()["items"] == []  # the guest cart is gone


def test_merge_takes_the_guest_store_when_the_user_cart_is_elsewhere(api, customer, shop):
    body = {"store_id": shop.other_store_id, "product_id": shop.pid(5), "quantity": 1}
    assert api.post("/cart/items", body, token=customer.session_token).status == 200
    guest = add(api, shop, 0, 2).json()["cart_id"]
    session = login(api, customer, guest)
    cart = api.get("/cart", token=session["session_token"]).json()
    assert cart["store_id"] == shop.store_id and [i["quantity"] for i in cart["items"]] == [2]


def test_a_failed_merge_never_fails_the_login(api, customer, shop, served):
    guest = add(api, shop, 0, 2).json()["cart_id"]
    served.faults.mode = "503"
    session = login(api, customer, guest)
    assert session["cart_merge"] == "failed" and session["session_token"]
    served.faults.mode = "ok"
    assert api.get("/cart", headers={"x-cart-id": guest}).json()["item_count"] == 2  # kept for a retry


def test_login_without_a_guest_cart_reports_no_merge(api, customer):
    assert "cart_merge" not in login(api, customer) or login(api, customer)["cart_merge"] is None
    reply = api.post("/auth/login", {"id_token": customer.id_token, "guest_cart_id": "nope",
                                     "device": {"name": "Pixel 8", "platform": "android"}})
    assert_problem(reply, 422)


# ---- concurrency ----------------------------------------------------------------------------------------


def test_twenty_concurrent_adds_end_with_the_exact_sum(api, customer, admin):
    shop = make_shop(api, admin, n=1, stock=500, max_per_order=100)
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(lambda _: add(api, shop, 0, 1, customer.session_token), range(20)))
    assert [r.status for r in replies] == [200] * 20, [r.body for r in replies if r.status != 200]
    assert api.get("/cart", token=customer.session_token).json()["items"][0]["quantity"] == 20


def test_concurrent_adds_never_pass_the_limit(api, customer, admin):
    shop = make_shop(api, admin, n=1, stock=500, max_per_order=10)
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(lambda _: add(api, shop, 0, 1, customer.session_token), range(20)))
    final = api.get("/cart", token=customer.session_token).json()["items"][0]["quantity"]
    assert (final, sorted(r.status for r in replies)) == (10, [200] * 10 + [422] * 10)


# ---- saga jobs ------------------------------------------------------------------------------------------


def test_load_cart_returns_current_prices_and_raises_cart_empty(api, customer, admin, shop, project_stack):
    from local.lambdas import LambdaError

    with pytest.raises(LambdaError) as empty:
        project_stack.functions.invoke("LoadCartFunction", {"user_id": customer.uid})
    assert empty.value.error_type == "CartEmpty"
    add(api, shop, 0, 2, customer.session_token)
    add(api, shop, 1, 1, customer.session_token)
    api.patch(f"/products/{shop.pid(0)}", {"price": 950}, token=admin.session_token)
    loaded = project_stack.functions.invoke("LoadCartFunction", {"user_id": customer.uid})
    assert loaded["store_id"] == shop.store_id and loaded["item_count"] == 3
    assert loaded["lines"][0] == {"product_id": shop.pid(0), "category_id": shop.products[0]["category_id"],
                                  "quantity": 2, "price": 950, "mrp": 1500, "name": shop.products[0]["name"],
                                  "max_per_order": 10, "available": 20}
    assert loaded["subtotal"] == 950 * 2 + 1100


def test_load_cart_raises_products_unavailable_when_the_service_is_down(api, customer, shop, served, project_stack):
    from local.lambdas import LambdaError

    add(api, shop, 0, 1, customer.session_token)
    served.faults.mode = "503"
    with pytest.raises(LambdaError) as down:
        project_stack.functions.invoke("LoadCartFunction", {"user_id": customer.uid})
    assert down.value.error_type == "ProductsUnavailable"


def test_clear_cart_is_idempotent_per_order(api, customer, shop, project_stack):
    add(api, shop, 0, 1, customer.session_token)
    event = {"user_id": customer.uid, "order_id": "ord_1"}
    first = project_stack.functions.invoke("ClearCartFunction", event)
    assert first["cleared"] == 1 and first["already_cleared"] is False
    assert api.get("/cart", token=customer.session_token).json()["items"] == []
    add(api, shop, 1, 1, customer.session_token)  # a new cart after the order
    again = project_stack.functions.invoke("ClearCartFunction", event)  # a retried step
    assert again["already_cleared"] is True
    assert len(api.get("/cart", token=customer.session_token).json()["items"]) == 1
