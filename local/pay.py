"""`python -m local pay ORDER_ID [--fail | --late | --webhook-only | --verify-only]`: the customer's Razorpay
Checkout, played against a running `make run`, so every road of an online payment can be tried by hand.

As the demo customer (`local.server.session_token`) it reads the order's `payment` object (waiting for the saga
to price the order), makes the payment at the Razorpay stand-in through its control API (`/_checkout/...`,
local/razorpay.py; its URL is in .local/stack.json), then completes it the two ways a real payment is:
`POST /payments/verify` with Checkout's signature (the client's road) and the signed `payment.captured`
webhook the stand-in POSTs to `/payments/webhook` (Razorpay's road). Either alone completes the payment; both
(the default) complete it once. `--fail` plays a declined attempt (Checkout would let the customer retry: the
order fails at `expires_at`); `--late` waits until the order has failed for want of a payment, then pays
(the payment is captured and flagged for an automatic refund). One line per step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from local.razorpay import KEY_ID, KEY_SECRET

MODES = ("both", "fail", "late", "webhook-only", "verify-only")
PRICED_TIMEOUT_S = 30.0  # the saga prices an order in well under a second locally
PLACED_TIMEOUT_S = 30.0


class PayFailed(RuntimeError):
    """A step answered something other than what playing Checkout expects."""


@dataclass
class Checkout:
    """Razorpay Checkout and Razorpay's webhook sender, as the stand-in's control API plays them."""

    razorpay_url: str

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = httpx.post(f"{self.razorpay_url}/_checkout/{path}", json=body, auth=(KEY_ID, KEY_SECRET), timeout=30)
        if reply.status_code != 200:
            raise PayFailed(f"the Razorpay stand-in answered {reply.status_code} to {path}: {reply.text[:300]}")
        return dict(reply.json())

    def pay(self, razorpay_order_id: str, *, capture: bool = True) -> dict[str, Any]:
        """A successful payment: Checkout's `razorpay_order_id`, `razorpay_payment_id`, `razorpay_signature`."""
        return self._post(f"orders/{razorpay_order_id}/pay", {"capture": capture})

    def fail(self, razorpay_order_id: str) -> dict[str, Any]:
        return self._post(f"orders/{razorpay_order_id}/fail", {})

    def send_webhook(self, webhook_url: str, event: str, payment_id: str) -> tuple[int, str]:
        """Razorpay's signed event POSTed to the API's webhook: (its status, its body)."""
        sent = self._post("webhooks", {"url": webhook_url, "event": event, "payment_id": payment_id})
        return int(sent["status"]), str(sent["body"])


def verify_body(order_id: str, paid: dict[str, Any]) -> dict[str, Any]:
    return {"order_id": order_id, "razorpay_order_id": paid["razorpay_order_id"],
            "razorpay_payment_id": paid["razorpay_payment_id"], "razorpay_signature": paid["razorpay_signature"]}


def wait_for_order(api: httpx.Client, order_id: str, until: Callable[[dict[str, Any]], bool], timeout: float
                   ) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        reply = api.get(f"/orders/{order_id}")
        if reply.status_code != 200:
            raise PayFailed(f"GET /orders/{order_id} answered {reply.status_code}: {reply.text[:300]}")
        order = dict(reply.json())
        if until(order):
            return order
        if time.monotonic() > deadline:
            raise PayFailed(f"order {order_id} is still {order['status']} after {timeout:.0f}s")
        time.sleep(0.25)


def _seconds_until(expires_at: str) -> float:
    return (datetime.fromisoformat(expires_at.replace("Z", "+00:00")) - datetime.now(UTC)).total_seconds()


def play(api_url: str, razorpay_url: str, token: str, order_id: str, mode: str = "both",
         say: Callable[[str], None] = print) -> dict[str, Any]:
    """Play Checkout for `order_id` in `mode` (one of MODES); the order as it ends up."""
    checkout = Checkout(razorpay_url)
    with httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        order = wait_for_order(api, order_id, lambda o: bool(o.get("payment")) or o["status"] != "PENDING",
                               PRICED_TIMEOUT_S)
        payment = order.get("payment")
        if not payment:
            raise PayFailed(f"order {order_id} has no payment to make ({order['status']}, "
                            f"payment_method {order['payment_method']})")
        say(f"order {order_id}: {order['status']}, pay {payment['amount']} paise at Razorpay order "
            f"{payment['razorpay_order_id']} before {payment['expires_at']}")
        if mode == "fail":
            failed = checkout.fail(payment["razorpay_order_id"])
            say(f"Checkout: payment {failed['id']} failed ({failed['error_description']})")
            status, body = checkout.send_webhook(f"{api_url}/payments/webhook", "payment.failed", failed["id"])
            say(f"Razorpay -> POST /payments/webhook payment.failed: {status} {body}")
            say(f"the customer may retry until {payment['expires_at']}; then the order fails PAYMENT_FAILED")
            return order
        if mode == "late":
            say(f"waiting for the order to fail unpaid (about {max(0.0, _seconds_until(payment['expires_at'])):.0f}s)")
            order = wait_for_order(api, order_id, lambda o: o["status"] != "PENDING",
                                   _seconds_until(payment["expires_at"]) + PLACED_TIMEOUT_S)
            say(f"order {order_id}: {order['status']} {order.get('reason') or ''}".rstrip())
        paid = checkout.pay(payment["razorpay_order_id"])
        say(f"Checkout: payment {paid['razorpay_payment_id']} captured, signature {paid['razorpay_signature'][:12]}...")
        if mode != "webhook-only":
            reply = api.post("/payments/verify", json=verify_body(order_id, paid))
            verified = reply.json() if reply.status_code == 200 else None
            shown = (f"{verified['status']}, captured {verified['captured']}, refund_due "
                     f"{str(verified['refund_due']).lower()}") if verified else reply.text[:300]
            say(f"POST /payments/verify: {reply.status_code} {shown}")
        if mode != "verify-only":
            status, body = checkout.send_webhook(f"{api_url}/payments/webhook", "payment.captured",
                                                 paid["razorpay_payment_id"])
            say(f"Razorpay -> POST /payments/webhook payment.captured: {status} {body}")
        if mode != "late":
            order = wait_for_order(api, order_id, lambda o: o["status"] != "PENDING", PLACED_TIMEOUT_S)
        say(f"order {order_id}: {order['status']}" + (f" {order['reason']}" if order.get("reason") else ""))
        return order
