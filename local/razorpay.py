"""A loopback stand-in for Razorpay's REST API v1: the real SDK (`razorpay`) talks to it, and tests and
`python -m local pay` play the customer's Checkout and Razorpay's webhooks with it.

    with RazorpayStandIn() as razorpay:
        env = razorpay.environment()                 # RAZORPAY_API_URL, the test key id and secrets
        paid = razorpay.pay("order_...")             # as Checkout: a captured payment, its signature
        paid = razorpay.pay("order_...", capture=False)   # authorised only (we capture it)
        razorpay.fail("order_...")                   # a failed attempt
        body, headers = razorpay.webhook("payment.captured", payment_id=paid["razorpay_payment_id"])
        razorpay.send_webhook(url, "order.paid", payment_id=...)   # the same, POSTed to a URL
        razorpay.down = 503                          # every API call answers 503 (None: normal again)
        razorpay.fail_next(500, count=2)             # the next two API calls answer 500
        razorpay.new_refund_status = "pending"       # refunds stay pending (default: processed at once)
        razorpay.process_refund("rfnd_...")          # a pending refund is processed (then send its webhook)

API (HTTP Basic with the test key id and secret, else 401 in Razorpay's error shape):
    POST /v1/orders                      {amount, currency, receipt, notes} → order (status created)
    GET  /v1/orders?receipt=             the orders with that receipt (a collection)
    GET  /v1/orders/{id}                 GET /v1/orders/{id}/payments
    GET  /v1/payments/{id}               POST /v1/payments/{id}/capture {amount, currency}
    POST /v1/payments/{id}/refund        {amount?, receipt?, notes?} → refund (`new_refund_status`)
    GET  /v1/refunds/{id}                GET /v1/payments/{id}/refunds
Checkout and Razorpay's side, for `python -m local pay` in another process (same Basic auth; never faulted):
    POST /_checkout/orders/{id}/pay      {capture?, amount?, currency?} → what Checkout hands the client
    POST /_checkout/orders/{id}/fail     → the failed payment
    POST /_checkout/webhooks             {url, event, payment_id} → {status, body}: the signed event POSTed
Errors answer `{"error": {"code", "description", "source", "step", "reason", "metadata"}}` as Razorpay does
(BAD_REQUEST_ERROR 400, SERVER_ERROR 5xx), which the SDK turns into BadRequestError / ServerError. Razorpay
does not dedupe orders by receipt, and neither does this: idempotency is our code's job.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.loopback import JsonHandler, LoopbackServer

KEY_ID = "rzp_test_LocalStandIn01"
KEY_SECRET = "local_razorpay_key_secret_not_real"
WEBHOOK_SECRET = "local_razorpay_webhook_secret_not_real"
_ALPHABET = string.ascii_letters + string.digits


def razorpay_id(prefix: str) -> str:
    """`order_`, `pay_`, `rfnd_` + 14 alphanumerics, as Razorpay's ids look."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(14))


def _error(status: int, description: str) -> tuple[int, dict[str, Any]]:
    code = "BAD_REQUEST_ERROR" if status < 500 else "SERVER_ERROR"
    return status, {"error": {"code": code, "description": description, "source": "NA", "step": "NA",
                              "reason": "NA", "metadata": {}}}


def _collection(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"entity": "collection", "count": len(items), "items": items}


