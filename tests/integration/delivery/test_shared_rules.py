"""One rule each, as the routes answer it: one ETA from serviceability to tracking, one timestamp format.

A real order at a store of its own (away from every other test store), placed through the saga, packed by the
store's staff and assigned by the assignment consumer to a rider standing at the store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from blinkit.eta import ASSIGNMENT_MINUTES, PICK_AND_PACK_MINUTES, order_eta
from blinkit.geo import haversine_km
from tests.integration.cart.conftest import Shop
from tests.integration.delivery.conftest import Partner, drain, open_gate, purge, register_partner, run_assignment
from tests.integration.orders.conftest import FEES, add_address, checkout, fill_cart, order, wait_done
from tests.integration.products_helpers import make_category, make_product, make_staff, make_store, set_stock

STORE_AT = (12.9698, 77.7500)  # Whitefield: no other test store is within reach of the door below
DOOR = {"label": "Home", "line1": "42, ITPL Main Road", "city": "Bengaluru", "pincode": "560066",
        "lat": STORE_AT[0] + 0.011, "lng": STORE_AT[1] + 0.009}  # ~1.6 km north-east
QUEUE, NOTIFICATIONS = "DeliveryAssignmentQueue", "NotificationsQueue"
IST = timezone(timedelta(hours=5, minutes=30))
ONE_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@dataclass
class Journey:
    shop: Shop
    address_id: str
    quote: dict[str, Any]
    order_id: str
    partner: Partner
    staff: Any


def _journey(api: Any, firebase: Any, stack: Any, admin: Any, customer: Any) -> Journey:
    """Quote, order, confirm and pack; the rider waits at the store and the assignment runs."""
    from products import service

    service.forget_stores()  # this process may hold an earlier test's stores for a minute
    purge(stack, QUEUE, NOTIFICATIONS)
    store = make_store(api, admin, lat=STORE_AT[0], lng=STORE_AT[1], fees=FEES)
    category = make_category(api, admin)
    product = make_product(api, admin, category["category_id"], price=3000, mrp=3500)
    assert set_stock(api, admin, store["store_id"], product["product_id"], 20).status == 200
    shop = Shop(store["store_id"], store["store_id"], [product])
    address_id = add_address(api, customer, DOOR)
    fill_cart(api, customer, shop, {0: 3})
    quote = api.post("/orders/quote", {"address_id": address_id}, token=customer.session_token)
    assert quote.status == 200, quote.body
    reply = checkout(api, customer, address_id)
    assert reply.status == 202, reply.body
    order_id = reply.json()["order_id"]
    assert wait_done(stack, order_id)["status"] == "SUCCEEDED"

    partner = register_partner(api, firebase, admin, shop.store_id, at=(store["lat"], store["lng"]))
    staff = make_staff(api, firebase, shop.store_id)
    for status in ("CONFIRMED", "PACKED"):
        reply = api.patch(f"/orders/{order_id}/status", {"status": status}, token=staff.session_token)
        assert reply.status == 200, reply.body
    # What orders put on the queue (CONFIRMED, then PACKED: one message per status change), as the pump would.
    assert run_assignment(stack, *drain(stack, QUEUE)) == {"batchItemFailures": []}
    assert order(api, customer, order_id)["partner_id"] == partner.uid
    return Journey(shop, address_id, quote.json(), order_id, partner, staff)


def test_serviceability_the_quote_the_order_and_tracking_show_one_eta(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any) -> None:
    journey = _journey(api, firebase, project_stack, admin, customer)
    serviceable = api.get("/stores/serviceable", query=f"lat={DOOR['lat']}&lng={DOOR['lng']}")
    assert serviceable.status == 200, serviceable.body
    assert serviceable.json()["store"]["store_id"] == journey.shop.store_id  # the same store
    placed = order(api, customer, journey.order_id)

    km = haversine_km(*STORE_AT, DOOR["lat"], DOOR["lng"])
    assert 1.0 < km < 2.0
    eta = order_eta(km)  # 4 fixed minutes, ~8.3 of travel, 1 to hand over
    assert eta["min"] > PICK_AND_PACK_MINUTES + ASSIGNMENT_MINUTES + 1  # a distance that counts
    assert serviceable.json()["eta_minutes"] == journey.quote["eta_minutes"] == placed["eta_minutes"] == eta

    # The rider stands at the store and has not picked up: tracking counts the same travel and handover.
    at_store = eta["min"] - PICK_AND_PACK_MINUTES - ASSIGNMENT_MINUTES
    tracking = api.get(f"/delivery/orders/{journey.order_id}/tracking", token=customer.session_token)
    assert tracking.status == 200, tracking.body
    assert tracking.json()["location"]["lat"] == STORE_AT[0] and tracking.json()["eta_minutes"] == at_store
    assignment = api.get("/delivery/partners/me/assignment", token=journey.partner.token)
    assert assignment.status == 200 and assignment.json()["eta_minutes"] == at_store  # the baseline it was told


def _timestamps(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every `*_at` (and status history `at`) in a JSON answer, with where it was found."""
    if isinstance(value, dict):
        for key, item in value.items():
            if (key == "at" or key.endswith("_at")) and not isinstance(item, dict | list):
                yield f"{path}.{key}", item
            else:
                yield from _timestamps(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _timestamps(item, f"{path}[{i}]")


def test_every_timestamp_the_routes_answer_has_one_format(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any) -> None:
    from blinkit import aws, upstreams
    from notifications import upstream
    from notifications.channels import email, push

    for reset in (upstreams.reset, upstream.forget_contacts, aws.reset, email.reset, push.reset):
        reset()  # the inbox consumer calls auth through this module's gateway
    device = api.post("/users/me/devices", {"token": "fcm-one-format-token-0001", "platform": "android"},
                      token=customer.session_token)
    assert device.status == 201, device.body
    journey = _journey(api, firebase, project_stack, admin, customer)
    project_stack.pump.drain()  # the order's notifications into the inbox
    # The rider's phone reports in its own offset (newer than the fix it registered with a minute ago).
    taken = (datetime.now(UTC) - timedelta(seconds=30)).replace(microsecond=500_000)
    fix = {"lat": DOOR["lat"] - 0.002, "lng": DOOR["lng"], "recorded_at": taken.astimezone(IST).isoformat()}
    assert fix["recorded_at"].endswith(".500000+05:30")
    assert api.post(f"/delivery/orders/{journey.order_id}/pickup", token=journey.partner.token).status == 200
    open_gate(None, journey.partner.uid)
    located = api.post("/delivery/partners/me/location", fix, token=journey.partner.token)
    assert located.status == 200 and located.json()["on_delivery"], located.body
    inbox = api.get("/notifications", token=customer.session_token).json()["notifications"]
    assert inbox, "the order's notifications reached the inbox"
    read = api.post(f"/notifications/{inbox[0]['notification_id']}/read", token=customer.session_token)

    c, p = customer.session_token, journey.partner.token
    answers = {
        "login": api.post("/auth/login", {"id_token": customer.id_token,
                                          "device": {"name": "Tablet", "platform": "ios"}}),
        "sessions": api.get("/auth/sessions", token=c),
        "user": api.get("/users/me", token=c),
        "addresses": api.get("/users/me/addresses", token=c),
        "device": device,
        "stores": api.get("/stores"),
        "categories": api.get("/categories"),
        "product": api.get(f"/products/{journey.shop.pid(0)}"),
        "stock": set_stock(api, journey.staff, journey.shop.store_id, journey.shop.pid(0), 30),
        "order": api.get(f"/orders/{journey.order_id}", token=c),
        "orders": api.get("/orders", token=c),
        "notifications": api.get("/notifications", token=c),
        "read": read,
        "partner": api.get("/delivery/partners/me", token=p),
        "assignment": api.get("/delivery/partners/me/assignment", token=p),
        "tracking": api.get(f"/delivery/orders/{journey.order_id}/tracking", token=c),
        "route": api.get(f"/delivery/orders/{journey.order_id}/route", token=c),
    }
    found: dict[str, Any] = {}
    for name, reply in answers.items():
        assert reply.status in (200, 201), (name, reply.body)
        found.update({f"{name}{where}": value for where, value in _timestamps(reply.json())})
    stamps = {where: value for where, value in found.items() if value is not None}
    wrong = {where: value for where, value in stamps.items() if not (isinstance(value, str) and ONE_FORM.match(value))}
    assert not wrong, wrong
    # Every kind was really looked at (a route that stopped answering a timestamp must not pass unnoticed).
    for where in ("login.expires_at", "sessions.sessions[0].created_at", "sessions.sessions[0].last_seen_at",
                  "user.created_at", "user.updated_at", "addresses.addresses[0].created_at", "device.registered_at",
                  "stores.stores[0].created_at", "categories.categories[0].updated_at", "product.created_at",
                  "stock.updated_at", "order.created_at", "order.status_history[3].at", "orders.orders[0].created_at",
                  "notifications.notifications[0].created_at", "read.read_at", "partner.created_at",
                  "partner.location.recorded_at", "assignment.assigned_at", "tracking.location.recorded_at",
                  "route.points[0].recorded_at"):
        assert where in stamps, (where, sorted(found))
    # The phone's +05:30 and microseconds: stored and answered in the one form, in UTC.
    assert stamps["route.points[0].recorded_at"] == taken.strftime("%Y-%m-%dT%H:%M:%S.500Z")
