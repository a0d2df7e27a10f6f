"""The Razorpay stand-in, driven by the official SDK as the payments functions drive it: orders, payments,
capture and refund rules, Basic auth and Razorpay's errors; Checkout's and the webhook's signatures check out
with the SDK's own verification and with `payments.signatures`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import razorpay
from razorpay.errors import BadRequestError, ServerError, SignatureVerificationError

from local.razorpay import KEY_ID, KEY_SECRET, WEBHOOK_SECRET, RazorpayStandIn
from payments.signatures import checkout_signature_valid, webhook_signature_valid


@pytest.fixture
def stand_in() -> Iterator[RazorpayStandIn]:
    with RazorpayStandIn() as running:
        yield running


def client(stand_in: RazorpayStandIn, secret: str = KEY_SECRET) -> razorpay.Client:
    return razorpay.Client(auth=(KEY_ID, secret), base_url=stand_in.url)


def test_orders_payments_capture_and_refunds_through_the_sdk(stand_in: RazorpayStandIn) -> None:
    sdk = client(stand_in)
    order = sdk.order.create({"amount": 10300, "currency": "INR", "receipt": "ord_1", "notes": {"order_id": "ord_1"}})
    assert (order["status"], order["amount_due"], order["receipt"]) == ("created", 10300, "ord_1")
    assert order["id"].startswith("order_") and len(order["id"]) == 20
    assert sdk.order.fetch(order["id"]) == order
    assert [o["id"] for o in sdk.order.all({"receipt": "ord_1"})["items"]] == [order["id"]]
    assert sdk.order.all({"receipt": "ord_2"})["items"] == []

    paid = stand_in.pay(order["id"], capture=False)
    payment_id = paid["razorpay_payment_id"]
    assert sdk.payment.fetch(payment_id)["status"] == "authorized"
    with pytest.raises(BadRequestError):
        sdk.payment.capture(payment_id, 10000, {"currency": "INR"})  # not the authorised amount
    assert sdk.payment.capture(payment_id, 10300, {"currency": "INR"})["status"] == "captured"
    with pytest.raises(BadRequestError, match="already been captured"):
        sdk.payment.capture(payment_id, 10300, {"currency": "INR"})
    assert sdk.order.fetch(order["id"])["status"] == "paid"
    assert [p["id"] for p in sdk.order.payments(order["id"])["items"]] == [payment_id]

    refund = sdk.payment.refund(payment_id, {"amount": 3000})
    assert (refund["status"], refund["amount"], refund["payment_id"]) == ("processed", 3000, payment_id)
    assert sdk.refund.fetch(refund["id"]) == refund
    with pytest.raises(BadRequestError, match="greater than"):
        sdk.payment.refund(payment_id, {"amount": 7301})
    assert sdk.payment.fetch_multiple_refund(payment_id)["count"] == 1
    assert sdk.payment.fetch(payment_id)["refund_status"] == "partial"


def test_bad_input_and_unknown_ids_answer_razorpays_errors(stand_in: RazorpayStandIn) -> None:
    sdk = client(stand_in)
    for bad in ({"amount": 99, "currency": "INR"}, {"amount": "100", "currency": "INR"},
                {"amount": 100, "currency": "RUPEES"}, {"amount": 100, "currency": "INR", "receipt": "r" * 41}):
        with pytest.raises(BadRequestError):
            sdk.order.create(bad)
    for fetch in (lambda: sdk.order.fetch("order_Missing0000000"), lambda: sdk.payment.fetch("pay_Missing00000000"),
                  lambda: sdk.refund.fetch("rfnd_Missing0000000")):
        with pytest.raises(BadRequestError, match="does not exist"):
            fetch()


def test_a_wrong_key_is_401_in_razorpays_shape(stand_in: RazorpayStandIn) -> None:
    import httpx

    with pytest.raises(BadRequestError, match="Authentication failed"):
        client(stand_in, secret="wrong").order.create({"amount": 100, "currency": "INR"})
    reply = httpx.get(f"{stand_in.url}/v1/orders")
    assert reply.status_code == 401 and reply.json()["error"]["code"] == "BAD_REQUEST_ERROR"


def test_injected_outages(stand_in: RazorpayStandIn) -> None:
    sdk = client(stand_in)
    stand_in.fail_next(500, count=2)
    for _ in range(2):
        with pytest.raises(ServerError):
            sdk.order.create({"amount": 100, "currency": "INR"})
    assert sdk.order.create({"amount": 100, "currency": "INR"})["status"] == "created"
    stand_in.down = 503
    with pytest.raises(ServerError):
        sdk.order.all({})


def test_checkout_and_webhook_signatures_check_out_with_the_sdk_and_ours(stand_in: RazorpayStandIn) -> None:
    sdk = client(stand_in)
    order = sdk.order.create({"amount": 500, "currency": "INR"})
    paid = stand_in.pay(order["id"])
    assert sdk.utility.verify_payment_signature(paid)
    assert checkout_signature_valid(KEY_SECRET, order["id"], paid["razorpay_payment_id"], paid["razorpay_signature"])
    assert not checkout_signature_valid("other", order["id"], paid["razorpay_payment_id"], paid["razorpay_signature"])

    body, headers = stand_in.webhook("payment.captured", payment_id=paid["razorpay_payment_id"])
    event = json.loads(body)
    assert event["payload"]["payment"]["entity"]["order_id"] == order["id"]
    assert sdk.utility.verify_webhook_signature(body.decode(), headers["x-razorpay-signature"], WEBHOOK_SECRET)
    assert webhook_signature_valid(WEBHOOK_SECRET, body, headers["x-razorpay-signature"])
    assert not webhook_signature_valid(WEBHOOK_SECRET, body + b" ", headers["x-razorpay-signature"])
    assert not webhook_signature_valid(WEBHOOK_SECRET, body, None)
    with pytest.raises(SignatureVerificationError):
        sdk.utility.verify_webhook_signature(body.decode() + " ", headers["x-razorpay-signature"], WEBHOOK_SECRET)
    paid_event = json.loads(stand_in.webhook("order.paid", payment_id=paid["razorpay_payment_id"])[0])
    assert paid_event["contains"] == ["payment", "order"]
    assert paid_event["payload"]["order"]["entity"]["status"] == "paid"


def test_send_webhook_posts_the_signed_event(stand_in: RazorpayStandIn) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    received: list[tuple[bytes, str | None]] = []

    class Receiver(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["content-length"]))
            received.append((raw, self.headers.get("x-razorpay-signature")))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        order = client(stand_in).order.create({"amount": 500, "currency": "INR"})
        paid = stand_in.pay(order["id"])
        status, _ = stand_in.send_webhook(f"http://127.0.0.1:{server.server_address[1]}/payments/webhook",
                                          "payment.captured", payment_id=paid["razorpay_payment_id"])
    finally:
        server.shutdown()
        server.server_close()
    assert status == 200
    ((raw, signature),) = received
    assert webhook_signature_valid(WEBHOOK_SECRET, raw, signature)
