"""The payments tests: the real template on moto with the Razorpay stand-in (local/razorpay.py) on loopback,
reached by the real SDK; payments made by the CreatePayment job, paid the way Checkout pays, and settled
through the routes (verify) and signed webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from blinkit.ids import new_id
from local.razorpay import RazorpayStandIn
from local.stack import LocalStack

AMOUNT = 10300  # paise: the sample bill's total


@pytest.fixture(autouse=True)
def _fresh_payments_clients(project_stack: LocalStack) -> Iterator[None]:
    """A Razorpay client and breaker built per test (tests change the stand-in's state and faults)."""
    from blinkit import aws
    from payments import razorpay_api

    razorpay_api.reset()
    aws.reset()
    project_stack.razorpay.reset()
    yield
    project_stack.razorpay.reset()
    razorpay_api.reset()


@pytest.fixture
def razorpay(project_stack: LocalStack) -> RazorpayStandIn:
    return project_stack.razorpay


@dataclass
class Payment:
    order_id: str
    user_id: str
    razorpay_order_id: str
    checkout: dict[str, Any]


def create_payment(stack: LocalStack, user_id: str, *, amount: int = AMOUNT, order_id: str | None = None
                   ) -> Payment:
    """What the saga's CreatePayment step does for an online order (the job function, invoked as Lambda)."""
    order_id = order_id or new_id("ord_")
    assert stack.functions is not None
    checkout = stack.functions.invoke("CreatePaymentFunction", {
        "order_id": order_id, "user_id": user_id, "amount": amount, "currency": "INR",
        "correlation_id": f"test-{order_id}"})
    return Payment(order_id, user_id, checkout["razorpay_order_id"], checkout)


def verify_body(payment: Payment, paid: dict[str, Any]) -> dict[str, Any]:
    return {"order_id": payment.order_id, "razorpay_order_id": paid["razorpay_order_id"],
            "razorpay_payment_id": paid["razorpay_payment_id"], "razorpay_signature": paid["razorpay_signature"]}


def send_webhook(api: Any, razorpay: RazorpayStandIn, event: str, **kw: Any) -> Any:
    body, headers = razorpay.webhook(event, **kw)
    return api.post("/payments/webhook", raw=body, headers=headers)


def ledger(order_id: str) -> list[tuple[str, str, int]]:
    """(kind, ref, amount) of the payment's ledger entries."""
    from payments import store

    return sorted((e.kind, e.ref, int(e.amount)) for e in store.ledger(order_id))


def payment_row(order_id: str) -> Any:
    from payments import store

    found = store.get_payment(order_id)
    assert found is not None
    return found


# Refunds: the refunds queue delivered by the stack's pump to RefundWorkerFunction only (the notifications
# queue is left alone, so its messages can be read as they were sent).


def take(stack: LocalStack, name: str) -> list[dict[str, Any]]:
    """Receive and delete every message on a queue; their JSON bodies."""
    import json

    import boto3

    sqs, url, found = boto3.client("sqs"), stack.resources.queues[name]["url"], []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return found
        for message in got:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture(autouse=True)
def _empty_refund_queues(project_stack: LocalStack) -> Iterator[None]:
    from blinkit.settings import get_settings

    for name in ("RefundsQueue", "RefundsDeadLetterQueue", "NotificationsQueue"):
        take(project_stack, name)
    yield
    get_settings.cache_clear()  # a test's monkeypatched settings (restored in os.environ) go with it


def pump_refunds(stack: LocalStack) -> Any:
    """One poll of RefundsQueue delivered to RefundWorkerFunction, as Lambda's event source mapping does."""
    import copy

    assert stack.pump is not None
    pump = copy.copy(stack.pump)
    pump.subscriptions = [s for s in stack.pump.subscriptions if s.function_id == "RefundWorkerFunction"]
    return pump.run_once()


def drain_refunds(stack: LocalStack, passes: int = 10) -> int:
    """Poll until the refunds queue is empty; the number of messages delivered."""
    delivered = 0
    for _ in range(passes):
        stats = pump_refunds(stack)
        delivered += stats.received
        if stats.received == 0:
            break
    return delivered


def refund_row(order_id: str, refund_id: str) -> Any:
    from payments import store

    found = store.get_refund(order_id, refund_id)
    assert found is not None
    return found


def captured(api: Any, stack: LocalStack, razorpay: RazorpayStandIn, user_id: str, *, amount: int = AMOUNT,
             order_id: str | None = None) -> tuple[Payment, str]:
    """A payment made by CreatePayment, paid in Checkout and captured through the signed webhook."""
    payment = create_payment(stack, user_id, amount=amount, order_id=order_id)
    paid = razorpay.pay(payment.razorpay_order_id)
    assert send_webhook(api, razorpay, "payment.captured", payment_id=paid["razorpay_payment_id"]).status == 200
    take(stack, "NotificationsQueue")
    return payment, paid["razorpay_payment_id"]
