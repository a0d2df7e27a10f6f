"""Signed-in users for the auth integration tests."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

_phones = itertools.count(9000000001)


@dataclass
class User:
    uid: str
    id_token: str
    session_token: str
    session_id: str
    phone: str


def sign_up_and_login(api: Any, firebase: Any, *, device: str = "Pixel 8", platform: str = "android") -> User:
    phone = f"+91{next(_phones)}"
    uid, id_token = firebase.sign_in_with_phone(phone)
    reply = api.post("/auth/login", {"id_token": id_token, "device": {"name": device, "platform": platform}})
    assert reply.status == 201, reply.body
    body = reply.json()
    return User(uid, id_token, body["session_token"], body["session_id"], phone)


def login_again(api: Any, user: User, device: str) -> str:
    reply = api.post("/auth/login", {"id_token": user.id_token, "device": {"name": device, "platform": "ios"}})
    assert reply.status == 201, reply.body
    return reply.json()["session_token"]


def take_confirmation(user: User, address: str) -> dict[str, Any]:
    """Take the `email.verify` message sent for `address` off the notifications queue (other messages stay on
    it, visible at once) and answer its data, with `token` parsed from its link."""
    import boto3

    from blinkit.settings import get_settings

    sqs, url = boto3.client("sqs"), get_settings().notifications_queue_url
    for _ in range(10):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get("Messages", [])
        found = None
        for message in got:
            body = json.loads(message["Body"])
            if (body.get("type"), body.get("user_id"), body.get("data", {}).get("email")) == (
                    "email.verify", user.uid, address) and found is None:
                found = body
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            else:
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                              VisibilityTimeout=0)
        if found is not None:
            token = parse_qs(urlsplit(found["data"]["link"]).query)["token"][0]
            return {**found["data"], "token": token}
    raise AssertionError(f"no confirmation link was sent to {address}")


def confirm_email(api: Any, user: User, address: str) -> None:
    """Give the user a confirmed email the way a person does: set it, open the link sent to it."""
    reply = api.patch("/users/me", {"email": address}, token=user.session_token)
    assert reply.status == 200 and reply.json()["pending_email"] == address, reply.body
    token = take_confirmation(user, address)["token"]
    confirmed = api.post("/users/me/email/verify", {"token": token}, token=user.session_token)
    assert confirmed.status == 200 and confirmed.json()["email"] == address, confirmed.body


@pytest.fixture
def customer(api: Any, firebase: Any) -> User:
    return sign_up_and_login(api, firebase)


@pytest.fixture
def other_customer(api: Any, firebase: Any) -> User:
    return sign_up_and_login(api, firebase, device="iPhone 15", platform="ios")


@pytest.fixture
def admin(api: Any, firebase: Any) -> User:
    """A user made admin the way an operator would bootstrap the first one: directly in the table."""
    from auth import store

    user = sign_up_and_login(api, firebase)
    store.update_user(user.uid, store.UserRecord.get(store.user_pk(user.uid), store.PROFILE).updated_at,
                      roles=["admin"])
    user.session_token = login_again(api, user, "Admin laptop")
    return user
