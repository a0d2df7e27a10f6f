"""`python -m local invoke`: one function, one event, against a running `make run` stack or an isolated one.

Attached: the running stack's gateway has a local-only route, `POST /local/invoke/{function_id}` (never in
template.yaml), that fills the event's placeholders from that stack and invokes the function in its process,
where its moto tables, queues and bucket live. Isolated: the same stack, seeded with the demo data, started in
this process on free ports (`isolated_stack`) and dropped afterwards.

Placeholders (`{{customer.uid}}`, `{{store.id}}`, ... the table is in events/README.md) let a sample event name
demo data whose ids only exist once a stack runs: the demo users' uids come from the emulator, their sessions
from a sign-in, an order from a checkout.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.gateway import Gateway, Reply

log = logging.getLogger("local.invoke")

ROUTE = "/local/invoke/{function_id}"
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_]+)\s*\}\}")
# Lambda's Invoke API answers 200 with the error payload and this header when the function raised.
FUNCTION_ERROR_HEADER = "x-amz-function-error"
ENDED = {"FAILED", "CANCELLED", "DELIVERED"}  # an order no sample can act on any more
ORDER_WAIT_SECONDS = 60.0  # the saga places an order in a second or two; a loaded CI machine, longer


# Every placeholder a sample event may use, with the shape of its value (what the sample checks in
# tests/unit/test_template.py see; events/README.md says what each one is). A user is customer, admin, staff or
# partner (local/seed.py's DEMO_USERS).
EXAMPLES: dict[str, str] = {
    **{f"{user}.uid": f"demo-{user}-uid" for user in ("customer", "admin", "staff", "partner")},
    **{f"{user}.session_id": "ses_01JK8Z3T5Q7VXN2B4M6C8D0F9G" for user in ("customer", "admin", "staff", "partner")},
    **{f"{user}.session_token": "bks_4yQm2N9pXwR7tLc1Vb8ZkJ3sHd6GfE0aUo5iTnYqPrM"
       for user in ("customer", "admin", "staff", "partner")},
    "customer.id_token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.signature",
    "store.id": "sto_01JK8ZB2D4F6H8K0M2P4R6T8V0",
    "product.id": "prd_01JK8ZD4F6H8K0M2P4R6T8V0X2",
    "product.spare_id": "prd_01JK8ZA3M5P7R9T1V3X5Z7B9D1",
    "category.id": "cat_01JK8ZC3E5G7J9M1P3R5T7V9X1",
    "customer.address_id": "adr_01JK8Z9W2R4T6Y8A0C2E4G6J8K",
    "customer.notification_id": "ntf_01JK8ZC3E5G7J9K1M3P5R7T9V1",
    "order.id": "ord_01JK8ZB2D4F6H8K0M2P4R6T8V0",
    "order.version": "2",
    "delivery.order_id": "ord_01JK8ZE5G7J9M1P3R5T7V9X1Z3",
    "delivery.otp": "4821",
    "coupon.code": "SAMPLE40",
    "coupon.version": "3",
    "coupon.new_code": "NEW7K2M9QX",
}
SAMPLE_COUPON = "SAMPLE40"  # the coupon the admin coupon samples read, change and deactivate (made on first use)


class UnknownFunction(KeyError):
    """The function id is not in the template."""


class PlaceholderError(ValueError):
    """An event names a placeholder that does not exist or cannot be filled on this stack."""


@dataclass
class Outcome:
    """What the function answered: its result, or Lambda's error payload when it raised (`error` True)."""

    payload: Any
    error: bool = False


# ---- placeholders ---------------------------------------------------------------------------------------


def placeholders_in(text: str) -> set[tuple[str, str]]:
    return set(PLACEHOLDER.findall(text))


def fill(event: Any, value_of: Callable[[str, str], str]) -> Any:
    """The event with every `{{thing.field}}` replaced, inside nested JSON strings too (an SQS body, an HTTP
    body): values are ids and tokens, which need no escaping in either."""
    text = json.dumps(event)
    values = {(thing, name): value_of(thing, name) for thing, name in placeholders_in(text)}
    return json.loads(PLACEHOLDER.sub(lambda m: values[(m.group(1), m.group(2))], text))


@dataclass
class _Session:
    token: str
    session_id: str


@dataclass
class DemoData:
    """Fills placeholders from one running stack: through its gateway, as a client would, so every value is
    real (a live session, the customer's address, a placed order) and made only when a sample asks for it."""

    gateway: Gateway
    emulator: Any
    users: dict[str, str]  # demo user key -> uid
    _sessions: dict[str, _Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def value(self, thing: str, name: str) -> str:
        from local.seed import DEMO_USERS

        with self._lock:  # one sign-in or checkout at a time, even when invokes run in parallel
            getter = getattr(self, f"_{thing}_{name}", None)
            if getter is not None:
                return str(getter())
            if thing in {u.key for u in DEMO_USERS}:
                return self._user_value(thing, name)
            raise PlaceholderError(f"no placeholder {{{{{thing}.{name}}}}}; see events/README.md")

    # -- demo users

    def _user_value(self, key: str, name: str) -> str:
        from local.seed import demo_user

        if key not in self.users:
            raise PlaceholderError(f"the demo user {key!r} is not seeded in this stack")
        if name == "uid":
            return self.users[key]
        if name == "phone":
            return demo_user(key).phone
        if name == "id_token":
            return str(self.emulator.sign_in_with_phone(demo_user(key).phone)[1])
        if name in ("session_id", "session_token"):
            session = self._session(key)
            return session.session_id if name == "session_id" else session.token
        raise PlaceholderError(f"no placeholder {{{{{key}.{name}}}}}: a user has uid, phone, id_token, session_id, "
                               "session_token")

    def _session(self, key: str) -> _Session:
        """A live session of the demo user: the last one made here while it lasts (a sample may log it out)."""
        from local.seed import demo_user

        known = self._sessions.get(key)
        if known and self._call("GET", "/auth/sessions", token=known.token).status == 200:
            return known
        _, id_token = self.emulator.sign_in_with_phone(demo_user(key).phone)
        reply = self._call("POST", "/auth/login", {"id_token": id_token,
                                                   "device": {"name": "local invoke", "platform": "web"}})
        body = self._expect(reply, 201, f"signing in the demo {key}")
        self._sessions[key] = _Session(body["session_token"], body["session_id"])
        return self._sessions[key]

    # -- the demo catalog (ids are deterministic: local/catalog/data.py)

    def _store_id(self) -> str:
        from local.catalog.data import STORES

        return str(STORES[0]["store_id"])

    def _product_id(self) -> str:
        """A product well stocked at the first store, so a sample may reserve or add a couple."""
        from local.catalog.data import STOCK, STORES

        store_id = STORES[0]["store_id"]
        return str(next(row["product_id"] for row in STOCK if row["store_id"] == store_id and row["available"] >= 20))

    def _product_spare_id(self) -> str:
        """Another product of the first store that no other placeholder names: the delete sample's."""
        from local.catalog.data import STOCK, STORES

        store_id = STORES[0]["store_id"]
        return str([row["product_id"] for row in STOCK if row["store_id"] == store_id][-1])

    def _category_id(self) -> str:
        from local.catalog.data import PRODUCTS

        product_id = self._product_id()
        return str(next(p["category_id"] for p in PRODUCTS if p["product_id"] == product_id))

    # -- the demo customer's address and order

    def _customer_address_id(self) -> str:
        from local.catalog.data import STORES

        token = self._session("customer").token
        found = self._expect(self._call("GET", "/users/me/addresses", token=token), 200, "listing addresses")
        if found["addresses"]:
            return str(found["addresses"][0]["address_id"])
        shop = STORES[0]  # a door a few hundred metres from the first store: it serves it
        made = self._call("POST", "/users/me/addresses", {
            "label": "Home", "line1": "12, 4th Cross", "city": "Bengaluru", "pincode": "560095",
            "lat": round(shop["lat"] + 0.002, 6), "lng": round(shop["lng"] + 0.002, 6)}, token=token)
        return str(self._expect(made, 201, "adding the customer's address")["address_id"])

    def _order_id(self) -> str:
        """The demo customer's latest order while it is live (not failed, cancelled or delivered: a sample may have
        ended it), else a new one placed through checkout and the saga."""
        token = self._session("customer").token
        listed = self._expect(self._call("GET", "/orders", token=token, query="limit=1"), 200, "listing orders")
        if listed["orders"] and listed["orders"][0]["status"] not in ENDED:
            latest = str(listed["orders"][0]["order_id"])
            # A PENDING order (a checkout sample's) may still fail: samples that name it must all see one order.
            if self._settled(latest, token)["status"] not in ENDED:
                return latest
        address_id = self._customer_address_id()
        cart = self._expect(self._call("GET", "/cart", token=token), 200, "reading the cart")
        if not cart["items"]:  # else check out what the customer has in it
            self._expect(self._call("POST", "/cart/items", {"store_id": self._store_id(),
                                                            "product_id": self._product_id(), "quantity": 2},
                                    token=token), 200, "filling the cart")
        placed = self._call("POST", "/orders", {"address_id": address_id, "payment_method": "cod", "tip": 2000},
                            token=token, headers={"idempotency-key": f"local-invoke-{uuid.uuid4()}"})
        order_id = str(self._expect(placed, 202, "placing an order")["order_id"])
        order = self._settled(order_id, token)
        if order["status"] == "FAILED":
            raise PlaceholderError(f"the saga failed {order_id}: {order['reason']} {order['reason_detail']}")
        return order_id

    def _settled(self, order_id: str, token: str) -> Any:
        """The order once the saga has placed or failed it."""
        deadline = time.monotonic() + ORDER_WAIT_SECONDS
        while time.monotonic() < deadline:
            order = self._expect(self._call("GET", f"/orders/{order_id}", token=token), 200, "reading the order")
            if order["status"] != "PENDING":
                return order
            time.sleep(0.2)
        raise PlaceholderError(f"the saga did not place {order_id} within {ORDER_WAIT_SECONDS:.0f}s")

    def _order_version(self) -> str:
        return str(self._order()["version"])

    def _order(self, order_id: str | None = None) -> Any:
        order_id = order_id or self._order_id()
        reply = self._call("GET", f"/orders/{order_id}", token=self._session("customer").token)
        return self._expect(reply, 200, "reading the order")

    def _delivery_order_id(self) -> str:
        """The demo partner's current delivery, else the customer's live order taken to PACKED by the demo staff
        member (orders then asks delivery for a partner, and the demo partner of the first store is assigned)."""
        partner = self._session("partner").token
        current = self._call("GET", "/delivery/partners/me/assignment", token=partner)
        if current.status == 200:
            return str(current.json()["order_id"])
        order_id, staff = self._order_id(), self._session("staff").token
        self._call("PATCH", "/delivery/partners/me/status", {"status": "available"}, token=partner)
        order = self._order(order_id)
        for before, after in (("PLACED", "CONFIRMED"), ("CONFIRMED", "PACKED")):
            if order["status"] == before:
                order = self._expect(self._call("PATCH", f"/orders/{order_id}/status",
                                                {"status": after, "version": order["version"]}, token=staff),
                                     200, f"marking the order {after} as the demo staff")
        deadline = time.monotonic() + ORDER_WAIT_SECONDS
        while time.monotonic() < deadline:
            current = self._call("GET", "/delivery/partners/me/assignment", token=partner)
            if current.status == 200 and current.json()["order_id"] == order_id:
                return order_id
            time.sleep(0.2)
        raise PlaceholderError(f"the demo partner was not assigned {order_id} within {ORDER_WAIT_SECONDS:.0f}s")

    def _delivery_otp(self) -> str:
        """The customer's handover code for the demo partner's delivery (shown on their tracking screen)."""
        order_id = self._delivery_order_id()
        reply = self._call("GET", f"/delivery/orders/{order_id}/tracking", token=self._session("customer").token)
        otp = self._expect(reply, 200, "reading the tracking")["otp"]
        if not otp:
            raise PlaceholderError(f"the tracking of {order_id} shows no OTP")
        return str(otp)

    def _customer_notification_id(self) -> str:
        """The demo customer's latest in-app notification; an order is placed first if they have none (its
        `order.placed` message reaches the inbox through the notifications queue within a second or two)."""
        token = self._session("customer").token
        deadline = time.monotonic() + ORDER_WAIT_SECONDS
        while True:
            listed = self._expect(self._call("GET", "/notifications", token=token, query="limit=1"), 200,
                                  "listing notifications")
            if listed["notifications"]:
                return str(listed["notifications"][0]["notification_id"])
            if time.monotonic() > deadline:
                raise PlaceholderError("the demo customer has no notification (their order's did not arrive)")
            self._order_id()
            time.sleep(0.2)

    # -- the admin coupon samples' coupon

    def _coupon_code(self) -> str:
        """A coupon of the samples' own (never a seeded one: deactivating that would change `make run`'s offers),
        created through the admin route when the stack has none yet."""
        token = self._session("admin").token
        if self._call("GET", f"/admin/coupons/{SAMPLE_COUPON}", token=token).status == 404:
            made = self._call("POST", "/admin/coupons", {"code": SAMPLE_COUPON, "title": "₹40 off above ₹249",
                                                         "kind": "flat", "amount": 4000, "min_item_total": 24900},
                              token=token)
            self._expect(made, 201, "creating the samples' coupon")
        return SAMPLE_COUPON

    def _coupon_version(self) -> str:
        reply = self._call("GET", f"/admin/coupons/{self._coupon_code()}", token=self._session("admin").token)
        return str(self._expect(reply, 200, "reading the samples' coupon")["version"])

    def _coupon_new_code(self) -> str:
        """A code no coupon has yet, so the create sample makes one every time it runs."""
        return f"NEW{uuid.uuid4().hex[:7].upper()}"

    # -- plumbing

    def _call(self, method: str, path: str, body: Any = None, *, token: str | None = None, query: str = "",
              headers: dict[str, str] | None = None) -> Reply:
        sent = {"content-type": "application/json", **(headers or {})}
        if token:
            sent["authorization"] = f"Bearer {token}"
        return self.gateway.handle(method, path, query, sent, json.dumps(body).encode() if body is not None else b"")

    @staticmethod
    def _expect(reply: Reply, status: int, doing: str) -> Any:
        if reply.status not in (status, 200):
            raise PlaceholderError(f"{doing} answered {reply.status}: {reply.body[:300]!r}")
        return reply.json()


# ---- invoking ---------------------------------------------------------------------------------------------


@dataclass
class Invoker:
    """Invokes functions of one running stack (in this process) with their placeholders filled."""

    gateway: Gateway
    demo: DemoData

    def invoke(self, function_id: str, event: Any) -> Outcome:
        from local.lambdas import LambdaError

        functions = self.gateway.functions
        if function_id not in functions.template.functions:
            raise UnknownFunction(f"no function {function_id!r} in the template")
        filled = fill(event, self.demo.value)
        try:
            return Outcome(functions.invoke(function_id, filled))
        except LambdaError as exc:
            return Outcome(exc.payload(), error=True)


def invoker_of(running: Any, gateway: Gateway) -> Invoker:
    return Invoker(gateway, DemoData(gateway, running.emulator, running.users))


def invoke_route(invoker: Invoker) -> Any:
    """`POST /local/invoke/{function_id}` (body: the event): the function's result as JSON, or Lambda's error
    payload with `X-Amz-Function-Error: Unhandled`, as Lambda's Invoke API answers (local stack only)."""
    import asyncio

    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    def problem(status: int, kind: str, detail: str) -> JSONResponse:
        return JSONResponse({"type": kind, "title": detail, "status": status, "detail": detail}, status_code=status,
                            media_type="application/problem+json")

    async def invoke(request: Request) -> JSONResponse:
        try:
            event = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            return problem(400, "invalid-event", f"the event is not JSON: {exc}")
        try:
            outcome = await asyncio.to_thread(invoker.invoke, request.path_params["function_id"], event)
        except UnknownFunction as exc:
            return problem(404, "unknown-function", str(exc.args[0]))
        except PlaceholderError as exc:
            return problem(422, "unfilled-placeholder", str(exc))
        headers = {FUNCTION_ERROR_HEADER: "Unhandled"} if outcome.error else {}
        return JSONResponse(outcome.payload, headers=headers)

    return Route(ROUTE, invoke, methods=["POST"])


# ---- the isolated stack -----------------------------------------------------------------------------------


@contextlib.contextmanager
def isolated_stack(env_overrides: dict[str, str] | None = None) -> Iterator[Invoker]:
    """The whole stack with the demo data, in this process, on free ports only (its own embedded Redis, Firebase
    emulator and gateway, which the services call each other through), writing no state file."""
    import uvicorn

    from local.gateway import asgi_app, server_config
    from local.server import local_system, outbox_route, realtime_route

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound before the stack starts, so its service URLs name a port that stays ours
    port = int(sock.getsockname()[1])
    with contextlib.ExitStack() as stack_of:
        stack_of.callback(sock.close)
        outbox = Path(stack_of.enter_context(tempfile.TemporaryDirectory(prefix="blinkit-invoke-")))
        running = stack_of.enter_context(local_system(port, state_file=None, env_overrides=env_overrides,
                                                      outbox=outbox, shared_redis=False))
        gateway = Gateway(running.stack.template, running.stack.functions)
        invoker = invoker_of(running, gateway)
        app = asgi_app(gateway, extra_routes=[outbox_route(running.stack.receivers),
                                              realtime_route(running.stack.supabase), invoke_route(invoker)])
        server = uvicorn.Server(server_config(app, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="invoke-gateway", daemon=True)
        thread.start()

        def stop_server() -> None:
            server.should_exit = True
            thread.join(timeout=10)

        stack_of.callback(stop_server)
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the isolated stack's gateway did not start")
            time.sleep(0.02)
        yield invoker


def answer_of(outcome: Outcome) -> int | str:
    """One word for what an invocation answered: a route's HTTP status, `ok` for a job that returned (a consumer
    with no failed record), `partial` for a consumer that reported failed records, `error:<Type>` when it raised."""
    payload = outcome.payload
    if outcome.error:
        return f"error:{payload.get('errorType')}"
    if isinstance(payload, dict) and "statusCode" in payload:
        return int(payload["statusCode"])
    if isinstance(payload, dict) and payload.get("batchItemFailures"):
        return "partial"
    return "ok"
