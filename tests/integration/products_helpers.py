"""Building blocks for the products integration tests: catalog objects created through the API."""

from __future__ import annotations

import itertools
from typing import Any

from tests.integration.conftest import User, login_again, sign_up_and_login

_names = itertools.count(1)

# Indiranagar, Bengaluru, and two points around it.
HOME = (12.9719, 77.6412)
NEAR_HOME = (12.9784, 77.6408)  # ~0.7 km north
FAR_AWAY = (13.1986, 77.7066)  # the airport, ~26 km


def assert_problem(reply: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"].startswith("application/problem+json"), reply.headers
    body = reply.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in reply.body.decode()
    if code:
        assert body["type"].endswith("/" + code), body
    return body


def store_body(**over: Any) -> dict[str, Any]:
    n = next(_names)
    body = {
        "name": f"Indiranagar Dark Store {n}", "address": "100 Feet Road, Indiranagar", "city": "Bengaluru",
        "lat": HOME[0], "lng": HOME[1], "radius_km": 3.0,
        "opening_hours": {"open": "00:00", "close": "00:00"},  # open around the clock: tests need no clock
        "fees": {"delivery_fee": 2500, "free_delivery_threshold": 19900, "handling_fee": 400},
    }
    body.update(over)
    return body


def make_store(api: Any, admin: User, **over: Any) -> dict[str, Any]:
    reply = api.post("/stores", store_body(**over), token=admin.session_token)
    assert reply.status == 201, reply.body
    return reply.json()


def make_category(api: Any, admin: User, name: str | None = None, parent_id: str | None = None,
                  **over: Any) -> dict[str, Any]:
    name = name or f"Category {next(_names)}"
    body = {"name": name, "slug": name.lower().replace(" ", "-").replace("&", "and"), **over}
    if parent_id:
        body["parent_id"] = parent_id
    reply = api.post("/categories", body, token=admin.session_token)
    assert reply.status == 201, reply.body
    return reply.json()


def product_body(category_id: str, **over: Any) -> dict[str, Any]:
    body = {
        "name": f"Amul Taaza Toned Milk {next(_names)}", "brand": "Amul", "category_id": category_id,
        "unit": "500 ml", "mrp": 2900, "price": 2700, "images": ["https://cdn.example.com/amul-taaza.jpg"],
        "tags": ["milk", "dairy"], "description": "Pasteurised toned milk",
    }
    body.update(over)
    return body


def make_product(api: Any, admin: User, category_id: str, **over: Any) -> dict[str, Any]:
    reply = api.post("/products", product_body(category_id, **over), token=admin.session_token)
    assert reply.status == 201, reply.body
    return reply.json()


def set_stock(api: Any, user: User, store_id: str, product_id: str, available: int) -> Any:
    return api.put(f"/stores/{store_id}/stock/{product_id}", {"available": available}, token=user.session_token)


def make_staff(api: Any, firebase: Any, store_id: str) -> User:
    """A store_staff user of `store_id`, set directly in the users table as an operator would."""
    from auth import store as auth_store
    from blinkit import clock

    user = sign_up_and_login(api, firebase)
    auth_store.update_user(user.uid, clock.now(), roles=["store_staff"], store_id=store_id)
    user.session_token = login_again(api, user, "Store tablet")
    return user
