"""payments.signatures agrees with the official Razorpay SDK's own checks, and refuses near misses."""

from __future__ import annotations

import pytest
import razorpay
from razorpay.errors import SignatureVerificationError

from payments.signatures import checkout_signature, checkout_signature_valid, hmac_hex, webhook_signature_valid

SECRET = "test_secret_0123456789"
SDK = razorpay.Client(auth=("rzp_test_key", SECRET))  # no request is made: the utility only computes HMACs


@pytest.mark.parametrize(("order_id", "payment_id"), [("order_Q7hT2mK9pXw4Lc", "pay_Q7hT5nR2sYv8Md"),
                                                      ("order_A", "pay_B"), ("", "")])
def test_checkout_signatures_match_the_sdks(order_id: str, payment_id: str) -> None:
    signature = checkout_signature(SECRET, order_id, payment_id)
    assert SDK.utility.verify_payment_signature({"razorpay_order_id": order_id, "razorpay_payment_id": payment_id,
                                                 "razorpay_signature": signature})
    assert checkout_signature_valid(SECRET, order_id, payment_id, signature)
    assert not checkout_signature_valid(SECRET + "x", order_id, payment_id, signature)
    assert not checkout_signature_valid(SECRET, payment_id, order_id, signature) or order_id == payment_id
    assert not checkout_signature_valid(SECRET, order_id, payment_id, signature.upper())


def test_webhook_signatures_match_the_sdks_and_cover_every_byte() -> None:
    body = '{"event":"payment.captured","payload":{"payment":{"entity":{"amount":10300}}}}'
    signature = hmac_hex(SECRET, body.encode())
    assert SDK.utility.verify_webhook_signature(body, signature, SECRET)
    assert webhook_signature_valid(SECRET, body.encode(), signature)
    for changed in (body.replace("10300", "10301"), body + "\n", body[:-1], " " + body):
        assert not webhook_signature_valid(SECRET, changed.encode(), signature)
        with pytest.raises(SignatureVerificationError):
            SDK.utility.verify_webhook_signature(changed, signature, SECRET)


@pytest.mark.parametrize("signature", [None, "", "0" * 64, "not-hex", "a" * 1000])
def test_a_missing_or_wrong_webhook_signature_is_refused(signature: str | None) -> None:
    assert not webhook_signature_valid(SECRET, b"{}", signature)


def test_no_webhook_secret_refuses_everything() -> None:
    assert not webhook_signature_valid("", b"{}", hmac_hex("", b"{}"))
