"""The notifications tests: the local gateway over loopback HTTP (the consumer calls auth's internal routes
through it, as in AWS through the HttpApi), the stack's queue pump and its Resend and FCM receivers."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.integration.cart.conftest import Served, served  # noqa: F401 (the cart tests' gateway fixture)
from tests.integration.conftest import User, confirm_email

_tokens = itertools.count(1)


@pytest.fixture(autouse=True)
def _notifications_clients(served: Served, api: Any, project_stack: Any) -> Iterator[None]:  # noqa: F811
    from blinkit import aws, upstreams
    from blinkit.settings import get_settings
    from notifications import upstream
    from notifications.channels import email, push

    os.environ["AUTH_SERVICE_URL"] = served.url
    get_settings.cache_clear()

    def reset() -> None:
        upstreams.reset()
        upstream.forget_contacts()
        aws.reset()
        email.reset()
        push.reset()
        project_stack.receivers.reset()
        _purge(project_stack)

    reset()
    yield
    reset()


def _purge(stack: Any) -> None:
    """Empty both queues (PurgeQueue is allowed once a minute, so receive and delete instead)."""
    sqs = boto3.client("sqs")
    for name in ("NotificationsQueue", "NotificationsDeadLetterQueue"):
        url = stack.resources.queues[name]["url"]
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                break
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])


@pytest.fixture
def receivers(project_stack: Any) -> Any:
    return project_stack.receivers


def queue_url(stack: Any, name: str = "NotificationsQueue") -> str:
    return str(stack.resources.queues[name]["url"])


def send(stack: Any, *messages: dict[str, Any] | str) -> None:
    sqs = boto3.client("sqs")
    for message in messages:
        body = message if isinstance(message, str) else json.dumps(message)
        sqs.send_message(QueueUrl=queue_url(stack), MessageBody=body)


def pump(stack: Any, passes: int = 1) -> Any:
    """Deliver what is on the queue: `passes` polls (each delivers at most one batch of 10)."""
    total = None
    for _ in range(passes):
        stats = stack.pump.run_once()
        if total is None:
            total = stats
        else:
            total.add(stats)
    return total


def drain(stack: Any) -> Any:
    return stack.pump.drain()


def queued(stack: Any, name: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    found = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url(stack, name), MaxNumberOfMessages=10,
                                  VisibilityTimeout=60).get("Messages", [])
        if not got:
            return found
        found.extend(_body(m["Body"]) for m in got)


def _body(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def with_contact(api: Any, user: User, *, email: str | None = "asha@example.com", devices: int = 1) -> list[str]:
    """Give the user a confirmed email (set, then confirmed through the link sent to it) and `devices` push
    tokens; returns the tokens."""
    if email:
        confirm_email(api, user, email)
    tokens = []
    for _ in range(devices):
        token = f"fcm-test-token-{next(_tokens):06d}-{user.uid[:8]}"
        reply = api.post("/users/me/devices", {"token": token, "platform": "android"}, token=user.session_token)
        assert reply.status == 201, reply.body
        tokens.append(token)
    return tokens


def order_message(user: User, status: str = "PLACED", *, key: str | None = None, **data: Any) -> dict[str, Any]:
    order_id = "ord_01JK8ZB2D4F6H8K0M2P4R6T8V0"
    body = {"order_id": order_id, "status": status, "store_id": "sto_01JK8Z1A3C5E7G9J1K3M5P7R9T", "total": 27400,
            "items": [{"product_id": "prd_01JK8Z6S8V0X2Z4B6D8F0H2K4M", "name": "Amul Taaza Toned Milk 500 ml",
                       "quantity": 2, "unit_price": 2700, "line_total": 5400},
                      {"product_id": "prd_01JK8Z7T9W1Y3A5C7E9G1J3K5N", "name": "Alphonso Mango 1 kg",
                       "quantity": 1, "unit_price": 21600, "line_total": 21600}],
            "bill": [{"code": "item_total", "label": "Item total", "amount": 27000},
                     {"code": "handling_fee", "label": "Handling fee", "amount": 400}], **data}
    return {"type": f"order.{status.lower()}", "user_id": user.uid, "data": body,
            "idempotency_key": key or f"{order_id}:{status}:{user.uid}", "correlation_id": "req-test"}


def inbox(api: Any, user: User, query: str = "") -> dict[str, Any]:
    reply = api.get("/notifications", token=user.session_token, query=query)
    assert reply.status == 200, reply.body
    return dict(reply.json())
