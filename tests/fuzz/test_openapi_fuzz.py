"""Schemathesis against the local stack's merged OpenAPI: every operation, as every role, bounded and seeded.

The operations come from the OpenAPI that the gateway serves at /openapi.json (every route of
template.yaml), never from a list here, so a new route is fuzzed the day it is added. Each operation runs
as an anonymous caller, a stranger with a well-formed but unknown token, and a signed-in customer, admin,
store_staff (of a store with a real order) and delivery_partner; routes without an authorizer never read
the token, so they run once, as the anonymous caller. Checks: no 5xx, the status code is documented, the
content type is the documented one, the body matches the documented schema.

Real ids: path parameters and body fields named like an id (`store_id`, `product_id`, `order_id`, ...) carry
`examples` with ids that exist, so the examples phase reaches real resources and not only 404s. The
`/internal/...` routes are IAM-authorized in AWS and unchecked locally; they are fuzzed like public routes
(a service with IAM credentials can send them anything).

FUZZ_EXAMPLES (default 3) bounds the generated examples per operation and role; FUZZ_SEED fixes the data.
"""

from __future__ import annotations

import copy
import itertools
import os
import socket
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.products_helpers import HOME, store_body
from tests.plugins.stack import Api

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261125"))
FUZZ_COVERAGE = os.environ.get("FUZZ_COVERAGE", "") == "1"
ROLES = ("anonymous", "stranger", "customer", "admin", "store_staff", "delivery_partner")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# A syntactically valid session token that no session has: the authorizer's "invalid" verdict.
STRANGER_TOKEN = "bks_" + "A" * 43
FEES = {"delivery_fee": 2500, "free_delivery_threshold": 19900, "small_cart_fee": 2000,
        "small_cart_threshold": 9900, "handling_fee": 400, "late_night_fee": 0, "minimum_order": 4900,
        "max_tip": 10000}
_phones = itertools.count(9100000001)
_ips = itertools.count(1)


@dataclass
class Served:
    url: str
    api: Api  # the same gateway in-process, for set-up calls with a source IP of their own


@dataclass
class Person:
    uid: str
    token: str


@dataclass
class People:
    """One signed-in user per role. A fuzzed call may end the session (logout, logout-all, refresh) or change
    the roles (PUT /admin/users/{uid}/roles with a uid learnt from a response): after every successful write
    the session is checked in-process and, if it no longer carries the role, a new user takes over."""

    served: Served
    firebase: Any
    staff_store_id: str
    people: dict[str, Person] = field(default_factory=dict)
    replaced: int = 0

    def sign_up(self, role: str) -> Person:
        from auth import service

        _, id_token = self.firebase.sign_in_with_phone(f"+91{next(_phones)}")
        # Each sign-in from its own source address: the fuzzed /auth/login calls spend 127.0.0.1's quota.
        reply = self.served.api.post("/auth/login", {"id_token": id_token, "device": {"name": "fuzz",
                                     "platform": "web"}}, ip=f"198.51.100.{next(_ips) % 250 + 1}")
        assert reply.status == 201, reply.body
        body = reply.json()
        if role != "customer":
            service.set_roles(body["user"]["uid"], [role],
                              self.staff_store_id if role == "store_staff" else None)
        person = Person(body["user"]["uid"], body["session_token"])
        self.people[role] = person
        return person

    def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        if role == "stranger":
            return {"Authorization": f"Bearer {STRANGER_TOKEN}"}
        person = self.people.get(role) or self.sign_up(role)
        return {"Authorization": f"Bearer {person.token}"}

    def after(self, role: str, method: str, status: int) -> None:
        from auth import service

        if role in ("anonymous", "stranger") or method == "GET" or status >= 300:
            return
        verdict = service.authorize(self.headers(role))
        if verdict.get("auth_state") != "ok" or role not in verdict.get("roles", "").split(","):
            self.people.pop(role, None)
            self.replaced += 1


