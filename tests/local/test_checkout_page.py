"""Razorpay Checkout's stand-in page (local/checkout_page.py) against a real Razorpay stand-in on loopback: it
shows the amount Razorpay's order asks, its Pay and Fail buttons drive the stand-in's control API, and the
browser goes back to the app's order route with Checkout's answer, which `POST /payments/verify` accepts."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from local.checkout_page import CHECKOUT_PATH, checkout_routes
from local.razorpay import KEY_ID, KEY_SECRET, RazorpayStandIn

ORDER_ID = "ord_01JF3Z8M4W5X6Y7Z8A9B0C1D2E"


@pytest.fixture
def razorpay() -> Iterator[RazorpayStandIn]:
    with RazorpayStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def merchant() -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """The API's side of Razorpay's webhooks: (its base URL, what it received: path and event)."""
    received: list[tuple[str, dict[str, Any]]] = []

    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            received.append((self.path, json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def client(razorpay: RazorpayStandIn, merchant: tuple[str, list[Any]]) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=checkout_routes(razorpay.url)), base_url=merchant[0],
                    follow_redirects=False) as test_client:
        yield test_client


def _razorpay_order(razorpay: RazorpayStandIn, amount: int) -> str:
    made = httpx.post(f"{razorpay.url}/v1/orders", auth=(KEY_ID, KEY_SECRET), timeout=10,
                      json={"amount": amount, "currency": "INR", "receipt": ORDER_ID})
    assert made.status_code == 200, made.text
    return str(made.json()["id"])


def _answer(reply: httpx.Response) -> dict[str, str]:
    assert reply.status_code == 303
    location = reply.headers["location"]
    route, _, query = location.partition("?")
    assert route == f"/#/orders/{ORDER_ID}"
    return {key: values[0] for key, values in parse_qs(query).items()}


def test_the_page_shows_razorpays_amount_with_pay_and_fail(client: TestClient, razorpay: RazorpayStandIn) -> None:
    rzp = _razorpay_order(razorpay, 41450)
    page = client.get(CHECKOUT_PATH, params={"order_id": ORDER_ID, "razorpay_order_id": rzp, "amount": "1"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Pay <strong>₹414.50</strong> INR" in page.text  # Razorpay's amount, not the link's
    assert f'action="{CHECKOUT_PATH}/pay"' in page.text and f'action="{CHECKOUT_PATH}/fail"' in page.text


def test_pay_hands_the_app_checkouts_signed_answer(client: TestClient, razorpay: RazorpayStandIn) -> None:
    rzp = _razorpay_order(razorpay, 20000)
    answer = _answer(client.post(f"{CHECKOUT_PATH}/pay", data={"order_id": ORDER_ID, "razorpay_order_id": rzp}))
    assert set(answer) == {"razorpay_order_id", "razorpay_payment_id", "razorpay_signature"}
    assert answer["razorpay_order_id"] == rzp
    signed = hmac.new(KEY_SECRET.encode(), f"{rzp}|{answer['razorpay_payment_id']}".encode(), hashlib.sha256)
    assert answer["razorpay_signature"] == signed.hexdigest()
    assert razorpay.payments[answer["razorpay_payment_id"]]["status"] == "captured"


def test_fail_records_a_failed_attempt_tells_the_merchant_and_says_why(
        client: TestClient, razorpay: RazorpayStandIn, merchant: tuple[str, list[Any]]) -> None:
    rzp = _razorpay_order(razorpay, 20000)
    answer = _answer(client.post(f"{CHECKOUT_PATH}/fail", data={"order_id": ORDER_ID, "razorpay_order_id": rzp}))
    assert answer == {"payment": "failed", "reason": "Payment failed because the UPI request was declined"}
    [failed] = razorpay.payments.values()
    assert failed["status"] == "failed"
    assert [(path, event["event"], event["payload"]["payment"]["entity"]["id"]) for path, event in merchant[1]] == [
        ("/payments/webhook", "payment.failed", failed["id"])]


def test_a_payment_sends_no_webhook_and_a_lost_webhook_still_answers(
        razorpay: RazorpayStandIn, merchant: tuple[str, list[Any]]) -> None:
    with TestClient(Starlette(routes=checkout_routes(razorpay.url)), base_url="http://127.0.0.1:9",
                    follow_redirects=False) as nowhere:  # nothing listens on the merchant's side
        rzp = _razorpay_order(razorpay, 20000)
        fields = {"order_id": ORDER_ID, "razorpay_order_id": rzp}
        assert _answer(nowhere.post(f"{CHECKOUT_PATH}/fail", data=fields))["payment"] == "failed"
        assert "razorpay_signature" in _answer(nowhere.post(f"{CHECKOUT_PATH}/pay", data=fields))
    assert merchant[1] == []


@pytest.mark.parametrize("fields", [
    {},
    {"order_id": ORDER_ID},
    {"order_id": "ord_bad", "razorpay_order_id": "order_AAAAAAAAAAAAAA"},
    {"order_id": ORDER_ID, "razorpay_order_id": "order_x/../../v1"},
    {"order_id": ORDER_ID, "razorpay_order_id": "order_AAAAAAAAAAAAAA"},  # well formed, unknown to Razorpay
])
def test_a_link_or_form_without_a_known_order_is_refused_in_words(client: TestClient, fields: dict[str, str]) -> None:
    for reply in (client.get(CHECKOUT_PATH, params=fields), client.post(f"{CHECKOUT_PATH}/pay", data=fields),
                  client.post(f"{CHECKOUT_PATH}/fail", data=fields)):
        assert reply.status_code == 400 and "role='alert'" in reply.text
        assert "location" not in reply.headers


def test_only_pay_and_fail_are_actions(client: TestClient, razorpay: RazorpayStandIn) -> None:
    rzp = _razorpay_order(razorpay, 20000)
    fields = {"order_id": ORDER_ID, "razorpay_order_id": rzp}
    assert client.post(f"{CHECKOUT_PATH}/refund", data=fields).status_code == 404
    assert client.get(f"{CHECKOUT_PATH}/pay").status_code == 405
    assert razorpay.payments == {}


def test_the_way_back_is_always_the_apps_own_route(client: TestClient, razorpay: RazorpayStandIn) -> None:
    rzp = _razorpay_order(razorpay, 20000)
    reply = client.post(f"{CHECKOUT_PATH}/pay?return_to=https://evil.example",
                        data={"order_id": ORDER_ID, "razorpay_order_id": rzp, "return_to": "https://evil.example"})
    assert urlsplit(reply.headers["location"]).netloc == ""
