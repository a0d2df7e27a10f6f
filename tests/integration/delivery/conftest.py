"""The delivery tests: the orders tests' loopback gateway (delivery → orders' and auth's internal routes, and
products' stores, go over real HTTP), a loopback Supabase receiver, and cheap helpers: partners registered
through the API, orders written straight into the orders table in PACKED state, and the assignment job run
on a Lambda-shaped SQS event."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import redis

from tests.integration.cart.conftest import Served, _fresh_clients, served  # noqa: F401
from tests.integration.conftest import User, sign_up_and_login
from tests.integration.orders.conftest import _orders_clients, shop  # noqa: F401
from tests.integration.products_helpers import HOME, make_staff, make_store

STORE_AT = HOME  # the store; the customer lives ~1.5 km north-east of it
DROP = {"label": "Home", "line1": "221, 12th Main, HAL 2nd Stage", "city": "Bengaluru", "pincode": "560008",
        "lat": HOME[0] + 0.010, "lng": HOME[1] + 0.008}


@pytest.fixture(autouse=True)
def _delivery_clients(served: Served, project_stack: Any) -> Iterator[None]:  # noqa: F811
    import os

    from blinkit import aws, upstreams
    from blinkit.settings import get_settings
    from delivery import realtime, upstream

    def reset() -> None:
        upstreams.reset()
        aws.reset()
        upstream.forget_stores()
        realtime.reset()

    os.environ["ORDERS_SERVICE_URL"] = served.url
    os.environ.update(project_stack.supabase.environment())
    get_settings.cache_clear()
    reset()
    project_stack.supabase.reset()
    yield
    project_stack.supabase.reset()
    reset()


@dataclass
class Partner:
    user: User
    uid: str

    @property
    def token(self) -> str:
        return self.user.session_token


@pytest.fixture
def store_id(api: Any, admin: User) -> str:
    return str(make_store(api, admin, lat=STORE_AT[0], lng=STORE_AT[1])["store_id"])


def register_partner(api: Any, firebase: Any, admin: User, store_id: str, *, name: str = "Imran Khan",
                     vehicle: str = "Honda Activa KA01AB1234", available: bool = True,
                     at: tuple[float, float] | None = None) -> Partner:
    user = sign_up_and_login(api, firebase)
    body = {"uid": user.uid, "name": name, "phone": "+919812345678", "vehicle": vehicle, "store_id": store_id}
    reply = api.post("/delivery/partners", body, token=admin.session_token)
    assert reply.status == 201, reply.body
    partner = Partner(user, user.uid)
    if available:
        reply = api.patch("/delivery/partners/me/status", {"status": "available"}, token=partner.token)
        assert reply.status == 200, reply.body
    if at is not None:  # a minute old, so a test's own fixes are newer
        assert post_location(api, partner, *at, seconds_ago=60).status == 200
    return partner


def fix(y: float, x: float, *, seconds_ago: float = 0.0, **extra: Any) -> dict[str, Any]:
    when = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    return {"lat": y, "lng": x, "accuracy_m": 6.0, "heading": 45.0, "speed_kmph": 20.0,
            "recorded_at": when.isoformat(timespec="milliseconds"), **extra}


def open_gate(redis_url: str | None, uid: str) -> None:
    """Forget the 1/s gate so a test can post the next fix at once."""
    from blinkit.redis_client import get_redis

    (redis.Redis.from_url(redis_url) if redis_url else get_redis()).delete(f"delivery:loc-gate:{uid}")


def post_location(api: Any, partner: Partner, lat: float, lng: float, **kw: Any) -> Any:
    open_gate(None, partner.uid)
    return api.post("/delivery/partners/me/location", fix(lat, lng, **kw), token=partner.token)


def packed_order(customer: User, store_id: str, *, drop: dict[str, Any] = DROP, otp: str = "4821",
                 status: str = "PACKED") -> str:
    """An order as the saga and staff leave it (PACKED, or the earlier `status` CONFIRMED for a test that packs it
    through the route), written straight into the orders table."""
    from blinkit.clock import now_iso
    from blinkit.ids import new_id
    from orders.store import OrderRecord, order_pk

    now = now_iso()
    order_id = new_id("ord_")
    statuses = ("PENDING", "PLACED", "CONFIRMED", "PACKED")
    history = [{"status": s, "at": now, "actor": "test"} for s in statuses[:statuses.index(status) + 1]]
    OrderRecord(pk=order_pk(order_id), order_id=order_id, user_id=customer.uid, store_id=store_id,
                address={**drop, "address_id": "adr_" + "0" * 26}, items=[], bill=[], item_total=10000, total=10000,
                status=status, version=len(history), status_history=history, delivery_otp=otp,
                eta={"min": 10, "max": 15}, created_at=now, updated_at=now).save()
    return order_id


def assignment_message(order_id: str, **over: Any) -> dict[str, Any]:
    from orders import service as orders_service
    from orders.store import get_order

    order = get_order(order_id)
    assert order is not None
    return {**orders_service.status_message(order), **over}


def sqs_event(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"Records": [{"messageId": str(uuid.uuid4()), "receiptHandle": "rh", "body": json.dumps(m),
                         "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:ap-south-1:123456789012:DeliveryAssignmentQueue",
                         "awsRegion": "ap-south-1"} for m in messages]}


def run_assignment(stack: Any, *messages: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = stack.functions.invoke("AssignPartnerFunction", sqs_event(*messages))
    return result


def assign(stack: Any, order_id: str) -> None:
    assert run_assignment(stack, assignment_message(order_id)) == {"batchItemFailures": []}


def queue_url(stack: Any, name: str) -> str:
    return str(stack.resources.queues[name]["url"])


def drain(stack: Any, name: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url, found = queue_url(stack, name), []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return found
        for m in got:
            found.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def delayed_count(stack: Any, name: str) -> int:
    attrs = boto3.client("sqs").get_queue_attributes(QueueUrl=queue_url(stack, name),
                                                     AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"])


def purge(stack: Any, *names: str) -> None:
    """Empty queues of their visible messages (PurgeQueue allows one call a minute)."""
    for name in names:
        drain(stack, name)


@pytest.fixture
def staff_of(api: Any, firebase: Any) -> Any:
    return lambda store_id: make_staff(api, firebase, store_id)