@dataclass
class World:
    served: Served
    people: People
    ids: dict[str, list[str]]
    calls: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def _serve(app: Any) -> tuple[str, Any, threading.Thread]:
    import uvicorn

    from local.gateway import server_config

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(server_config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="fuzz-gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the fuzz gateway did not start"
        time.sleep(0.02)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def _ok(reply: Any, status: int = 200) -> Any:
    assert reply.status == status, reply.body
    return reply.json()


def _seed(api: Api, people: People) -> dict[str, list[str]]:
    """The demo catalog, a 24-hour store with stock, and a customer with an address, a device, a spare
    session and a PLACED order: ids that exist, for the examples phase."""
    from local.catalog.data import catalog
    from local.seed import seed_catalog
    from products.search import indexer

    data = catalog()
    seed_catalog(data)
    indexer.rebuild()  # as `make run` does before it says it is running: search and /health answer 200
    admin = people.headers("admin")["Authorization"].removeprefix("Bearer ")
    store = _ok(api.post("/stores", store_body(fees=FEES, lat=HOME[0], lng=HOME[1]), token=admin), 201)
    people.staff_store_id = store["store_id"]
    products = [p["product_id"] for p in data["products"][:3]]
    for pid in products:
        _ok(api.put(f"/stores/{store['store_id']}/stock/{pid}", {"available": 50}, token=admin))

    customer = people.sign_up("customer")
    spare = people.sign_up("customer")  # a second session of another customer: a real session id to end
    people.people["customer"] = customer
    sessions = _ok(api.get("/auth/sessions", token=spare.token))["sessions"]
    address = _ok(api.post("/users/me/addresses", {"label": "Home", "line1": "100 Feet Road", "city": "Bengaluru",
                                                    "pincode": "560038", "lat": HOME[0], "lng": HOME[1]},
                           token=customer.token), 201)
    device = "fuzz-device-" + uuid.uuid4().hex
    _ok(api.post("/users/me/devices", {"token": device, "platform": "android"}, token=customer.token), 201)
    _ok(api.post("/cart/items", {"store_id": store["store_id"], "product_id": products[0], "quantity": 3},
                 token=customer.token))
    placed = _ok(api.post("/orders", {"address_id": address["address_id"], "payment_method": "cod", "tip": 0},
                          token=customer.token, headers={"idempotency-key": "fuzz-" + uuid.uuid4().hex}), 202)
    order_id = placed["order_id"]
    deadline = time.monotonic() + 60
    while _ok(api.get(f"/orders/{order_id}", token=customer.token))["status"] == "PENDING":
        assert time.monotonic() < deadline, "the fuzz order was never placed"
        time.sleep(0.05)
    people.people.pop("store_staff", None)  # signed up again with the store it works at
    return {
        "store_id": [store["store_id"], data["stores"][0]["store_id"]],
        "product_id": products,
        "category_id": [c["category_id"] for c in data["categories"][:2]],
        "order_id": [order_id],
        "address_id": [address["address_id"]],
        "session_id": [s["session_id"] for s in sessions],
        "uid": [spare.uid],
        "user_id": [customer.uid],
        "token": [device],
        "guest_cart_id": [],
    }


@pytest.fixture(scope="module")
def world(project_stack: Any, redis_url: str, firebase_emulator: Any) -> Iterator[World]:
    from blinkit.settings import get_settings
    from local.gateway import Gateway, asgi_app
    from tests.plugins.firebase import reset_firebase_state
    from tests.plugins.stack import flush_keeping_claim

    flush_keeping_claim(redis_url)
    os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = firebase_emulator.host  # a unit test may have moved it
    os.environ["FIREBASE_PROJECT_ID"] = firebase_emulator.project_id
    reset_firebase_state()
    firebase_emulator.clear()
    gateway = Gateway(project_stack.template, project_stack.functions)
    url, server, thread = _serve(asgi_app(gateway))
    # Services call each other through the gateway, as through the HttpApi in AWS. The stack restores
    # os.environ when it stops.
    os.environ.update(PRODUCTS_SERVICE_URL=url, CART_SERVICE_URL=url, AUTH_SERVICE_URL=url, ORDERS_SERVICE_URL=url)
    get_settings.cache_clear()
    _reset_service_clients()
    try:
        api = Api(gateway)
        served = Served(url, api)
        people = People(served, firebase_emulator, staff_store_id="")
        ids = _seed(api, people)
        yield World(served, people, ids)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        _reset_service_clients()
        get_settings.cache_clear()


def _reset_service_clients() -> None:
    """Clients built for another module's URLs must not be reused (they are cached per process)."""
    from blinkit import aws, upstreams

    upstreams.reset()
    aws.reset()


def _with_examples(spec: dict[str, Any], ids: dict[str, list[str]]) -> dict[str, Any]:
    """Real ids as `examples` on every path parameter and schema property named like one."""

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                for name, sub in props.items():
                    if ids.get(name) and isinstance(sub, dict) and sub.get("type") == "string":
                        sub["examples"] = list(ids[name])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for operations in spec["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and ids.get(parameter["name"]):
                    parameter["examples"] = {f"real-{i}": {"value": v} for i, v in enumerate(ids[parameter["name"]])}
    visit(spec.get("components", {}))
    visit(spec["paths"])
    return spec


@pytest.fixture(scope="module")
def openapi(world: World) -> dict[str, Any]:
    import httpx

    return _with_examples(httpx.get(world.served.url + "/openapi.json", timeout=30).json(), world.ids)


@pytest.fixture(scope="module", params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _public(context: Any) -> bool:
    return not context.operation.definition.raw.get("security")


@pytest.fixture(scope="module")
def fuzz_schema(openapi: dict[str, Any], role: str, world: World) -> Iterator[Any]:
    config = schemathesis.Config.from_dict({
        "seed": FUZZ_SEED,
        "generation": {
            "max-examples": FUZZ_EXAMPLES,
            "deterministic": True,  # the same cases on every run, in CI and on a laptop
            "database": "none",  # no .hypothesis/ folder: nothing carried between runs
            "with-security-parameters": False,  # the role decides the Authorization header
        },
        # Examples (real ids) and fuzzing, bounded by FUZZ_EXAMPLES. The coverage phase (every boundary of
        # every field, unbounded: dozens of cases per operation) is for a thorough run: FUZZ_COVERAGE=1.
        "phases": {"coverage": {"enabled": FUZZ_COVERAGE}, "stateful": {"enabled": False}},
    })
    schema = schemathesis.openapi.from_dict(copy.deepcopy(openapi), config=config)
    schema.config.update(base_url=world.served.url, request_timeout=30)
    if role != "anonymous":
        # A route without an authorizer never looks at the token: it is the same route for every caller.
        schema = schema.exclude(func=_public)
    yield schema
    # Every operation was sent at least once as this role (a document with no operations, or operations
    # schemathesis skipped, would otherwise pass unnoticed).
    operations = {result.ok().label for result in schema.get_all_operations()}
    missing = operations - set(world.calls[role])
    assert operations and not missing, f"never sent as {role}: {sorted(missing)}"


@pytest.fixture(scope="module")
def http() -> Iterator[Any]:
    import requests

    with requests.Session() as session:
        yield session


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32's lazy schema renames the node per operation through `node._nodeid`, which pytest 9.2
    # no longer has (it keeps `_id`); an instance attribute lets it label subtests (it only reads and writes it).
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@schema.parametrize()
@pytest.mark.usefixtures("role")
def test_every_operation_as_every_role(case: Any, role: str, world: World, http: Any) -> None:
    headers = world.people.headers(role)
    response = case.call(session=http, headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
    world.people.after(role, case.method.upper(), response.status_code)
    world.calls[role][case.operation.label] += 1
