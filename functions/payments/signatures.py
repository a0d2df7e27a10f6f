"""Razorpay's two signatures, checked in constant time. No I/O: the secrets are passed in.

- Checkout's: HMAC-SHA256 of `razorpay_order_id|razorpay_payment_id` with the API key secret, hex.
- A webhook's (`X-Razorpay-Signature`): HMAC-SHA256 of the raw request body, byte for byte, with the webhook
  secret, hex. The body is never re-serialised before checking: one changed byte is a different signature.
"""

from __future__ import annotations

import hashlib
import hmac


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def checkout_signature(key_secret: str, razorpay_order_id: str, razorpay_payment_id: str) -> str:
    return hmac_hex(key_secret, f"{razorpay_order_id}|{razorpay_payment_id}".encode())


def checkout_signature_valid(key_secret: str, razorpay_order_id: str, razorpay_payment_id: str,
                             signature: str) -> bool:
    expected = checkout_signature(key_secret, razorpay_order_id, razorpay_payment_id)
    return hmac.compare_digest(expected.encode(), signature.encode())


def webhook_signature_valid(webhook_secret: str, raw_body: bytes, signature: str | None) -> bool:
    if not signature or not webhook_secret:
        return False
    return hmac.compare_digest(hmac_hex(webhook_secret, raw_body).encode(), signature.encode())