class RazorpayStandIn(LoopbackServer):
    thread_name = "local-razorpay"

    def __init__(self) -> None:
        super().__init__()
        self.down: int | None = None
        self.new_refund_status = "processed"
        self._lock = threading.Lock()
        self._faults: list[int] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []  # (method, path) of every API call, in arrival order

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    def environment(self) -> dict[str, str]:
        """What the payments functions need to reach this stand-in with the real SDK (secrets in plain:
        the *_PARAMETER settings that name SSM SecureStrings in AWS are off)."""
        return {"RAZORPAY_API_URL": self.url, "RAZORPAY_KEY_ID": KEY_ID, "RAZORPAY_KEY_SECRET": KEY_SECRET,
                "RAZORPAY_KEY_SECRET_PARAMETER": "", "RAZORPAY_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "RAZORPAY_WEBHOOK_SECRET_PARAMETER": ""}

    def reset(self) -> None:
        with self._lock:
            self.orders.clear()
            self.payments.clear()
            self.refunds.clear()
            self.calls.clear()
            self._faults.clear()
        self.down = None
        self.new_refund_status = "processed"

    def process_refund(self, refund_id: str, status: str = "processed") -> dict[str, Any]:
        """Razorpay finishes a pending refund (`processed`, or `failed`: the money goes back to the payment)."""
        with self._lock:
            refund = self.refunds[refund_id]
            refund["status"] = status
            if status == "failed":
                payment = self.payments[refund["payment_id"]]
                payment["amount_refunded"] -= refund["amount"]
            return dict(refund)

    def fail_next(self, status: int, *, count: int = 1) -> None:
        with self._lock:
            self._faults.extend([status] * count)

    # ---- Checkout, as the customer's browser plays it -------------------------------------------

    def pay(self, razorpay_order_id: str, *, capture: bool = True, method: str = "upi",
            amount: int | None = None, currency: str | None = None) -> dict[str, Any]:
        """A successful payment of the order (captured at once, as with auto-capture, or only authorised),
        and what Checkout hands the client: `razorpay_order_id`, `razorpay_payment_id`, `razorpay_signature`.
        `amount`/`currency` other than the order's play a tampered or mismatched payment."""
        with self._lock:
            order = self.orders[razorpay_order_id]
            payment = self._new_payment(order, "captured" if capture else "authorized", method, amount, currency)
            if capture:
                order["status"], order["amount_paid"], order["amount_due"] = "paid", payment["amount"], 0
        signature = hmac.new(KEY_SECRET.encode(), f"{razorpay_order_id}|{payment['id']}".encode(),
                             hashlib.sha256).hexdigest()
        return {"razorpay_order_id": razorpay_order_id, "razorpay_payment_id": payment["id"],
                "razorpay_signature": signature, "payment": dict(payment)}

    def fail(self, razorpay_order_id: str, *, code: str = "BAD_REQUEST_ERROR",
             description: str = "Payment failed because the UPI request was declined") -> dict[str, Any]:
        """A failed attempt (the customer may try again: the order stays payable)."""
        with self._lock:
            order = self.orders[razorpay_order_id]
            payment = self._new_payment(order, "failed", "upi", None, None)
            payment.update(error_code=code, error_description=description)
            return dict(payment)

    def _new_payment(self, order: dict[str, Any], status: str, method: str, amount: int | None,
                     currency: str | None) -> dict[str, Any]:
        order["attempts"] += 1
        if order["status"] == "created":
            order["status"] = "attempted"
        payment = {"id": razorpay_id("pay_"), "entity": "payment", "amount": amount or order["amount"],
                   "currency": currency or order["currency"], "status": status, "order_id": order["id"],
                   "invoice_id": None, "international": False, "method": method, "amount_refunded": 0,
                   "refund_status": None, "captured": status == "captured", "description": None,
                   "email": "customer@example.com", "contact": "+919000000001", "notes": [], "fee": 0, "tax": 0,
                   "error_code": None, "error_description": None, "created_at": int(time.time())}
        self.payments[payment["id"]] = payment
        return payment

    # ---- webhooks ------------------------------------------------------------------------------

    def webhook(self, event: str, *, payment_id: str | None = None, refund_id: str | None = None,
                event_id: str | None = None, secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
        """The raw body and headers Razorpay would POST for `event` about this payment (and refund)."""
        with self._lock:
            payment = dict(self.payments[payment_id]) if payment_id else None
            refund = dict(self.refunds[refund_id]) if refund_id else None
            if payment is None and refund is not None:
                payment = dict(self.payments[refund["payment_id"]])
            order = dict(self.orders[payment["order_id"]]) if payment else None
        payload: dict[str, Any] = {}
        if refund is not None:
            payload["refund"] = {"entity": refund}
        if payment is not None:
            payload["payment"] = {"entity": payment}
        if event == "order.paid" and order is not None:
            payload["order"] = {"entity": order}
        body = json.dumps({"entity": "event", "account_id": "acc_LocalStandIn0001", "event": event,
                           "contains": list(payload), "payload": payload,
                           "created_at": int(time.time())}).encode()
        return body, self.signed_headers(body, event_id=event_id, secret=secret)

    @staticmethod
    def signed_headers(body: bytes, *, event_id: str | None = None, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return {"content-type": "application/json", "x-razorpay-signature": signature,
                "x-razorpay-event-id": event_id or razorpay_id("")}

    def send_webhook(self, url: str, event: str, **kw: Any) -> tuple[int, bytes]:
        """POST the signed event to `url` (a running API's /payments/webhook); answers (status, body)."""
        body, headers = self.webhook(event, **kw)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, reply.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    # ---- the REST API ----------------------------------------------------------------------------

    def _fault(self, method: str, path: str) -> int | None:
        with self._lock:
            self.calls.append((method, path))
            if self._faults:
                return self._faults.pop(0)
        return self.down

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]
               ) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")
        if parts[:1] != ["v1"] or len(parts) < 2:
            return _error(404, "The requested URL was not found on the server.")
        with self._lock:
            return self._route(method, parts[1:], query, body)

    def _route(self, method: str, parts: list[str], query: dict[str, list[str]], body: dict[str, Any]
               ) -> tuple[int, dict[str, Any]]:
        match method, parts:
            case "POST", ["orders"]:
                return self._create_order(body)
            case "GET", ["orders"]:
                receipt = (query.get("receipt") or [None])[0]
                return 200, _collection([dict(o) for o in self.orders.values()
                                         if receipt is None or o["receipt"] == receipt])
            case "GET", ["orders", order_id]:
                return (200, dict(self.orders[order_id])) if order_id in self.orders else _missing()
            case "GET", ["orders", order_id, "payments"]:
                if order_id not in self.orders:
                    return _missing()
                return 200, _collection([dict(p) for p in self.payments.values() if p["order_id"] == order_id])
            case "GET", ["payments", payment_id]:
                return (200, dict(self.payments[payment_id])) if payment_id in self.payments else _missing()
            case "POST", ["payments", payment_id, "capture"]:
                return self._capture(payment_id, body)
            case "POST", ["payments", payment_id, "refund"]:
                return self._refund(payment_id, body)
            case "GET", ["payments", payment_id, "refunds"]:
                if payment_id not in self.payments:
                    return _missing()
                return 200, _collection([dict(r) for r in self.refunds.values() if r["payment_id"] == payment_id])
            case "GET", ["refunds", refund_id]:
                return (200, dict(self.refunds[refund_id])) if refund_id in self.refunds else _missing()
        return _error(404, "The requested URL was not found on the server.")

    def _create_order(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        amount, currency, receipt = body.get("amount"), body.get("currency"), body.get("receipt")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 100:
            return _error(400, "The amount must be atleast INR 1.00")
        if not isinstance(currency, str) or len(currency) != 3:
            return _error(400, "The currency field is invalid.")
        if receipt is not None and (not isinstance(receipt, str) or len(receipt) > 40):
            return _error(400, "The receipt may not be greater than 40 characters.")
        notes = body.get("notes") or {}
        if not isinstance(notes, dict) or len(notes) > 15:
            return _error(400, "The notes field is invalid.")
        order = {"id": razorpay_id("order_"), "entity": "order", "amount": amount, "amount_paid": 0,
                 "amount_due": amount, "currency": currency, "receipt": receipt, "offer_id": None,
                 "status": "created", "attempts": 0, "notes": notes, "created_at": int(time.time())}
        self.orders[order["id"]] = order
        return 200, dict(order)

    def _capture(self, payment_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        payment = self.payments.get(payment_id)
        if payment is None:
            return _missing()
        if payment["status"] == "captured":
            return _error(400, "This payment has already been captured")
        if payment["status"] != "authorized":
            return _error(400, "Only payments which have been authorized and not yet captured can be captured")
        if body.get("amount") != payment["amount"] or body.get("currency", payment["currency"]) != payment["currency"]:
            return _error(400, "Capture amount must be equal to the amount authorized")
        payment.update(status="captured", captured=True)
        order = self.orders[payment["order_id"]]
        order.update(status="paid", amount_paid=payment["amount"], amount_due=0)
        return 200, dict(payment)

    def _refund(self, payment_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        payment = self.payments.get(payment_id)
        if payment is None:
            return _missing()
        if payment["status"] != "captured":
            return _error(400, "The payment has not been captured")
        left = payment["amount"] - payment["amount_refunded"]
        amount = body.get("amount", left)
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 100:
            return _error(400, "The amount must be atleast INR 1.00")
        if amount > left:
            return _error(400, "The total refund amount is greater than the refund payment amount")
        refund = {"id": razorpay_id("rfnd_"), "entity": "refund", "amount": amount, "currency": payment["currency"],
                  "payment_id": payment_id, "notes": body.get("notes") or {}, "receipt": body.get("receipt"),
                  "status": self.new_refund_status, "speed_processed": "normal", "speed_requested": "normal",
                  "created_at": int(time.time())}
        self.refunds[refund["id"]] = refund
        payment["amount_refunded"] += amount
        payment["refund_status"] = "full" if payment["amount_refunded"] == payment["amount"] else "partial"
        return 200, dict(refund)

    def checkout(self, method: str, parts: list[str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The control API (`/_checkout/...`): Checkout's pay and fail, and Razorpay sending a webhook."""
        match method, parts:
            case "POST", ["orders", order_id, ("pay" | "fail") as action]:
                if order_id not in self.orders:
                    return _missing()
                if action == "fail":
                    return 200, self.fail(order_id)
                return 200, self.pay(order_id, capture=bool(body.get("capture", True)), amount=body.get("amount"),
                                     currency=body.get("currency"))
            case "POST", ["webhooks"]:
                payment_id = body.get("payment_id")
                if payment_id not in self.payments or not isinstance(body.get("url"), str):
                    return _error(400, "A webhook needs a url and a payment_id this stand-in made")
                status, answer = self.send_webhook(body["url"], str(body.get("event")), payment_id=payment_id)
                return 200, {"status": status, "body": answer.decode(errors="replace")}
        return _error(404, "The requested URL was not found on the server.")

    def authorised(self, header: str | None) -> bool:
        expected = "Basic " + base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
        return hmac.compare_digest((header or "").encode(), expected.encode())


def _missing() -> tuple[int, dict[str, Any]]:
    return _error(400, "The id provided does not exist")


def _handler_for(stand_in: RazorpayStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            split = urlsplit(self.path)
            if split.path.startswith("/_checkout/"):  # the customer's and Razorpay's side: never faulted
                self._control(method, split.path, raw)
                return
            injected = stand_in._fault(method, split.path)
            if injected is not None:
                self._answer(*_error(injected, "injected failure"))
                return
            if not stand_in.authorised(self.headers.get("authorization")):
                self._answer(*_error(401, "Authentication failed"))
                return
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                self._answer(*_error(400, "The request body is not valid JSON"))
                return
            self._answer(*stand_in.handle(method, split.path, parse_qs(split.query),
                                          body if isinstance(body, dict) else {}))

        def _control(self, method: str, path: str, raw: bytes) -> None:
            if not stand_in.authorised(self.headers.get("authorization")):
                self._answer(*_error(401, "Authentication failed"))
                return
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = None
            if not isinstance(body, dict):
                self._answer(*_error(400, "The request body is not a JSON object"))
                return
            self._answer(*stand_in.checkout(method, path.strip("/").split("/")[1:], body))

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler
