"""Guest cart ids are issued by the server only (issue 18, item 7): an `X-Cart-Id` the server did not issue, or
whose cart lapsed, never names a cart. A write with it starts a new cart under a new id; a read answers an
empty cart without an id and leaves nothing behind; the merge at sign-in (and cart's internal merge route)
ignores it. A real id keeps working."""

from __future__ import annotations

import re
import time
from typing import Any

import boto3

from tests.integration.products_helpers import assert_problem

CART_ID = re.compile(r"^gc_[0-9A-HJKMNP-TV-Z]{26}$")
MADE_UP = "gc_01JK8Z7Q9S1T3W5Y7A9C1E3G5J"  # well formed, never issued
EMPTY = {"cart_id": None, "store_id": None, "items": [], "item_count": 0, "subtotal": 0, "degraded": False}


def add(api: Any, shop: Any, i: int = 0, quantity: int = 1, *, token: str | None = None,
        cart_id: str | None = None) -> Any:
    headers = {"x-cart-id": cart_id} if cart_id else {}
    body = {"store_id": shop.store_id, "product_id": shop.pid(i), "quantity": quantity}
    return api.post("/cart/items", body, token=token, headers=headers)


def stored(stack: Any, cart_id: str) -> list[dict[str, Any]]:
    """What the carts table holds under a guest id, read straight from DynamoDB."""
    reply = boto3.client("dynamodb").query(
        TableName=stack.resources.tables["CartsTable"], ConsistentRead=True,
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": f"GUEST#{cart_id}"}})
    return list(reply["Items"])


def cached(cart_id: str) -> bool:
    from blinkit.redis_client import get_redis
    from cart.cache import view_key

    return bool(get_redis().exists(view_key(f"GUEST#{cart_id}")))


def lines(api: Any, *, token: str | None = None, cart_id: str | None = None) -> dict[str, int]:
    headers = {"x-cart-id": cart_id} if cart_id else {}
    reply = api.get("/cart", token=token, headers=headers)
    assert reply.status == 200, reply.body
    return {i["product_id"]: i["quantity"] for i in reply.json()["items"]}


def test_a_made_up_guest_id_never_becomes_a_cart(api: Any, project_stack: Any, shop: Any) -> None:
    reply = add(api, shop, 0, 2, cart_id=MADE_UP)
    assert reply.status == 200, reply.body
    issued = reply.json()["cart_id"]
    assert CART_ID.match(issued) and issued != MADE_UP and reply.headers["x-cart-id"] == issued
    assert stored(project_stack, MADE_UP) == []
    assert lines(api, cart_id=issued) == {shop.pid(0): 2}
    # The made-up id again, even after the issued one exists: each write with it starts another new cart.
    again = add(api, shop, 1, 1, cart_id=MADE_UP).json()["cart_id"]
    assert again not in (MADE_UP, issued) and stored(project_stack, MADE_UP) == []
    assert lines(api, cart_id=issued) == {shop.pid(0): 2}


def test_a_real_id_keeps_working(api: Any, project_stack: Any, shop: Any) -> None:
    issued = add(api, shop, 0, 2).json()["cart_id"]
    reply = add(api, shop, 0, 1, cart_id=issued)
    assert reply.status == 200 and reply.json()["cart_id"] == issued and reply.headers["x-cart-id"] == issued
    assert add(api, shop, 1, 1, cart_id=issued).json()["cart_id"] == issued
    view = api.get("/cart", headers={"x-cart-id": issued})
    assert view.json()["cart_id"] == issued and view.headers["x-cart-id"] == issued
    assert lines(api, cart_id=issued) == {shop.pid(0): 3, shop.pid(1): 1}
    # Emptied line by line, the cart is still the guest's: its id keeps naming it.
    for i in (0, 1):
        assert api.delete(f"/cart/items/{shop.pid(i)}", headers={"x-cart-id": issued}).status == 204
    assert api.get("/cart", headers={"x-cart-id": issued}).json()["cart_id"] == issued
    assert add(api, shop, 2, 1, cart_id=issued).json()["cart_id"] == issued


def test_reads_with_an_unknown_id_answer_an_empty_cart_without_creating_one(api: Any, project_stack: Any) -> None:
    reply = api.get("/cart", headers={"x-cart-id": MADE_UP})
    assert reply.status == 200, reply.body
    assert reply.json() == EMPTY and "x-cart-id" not in reply.headers
    assert stored(project_stack, MADE_UP) == [] and not cached(MADE_UP)
    # Nor do the routes that change a line or clear the cart (404 / 204, as before).
    assert_problem(api.put(f"/cart/items/prd_{'0' * 26}", {"quantity": 1}, headers={"x-cart-id": MADE_UP}), 404)
    assert api.delete("/cart", headers={"x-cart-id": MADE_UP}).status == 204
    assert stored(project_stack, MADE_UP) == [] and not cached(MADE_UP)


def test_a_lapsed_guest_cart_is_not_revived_by_its_id(api: Any, project_stack: Any, shop: Any) -> None:
    issued = add(api, shop, 0, 2).json()["cart_id"]
    table, dynamodb = project_stack.resources.tables["CartsTable"], boto3.client("dynamodb")
    for item in stored(project_stack, issued):  # 24 h later (DynamoDB's TTL deletes late: reads filter)
        dynamodb.update_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]},
                             UpdateExpression="SET expires_at = :past",
                             ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 60)}})
    from cart import cache

    cache.invalidate(f"GUEST#{issued}")
    assert api.get("/cart", headers={"x-cart-id": issued}).json() == EMPTY
    fresh = add(api, shop, 1, 1, cart_id=issued).json()["cart_id"]
    assert CART_ID.match(fresh) and fresh != issued
    assert lines(api, cart_id=fresh) == {shop.pid(1): 1}


def login(api: Any, user: Any, guest_cart_id: str) -> dict[str, Any]:
    body = {"id_token": user.id_token, "device": {"name": "Pixel 8", "platform": "android"},
            "guest_cart_id": guest_cart_id}
    reply = api.post("/auth/login", body)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def test_the_merge_at_sign_in_ignores_unknown_ids(api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    mine = {shop.pid(3): 1}
    assert add(api, shop, 3, 1, token=customer.session_token).status == 200
    # A guest who sent a made-up id: the server answered with its own, and the cart lives there.
    issued = add(api, shop, 0, 2, cart_id=MADE_UP).json()["cart_id"]
    session = login(api, customer, MADE_UP)
    assert session["cart_merge"] == "merged"  # nothing to merge is no failure: sign-in goes on as usual
    assert lines(api, token=session["session_token"]) == mine  # the user's cart is untouched
    assert lines(api, cart_id=issued) == {shop.pid(0): 2}  # and the guest's real cart is still there
    assert stored(project_stack, MADE_UP) == []
    # The real id merges.
    session = login(api, customer, issued)
    assert lines(api, token=session["session_token"]) == {**mine, shop.pid(0): 2}
    assert stored(project_stack, issued) == []


def test_the_internal_merge_route_ignores_unknown_ids(api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    from blinkit.upstreams import upstream

    assert add(api, shop, 3, 1, token=customer.session_token).status == 200
    # cart's own IAM route, SigV4-signed as auth calls it (never retried: a merge is not idempotent).
    reply = upstream("cart").post("/internal/cart/merge", json={"user_id": customer.uid, "guest_cart_id": MADE_UP},
                                  retries=0)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"merged": [], "skipped": [], "store_id": None}
    assert lines(api, token=customer.session_token) == {shop.pid(3): 1}
    assert stored(project_stack, MADE_UP) == [] and not cached(MADE_UP)
