"""Drill: the products service fails under a stream of cart traffic, stays down a while, then comes back.

The cart reaches products over HTTP (`POST /internal/products/batch` through `blinkit.service_client`) with
a fleet-wide breaker in Redis (`blinkit.breaker`); here the gateway is served on loopback and its fault
switch makes every products call answer 503. The breaker is set to open after 3 failures and cool down
for 1 s (tests/integration/cart/conftest.py).

Expected, request by request:
- the first cart read after the failure spends exactly the threshold on products (one call, two retries),
  opens the breaker (one `BreakerOpened` metric) and answers 200 `degraded`, priced from the lines' agreed
  prices and named from the catalog snapshots in Redis;
- while open, nothing reaches products: reads stay 200 `degraded`, lowering or removing a line works
  (it needs no products call), adding a product the catalog snapshots do not hold is 503 problem+json
  with Retry-After;
- after the cool-down exactly one caller makes a half-open trial; failing, it re-opens the breaker
  (a second `BreakerOpened`); once products answers again the next trial closes it and every cart is
  normal again (live prices, cached, writable);
- a checkout during the outage is never priced from snapshots: the saga's LoadCart step is retried while
  products is down and the order then fails with nothing reserved and the cart kept.

(tests/integration/cart/test_cart_resilience.py covers each mechanism on its own; this drill runs them as
one outage over several customers.)
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import redis

from tests.drills.conftest import captured_stdout, metric_names
from tests.integration.cart.conftest import BREAKER_FAILURES
from tests.integration.conftest import sign_up_and_login
from tests.integration.orders.conftest import add_address, checkout, execution_arn, order, stock, wait_done
from tests.integration.products_helpers import assert_problem

OPEN_KEY = "breaker:{products}:open"
# Long enough that the open phase below (six requests on a loaded 2-core machine) ends inside one cool-down.
COOLDOWN = 2.5


@pytest.fixture
def cooldown(served: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from blinkit import upstreams
    from blinkit.settings import get_settings

    monkeypatch.setenv("PRODUCTS_BREAKER_COOLDOWN_SECONDS", str(COOLDOWN))
    get_settings.cache_clear()
    upstreams.reset()
    yield COOLDOWN
    monkeypatch.undo()
    get_settings.cache_clear()
    upstreams.reset()


def add(api: Any, shop: Any, i: int, quantity: int, token: str) -> Any:
    return api.post("/cart/items", {"store_id": shop.store_id, "product_id": shop.pid(i), "quantity": quantity},
                    token=token)


def quantities(reply: Any) -> dict[str, int]:
    return {i["product_id"]: i["quantity"] for i in reply.json()["items"]}


def test_products_down_then_back_under_a_stream_of_cart_requests(
        api: Any, firebase: Any, served: Any, redis_url: str, shop: Any, capfd: pytest.CaptureFixture[str],
        cooldown: float) -> None:
    cache = redis.Redis.from_url(redis_url, decode_responses=True)
    customers = [sign_up_and_login(api, firebase) for _ in range(3)]
    for n, user in enumerate(customers):
        assert add(api, shop, n, 2, user.session_token).status == 200
        assert add(api, shop, 3, 1, user.session_token).status == 200
    healthy = {u.uid: api.get("/cart", token=u.session_token).json() for u in customers}
    assert not any(view["degraded"] for view in healthy.values())
    # What a degraded answer will use (products wrote them; `blinkit.snapshots`)
    assert cache.exists(f"snap:product:{shop.pid(3)}", f"snap:stock:{shop.store_id}:{shop.pid(3)}") == 2
    # Lowering a line needs no products call and drops the cached view: the next read must go upstream.
    first = customers[0]
    assert api.put(f"/cart/items/{shop.pid(3)}", {"quantity": 1}, token=first.session_token).status == 200
    for user in customers[1:]:
        cache.delete(f"cart:view:USER#{user.uid}")

    # ---- products fails ----------------------------------------------------------------------------------
    served.faults.mode = "503"
    with captured_stdout(capfd) as out:
        before, opened_at = served.faults.calls, time.monotonic()
        degraded = api.get("/cart", token=first.session_token)
        assert served.faults.calls - before == BREAKER_FAILURES  # one call and two retries, then it opened
        assert cache.exists(OPEN_KEY)
        stream = [degraded] + [api.get("/cart", token=u.session_token) for u in customers[1:]]
        cache.delete(f"snap:product:{shop.pid(4)}")  # an add the snapshots cannot vouch for needs products
        refused = add(api, shop, 4, 1, first.session_token)
        lowered = api.put(f"/cart/items/{shop.pid(0)}", {"quantity": 1}, token=first.session_token)
        removed = api.delete(f"/cart/items/{shop.pid(3)}", token=customers[1].session_token)
        after_writes = api.get("/cart", token=first.session_token)
        elapsed = time.monotonic() - opened_at
    # While open nothing reaches products; at most one half-open trial per cool-down that went by (a loaded
    # machine may need more than one cool-down for these six requests), and each failed trial re-opens it.
    trials = served.faults.calls - before - BREAKER_FAILURES
    assert 0 <= trials <= int(elapsed // cooldown), f"{trials} calls while open in {elapsed:.1f} s"
    assert metric_names(out[0]).count("BreakerOpened") == 1 + trials

    for reply, user in zip(stream, customers, strict=True):
        assert reply.status == 200, reply.body
        view = reply.json()
        assert view["degraded"] is True
        assert quantities(reply) == quantities_of(healthy[user.uid], first_lowered=user is first, shop=shop)
        for item in view["items"]:
            before_item = next(i for i in healthy[user.uid]["items"] if i["product_id"] == item["product_id"])
            assert item["name"] == before_item["name"]  # from the snapshot
            assert item["price"] == item["price_at_add"] == before_item["price_at_add"]
        assert view["subtotal"] == sum(i["price_at_add"] * i["quantity"] for i in view["items"])
        assert not cache.exists(f"cart:view:USER#{user.uid}"), "a degraded view must not be cached"
    problem = assert_problem(refused, 503)
    assert "products" in problem["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= cooldown + 1
    assert lowered.status == 200 and removed.status in (200, 204)
    assert after_writes.json()["degraded"] is True and quantities(after_writes) == {shop.pid(0): 1, shop.pid(3): 1}

    # ---- still down after the cool-down: one trial call, which fails and re-opens it -----------------------
    time.sleep(cooldown + 0.1)
    with captured_stdout(capfd) as out:
        before = served.faults.calls
        trial = api.get("/cart", token=customers[2].session_token)
        assert served.faults.calls - before == 1, "a half-open trial is one call, never retried"
    assert trial.status == 200 and trial.json()["degraded"] is True
    assert metric_names(out[0]).count("BreakerOpened") == 1
    assert cache.exists(OPEN_KEY)

    # ---- products returns ----------------------------------------------------------------------------------
    served.faults.mode = "ok"
    time.sleep(cooldown + 0.1)
    recovered = [api.get("/cart", token=u.session_token) for u in customers]
    assert not cache.exists(OPEN_KEY)
    for reply, user in zip(recovered, customers, strict=True):
        view = reply.json()
        assert reply.status == 200 and view["degraded"] is False
        assert all(item["available"] == 20 and item["max_per_order"] for item in view["items"])  # live again
        assert cache.exists(f"cart:view:USER#{user.uid}")  # and cached again
    assert add(api, shop, 4, 1, first.session_token).status == 200
    assert quantities(api.get("/cart", token=first.session_token)) == {shop.pid(0): 1, shop.pid(3): 1,
                                                                        shop.pid(4): 1}


def quantities_of(view: dict[str, Any], *, first_lowered: bool, shop: Any) -> dict[str, int]:
    found = {i["product_id"]: i["quantity"] for i in view["items"]}
    if first_lowered:
        found[shop.pid(3)] = 1
    return found


def test_a_checkout_while_products_is_down_fails_cleanly_after_the_saga_retries(
        api: Any, project_stack: Any, served: Any, customer: Any, shop: Any) -> None:
    """LoadCart never prices an order from snapshots: it raises ProductsUnavailable, which the state machine
    retries (3 more attempts, 1-2-4 s full-jitter backoff); products staying down, the order fails with
    nothing reserved, and the customer's cart is kept for a later try."""
    address_id = add_address(api, customer)
    assert add(api, shop, 0, 2, customer.session_token).status == 200
    assert add(api, shop, 1, 1, customer.session_token).status == 200
    served.faults.mode = "503"
    reply = checkout(api, customer, address_id)
    assert reply.status == 202, reply.body  # checkout itself does not need products
    order_id = reply.json()["order_id"]
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"  # compensated, not an incident

    failed = order(api, customer, order_id)
    assert failed["status"] == "FAILED", failed
    history = project_stack.executor.history(execution_arn(order_id))
    load_failures = [json.loads(e["taskFailedEventDetails"]["cause"])["errorType"]
                     for e in history if e["type"] == "TaskFailed"]
    assert load_failures == ["ProductsUnavailable"] * 4  # the first try and the state machine's 3 retries
    assert not any("ReserveStock" in json.dumps(e, default=str) for e in history)
    served.faults.mode = "ok"
    assert [stock(api, shop, i) for i in range(2)] == [20, 20]
    assert quantities(api.get("/cart", token=customer.session_token)) == {shop.pid(0): 2, shop.pid(1): 1}
    # Not a business failure the customer caused: the generic reason, with the cause kept for support.
    assert (failed["reason"], failed["reason_detail"]) == ("INTERNAL", {"error": "ProductsUnavailable"})
