"""Signed-in users for the auth integration tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

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
