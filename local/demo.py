"""The whole day of the app over HTTP, against a running `make run`: `make demo` and the e2e journey test.

A new customer signs up in the Firebase Auth emulator (a fresh phone number each run), logs in, checks
serviceability, browses and searches, fills the cart, quotes and orders; the demo store's staff confirm and
pack; the demo rider is assigned, picks up, streams locations along a path while the customer tracks them
and is told "rider nearby", and delivers with the customer's OTP; the customer finds every notification
in-app, as an email and as a push (the local Resend and FCM stand-ins); order history shows the order
DELIVERED. That order is cash on delivery; a second one is paid online: checked out with `payment_method`
`online`, paid in Razorpay Checkout (the local stand-in, as `python -m local pay` plays it), completed by
`POST /payments/verify` and Razorpay's signed webhook, and PLACED; then the customer cancels it and is refunded
in full (the refunds queue, the worker, Razorpay's refund). Every call is one line of a timeline
(time offset, actor, action, HTTP status, a short result). A step whose status is not the expected one stops
the journey with `JourneyFailed`, so the demo and the test share one definition of "it worked".

Only HTTP and the emulator's REST API are used here: the journey is a client, like the mobile apps (and
the customer reads their mail where `GET /local/outbox` says it is, as a person opens their mailbox).
"""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from local.catalog.data import STORES
from local.firebase_emulator import FirebaseAuthEmulator
from local.pay import Checkout, verify_body
from local.seed import demo_user

# The customer lives about 0.8 km from the demo store whose staff member is seeded (the first store), well
# inside its radius and outside every other store's, so serviceability picks that store.
HOME_STORE = STORES[0]
HOME = {"label": "Home", "line1": "14, 1st Cross, 6th Block, Koramangala", "city": "Bengaluru",
        "pincode": "560095", "lat": round(HOME_STORE["lat"] + 0.005, 6), "lng": round(HOME_STORE["lng"] - 0.006, 6)}
FIRST_ORDER_COUPON = "WELCOME75"  # seeded by `make run` (local/seed.py): the journey's customer is new
SEARCH_TERM = "paneeer"  # a typo on purpose: search is typo-tolerant
TIP = 2000
ORDER_TIMEOUT_S = 30.0
LOCATION_GAP_S = 1.05  # the location route accepts one fix a second per rider
SEARCH_TIMEOUT_S = 60.0
NOTIFY_TIMEOUT_S = 30.0
CONFIRMATION_SUBJECT = "Confirm your email for Blinkit"  # the email.verify mail (notifications' types table)
# What the customer is told, in order: in-app, by email and by push.
NOTICES = ("order.placed", "order.confirmed", "order.packed", "delivery.partner_assigned", "order.out_for_delivery",
           "delivery.rider_nearby", "order.arrived", "order.delivered")


class JourneyFailed(AssertionError):
    """A step answered something other than what the journey expects."""


@dataclass(frozen=True)
class Step:
    at: float  # seconds since the journey started
    actor: str
    action: str
    status: int | None  # HTTP status; None for steps that are not one HTTP call
    result: str
    ok: bool = True

    def line(self) -> str:
        status = "" if self.status is None else str(self.status)
        mark = "" if self.ok else "  <-- FAILED"
        return f"+{self.at:5.1f}s  {self.actor:<9}  {self.action:<46} {status:>3}  {self.result}{mark}"


