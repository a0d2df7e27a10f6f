"""End to end: the whole day over HTTP against `make run`'s server, run exactly as a newcomer runs it
(`python -m local demo`, what `make demo` calls), then every step's outcome checked from its JSON record.

The journey (local/demo.py) already stops at the first unexpected HTTP status; these tests check what the
answers say: the new user, the store chosen, the bill in paise, the saga's result, the staff's moves and
the order history.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from local.config import ROOT
from local.demo import FIRST_ORDER_COUPON, HOME, HOME_STORE, NOTICES, SEARCH_TERM, TIP, rupees

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def journey(server: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("journey") / "journey.json"
    env = {**os.environ, "BLINKIT_LOCAL_STATE": server["state_file"]}
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "local", "demo", "--json", str(out)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=240)
    record = json.loads(out.read_text()) if out.exists() else {}
    record.update(exit_code=run.returncode, stdout=run.stdout, stderr=run.stderr,
                  seconds=time.monotonic() - started)
    return record


def _explain(journey: dict[str, Any]) -> str:
    return f"\n{journey['stdout']}\n{journey['stderr'][-3000:]}"


def _steps(journey: dict[str, Any], action_prefix: str) -> list[dict[str, Any]]:
    return [s for s in journey["steps"] if s["action"].startswith(action_prefix)]


def test_the_demo_runs_the_whole_journey_and_prints_a_timeline(journey):
    assert journey["exit_code"] == 0, _explain(journey)
    assert journey["ok"] is True
    assert all(step["ok"] for step in journey["steps"])
    order_id = journey["facts"]["order_id"]
    lines = journey["stdout"].splitlines()
    assert lines[0].startswith("Blinkit Clone demo against http://127.0.0.1:")
    timeline = [line for line in lines if line.startswith("+")]
    assert len(timeline) == len(journey["steps"])
    assert any("customer" in line and "POST /auth/login" in line and " 201 " in line for line in timeline)
    assert any(line.startswith(f"Order {order_id}: DELIVERED, total ₹") for line in lines), _explain(journey)
    offsets = [step["at"] for step in journey["steps"]]
    assert offsets == sorted(offsets)


def test_a_new_customer_signs_up_and_logs_in(journey, server):
    facts = journey["facts"]
    login = facts["login"]
    assert login["is_new_user"] is True
    assert login["user"]["uid"] == facts["uid"] and login["user"]["phone_number"] == journey["phone"]
    assert login["user"]["roles"] == ["customer"]
    assert facts["uid"] not in server["users"].values()  # not one of the seeded demo users
    assert facts["address"]["lat"] == pytest.approx(HOME_STORE["lat"] + 0.005)


def test_the_home_store_serves_the_customer_and_search_finds_paneer(journey):
    facts = journey["facts"]
    assert facts["serviceable"]["store"]["store_id"] == HOME_STORE["store_id"]
    assert 0 < facts["serviceable"]["distance_km"] < HOME_STORE["radius_km"]
    assert facts["search"]["total"] >= 1
    assert "paneer" in facts["search"]["items"][0]["name"].lower(), SEARCH_TERM
    assert _steps(journey, "GET /categories") and _steps(journey, "GET /products?category=")


def test_cart_quote_and_order_agree_to_the_paisa(journey):
    facts = journey["facts"]
    cart, quote, placed = facts["cart"], facts["quote"], facts["placed"]
    assert cart["store_id"] == HOME_STORE["store_id"] and not cart["degraded"]
    assert len(cart["items"]) >= 2
    assert cart["subtotal"] == sum(item["line_total"] for item in cart["items"])
    assert all(item["line_total"] == item["price"] * item["quantity"] for item in cart["items"])
    assert cart["item_count"] == sum(item["quantity"] for item in cart["items"])

    assert quote["item_total"] == cart["subtotal"]
    assert quote["total"] == sum(entry["amount"] for entry in quote["bill"])
    assert {"code": "tip", "label": next(e["label"] for e in quote["bill"] if e["code"] == "tip"),
            "amount": TIP} in quote["bill"]
    assert quote["serviceable"] is True and quote["store_id"] == HOME_STORE["store_id"]

    assert placed["status"] == "PLACED" and placed["store_id"] == HOME_STORE["store_id"]
    assert placed["total"] == quote["total"] and placed["item_total"] == quote["item_total"]
    assert placed["total"] == sum(entry["amount"] for entry in placed["bill"])
    assert placed["tip"] == TIP and placed["payment_method"] == "cod"
    ordered = {item["product_id"]: item["quantity"] for item in placed["items"]}
    assert ordered == {item["product_id"]: item["quantity"] for item in cart["items"]}


def test_the_first_order_takes_the_first_order_offer_and_the_bill_shows_the_saving(journey):
    facts = journey["facts"]
    offers, quote, placed = facts["offers"], facts["quote"], facts["placed"]
    by_code = {o["code"]: o for o in offers}
    assert {"WELCOME75", "SAVE10", "FREEDEL", "DAIRY20"} <= set(by_code)  # what `make run` seeds
    welcome = by_code[FIRST_ORDER_COUPON]
    assert (welcome["qualifies"], welcome["reason"], welcome["words"], welcome["discount"]) == (True, None, None, 7500)
    qualifying = [o["qualifies"] for o in offers]
    assert qualifying == sorted(qualifying, reverse=True)  # the ones the cart gets come first
    assert [o["discount"] for o in offers if o["qualifies"]] == sorted(
        (o["discount"] for o in offers if o["qualifies"]), reverse=True)
    # The others say what they do for this cart, or why not in words (the cart depends on the stock left).
    items, fees = quote["item_total"], HOME_STORE["fees"]
    save10, freedel = by_code["SAVE10"], by_code["FREEDEL"]
    if items < 49900:
        assert hint(save10) == (False, "coupon-minimum-not-met", f"Add {rupees(49900 - items)} more", None)
    else:
        assert hint(save10) == (True, None, None, min(items * 10 // 100, 10000))
    if items >= fees["free_delivery_threshold"]:
        assert hint(freedel) == (False, "coupon-not-applicable", "Delivery is already free", None)
    else:
        assert hint(freedel) == (True, None, None, fees["delivery_fee"])

    line = {"code": "coupon_discount", "label": f"Coupon {FIRST_ORDER_COUPON}", "amount": -7500}
    assert line in quote["bill"] and line in placed["bill"]
    assert quote["coupon"] == {"code": FIRST_ORDER_COUPON, "title": "₹75 off your first order", "kind": "flat",
                               "discount": 7500, "applies_to": None}
    assert placed["coupon"] == quote["coupon"] and placed["bill"] == quote["bill"]
    assert placed["total"] == quote["total"] == sum(e["amount"] for e in quote["bill"])
    assert quote["total"] == quote["item_total"] - 7500 + sum(
        e["amount"] for e in quote["bill"] if e["code"] not in ("item_total", "coupon_discount"))
    placed_step = _steps(journey, "GET /orders/{id} (saga)")[0]
    assert f"saved ₹75 with {FIRST_ORDER_COUPON}" in placed_step["result"]
    assert any(line.startswith(f"Order {placed['order_id']}: DELIVERED, total {rupees(placed['total'])}, saved ₹75 "
                               f"with {FIRST_ORDER_COUPON}") for line in journey["stdout"].splitlines()), \
        _explain(journey)

    after = {o["code"]: o for o in facts["offers_after"]}  # the first order is placed: the offer says so
    assert (after[FIRST_ORDER_COUPON]["qualifies"], after[FIRST_ORDER_COUPON]["reason"],
            after[FIRST_ORDER_COUPON]["words"]) == (False, "coupon-first-order-only", "For your first order only")


def hint(offer: dict[str, Any]) -> tuple[bool, str | None, str | None, int | None]:
    return offer["qualifies"], offer["reason"], offer["words"], offer["discount"]


def test_checkout_is_idempotent(journey):
    facts = journey["facts"]
    assert facts["replay"]["body"]["order_id"] == facts["order_id"]
    assert facts["replay"]["replayed"] == "true"


def test_staff_confirm_and_pack_the_order_at_their_store(journey):
    facts = journey["facts"]
    assert facts["order_id"] in [o["order_id"] for o in facts["staff_queue"]["orders"]]
    assert facts["confirmed"]["status"] == "CONFIRMED"
    assert facts["packed"]["status"] == "PACKED"
    assert facts["packed"]["version"] > facts["confirmed"]["version"] > facts["placed"]["version"]
    assert not _steps(journey, "PATCH /orders/{other}")  # a fresh stack has no earlier orders to clear


def test_the_demo_rider_is_assigned_picks_up_and_streams_the_ride(journey):
    facts = journey["facts"]
    order_id = facts["order_id"]
    assert facts["partner"]["status"] == "available" and facts["partner"]["store_id"] == HOME_STORE["store_id"]
    assignment = facts["assignment"]
    assert assignment["order_id"] == order_id and assignment["store_id"] == HOME_STORE["store_id"]
    assert assignment["pickup"]["name"] == HOME_STORE["name"]
    assert (assignment["drop"]["lat"], assignment["drop"]["lng"]) == (HOME["lat"], HOME["lng"])

    assigned = facts["tracking_assigned"]
    assert assigned["status"] == "PACKED" and assigned["partner"]["name"] == facts["partner"]["name"]
    assert assigned["otp"] == facts["order"]["delivery_otp"]  # the customer sees it, the rider must ask for it
    assert assigned["partner"]["phone"].endswith(facts["partner"]["phone"][-4:]) and "*" in assigned["partner"]["phone"]

    ride = facts["locations"]
    assert all(fix["accepted"] and fix["on_delivery"] and fix["order_id"] == order_id for fix in ride)
    distances = [fix["distance_m"] for fix in ride]
    assert distances == sorted(distances, reverse=True) and distances[-1] <= 200 < distances[0]
    etas = [fix["eta_minutes"] for fix in ride]
    assert etas == sorted(etas, reverse=True)
    fixes = _steps(journey, "POST /delivery/partners/me/location")
    assert all(b["at"] - a["at"] >= 1.0 for a, b in itertools.pairwise(fixes))  # paced for the 1/s gate
    tracked = facts["tracking"]
    assert tracked["status"] == "OUT_FOR_DELIVERY" and tracked["location"] is not None
    assert tracked["eta_minutes"] == etas[-1]

    live = facts["broadcasts"]  # what the app's Supabase Realtime subscription receives, fix by fix
    topic = facts["tracking_assigned"]["realtime"]["topic"]
    assert len(live) == len(ride) + 1 and all(b["topic"] == topic and b["event"] == "location" for b in live)
    assert [b["payload"]["eta_minutes"] for b in live[1:]] == etas
    assert (live[-1]["payload"]["lat"], live[-1]["payload"]["lng"]) == (tracked["location"]["lat"],
                                                                        tracked["location"]["lng"])


def test_the_customer_is_told_the_rider_is_nearby_and_the_otp_closes_the_delivery(journey):
    facts = journey["facts"]
    nearby = facts["rider_nearby"]
    assert nearby["data"]["order_id"] == facts["order_id"] and nearby["data"]["distance_m"] <= 200
    assert nearby["title"] == "Your rider is nearby"
    refused = _steps(journey, "POST /delivery/orders/{id}/deliver (wrong OTP)")
    assert [s["status"] for s in refused] == [422]
    assert facts["delivered"] == {"order_id": facts["order_id"], "status": "DELIVERED"}


def test_the_customer_sees_every_notification_in_app_by_email_and_push(journey):
    facts = journey["facts"]
    order_id = facts["order_id"]
    inbox = facts["notifications"]
    assert {n["type"] for n in inbox} - {"delivery.eta_changed"} == set(NOTICES)
    assert all(n["data"]["order_id"] == order_id and n["deep_link"].startswith(f"blinkit://orders/{order_id}")
               for n in inbox)
    placed = next(n for n in inbox if n["type"] == "order.placed")
    assert rupees(facts["placed"]["total"]) in placed["body"]

    pushes = facts["pushes"]
    assert {p["data"]["type"] for p in pushes} - {"delivery.eta_changed"} == set(NOTICES)
    assert len(pushes) == len(inbox)
    assert all(p["token"] == facts["push_token"] and p["notification"]["title"] for p in pushes)

    (confirmed,) = _steps(journey, "POST /users/me/email/verify")  # order mails go only to a confirmed address
    assert confirmed["status"] == 200 and facts["email"] in confirmed["result"]
    emails = facts["emails"]
    assert len(emails) == len(inbox)
    assert all(e["to"] == [facts["email"]] and e["from"].startswith("Blinkit") for e in emails)
    assert {"Your Blinkit order is placed (" + rupees(facts["placed"]["total"]) + ")", "Your Blinkit rider is nearby",
            "Your Blinkit order was delivered"} <= {e["subject"] for e in emails}
    for email in emails:  # branded HTML files in the outbox folder, each about this order
        html = Path(email["file"]).read_text(encoding="utf-8")
        assert Path(email["file"]).parent == Path(facts["outbox_folder"])
        assert html.lstrip().lower().startswith("<!doctype html") and "blinkit-logo" in html
        assert order_id in html
    delivered = next(e for e in emails if e["subject"] == "Your Blinkit order was delivered")
    assert rupees(facts["placed"]["total"]) in Path(delivered["file"]).read_text(encoding="utf-8")
    assert any(line.strip().endswith(Path(emails[0]["file"]).name) for line in journey["stdout"].splitlines())


def test_the_order_history_shows_the_order_delivered(journey):
    facts = journey["facts"]
    order = facts["order"]
    assert [h["status"] for h in order["status_history"]] == [
        "PENDING", "PLACED", "CONFIRMED", "PACKED", "OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED"]
    assert order["user_id"] == facts["uid"] and order["partner_id"] == facts["partner"]["uid"]
    mine = [o for o in facts["history"]["orders"] if o["order_id"] == facts["order_id"]]
    assert len(mine) == 1 and len(facts["history"]["orders"]) == 1
    assert mine[0]["status"] == "DELIVERED" and mine[0]["total"] == facts["placed"]["total"]
    assert mine[0]["item_count"] == sum(item["quantity"] for item in order["items"])


def test_the_demo_says_so_when_no_stack_is_running(tmp_path: Path):
    env = {**os.environ, "BLINKIT_LOCAL_STATE": str(tmp_path / "absent.json")}
    run = subprocess.run([sys.executable, "-m", "local", "demo"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 1
    assert "start it with `make run`" in run.stderr


def test_the_second_order_is_paid_online_and_placed_once(journey):
    online = journey["facts"]["online"]
    payment, placed = online["payment"], online["placed"]
    assert (payment["provider"], payment["currency"]) == ("razorpay", "INR")
    assert placed["status"] == "PLACED" and placed["payment_method"] == "online"
    assert payment["amount"] == placed["total"] == online["verified"]["captured"]
    assert online["verified"]["status"] == "captured" and online["verified"]["refund_due"] is False
    assert json.loads(online["webhook"]["body"])["outcome"] == "processed"  # the second road: recorded, no change
    assert [h["status"] for h in placed["status_history"]] == ["PENDING", "PLACED"]
    assert placed["order_id"] != journey["facts"]["order_id"]  # the COD order is the other one, DELIVERED
    lines = journey["stdout"].splitlines()
    assert any(line.startswith(f"Online order {placed['order_id']}: PLACED, paid ₹") for line in lines), \
        _explain(journey)


def test_the_paid_order_is_cancelled_and_refunded_in_full(journey):
    online, refund = journey["facts"]["online"], journey["facts"]["refund"]
    assert refund["order_id"] == online["order_id"]
    # The notice names the full amount paid, in rupees: the refund went through the queue, the worker and Razorpay.
    from blinkit.money import format_rupees

    assert format_rupees(online["verified"]["captured"]) in refund["notice"]["body"], refund["notice"]
    assert any(line.startswith("Cancelled and refunded: ") for line in journey["stdout"].splitlines()), \
        _explain(journey)
