"""Every payments route's bad input: shapes, types, sizes, sessions, roles and other users' orders; the
webhook never answers 5xx for what a caller sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.razorpay import RazorpayStandIn
from tests.integration.conftest import User
from tests.integration.payments.conftest import create_payment, payment_row, verify_body

OVERSIZED = 17 * 1024  # over MAX_BODY_BYTES (16 KiB)


@pytest.fixture
def paid(project_stack: Any, customer: User, razorpay: RazorpayStandIn) -> tuple[Any, dict[str, Any]]:
    payment = create_payment(project_stack, customer.uid)
    return payment, razorpay.pay(payment.razorpay_order_id)


def _problem(reply: Any, status: int) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = reply.json()
    return body


@pytest.mark.parametrize("field", ["order_id", "razorpay_order_id", "razorpay_payment_id", "razorpay_signature"])
def test_verify_refuses_a_missing_field(api: Any, customer: User, paid: Any, field: str) -> None:
    body = verify_body(*paid)
    del body[field]
    errors = _problem(api.post("/payments/verify", body, token=customer.session_token), 422)["errors"]
    assert any(field in json.dumps(error) for error in errors)


@pytest.mark.parametrize(("field", "value"), [
    ("order_id", 12345), ("order_id", "ord_short"), ("order_id", None),
    ("razorpay_order_id", "order_"), ("razorpay_order_id", ["order_Q7hT2mK9pXw4Lc"]),
    ("razorpay_payment_id", "pay_Q7hT5nR2sYv8Md\n"), ("razorpay_payment_id", 7),
    ("razorpay_signature", "A" * 64), ("razorpay_signature", "ab" * 33), ("razorpay_signature", True),
])
def test_verify_refuses_wrong_types_and_shapes(api: Any, customer: User, paid: Any, field: str, value: Any) -> None:
    body = {**verify_body(*paid), field: value}
    _problem(api.post("/payments/verify", body, token=customer.session_token), 422)
    assert payment_row(paid[0].order_id).status == "created"


def test_verify_refuses_unknown_fields_malformed_json_and_oversized_bodies(api: Any, customer: User,
                                                                          paid: Any) -> None:
    extra = {**verify_body(*paid), "amount": 1}
    _problem(api.post("/payments/verify", extra, token=customer.session_token), 422)
    _problem(api.post("/payments/verify", raw=b'{"order_id": ', token=customer.session_token), 400)
    _problem(api.post("/payments/verify", [verify_body(*paid)], token=customer.session_token), 422)
    big = {**verify_body(*paid), "padding": "x" * OVERSIZED}
    _problem(api.post("/payments/verify", big, token=customer.session_token), 413)


def test_verify_needs_a_valid_session(api: Any, paid: Any) -> None:
    no_token = api.post("/payments/verify", verify_body(*paid))
    assert no_token.status == 401
    bad = api.post("/payments/verify", verify_body(*paid), token="bks_not-a-real-session-token")
    assert bad.status == 401
    assert payment_row(paid[0].order_id).status == "created"


def test_verify_is_for_customers(api: Any, admin: User, paid: Any) -> None:
    _problem(api.post("/payments/verify", verify_body(*paid), token=admin.session_token), 403)
    assert payment_row(paid[0].order_id).status == "created"


def test_another_users_order_and_an_unknown_order_are_404(api: Any, other_customer: User, customer: User,
                                                          paid: Any) -> None:
    body = verify_body(*paid)  # valid in every way, but the order is `customer`'s
    problem = _problem(api.post("/payments/verify", body, token=other_customer.session_token), 404)
    assert problem["type"].endswith("/unknown-payment")
    unknown = {**body, "order_id": "ord_01JK8ZB2D4F6H8K0M2P4R6T8V0"}
    _problem(api.post("/payments/verify", unknown, token=customer.session_token), 404)
    assert payment_row(paid[0].order_id).status == "created"


def test_verify_of_a_payment_razorpay_does_not_know_is_400(api: Any, customer: User, paid: Any,
                                                           razorpay: RazorpayStandIn) -> None:
    from local.razorpay import KEY_SECRET
    from payments.signatures import checkout_signature

    payment, _ = paid
    invented = "pay_InventedPay000"
    body = {"order_id": payment.order_id, "razorpay_order_id": payment.razorpay_order_id,
            "razorpay_payment_id": invented,
            "razorpay_signature": checkout_signature(KEY_SECRET, payment.razorpay_order_id, invented)}
    problem = _problem(api.post("/payments/verify", body, token=customer.session_token), 400)
    assert problem["type"].endswith("/unknown-razorpay-payment")


def test_verify_while_razorpay_is_down_is_503_and_changes_nothing(api: Any, customer: User, paid: Any,
                                                                  razorpay: RazorpayStandIn) -> None:
    razorpay.down = 503
    _problem(api.post("/payments/verify", verify_body(*paid), token=customer.session_token), 503)
    razorpay.down = None
    assert payment_row(paid[0].order_id).status == "created"


def _signed(razorpay: RazorpayStandIn, body: bytes, **kw: Any) -> dict[str, str]:
    return razorpay.signed_headers(body, **kw)


@pytest.mark.parametrize("raw", [
    b'{"event": "payment.captured", "payload": ',  # not JSON
    b'["payment.captured"]',  # JSON, not an event
    b'{"event": "payment.captured"}',  # no payload
    b'{"event": "payment.captured", "payload": {}}',  # no payment in it
    b'{"event": "payment.captured", "payload": {"payment": {"entity": {"id": "pay_Q7hT5nR2sYv8Md", '
    b'"amount": "10300", "currency": "INR", "order_id": "order_Q7hT2mK9pXw4Lc"}}}}',  # amount as text
    b'{"event": "refund.processed", "payload": {"payment": {"entity": {"id": "pay_Q7hT5nR2sYv8Md", '
    b'"amount": 10300, "currency": "INR", "order_id": "order_Q7hT2mK9pXw4Lc"}}}}',  # a refund event, no refund
    b'',
])
def test_a_signed_but_malformed_event_is_400(api: Any, raw: bytes, razorpay: RazorpayStandIn) -> None:
    problem = _problem(api.post("/payments/webhook", raw=raw, headers=_signed(razorpay, raw)), 400)
    assert problem["type"].endswith("/malformed-event")


def test_a_signed_unknown_event_is_400_and_not_remembered(api: Any, razorpay: RazorpayStandIn) -> None:
    raw = json.dumps({"event": "subscription.charged", "payload": {}}).encode()
    headers = _signed(razorpay, raw, event_id="Evt0000000001")
    problem = _problem(api.post("/payments/webhook", raw=raw, headers=headers), 400)
    assert problem["type"].endswith("/unknown-event")
    assert api.post("/payments/webhook", raw=raw, headers=headers).status == 400  # still not a "duplicate"


@pytest.mark.parametrize("event_id", [None, "", "x" * 65, "evt with spaces", "evt\u00e9"])
def test_a_missing_or_malformed_event_id_is_400(api: Any, paid: Any, razorpay: RazorpayStandIn,
                                                event_id: str | None) -> None:
    body, headers = razorpay.webhook("payment.captured", payment_id=paid[1]["razorpay_payment_id"])
    headers = {k: v for k, v in headers.items() if k != "x-razorpay-event-id"}
    if event_id is not None:
        headers["x-razorpay-event-id"] = event_id
    problem = _problem(api.post("/payments/webhook", raw=body, headers=headers), 400)
    assert problem["type"].endswith("/missing-event-id")
    assert payment_row(paid[0].order_id).status == "created"


def test_an_oversized_webhook_is_413(api: Any, razorpay: RazorpayStandIn) -> None:
    raw = json.dumps({"event": "payment.captured", "padding": "x" * OVERSIZED}).encode()
    _problem(api.post("/payments/webhook", raw=raw, headers=_signed(razorpay, raw)), 413)


def test_an_event_about_an_order_we_do_not_know_is_ignored(api: Any, razorpay: RazorpayStandIn) -> None:
    stranger = razorpay.orders.setdefault("order_NotOurs00000001", {
        "id": "order_NotOurs00000001", "entity": "order", "amount": 500, "amount_paid": 0, "amount_due": 500,
        "currency": "INR", "receipt": "elsewhere", "offer_id": None, "status": "created", "attempts": 0,
        "notes": {}, "created_at": 0})
    paid = razorpay.pay(stranger["id"])
    body, headers = razorpay.webhook("payment.captured", payment_id=paid["razorpay_payment_id"])
    reply = api.post("/payments/webhook", raw=body, headers=headers)
    assert reply.status == 200 and reply.json() == {"outcome": "ignored"}


def test_the_webhook_ignores_a_session_and_needs_its_signature(api: Any, customer: User,
                                                               razorpay: RazorpayStandIn) -> None:
    raw = b'{"event": "payment.captured", "payload": {}}'
    reply = api.post("/payments/webhook", raw=raw, token=customer.session_token)
    assert _problem(reply, 401)["type"].endswith("/invalid-signature")


def test_entities_we_do_not_read_do_not_matter(api: Any, paid: Any, razorpay: RazorpayStandIn) -> None:
    body, _ = razorpay.webhook("payment.captured", payment_id=paid[1]["razorpay_payment_id"])
    event = json.loads(body)
    event["payload"]["token"] = {"entity": {"id": "token_Q7hT2mK9pXw4Lc", "method": "upi"}}  # no amount: not read
    raw = json.dumps(event).encode()
    reply = api.post("/payments/webhook", raw=raw, headers=_signed(razorpay, raw))
    assert reply.status == 200 and reply.json() == {"outcome": "processed"}, reply.body
    assert payment_row(paid[0].order_id).status == "captured"