@dataclass
class Journey:
    """Drives the journey against `api_url`, signing users in through the emulator at `emulator_host`."""

    api_url: str
    emulator_host: str
    project_id: str = "demo-blinkit"
    razorpay_url: str | None = None  # the Razorpay stand-in of `make run` (its state file): Checkout is played there
    phone: str = field(default_factory=lambda: fresh_phone())
    on_step: Callable[[Step], None] | None = None
    steps: list[Step] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # what the steps learnt (ids, bodies) for assertions
    _last_fix: float = field(default=0.0, init=False, repr=False)  # when the rider's last GPS fix was answered

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.api_url, timeout=30)
        self.emulator = FirebaseAuthEmulator.attach(self.emulator_host, self.project_id)
        self._started = time.monotonic()

    def close(self) -> None:
        self.http.close()
        self.emulator.stop()  # an attached client: closes its HTTP client, leaves the emulator running

    def __enter__(self) -> Journey:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the timeline ---------------------------------------------------------------------------------

    def record(self, actor: str, action: str, status: int | None, result: str, ok: bool = True) -> Step:
        step = Step(round(time.monotonic() - self._started, 2), actor, action, status, result, ok)
        self.steps.append(step)
        if self.on_step:
            self.on_step(step)
        return step

    def call(self, actor: str, method: str, path: str, *, token: str | None = None, json_body: Any = None,
             params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
             expect: int | Collection[int] = 200, summary: Callable[[Any], str] | None = None,
             label: str | None = None) -> httpx.Response:
        """One HTTP call as one timeline step; a status other than `expect` raises JourneyFailed."""
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        reply = self.http.request(method, path, json=json_body, params=params, headers=sent)
        wanted = {expect} if isinstance(expect, int) else set(expect)
        action = label or f"{method} {path}"
        if reply.status_code not in wanted:
            self.record(actor, action, reply.status_code, _excerpt(reply), ok=False)
            raise JourneyFailed(f"{actor} {method} {path}: expected {sorted(wanted)}, got {reply.status_code}: "
                                f"{reply.text[:800]}")
        body = reply.json() if reply.content and "json" in reply.headers.get("content-type", "") else None
        self.record(actor, action, reply.status_code, summary(body) if summary else "")
        return reply

    def poll(self, actor: str, path: str, *, token: str | None = None, params: dict[str, Any] | None = None,
             until: Callable[[Any], bool], describe: Callable[[Any], str],
             timeout: float = ORDER_TIMEOUT_S, interval: float = 0.25, label: str | None = None) -> Any:
        """GET `path` until `until(body)`; one timeline step for the whole wait."""
        started, polls = time.monotonic(), 0
        while True:
            reply = self.http.get(path, params=params, headers={"Authorization": f"Bearer {token}"} if token else None)
            polls += 1
            body = reply.json() if reply.status_code == 200 else None
            if body is not None and until(body):
                waited = time.monotonic() - started
                self.record(actor, label or f"GET {path}", reply.status_code,
                            f"{describe(body)} (after {polls} polls, {waited:.1f}s)")
                return body
            if time.monotonic() - started > timeout:
                shown = describe(body) if body is not None else _excerpt(reply)
                self.record(actor, label or f"GET {path}", reply.status_code, f"gave up after {timeout:.0f}s: {shown}",
                            ok=False)
                raise JourneyFailed(f"{actor} GET {path}: not there within {timeout}s; last: {reply.text[:800]}")
            time.sleep(interval)

    # ---- sign-in ----------------------------------------------------------------------------------------

    def sign_up(self) -> str:
        """The new customer's phone OTP sign-in in the emulator (which creates the account); the ID token."""
        try:
            uid, id_token = self.emulator.sign_in_with_phone(self.phone)
        except Exception as exc:
            self.record("customer", "emulator: phone OTP sign-up", None, str(exc)[:120], ok=False)
            raise JourneyFailed(f"sign-up in the Firebase Auth emulator failed: {exc}") from exc
        self.facts["uid"] = uid
        self.record("customer", "emulator: phone OTP sign-up", None, f"uid {uid} for {self.phone}")
        return id_token

    def login(self, actor: str, id_token: str, expect: int = 201) -> dict[str, Any]:
        device = {"name": f"{actor} phone", "platform": "android"}
        reply = self.call(actor, "POST", "/auth/login", json_body={"id_token": id_token, "device": device},
                          expect=expect, summary=lambda b: (
                              f"session for {b['user'].get('name') or b['user'].get('phone_number')}"
                              f" ({','.join(b['user']['roles'])}){' - new user' if b['is_new_user'] else ''}"))
        return dict(reply.json())

    def demo_session(self, key: str) -> str:
        """A session for a seeded demo user (staff, partner, admin), signed in through the emulator."""
        _, id_token = self.emulator.sign_in_with_phone(demo_user(key).phone)
        return str(self.login(key, id_token)["session_token"])

    # ---- the journey ------------------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        """Every step in order; returns `facts`. Raises JourneyFailed at the first unexpected answer."""
        customer = self.customer_signs_up()
        store_id = self.customer_finds_a_store()
        self.customer_browses_and_fills_the_cart(customer, store_id)
        order_id = self.customer_checks_out(customer)
        staff = self.staff_confirm(order_id)
        partner = self.partner_gets_ready(staff)
        self.staff_pack(staff, order_id)
        self.partner_is_assigned(partner, customer, order_id)
        self.partner_picks_up_and_rides(partner, customer, order_id)
        self.partner_delivers(partner, customer, order_id)
        self.customer_is_notified(customer, NOTICES)
        self.customer_reads_history(customer, order_id)
        online_order_id = self.customer_pays_online(customer, store_id)
        self.customer_cancels_for_a_refund(customer, online_order_id)
        return self.facts

    def customer_signs_up(self) -> str:
        id_token = self.sign_up()
        login = self.login("customer", id_token)
        token = str(login.pop("session_token"))  # tokens stay out of `facts`, which the demo may write to a file
        self.facts["login"] = login
        email = f"ananya.{self.phone[-10:]}@example.com"  # order mails go to this address (the local outbox)
        self.facts["email"] = email
        self.call("customer", "PATCH", "/users/me", token=token, json_body={"name": "Ananya Rao", "email": email},
                  summary=lambda b: f"{b['name']} <{b['pending_email']}> (to confirm)")
        self.customer_confirms_the_email(token, email)
        push_token = f"journey-fcm-{uuid.uuid4().hex}"  # the app registers its FCM token so pushes reach it
        self.facts["push_token"] = push_token
        self.call("customer", "POST", "/users/me/devices", token=token, expect=201,
                  json_body={"token": push_token, "platform": "android"},
                  summary=lambda b: f"push token {b['token'][:24]}… ({b['platform']})")
        address = self.call("customer", "POST", "/users/me/addresses", token=token, json_body=HOME, expect=201,
                            summary=lambda b: f"{b['address_id']} ({b['label']}, {b['pincode']})").json()
        self.facts["address"] = address
        return token

    def customer_confirms_the_email(self, token: str, email: str) -> None:
        """A new email gets nothing but its confirmation link until confirmed: the customer opens that mail (in
        the local Resend stand-in's outbox) and follows the link."""

        def confirmation(outbox: dict[str, Any]) -> dict[str, Any] | None:
            return next((e for e in outbox["emails"] if email in e["to"] and e["subject"] == CONFIRMATION_SUBJECT),
                        None)

        outbox = self.poll("receivers", "/local/outbox", until=lambda b: confirmation(b) is not None,
                           timeout=NOTIFY_TIMEOUT_S, label="GET /local/outbox (confirmation mail)",
                           describe=lambda b: f"'{CONFIRMATION_SUBJECT}' to {email}")
        mail = confirmation(outbox)
        assert mail is not None
        link = re.search(r"verify-email\?token=([A-Za-z0-9_-]+)", Path(mail["file"]).read_text(encoding="utf-8"))
        if link is None:
            raise JourneyFailed(f"the confirmation mail {mail['file']} has no verify-email link")
        self.call("customer", "POST", "/users/me/email/verify", token=token, json_body={"token": link.group(1)},
                  summary=lambda b: f"{b['email']} confirmed: order mails go there")

    def customer_finds_a_store(self) -> str:
        where = {"lat": HOME["lat"], "lng": HOME["lng"]}
        reply = self.call("customer", "GET", "/stores/serviceable", params=where, expect=(200, 404),
                          summary=_serviceable_summary)
        if reply.status_code == 404:
            # The demo stores close at night (01:00-06:00 IST, HSR earlier): the admin opens the customer's
            # store around the clock so the journey can go on at any hour; the timeline shows it.
            admin = self.demo_session("admin")
            self.call("admin", "PATCH", f"/stores/{HOME_STORE['store_id']}", token=admin,
                      json_body={"opening_hours": {"open": "00:00", "close": "00:00"}},
                      summary=lambda b: f"{b['name']} open around the clock (it was closed)")
            reply = self.call("customer", "GET", "/stores/serviceable", params=where, summary=_serviceable_summary)
        found = reply.json()
        self.facts["serviceable"] = found
        return str(found["store"]["store_id"])

    def customer_browses_and_fills_the_cart(self, token: str, store_id: str) -> None:
        tree = self.call("customer", "GET", "/categories",
                         summary=lambda b: f"{len(b['categories'])} categories, e.g. {b['categories'][0]['name']}"
                         ).json()["categories"]
        picks: list[dict[str, Any]] = []
        # Products live in subcategories (Dairy, Bread & Eggs > Milk): open the first ones that have stock here.
        for category in (child for top in tree for child in top["children"]):
            page = self.call("customer", "GET", "/products", params={"store_id": store_id,
                                                                      "category_id": category["category_id"]},
                             label=f"GET /products?category={category['slug']}",
                             summary=lambda b: f"{len(b['products'])} products"
                             + (f", e.g. {b['products'][0]['name']}" if b["products"] else "")).json()
            in_stock = [p for p in page["products"] if p.get("in_stock") and p["available"] >= 3]
            if in_stock:
                picks.append(in_stock[0])
            if len(picks) == 2:
                break
        # A fresh `make run` indexes the catalog from its table stream a few seconds after it starts.
        found = self.poll("customer", "/products/search", params={"q": SEARCH_TERM, "store_id": store_id},
                          until=lambda b: b["total"] > 0, timeout=SEARCH_TIMEOUT_S,
                          label=f"GET /products/search?q={SEARCH_TERM}",
                          describe=lambda b: f"{b['total']} matches"
                          + (f", first: {b['items'][0]['name']}" if b["items"] else ""))
        self.facts["search"] = found
        hit = next((i for i in found["items"] if i.get("in_stock") and (i.get("available") or 0) >= 3), None)
        if hit is not None:
            picks.append(hit)
        if len(picks) < 2:
            raise JourneyFailed(f"too few products in stock at {store_id} to fill a cart: {picks}")
        for pick, quantity in zip(picks, (2, 1, 3), strict=False):
            self.call("customer", "POST", "/cart/items", token=token, expect=200,
                      json_body={"store_id": store_id, "product_id": pick["product_id"], "quantity": quantity},
                      summary=lambda b, name=pick["name"]: f"{b['quantity']} x {name} at {rupees(b['price'])}")
        cart = self.call("customer", "GET", "/cart", token=token,
                         summary=lambda b: f"{b['item_count']} items, subtotal {rupees(b['subtotal'])}").json()
        self.facts["cart"] = cart

    def customer_checks_out(self, token: str) -> str:
        """The offers the cart gets at the store, a quote with the best one for a first order (WELCOME75), and the
        checkout with it: the bill shows the coupon's line and the order keeps it."""
        address_id = self.facts["address"]["address_id"]
        store_id = self.facts["cart"]["store_id"]
        offers = self.call("customer", "GET", "/offers", token=token, params={"store_id": store_id},
                           summary=_offers_summary).json()["offers"]
        self.facts["offers"] = offers
        offer = next((o for o in offers if o["code"] == FIRST_ORDER_COUPON and o["qualifies"]),
                     next((o for o in offers if o["qualifies"]), None))
        if offer is None:
            self.record("customer", "a coupon for this cart?", None, _offers_summary({"offers": offers}), ok=False)
            raise JourneyFailed(f"no seeded offer qualifies for the demo cart: {offers}")
        code = offer["code"]
        quote = self.call("customer", "POST", "/orders/quote", token=token,
                          json_body={"address_id": address_id, "tip": TIP, "coupon_code": code},
                          label=f"POST /orders/quote (coupon {code})",
                          summary=lambda b: f"total {rupees(b['total'])} ({_bill_text(b['bill'])}), "
                                            f"ETA {b['eta_minutes']['min']}-{b['eta_minutes']['max']} min").json()
        self.facts["quote"] = quote
        key = f"journey-{uuid.uuid4()}"
        body = {"address_id": address_id, "payment_method": "cod", "tip": TIP, "coupon_code": code}
        accepted = self.call("customer", "POST", "/orders", token=token, json_body=body, expect=202,
                             headers={"Idempotency-Key": key}, label=f"POST /orders (coupon {code})",
                             summary=lambda b: f"{b['order_id']} {b['status']}").json()
        order_id = str(accepted["order_id"])
        self.facts["order_id"] = order_id
        replay = self.call("customer", "POST", "/orders", token=token, json_body=body, expect=202,
                           headers={"Idempotency-Key": key}, label="POST /orders (same Idempotency-Key)",
                           summary=lambda b: f"replayed {b['order_id']}")
        self.facts["replay"] = {"body": replay.json(), "replayed": replay.headers.get("idempotent-replayed")}
        placed = self.poll("customer", f"/orders/{order_id}", token=token, until=lambda b: b["status"] != "PENDING",
                           describe=lambda b: f"{b['status']}, total {rupees(b['total'] or 0)}{_saving_text(b)}",
                           label="GET /orders/{id} (saga)")
        self.facts["placed"] = placed
        if placed["status"] != "PLACED":
            self.record("customer", "order placed?", None, f"{placed['status']}: {placed.get('reason')}", ok=False)
            raise JourneyFailed(f"the saga did not place the order: {placed}")
        return order_id

    def staff_confirm(self, order_id: str) -> str:
        staff = self.demo_session("staff")
        queue = self.call("staff", "GET", "/admin/orders", token=staff, params={"status": "PLACED"},
                          label="GET /admin/orders?status=PLACED",
                          summary=lambda b: f"{len(b['orders'])} placed order(s) at the store").json()
        self.facts["staff_queue"] = queue
        self.set_status("staff", staff, order_id, "CONFIRMED", int(self.facts["placed"]["version"]))
        return staff

    def staff_pack(self, staff: str, order_id: str) -> None:
        self.set_status("staff", staff, order_id, "PACKED", int(self.facts["confirmed"]["version"]))

    def set_status(self, actor: str, token: str, order_id: str, status: str, version: int) -> None:
        changed = self.call(actor, "PATCH", f"/orders/{order_id}/status", token=token,
                            json_body={"status": status, "version": version},
                            label=f"PATCH /orders/{{id}}/status {status}",
                            summary=lambda b: f"{b['status']} (version {b['version']})").json()
        self.facts[status.lower()] = changed

    # ---- delivery -----------------------------------------------------------------------------------------

    def partner_gets_ready(self, staff: str) -> str:
        """The store's one demo rider signs in and is available before the order is packed.

        On a `make run` that served earlier demos, an order left PACKED (a run stopped half-way) would hold or
        win the rider: the staff cancel those first, which releases the rider, and the timeline shows it.
        """
        waiting = self.call("staff", "GET", "/admin/orders", token=staff, params={"status": "PACKED"},
                            label="GET /admin/orders?status=PACKED",
                            summary=lambda b: f"{len(b['orders'])} packed order(s) waiting for a rider").json()
        for stale in waiting["orders"]:
            self.call("staff", "PATCH", f"/orders/{stale['order_id']}/status", token=staff,
                      json_body={"status": "CANCELLED"}, label="PATCH /orders/{other}/status CANCELLED",
                      summary=lambda b: f"{b['order_id']} of an earlier run cancelled: the rider is free for ours")
        partner = self.demo_session("partner")
        me = self.call("partner", "GET", "/delivery/partners/me", token=partner,
                       summary=lambda b: f"{b['name']}, {b['vehicle']}, {b['status']}").json()
        if me["status"] == "busy" and waiting["orders"]:  # released through the assignment queue
            me = self.poll("partner", "/delivery/partners/me", token=partner, until=lambda b: b["status"] != "busy",
                           describe=lambda b: f"{b['name']} is {b['status']} again")
        if me["status"] == "offline":
            me = self.call("partner", "PATCH", "/delivery/partners/me/status", token=partner,
                           json_body={"status": "available"}, summary=lambda b: b["status"]).json()
        if me["status"] != "available":
            self.record("partner", "ready for an order?", None, f"{me['status']} with {me.get('order_id')}", ok=False)
            raise JourneyFailed(f"the demo rider is not available (restart `make run` for a clean slate): {me}")
        self.facts["partner"] = me
        return partner

    def partner_is_assigned(self, partner: str, customer: str, order_id: str) -> None:
        assignment = self.poll("partner", "/delivery/partners/me/assignment", token=partner,
                               until=lambda b: b.get("order_id") == order_id,
                               label="GET /delivery/partners/me/assignment",
                               describe=lambda b: f"{b['order_id']}: {b['pickup']['name']} -> {b['drop']['address']}")
        self.facts["assignment"] = assignment
        tracking = self.call("customer", "GET", f"/delivery/orders/{order_id}/tracking", token=customer,
                             label="GET /delivery/orders/{id}/tracking", summary=_tracking_summary).json()
        self.facts["tracking_assigned"] = tracking

    def partner_picks_up_and_rides(self, partner: str, customer: str, order_id: str) -> None:
        shop, drop = self.facts["assignment"]["pickup"], self.facts["assignment"]["drop"]
        path = ride_path((shop["lat"], shop["lng"]), (drop["lat"], drop["lng"]))
        self.send_location(partner, path[0], "at the store")
        self.call("partner", "POST", f"/delivery/orders/{order_id}/pickup", token=partner,
                  label="POST /delivery/orders/{id}/pickup", summary=lambda b: b["status"])
        seen: list[dict[str, Any]] = []
        for point in path[1:]:
            seen.append(self.send_location(partner, point, "riding"))
            tracking = self.call("customer", "GET", f"/delivery/orders/{order_id}/tracking", token=customer,
                                 label="GET /delivery/orders/{id}/tracking", summary=_tracking_summary).json()
            self.facts["tracking"] = tracking
        self.facts["locations"] = seen
        # The app follows the rider live on the Supabase Realtime topic that tracking names (every fix on the way).
        live = self.facts["tracking_assigned"]["realtime"]
        realtime = self.poll("receivers", "/local/realtime", params={"topic": live["topic"]},
                             until=lambda b: len(b["broadcasts"]) >= len(path), timeout=NOTIFY_TIMEOUT_S,
                             label="GET /local/realtime (Supabase stand-in)",
                             describe=lambda b: f"{len(b['broadcasts'])} live locations on {live['topic']}")
        self.facts["broadcasts"] = realtime["broadcasts"]
        nearby = self.poll("customer", "/notifications", token=customer, params={"limit": 50},
                           until=lambda b: any(n["type"] == "delivery.rider_nearby" for n in b["notifications"]),
                           timeout=NOTIFY_TIMEOUT_S, label="GET /notifications (rider nearby?)",
                           describe=lambda b: next(f"{n['title']}: {n['body']}" for n in b["notifications"]
                                                   if n["type"] == "delivery.rider_nearby"))
        self.facts["rider_nearby"] = next(n for n in nearby["notifications"] if n["type"] == "delivery.rider_nearby")

    def send_location(self, partner: str, point: tuple[float, float], what: str) -> dict[str, Any]:
        """One GPS fix; the API takes at most one a second per rider, so fixes are paced 1.05 s apart."""
        wait = self._last_fix + LOCATION_GAP_S - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        body = {"lat": point[0], "lng": point[1], "accuracy_m": 5.0, "speed_kmph": 24.0,
                "recorded_at": datetime.now(UTC).isoformat(timespec="milliseconds")}
        drop = self.facts["assignment"]["drop"]
        meters = round(haversine_m(point, (drop["lat"], drop["lng"])))
        reply = self.call("partner", "POST", "/delivery/partners/me/location", token=partner, json_body=body,
                          summary=lambda b: f"{what}, {meters} m from the door, ETA {b.get('eta_minutes')} min"
                          + ("" if b["accepted"] else " (ignored)"))
        self._last_fix = time.monotonic()
        return {**reply.json(), "distance_m": meters}

    def partner_delivers(self, partner: str, customer: str, order_id: str) -> None:
        otp = self.call("customer", "GET", f"/orders/{order_id}", token=customer, label="GET /orders/{id} (OTP)",
                        summary=lambda b: f"{b['status']}, tells the rider the OTP").json()["delivery_otp"]
        wrong = f"{(int(otp) + 1) % 10_000:04d}"
        self.call("partner", "POST", f"/delivery/orders/{order_id}/deliver", token=partner, json_body={"otp": wrong},
                  expect=422, label="POST /delivery/orders/{id}/deliver (wrong OTP)",
                  summary=lambda b: f"refused: {b.get('detail', '')}")
        delivered = self.call("partner", "POST", f"/delivery/orders/{order_id}/deliver", token=partner,
                              json_body={"otp": otp}, label="POST /delivery/orders/{id}/deliver",
                              summary=lambda b: f"{b['status']} with the customer's OTP").json()
        self.facts["delivered"] = delivered

    # ---- notifications ------------------------------------------------------------------------------------

    def customer_is_notified(self, token: str, expected: Collection[str]) -> None:
        """Every expected notification in the in-app inbox, and as an email and a push in the local receivers.

        They travel through the notifications queue, so the journey waits for them (a few seconds at most).
        """
        wanted = set(expected)
        inbox = self.poll("customer", "/notifications", token=token, params={"limit": 50},
                          until=lambda b: wanted <= {n["type"] for n in b["notifications"]},
                          timeout=NOTIFY_TIMEOUT_S, label="GET /notifications",
                          describe=lambda b: f"{len(b['notifications'])} in-app: "
                          + ", ".join(n["title"] for n in reversed(b["notifications"])))
        self.facts["notifications"] = inbox["notifications"]
        email, push_token = self.facts["email"], self.facts["push_token"]

        def mine(outbox: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            return ([e for e in outbox["emails"] if email in e["to"] and e["subject"] != CONFIRMATION_SUBJECT],
                    [p for p in outbox["pushes"] if p["token"] == push_token])

        def arrived(outbox: dict[str, Any]) -> bool:
            emails, pushes = mine(outbox)
            return len(emails) >= len(wanted) and wanted <= {(p.get("data") or {}).get("type") for p in pushes}

        outbox = self.poll("receivers", "/local/outbox", until=arrived, timeout=NOTIFY_TIMEOUT_S,
                           label="GET /local/outbox (Resend, FCM stand-ins)",
                           describe=lambda b: f"{len(mine(b)[0])} emails to {email}, {len(mine(b)[1])} pushes")
        emails, pushes = mine(outbox)
        self.facts["emails"] = sorted(emails, key=lambda e: e["received_at"])
        self.facts["pushes"] = sorted(pushes, key=lambda p: p["received_at"])
        self.facts["outbox_folder"] = outbox.get("outbox_folder")

    def customer_pays_online(self, token: str, store_id: str) -> str:
        """The same cart again, paid online: the saga prices it and makes a Razorpay order, Checkout pays it,
        verify and the webhook complete the payment (once), and the saga places the order."""
        if not self.razorpay_url:
            raise JourneyFailed("no Razorpay stand-in in the stack's state file: restart `make run`")
        for line in self.facts["cart"]["items"]:  # the same products again, as many as are left
            product = self.call("customer", "GET", f"/products/{line['product_id']}", params={"store_id": store_id},
                                label="GET /products/{id} (stock left)",
                                summary=lambda b: f"{b['name']}: {b['available']} left").json()
            quantity = min(int(line["quantity"]), int(product["available"]))
            if quantity > 0:
                self.call("customer", "POST", "/cart/items", token=token, expect=200, label="POST /cart/items (again)",
                          json_body={"store_id": store_id, "product_id": line["product_id"], "quantity": quantity},
                          summary=lambda b, name=product["name"]: f"{b['quantity']} x {name}")
        # The first order used the first-order offer: the offers now say so, in words the app shows as they are.
        self.facts["offers_after"] = self.call("customer", "GET", "/offers", token=token, params={"store_id": store_id},
                                               label="GET /offers (after the first order)",
                                               summary=_offers_summary).json()["offers"]
        body = {"address_id": self.facts["address"]["address_id"], "payment_method": "online", "tip": TIP}
        order_id = str(self.call("customer", "POST", "/orders", token=token, json_body=body, expect=202,
                                 headers={"Idempotency-Key": f"journey-online-{uuid.uuid4()}"},
                                 label="POST /orders (payment_method online)",
                                 summary=lambda b: f"{b['order_id']} {b['status']}").json()["order_id"])
        priced = self.poll("customer", f"/orders/{order_id}", token=token,
                           until=lambda b: bool(b.get("payment")) or b["status"] != "PENDING",
                           label="GET /orders/{id} (payment to make)",
                           describe=lambda b: f"{b['status']}, Razorpay order "
                                              f"{(b.get('payment') or {}).get('razorpay_order_id')}, "
                                              f"{rupees((b.get('payment') or {}).get('amount') or 0)}")
        payment = priced.get("payment")
        if not payment:
            raise JourneyFailed(f"the online order has no payment object: {priced}")
        checkout = Checkout(self.razorpay_url)
        paid = checkout.pay(payment["razorpay_order_id"])
        self.record("customer", "Razorpay Checkout: pay (UPI)", None,
                    f"{paid['razorpay_payment_id']} captured, signed")
        verified = self.call("customer", "POST", "/payments/verify", token=token,
                             json_body=verify_body(order_id, paid),
                             summary=lambda b: f"{b['status']}, captured {rupees(b['captured'])}").json()
        status, answer = checkout.send_webhook(f"{self.api_url}/payments/webhook", "payment.captured",
                                               paid["razorpay_payment_id"])
        self.record("razorpay", "POST /payments/webhook payment.captured", status, answer[:80], ok=status == 200)
        if status != 200:
            raise JourneyFailed(f"the webhook answered {status}: {answer}")
        placed = self.poll("customer", f"/orders/{order_id}", token=token, until=lambda b: b["status"] != "PENDING",
                           describe=lambda b: f"{b['status']}, total {rupees(b['total'] or 0)}",
                           label="GET /orders/{id} (saga, paid)")
        self.facts["online"] = {"order_id": order_id, "payment": payment, "verified": verified,
                                "webhook": {"status": status, "body": answer}, "placed": placed}
        if placed["status"] != "PLACED":
            raise JourneyFailed(f"the saga did not place the paid order: {placed}")
        return order_id

    def customer_cancels_for_a_refund(self, token: str, order_id: str) -> None:
        """The customer cancels the paid order before the store confirms it: the full amount goes back through
        the refunds queue (the worker asks Razorpay, the stand-in processes it) and both refund notices arrive."""
        self.call("customer", "POST", f"/orders/{order_id}/cancel", token=token,
                  json_body={"reason": "Ordered by mistake"}, label="POST /orders/{id}/cancel (paid online)",
                  summary=lambda b: f"{b['status']}")
        refunded = {"refund.initiated", "refund.processed"}
        inbox = self.poll("customer", "/notifications", token=token, params={"limit": 50},
                          until=lambda b: refunded <= {n["type"] for n in b["notifications"]},
                          timeout=NOTIFY_TIMEOUT_S, label="GET /notifications (refund?)",
                          describe=lambda b: next(f"{n['title']}: {n['body']}" for n in b["notifications"]
                                                  if n["type"] == "refund.processed"))
        notice = next(n for n in inbox["notifications"] if n["type"] == "refund.processed")
        self.facts["refund"] = {"order_id": order_id, "notice": notice}

    def customer_reads_history(self, token: str, order_id: str) -> None:
        order = self.call("customer", "GET", f"/orders/{order_id}", token=token, label="GET /orders/{id}",
                          summary=lambda b: " -> ".join(h["status"] for h in b["status_history"])).json()
        self.facts["order"] = order
        history = self.call("customer", "GET", "/orders", token=token,
                            summary=lambda b: ", ".join(f"{o['order_id']} {o['status']}" for o in b["orders"])).json()
        self.facts["history"] = history

    # ---- the summary --------------------------------------------------------------------------------------

    def summary(self) -> list[str]:
        lines = [f"Customer {self.phone} (uid {self.facts.get('uid', '?')})"]
        order = self.facts.get("order") or self.facts.get("placed")
        if order:
            lines.append(f"Order {order['order_id']}: {order['status']}, total {rupees(order['total'] or 0)}"
                         f"{_saving_text(order)} ({len(order['items'])} lines; {_bill_text(order['bill'])})")
        online = self.facts.get("online")
        if online:
            paid, razorpay_order = rupees(online["verified"]["captured"]), online["payment"]["razorpay_order_id"]
            lines.append(f"Online order {online['order_id']}: {online['placed']['status']}, paid {paid} "
                         f"(Razorpay {razorpay_order})")
        refund = self.facts.get("refund")
        if refund:
            lines.append(f"Cancelled and refunded: {refund['notice']['body']}")
        inbox = self.facts.get("notifications")
        if inbox is not None:
            lines.append(f"Notifications: {len(inbox)} in-app, {len(self.facts['emails'])} emails, "
                         f"{len(self.facts['pushes'])} pushes")
            lines.append(f"Emails (HTML) in {self.facts.get('outbox_folder')}:")
            lines.extend(f"  {e['subject']}: {e['file']}" for e in self.facts["emails"])
        lines.append(f"{len(self.steps)} steps in {self.steps[-1].at if self.steps else 0:.1f}s")
        return lines


# ---- helpers ----------------------------------------------------------------------------------------------


def fresh_phone() -> str:
    """A phone number no earlier run used: the milliseconds since the epoch, in a +91 7xxxxxxxxx number."""
    return f"+917{int(time.time() * 1000) % 10**9:09d}"


def rupees(paise: int) -> str:
    """19950 → '₹199.50', -7500 → '-₹75'."""
    sign = "-" if int(paise) < 0 else ""
    whole, rest = divmod(abs(int(paise)), 100)
    return f"{sign}₹{whole:,}" + (f".{rest:02d}" if rest else "")


def ride_path(start: tuple[float, float], end: tuple[float, float],
              fractions: tuple[float, ...] = (0.0, 0.35, 0.65, 0.85, 0.95)) -> list[tuple[float, float]]:
    """Points from the store towards the door: the last two within 200 m of it for the demo's ~0.8 km ride."""
    return [(round(start[0] + (end[0] - start[0]) * f, 6), round(start[1] + (end[1] - start[1]) * f, 6))
            for f in fractions]


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two points. The demo is a client: it does not import the services' layer."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _tracking_summary(body: Any) -> str:
    partner = body.get("partner") or {}
    where = body.get("location")
    place = f" at {where['lat']:.4f},{where['lng']:.4f}" if where else ""
    return (f"{body['status']}, rider {partner.get('name', '-')}{place}, ETA {body.get('eta_minutes')} min"
            + (f", OTP {body['otp']}" if body.get("otp") else ""))


def _bill_text(bill: list[dict[str, Any]]) -> str:
    return ", ".join(f"{entry['label']} {rupees(entry['amount'])}" for entry in bill)


def _offers_summary(body: Any) -> str:
    """`WELCOME75 -₹75, FREEDEL: Delivery is already free, ...`: what each offer does for the cart."""
    return "; ".join(f"{o['code']} {rupees(-o['discount'])}" if o["qualifies"] else f"{o['code']}: {o['words']}"
                     for o in body["offers"]) or "no offers"


def _saving_text(order: dict[str, Any]) -> str:
    coupon = order.get("coupon")
    return f", saved {rupees(coupon['discount'])} with {coupon['code']}" if coupon else ""


def _serviceable_summary(body: Any) -> str:
    if body is None or "store" not in body:
        return f"not serviceable now: {(body or {}).get('detail', '')}"
    eta = body["eta_minutes"]
    return f"{body['store']['name']}, {body['distance_km']} km, ETA {eta['min']}-{eta['max']} min"


def _excerpt(reply: httpx.Response) -> str:
    try:
        body = reply.json()
    except ValueError:
        return reply.text[:160]
    if isinstance(body, dict) and "title" in body:
        return f"{body.get('title')}: {body.get('detail', '')}"[:160]
    return json.dumps(body)[:160]


def load_state(path: Path) -> dict[str, Any]:
    """The running `make run`'s ports (its state file), or a clear error when it is not running."""
    if not path.exists():
        raise RuntimeError("the local stack is not running: start it with `make run` in another terminal first")
    return dict(json.loads(path.read_text()))


def main(api_url: str | None, state_file: Path, print_line: Callable[[str], None] = print,
         json_out: Path | None = None) -> int:
    """`python -m local demo`: run the journey against the running stack, printing the timeline as it goes.

    `json_out` also gets the timeline and what the journey learnt (ids, bodies; no tokens), for scripts
    and the e2e test; it is written whether the journey finished or stopped.
    """
    state = load_state(state_file)
    url = api_url or state["api_url"]
    print_line(f"Blinkit Clone demo against {url} (Firebase Auth emulator on {state['emulator_host']})\n")
    code = 1
    with Journey(url, state["emulator_host"], state.get("project_id", "demo-blinkit"),
                 razorpay_url=state.get("razorpay_url"), on_step=lambda step: print_line(step.line())) as journey:
        try:
            journey.run()
            code = 0
        except (JourneyFailed, httpx.HTTPError) as exc:
            print_line(f"\nThe journey stopped: {exc}")
        finally:
            if json_out is not None:
                json_out.write_text(json.dumps({"ok": code == 0, "phone": journey.phone,
                                                "steps": [asdict(step) for step in journey.steps],
                                                "facts": journey.facts}, indent=2, ensure_ascii=False))
        if code == 0:
            print_line("")
            for line in journey.summary():
                print_line(line)
    return code
