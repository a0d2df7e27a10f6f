"""Add to cart at the floor (issue 17): the calls an add makes, counted exactly, and the catalog snapshots
(`blinkit.snapshots`) that let it skip products, kept fresh by products' own routes and saga steps.

Counts are this thread's only (the cart function is invoked in it; products answers in the gateway's threads):
DynamoDB API calls (botocore) and Redis round trips (packed commands sent: a pipeline or a script is one).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
import redis

from tests.integration.cart.conftest import make_shop
from tests.integration.cart.test_cart_resilience import counting, drop_snapshots
from tests.integration.dynamodb_spy import spy_dynamodb
from tests.integration.products_helpers import assert_problem, set_stock


def add_event(project_stack: Any, uid: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST /cart/items as API Gateway hands it to the function once the authorizer said ok."""
    from local.gateway import Gateway, build_event

    route, params = Gateway(project_stack.template, project_stack.functions).match("POST", "/cart/items")
    event = build_event(route, "POST", "/cart/items", "", {"content-type": "application/json"},
                        json.dumps(body).encode(), "127.0.0.1", params)
    event["requestContext"]["authorizer"] = {"lambda": {"auth_state": "ok", "uid": uid, "session_id": "ses_x",
                                                        "roles": "customer"}}
    return event


def invoke_add(project_stack: Any, uid: str, store_id: str, product_id: str, quantity: int = 1) -> dict[str, Any]:
    reply = project_stack.functions.invoke("CartAddItemFunction", add_event(
        project_stack, uid, {"store_id": store_id, "product_id": product_id, "quantity": quantity}))
    body = json.loads(reply["body"])
    if "type" in body:  # a problem: its code is the end of its type
        body["code"] = body["type"].rsplit("/", 1)[-1]
    return {"status": reply["statusCode"], **body}


class DynamoDBOperations:
    """The DynamoDB operation names this thread calls (the counter above counts; this names them)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        spy_dynamodb(monkeypatch, lambda operation, _: self.names.append(operation), this_thread_only=True)


def line_item(project_stack: Any, uid: str, product_id: str) -> dict[str, Any]:
    table = project_stack.resources.tables["CartsTable"]
    return boto3.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": f"USER#{uid}"},
                                                                  "sk": {"S": f"LINE#{product_id}"}},
                                             ConsistentRead=True)["Item"]


# ---- the calls of an add ----------------------------------------------------------------------------------


def test_a_warm_add_to_a_line_is_one_update_item_two_redis_round_trips_and_no_products_call(
        api, customer, shop, served, project_stack, monkeypatch):
    first = invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0))
    assert first["status"] == 200 and first["quantity"] == 1
    before = served.faults.calls
    with counting(monkeypatch) as calls:
        ops = DynamoDBOperations(monkeypatch)
        again = invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0), 2)
    assert again == {"status": 200, "cart_id": None, "store_id": shop.store_id, "product_id": shop.pid(0),
                     "quantity": 3, "price": 1000, "max_quantity": 10}
    assert ops.names == ["UpdateItem"] and calls.dynamodb == 1
    assert calls.redis == 2  # the snapshots (one pipeline), then the view's invalidation (one pipeline)
    assert served.faults.calls == before  # products was not asked
    assert api.get("/cart", token=customer.session_token).json()["items"][0]["quantity"] == 3


def operations_of_add(project_stack: Any, monkeypatch: pytest.MonkeyPatch, uid: str, store_id: str, product_id: str,
                      quantity: int = 1) -> tuple[dict[str, Any], list[str], int]:
    """An add's reply, the DynamoDB operations it made and its Redis round trips."""
    with counting(monkeypatch) as calls:
        ops = DynamoDBOperations(monkeypatch)
        reply = invoke_add(project_stack, uid, store_id, product_id, quantity)
    return reply, ops.names, calls.redis


def cart_lines(api: Any, customer: Any) -> list[tuple[str, int]]:
    return [(i["product_id"], i["quantity"]) for i in api.get("/cart", token=customer.session_token).json()["items"]]


def test_a_new_line_of_a_cart_never_read_tries_the_add_first(api, customer, shop, served, project_stack,
                                                             monkeypatch):
    assert invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0))["status"] == 200
    before = served.faults.calls
    reply, ops, redis_rt = operations_of_add(project_stack, monkeypatch, customer.uid, shop.store_id, shop.pid(1), 2)
    assert reply["status"] == 200 and reply["quantity"] == 2 and reply["price"] == 1100
    # No lines hint that lists the whole cart (it was never read): the ADD's condition finds no such line
    # (nothing written), then the line and the header's count go in together. No read of the cart, no products.
    assert ops == ["UpdateItem", "TransactWriteItems"] and redis_rt == 2
    assert served.faults.calls == before
    assert cart_lines(api, customer) == [(shop.pid(0), 1), (shop.pid(1), 2)]


