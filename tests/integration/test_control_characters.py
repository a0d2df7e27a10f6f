"""No control characters are stored (issue 18, item 8): NUL, ESC, BEL and DEL in a text field of every route
family answer 422 naming the field; Indic scripts, emoji and combining marks are kept as sent, and the fields
that take several lines (delivery instructions, a product's description, a broadcast's body) take line breaks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.cart.conftest import served  # noqa: F401 (partners are registered through products and auth)
from tests.integration.conftest import User
from tests.integration.delivery.conftest import _delivery_clients, _orders_clients  # noqa: F401 (autouse fixtures)
from tests.integration.products_helpers import (
    assert_problem,
    make_category,
    make_product,
    make_store,
    product_body,
    store_body,
)

CONTROLS = {"NUL": "\x00", "ESC": "\x1b", "BEL": "\x07", "DEL": "\x7f"}
KEPT = ["पनीर", "Tamil தமிழ்", "😀 party", "Cafe\u0301 nai\u0308ve", "नमस्ते 👩‍👩‍👧"]
ORDER_ID = "ord_" + "0" * 26
ADDRESS = {"label": "Home", "line1": "12, 4th Cross", "city": "Bengaluru", "pincode": "560038",
           "lat": 12.97, "lng": 77.64}


@dataclass
class World:
    admin: User
    customer: User
    store_id: str
    category_id: str
    product_id: str


@pytest.fixture
def world(api: Any, admin: User, customer: User) -> World:
    store_id = make_store(api, admin)["store_id"]
    category_id = make_category(api, admin)["category_id"]
    return World(admin, customer, store_id, category_id, make_product(api, admin, category_id)["product_id"])


@dataclass
class Form:
    """A route with a body, as the caller who may send it; `fields` are its text fields (dotted when nested)."""

    method: str
    path: Callable[[World], str]
    body: Callable[[World], dict[str, Any]]
    token: Callable[[World], str | None]
    fields: tuple[str, ...]
    headers: dict[str, str] | None = None


def _with(body: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    """`body` with `field` (a.b for nested, tags.0 for a list item) set to `value`."""
    body = {**body}
    head, _, rest = field.partition(".")
    if rest.isdigit():
        body[head] = [value]
    elif rest:
        body[head] = _with(body.get(head) or {}, rest, value)
    else:
        body[head] = value
    return body


def _partner(w: World) -> dict[str, Any]:
    return {"uid": w.customer.uid, "name": "Ravi Kumar", "phone": "+919876543210", "vehicle": "TVS Jupiter",
            "store_id": w.store_id}


def _custom(w: World) -> dict[str, Any]:
    return {"user_ids": [w.customer.uid], "title": "Diwali offers", "body": "Lights, sweets and more",
            "channels": ["in_app"]}


FORMS = {
    "auth login": Form("POST", lambda w: "/auth/login", lambda w: {"id_token": "x" * 40,
                       "device": {"name": "Pixel 8", "platform": "android"}}, lambda w: None, ("device.name",)),
    "auth profile": Form("PATCH", lambda w: "/users/me", lambda w: {}, lambda w: w.customer.session_token,
                         ("name",)),
    "auth address": Form("POST", lambda w: "/users/me/addresses", lambda w: dict(ADDRESS),
                         lambda w: w.customer.session_token, ("label", "line1", "line2", "landmark", "city")),
    "products store": Form("POST", lambda w: "/stores", lambda w: store_body(), lambda w: w.admin.session_token,
                           ("name", "address", "city")),
    "products category": Form("POST", lambda w: "/categories", lambda w: {"name": "Dairy", "slug": "dairy-x"},
                              lambda w: w.admin.session_token, ("name",)),
    "products product": Form("POST", lambda w: "/products", lambda w: product_body(w.category_id),
                             lambda w: w.admin.session_token, ("name", "brand", "unit", "description", "tags.0")),
    "products patch": Form("PATCH", lambda w: f"/products/{w.product_id}", lambda w: {},
                           lambda w: w.admin.session_token, ("name", "description")),
    "orders checkout": Form("POST", lambda w: "/orders", lambda w: {"address_id": "adr_" + "0" * 26},
                            lambda w: w.customer.session_token, ("instructions",), {"idempotency-key": "k-1"}),
    "orders cancel": Form("POST", lambda w: f"/orders/{ORDER_ID}/cancel", lambda w: {},
                          lambda w: w.customer.session_token, ("reason",)),
    "notifications broadcast": Form("POST", lambda w: "/notifications/custom", _custom,
                                    lambda w: w.admin.session_token, ("title", "body")),
    "delivery partner": Form("POST", lambda w: "/delivery/partners", _partner, lambda w: w.admin.session_token,
                             ("name", "vehicle")),
}


def _send(api: Any, w: World, form: Form, body: dict[str, Any]) -> Any:
    return api.request(form.method, form.path(w), json_body=body, token=form.token(w), headers=form.headers)


@pytest.mark.parametrize("family", FORMS)
def test_nul_esc_bel_and_del_in_any_text_field_are_422_naming_the_field(api: Any, world: World, family: str) -> None:
    form = FORMS[family]
    for field in form.fields:
        for name, control in CONTROLS.items():
            for value in (f"Koramangala{control}", f"{control}Koramangala", f"Kora{control}mangala"):
                reply = _send(api, world, form, _with(form.body(world), field, value))
                problem = assert_problem(reply, 422)
                named = {e["field"]: e for e in problem["errors"]}
                wanted = field.rsplit(".", 1)[0] if field.endswith(".0") else field
                assert wanted in named, (family, field, name, problem)
                assert named[wanted]["code"] == "control_characters", (family, field, name, problem)
                assert f"U+{ord(control):04X}" in named[wanted]["message"]


def test_line_breaks_are_refused_where_one_line_is_meant(api: Any, world: World) -> None:
    form = FORMS["auth address"]
    for value in ("12\n4th Cross", "12\r\n4th Cross", "12\t4th Cross", "12\r4th Cross"):
        problem = assert_problem(_send(api, world, form, _with(form.body(world), "line1", value)), 422)
        assert [e["field"] for e in problem["errors"]] == ["line1"]


def test_scripts_emoji_and_combining_marks_are_kept_as_sent(api: Any, world: World) -> None:
    token = world.customer.session_token
    for text in KEPT:
        reply = api.patch("/users/me", {"name": text}, token=token)
        assert reply.status == 200, reply.body
        assert reply.json()["name"] == text and api.get("/users/me", token=token).json()["name"] == text
        created = api.post("/users/me/addresses", {**ADDRESS, "line1": text, "landmark": text}, token=token)
        assert created.status == 201, created.body
        assert (created.json()["line1"], created.json()["landmark"]) == (text, text)
        product = api.post("/products", product_body(world.category_id, name=text, brand=text, tags=[text]),
                           token=world.admin.session_token)
        assert product.status == 201, product.body
        stored = api.get(f"/products/{product.json()['product_id']}").json()
        assert (stored["name"], stored["brand"], stored["tags"]) == (text, text, [text])
    everything = " ".join(KEPT)
    partner = api.post("/delivery/partners", {**_partner(world), "name": everything[:100]},
                       token=world.admin.session_token)
    assert partner.status == 201 and partner.json()["name"] == everything[:100], partner.body
    _search_finds(api, "पनीर")


def _search_finds(api: Any, text: str) -> None:
    """Search takes Indic text too (its index is rebuilt from the catalog, then read within a second or so)."""
    import time

    from products.search import indexer

    indexer.rebuild()
    deadline = time.monotonic() + 10
    while True:
        reply = api.get("/products/search", query=f"q={quote(text)}")
        if reply.status == 200 and any(item["name"] == text for item in reply.json()["items"]):
            return
        assert time.monotonic() < deadline, reply.body
        time.sleep(0.2)


def test_multi_line_fields_take_line_breaks_and_refuse_the_other_controls(api: Any, world: World) -> None:
    admin = world.admin.session_token
    description = "Fresh paneer.\nKeep refrigerated.\r\nUse within 2 days. पनीर 😀"
    created = api.post("/products", product_body(world.category_id, description=description), token=admin)
    assert created.status == 201, created.body
    assert api.get(f"/products/{created.json()['product_id']}").json()["description"] == description
    patched = api.patch(f"/products/{world.product_id}", {"description": "Line one\nLine two"}, token=admin)
    assert patched.status == 200 and patched.json()["description"] == "Line one\nLine two"
    broadcast = api.post("/notifications/custom", {**_custom(world), "body": "Lights\nSweets\r\nMore"}, token=admin)
    assert broadcast.status == 202, broadcast.body
    for bad in ("a\tb", "a\rb", "a\x00b", "a\x1bb", "a\x85b"):
        for form, field in ((FORMS["products patch"], "description"), (FORMS["orders checkout"], "instructions"),
                            (FORMS["notifications broadcast"], "body")):
            problem = assert_problem(_send(api, world, form, _with(form.body(world), field, bad)), 422)
            assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, "control_characters")], problem


@pytest.mark.parametrize("param", ["q", "brand"])
@pytest.mark.parametrize("control", CONTROLS.values(), ids=CONTROLS.keys())
def test_search_refuses_control_characters_in_its_free_text_parameters(api: Any, param: str, control: str) -> None:
    query = {"q": "paneer", param: f"pan{control}eer"}
    reply = api.get("/products/search", query="&".join(f"{k}={quote(v)}" for k, v in query.items()))
    problem = assert_problem(reply, 422)
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(f"query.{param}", "control_characters")]