def test_a_warm_new_line_is_one_transaction_and_two_redis_round_trips(api, customer, shop, served, project_stack,
                                                                      monkeypatch):
    """The common add: a product not yet in a cart that was read (or written by a path that read it) before."""
    assert invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0))["status"] == 200
    assert cart_lines(api, customer) == [(shop.pid(0), 1)]  # the read leaves the complete lines hint
    before = served.faults.calls
    reply, ops, redis_rt = operations_of_add(project_stack, monkeypatch, customer.uid, shop.store_id, shop.pid(1), 2)
    assert (reply["status"], reply["quantity"], reply["price"]) == (200, 2, 1100)
    assert ops == ["TransactWriteItems"] and redis_rt == 2  # the hint rode in the snapshots' pipeline
    assert served.faults.calls == before
    # Each add keeps the hint: the next new line is one transaction, an existing one one UpdateItem.
    assert operations_of_add(project_stack, monkeypatch, customer.uid, shop.store_id, shop.pid(2))[1:] == (
        ["TransactWriteItems"], 2)
    assert operations_of_add(project_stack, monkeypatch, customer.uid, shop.store_id, shop.pid(1))[1:] == (
        ["UpdateItem"], 2)
    assert cart_lines(api, customer) == [(shop.pid(0), 1), (shop.pid(1), 3), (shop.pid(2), 1)]


def test_the_cart_routes_keep_the_lines_hint(api, customer, shop, project_stack, monkeypatch):
    """Removing a line, setting a quantity, emptying the cart, and the checkout's clear keep the hint right, so the
    add after each is still one write."""
    token = customer.session_token
    for i in (0, 1):
        assert invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(i))["status"] == 200
    assert api.get("/cart", token=token).status == 200
    assert api.delete(f"/cart/items/{shop.pid(1)}", token=token).status == 204
    assert operations_of_add(project_stack, monkeypatch, customer.uid, shop.store_id, shop.pid(1))[1] == [
        "TransactWriteItems"]
    assert api.put(f"/cart/items/{shop.pid(1)}", {"quantity": 0}, token=token).status == 204
    assert operations_of_add(project_stack, monkeypatch, customer.uid, shop.store_id, shop.pid(1))[1] == [
        "TransactWriteItems"]
    assert api.put(f"/cart/items/{shop.pid(1)}", {"quantity": 3}, token=token).status == 200
    assert operations_of_add(project_stack, monkeypatch, customer.uid, shop.store_id, shop.pid(1))[1] == ["UpdateItem"]
    assert api.delete("/cart", token=token).status == 204
    assert operations_of_add(project_stack, monkeypatch, customer.uid, shop.store_id, shop.pid(2))[1] == [
        "TransactWriteItems"]
    project_stack.functions.invoke("ClearCartFunction", {"user_id": customer.uid, "order_id": "ord_hint_1"})
    assert operations_of_add(project_stack, monkeypatch, customer.uid, shop.store_id, shop.pid(2))[1] == [
        "TransactWriteItems"]
    assert cart_lines(api, customer) == [(shop.pid(2), 1)]


def test_a_stale_lines_hint_costs_one_write_never_a_wrong_answer(api, customer, shop, project_stack, redis_url,
                                                                monkeypatch):
    """Another container's write the hint missed, either way: the write's condition refuses, the other write is
    made, the answer is right, and the hint is right again for the next add."""
    from cart import cache, store

    owner = store.Owner.user(customer.uid)
    for i in (0, 1):
        assert invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(i))["status"] == 200
    assert cart_lines(api, customer) == [(shop.pid(0), 1), (shop.pid(1), 1)]
    # A line removed behind the hint: it still says the line exists.
    assert store.remove_line(owner, shop.pid(0))
    reply, ops, _ = operations_of_add(project_stack, monkeypatch, customer.uid, shop.store_id, shop.pid(0), 2)
    assert reply["quantity"] == 2 and ops == ["UpdateItem", "TransactWriteItems"]
    # A line added behind the hint: it says the cart has no such line.
    redis.Redis.from_url(redis_url).srem(cache.lines_key(owner.pk), shop.pid(1))
    reply, ops, _ = operations_of_add(project_stack, monkeypatch, customer.uid, shop.store_id, shop.pid(1), 2)
    assert reply["quantity"] == 3 and ops == ["TransactWriteItems", "UpdateItem"]
    # Corrected by those adds: one write each again.
    for pid, total in ((shop.pid(0), 3), (shop.pid(1), 4)):
        reply, ops, _ = operations_of_add(project_stack, monkeypatch, customer.uid, shop.store_id, pid)
        assert (reply["quantity"], ops) == (total, ["UpdateItem"])
    # A hint that outlived its cart (a lapsed header): the transaction's header condition refuses, and the checked
    # path answers as for any lapsed cart.
    table = project_stack.resources.tables["CartsTable"]
    boto3.client("dynamodb").update_item(TableName=table, Key={"pk": {"S": owner.pk}, "sk": {"S": "META"}},
                                         UpdateExpression="SET expires_at = :t", ExpressionAttributeValues={
                                             ":t": {"N": "1"}})
    reply = invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(2))
    assert (reply["status"], reply["quantity"]) == (200, 1)
    assert cart_lines(api, customer) == [(shop.pid(2), 1)]


def test_a_guests_first_add_is_one_transaction(api, shop, served, project_stack, monkeypatch):
    from local.gateway import Gateway, build_event

    route, params = Gateway(project_stack.template, project_stack.functions).match("POST", "/cart/items")
    body = {"store_id": shop.store_id, "product_id": shop.pid(0), "quantity": 1}
    event = build_event(route, "POST", "/cart/items", "", {"content-type": "application/json"},
                        json.dumps(body).encode(), "127.0.0.1", params)
    event["requestContext"]["authorizer"] = {"lambda": {"auth_state": "anonymous"}}
    before = served.faults.calls
    with counting(monkeypatch) as calls:
        ops = DynamoDBOperations(monkeypatch)
        reply = project_stack.functions.invoke("CartAddItemFunction", event)
    assert reply["statusCode"] == 200, reply
    cart_id = json.loads(reply["body"])["cart_id"]
    assert ops.names == ["TransactWriteItems"] and calls.redis == 2 and served.faults.calls == before
    # The cart it made is all the lines hint needs: the guest's next new line is one transaction too.
    body["product_id"] = shop.pid(1)
    event = build_event(route, "POST", "/cart/items", "", {"content-type": "application/json", "x-cart-id": cart_id},
                        json.dumps(body).encode(), "127.0.0.1", params)
    event["requestContext"]["authorizer"] = {"lambda": {"auth_state": "anonymous"}}
    with counting(monkeypatch) as calls:
        ops = DynamoDBOperations(monkeypatch)
        reply = project_stack.functions.invoke("CartAddItemFunction", event)
    assert (reply["statusCode"], json.loads(reply["body"])["cart_id"]) == (200, cart_id)
    assert ops.names == ["TransactWriteItems"] and calls.redis == 2
    assert api.get("/cart", headers={"x-cart-id": cart_id}).json()["item_count"] == 2


def test_a_snapshot_miss_asks_products_once_and_fills_it(customer, shop, served, project_stack, redis_url,
                                                          monkeypatch):
    drop_snapshots(redis_url, shop.store_id, shop.pid(2))
    before = served.faults.calls
    assert invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(2))["status"] == 200
    assert served.faults.calls == before + 1  # the batch lookup, as before snapshots
    from blinkit import snapshots

    filled = snapshots.read(shop.store_id, [shop.pid(2)])
    assert filled.product(shop.pid(2))["price"] == 1200 and filled.stock[shop.pid(2)] == 20
    before = served.faults.calls
    with counting(monkeypatch) as calls:
        assert invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(2))["quantity"] == 2
    assert (calls.dynamodb, served.faults.calls - before) == (1, 0)


@pytest.mark.parametrize("line_state", ["header slack passed", "written before snapshots"])
def test_a_line_the_one_write_add_cannot_trust_takes_the_checked_path_once(customer, shop, served, project_stack,
                                                                         monkeypatch, line_state):
    """A line whose `header_until` no longer vouches for the header (the slack since its last refresh passed), or
    a line written before lines carried it and their store: the one-write ADD is refused, the add still succeeds
    (the header refreshed first, the line given both), and the next add is one write."""
    assert invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0))["status"] == 200
    table = project_stack.resources.tables["CartsTable"]
    key = {"pk": {"S": f"USER#{customer.uid}"}, "sk": {"S": f"LINE#{shop.pid(0)}"}}
    if line_state == "header slack passed":
        boto3.client("dynamodb").update_item(TableName=table, Key=key, UpdateExpression="SET header_until = :t",
                                             ExpressionAttributeValues={":t": {"N": "1"}})
    else:
        boto3.client("dynamodb").update_item(TableName=table, Key=key, UpdateExpression="REMOVE header_until, store_id")
    before = served.faults.calls
    assert invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0))["quantity"] == 2
    assert served.faults.calls == before  # still the snapshot's facts
    header = boto3.client("dynamodb").get_item(TableName=table, Key={**key, "sk": {"S": "META"}},
                                               ConsistentRead=True)["Item"]
    line = line_item(project_stack, customer.uid, shop.pid(0))
    assert int(line["header_until"]["N"]) == int(header["expires_at"]["N"])
    assert line["store_id"]["S"] == shop.store_id
    with counting(monkeypatch) as calls:
        assert invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0))["quantity"] == 3
    assert calls.dynamodb == 1


def test_the_same_product_of_another_store_is_still_different_store(customer, shop, project_stack):
    assert invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0))["status"] == 200
    reply = invoke_add(project_stack, customer.uid, shop.other_store_id, shop.pid(0))
    assert reply["status"] == 409 and reply["code"] == "different-store"


# ---- freshness: products' writes refresh the snapshots ------------------------------------------------------


def test_a_price_edit_reaches_the_next_add_without_a_products_call(api, admin, customer, shop, served,
                                                                   project_stack):
    assert api.patch(f"/products/{shop.pid(0)}", {"price": 900}, token=admin.session_token).status == 200
    before = served.faults.calls
    reply = invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0))
    assert (reply["status"], reply["price"], served.faults.calls) == (200, 900, before)
    assert line_item(project_stack, customer.uid, shop.pid(0))["price_at_add"]["N"] == "900"


def test_stock_changes_reach_the_snapshot_and_refusals_are_asked_live(api, admin, customer, shop, served,
                                                                       project_stack, redis_url):
    from blinkit import snapshots

    assert set_stock(api, admin, shop.store_id, shop.pid(0), 3).status == 200
    assert snapshots.read(shop.store_id, [shop.pid(0)]).stock[shop.pid(0)] == 3
    # Beyond the snapshot's stock: products is asked, and its answer (the same) refuses.
    before = served.faults.calls
    reply = invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0), 4)
    assert (reply["status"], reply["code"], reply["available"]) == (422, "insufficient-stock", 3)
    assert served.faults.calls == before + 1
    # A snapshot that lags (stock written behind products' back) never refuses what products would accept.
    redis.Redis.from_url(redis_url).hset(snapshots.stock_key(shop.store_id, shop.pid(0)), "n", 0)
    before = served.faults.calls
    assert invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0), 2)["quantity"] == 2
    assert served.faults.calls == before + 1
    # Raised again through the route: the next add within it needs no call.
    assert set_stock(api, admin, shop.store_id, shop.pid(0), 50).status == 200
    before = served.faults.calls
    assert invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0), 5)["quantity"] == 7
    assert served.faults.calls == before


def test_a_reservation_and_its_release_move_the_snapshots_stock(admin, shop, project_stack):
    from blinkit import snapshots

    order = {"order_id": "ord_snapshot_1", "store_id": shop.store_id,
             "items": [{"product_id": shop.pid(0), "quantity": 3}, {"product_id": shop.pid(1), "quantity": 1}]}
    project_stack.functions.invoke("ReserveStockFunction", order)
    assert snapshots.read(shop.store_id, [shop.pid(0), shop.pid(1)]).stock == {shop.pid(0): 17, shop.pid(1): 19}
    project_stack.functions.invoke("ReserveStockFunction", order)  # a retried step reserves nothing more
    assert snapshots.read(shop.store_id, [shop.pid(0)]).stock == {shop.pid(0): 17}
    project_stack.functions.invoke("ReleaseStockFunction", {"order_id": "ord_snapshot_1"})
    project_stack.functions.invoke("ReleaseStockFunction", {"order_id": "ord_snapshot_1"})  # and once only
    assert snapshots.read(shop.store_id, [shop.pid(0), shop.pid(1)]).stock == {shop.pid(0): 20, shop.pid(1): 20}


def test_a_deactivated_product_or_store_is_refused_live(api, admin, customer, project_stack, served):
    shop = make_shop(api, admin, n=2)
    assert api.delete(f"/products/{shop.pid(0)}", token=admin.session_token).status == 204
    from blinkit import snapshots

    assert snapshots.read(shop.store_id, [shop.pid(0)]).products[shop.pid(0)]["is_active"] is False
    before = served.faults.calls
    reply = invoke_add(project_stack, customer.uid, shop.store_id, shop.pid(0))
    assert (reply["status"], reply["code"], served.faults.calls) == (422, "product-unavailable", before + 1)
    assert api.patch(f"/stores/{shop.store_id}", {"is_active": False}, token=admin.session_token).status == 200
    assert snapshots.read(shop.store_id, []).store_active is False
    assert_problem(api.post("/cart/items", {"store_id": shop.store_id, "product_id": shop.pid(1), "quantity": 1},
                            token=customer.session_token), 409, "store-inactive")
