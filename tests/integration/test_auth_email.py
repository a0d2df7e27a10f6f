"""A new email is confirmed before anything but its confirmation is sent there.

`PATCH /users/me` with a new email makes it `pending_email` and queues an `email.verify` message carrying a link
(`{WEB_BASE_URL}/verify-email?token=...`); `POST /users/me/email/verify {token}` confirms it: single use, 24 hours,
stored hashed. Auth's contact route (what the notifications consumer emails) answers only a confirmed address.
A verified sign-in's email (Google) is confirmed at login. (The emails themselves, through the consumer:
tests/integration/notifications/test_email_confirmation.py.)
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.conftest import User, confirm_email, login_again, take_confirmation
from tests.integration.products_helpers import assert_problem

pytestmark = pytest.mark.emulator

VERIFY = "/users/me/email/verify"


@pytest.fixture(autouse=True)
def _empty_queue(api: Any) -> None:
    """Each test starts with no message on the notifications queue (what it sends is all there is)."""
    import boto3

    from blinkit.settings import get_settings

    sqs, url = boto3.client("sqs"), get_settings().notifications_queue_url
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def me(api: Any, user: User) -> dict[str, Any]:
    reply = api.get("/users/me", token=user.session_token)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def contact_email(api: Any, user: User) -> str | None:
    reply = api.get(f"/internal/users/{user.uid}/contact")
    assert reply.status == 200, reply.body
    return reply.json()["email"]


def set_email(api: Any, user: User, address: str) -> dict[str, Any]:
    reply = api.patch("/users/me", {"email": address}, token=user.session_token)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def verify(api: Any, user: User, token: str) -> Any:
    return api.post(VERIFY, {"token": token}, token=user.session_token)


def test_a_new_email_is_pending_and_gets_only_a_confirmation_link(api: Any, customer: User) -> None:
    from auth import store

    profile = set_email(api, customer, "Asha@Example.com")
    assert (profile["email"], profile["pending_email"]) == (None, "asha@example.com")
    assert contact_email(api, customer) is None  # no order email can go there yet

    sent = take_confirmation(customer, "asha@example.com")
    assert sent["link"] == f"https://blinkit.example/verify-email?token={sent['token']}"
    record = store.get_user(customer.uid)
    assert sent["token"] not in json.dumps(record.attribute_values, default=str)  # only its hash is kept
    assert record.email_token_expires_at - record.updated_at == timedelta(hours=24)


def test_the_confirmation_message_is_an_email_only_to_the_address_itself(api: Any, customer: User) -> None:
    import boto3

    from blinkit.settings import get_settings

    set_email(api, customer, "asha@example.com")
    sqs = boto3.client("sqs")
    (message,) = sqs.receive_message(QueueUrl=get_settings().notifications_queue_url,
                                     MaxNumberOfMessages=10).get("Messages", [])
    body = json.loads(message["Body"])
    assert (body["type"], body["user_id"], body["channels"]) == ("email.verify", customer.uid, ["email"])
    assert body["data"]["email"] == "asha@example.com" and body["idempotency_key"].startswith("email.verify:")
    sqs.delete_message(QueueUrl=get_settings().notifications_queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_the_link_confirms_the_address_once(api: Any, customer: User) -> None:
    set_email(api, customer, "asha@example.com")
    token = take_confirmation(customer, "asha@example.com")["token"]

    confirmed = verify(api, customer, token)

    assert confirmed.status == 200, confirmed.body
    assert (confirmed.json()["email"], confirmed.json()["pending_email"]) == ("asha@example.com", None)
    assert contact_email(api, customer) == "asha@example.com"
    assert_problem(verify(api, customer, token), 422, "invalid-email-token")  # spent
    assert me(api, customer)["email"] == "asha@example.com"


def test_an_expired_link_is_refused_and_a_new_one_works(api: Any, customer: User) -> None:
    from auth import store
    from blinkit import clock

    set_email(api, customer, "asha@example.com")
    old = take_confirmation(customer, "asha@example.com")["token"]
    store.update_user(customer.uid, clock.now(), email_token_expires_at=clock.now() - timedelta(seconds=1))

    problem = assert_problem(verify(api, customer, old), 422, "expired-email-token")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("token", "expired-email-token")]
    assert (me(api, customer)["email"], contact_email(api, customer)) == (None, None)

    set_email(api, customer, "asha@example.com")  # the same address again: a new link
    new = take_confirmation(customer, "asha@example.com")["token"]
    assert new != old
    assert verify(api, customer, new).status == 200
    assert contact_email(api, customer) == "asha@example.com"


def test_a_newer_link_replaces_the_older_one(api: Any, customer: User) -> None:
    set_email(api, customer, "first@example.com")
    first = take_confirmation(customer, "first@example.com")["token"]
    set_email(api, customer, "second@example.com")
    second = take_confirmation(customer, "second@example.com")["token"]
    assert_problem(verify(api, customer, first), 422, "invalid-email-token")
    assert verify(api, customer, second).json()["email"] == "second@example.com"


def test_another_users_token_never_confirms_anything(api: Any, customer: User, other_customer: User) -> None:
    set_email(api, customer, "asha@example.com")
    theirs = take_confirmation(customer, "asha@example.com")["token"]
    set_email(api, other_customer, "mallory@example.com")
    take_confirmation(other_customer, "mallory@example.com")

    assert_problem(verify(api, other_customer, theirs), 422, "invalid-email-token")

    assert (me(api, other_customer)["email"], me(api, other_customer)["pending_email"]) == (
        None, "mallory@example.com")
    assert (me(api, customer)["email"], me(api, customer)["pending_email"]) == (None, "asha@example.com")
    assert verify(api, customer, theirs).status == 200  # still good for its owner


def test_a_token_without_a_pending_email_or_a_made_up_one_is_422(api: Any, customer: User) -> None:
    assert_problem(verify(api, customer, "A" * 43), 422, "invalid-email-token")
    set_email(api, customer, "asha@example.com")
    assert_problem(verify(api, customer, "A" * 43), 422, "invalid-email-token")


def test_a_confirmed_email_keeps_working_until_a_new_one_is_confirmed(api: Any, customer: User) -> None:
    confirm_email(api, customer, "asha@example.com")
    profile = set_email(api, customer, "asha.rao@example.com")
    assert (profile["email"], profile["pending_email"]) == ("asha@example.com", "asha.rao@example.com")
    assert contact_email(api, customer) == "asha@example.com"
    token = take_confirmation(customer, "asha.rao@example.com")["token"]
    assert verify(api, customer, token).json()["email"] == "asha.rao@example.com"
    assert contact_email(api, customer) == "asha.rao@example.com"


def test_going_back_to_the_confirmed_email_drops_the_pending_one_without_a_link(api: Any, customer: User) -> None:
    import boto3

    from blinkit.settings import get_settings

    confirm_email(api, customer, "asha@example.com")
    set_email(api, customer, "typo@exmaple.com")
    stale = take_confirmation(customer, "typo@exmaple.com")["token"]
    profile = set_email(api, customer, "asha@example.com")
    assert (profile["email"], profile["pending_email"]) == ("asha@example.com", None)
    queued = boto3.client("sqs").receive_message(QueueUrl=get_settings().notifications_queue_url,
                                                 MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    assert [m for m in queued if customer.uid in m["Body"]] == []  # no link sent for going back
    assert_problem(verify(api, customer, stale), 422, "invalid-email-token")


def test_removing_the_email_removes_the_confirmed_and_the_pending_one(api: Any, customer: User) -> None:
    confirm_email(api, customer, "asha@example.com")
    set_email(api, customer, "asha.rao@example.com")
    token = take_confirmation(customer, "asha.rao@example.com")["token"]
    cleared = api.patch("/users/me", {"email": None}, token=customer.session_token).json()
    assert (cleared["email"], cleared["pending_email"]) == (None, None)
    assert contact_email(api, customer) is None
    assert_problem(verify(api, customer, token), 422, "invalid-email-token")


def test_links_are_rate_limited_per_user(api: Any, customer: User, other_customer: User) -> None:
    from auth.service import EMAIL_LINKS_PER_HOUR

    for _ in range(EMAIL_LINKS_PER_HOUR):
        set_email(api, customer, "asha@example.com")  # "send it again"
    limited = api.patch("/users/me", {"email": "asha@example.com"}, token=customer.session_token)
    assert_problem(limited, 429, "rate-limited")
    assert int(limited.headers["retry-after"]) >= 1
    assert api.patch("/users/me", {"name": "Asha"}, token=customer.session_token).status == 200  # name: no link
    set_email(api, other_customer, "ravi@example.com")  # per user


# Sign-in ---------------------------------------------------------------------------------------------------


def test_a_google_sign_in_email_is_confirmed_at_sign_up(api: Any, firebase: Any) -> None:
    google = firebase.google_id_token("g-asha", email="Asha@Example.com", name="Asha Rao")
    reply = api.post("/auth/google", {"google_id_token": google, "device": {"name": "Chrome", "platform": "web"}})
    assert reply.status == 201, reply.body
    user = reply.json()["user"]
    assert (user["email"], user["pending_email"]) == ("asha@example.com", None)
    assert api.get(f"/internal/users/{user['uid']}/contact").json()["email"] == "asha@example.com"


def test_a_google_sign_in_confirms_the_same_address_left_unconfirmed(api: Any, firebase: Any) -> None:
    from auth import store
    from blinkit import clock

    google = firebase.google_id_token("g-ravi", email="ravi@example.com")
    device = {"name": "Chrome", "platform": "web"}
    uid = api.post("/auth/google", {"google_id_token": google, "device": device}).json()["user"]["uid"]
    store.update_user(uid, clock.now(), email_verified=None)  # as a profile from before verification existed
    assert api.get(f"/internal/users/{uid}/contact").json()["email"] is None

    again = api.post("/auth/google", {"google_id_token": firebase.google_id_token("g-ravi", email="ravi@example.com"),
                                      "device": device})
    assert again.status == 201 and again.json()["user"]["email"] == "ravi@example.com"
    assert api.get(f"/internal/users/{uid}/contact").json()["email"] == "ravi@example.com"


def test_an_unverified_sign_in_email_is_not_taken(api: Any, firebase: Any) -> None:
    firebase.create_user(email="unverified@example.com", password="secret-123")
    uid, id_token = firebase.sign_in_with_password("unverified@example.com", "secret-123")
    reply = api.post("/auth/login", {"id_token": id_token, "device": {"name": "Chrome", "platform": "web"}})
    assert reply.status == 201, reply.body
    assert (reply.json()["user"]["email"], reply.json()["user"]["pending_email"]) == (None, None)
    assert api.get(f"/internal/users/{uid}/contact").json()["email"] is None


def test_a_profile_email_from_before_verification_counts_as_unconfirmed(api: Any, customer: User) -> None:
    from auth import store
    from blinkit import clock

    store.update_user(customer.uid, clock.now(), email="old@example.com")  # no email_verified flag
    assert (me(api, customer)["email"], me(api, customer)["pending_email"]) == (None, "old@example.com")
    assert contact_email(api, customer) is None
    set_email(api, customer, "old@example.com")  # asking again sends the link
    assert verify(api, customer, take_confirmation(customer, "old@example.com")["token"]).status == 200
    assert contact_email(api, customer) == "old@example.com"


# Bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [{}, {"token": 12345678901234567890}, {"token": "short"}, {"token": "x" * 129},
                                  {"token": "not/a token with spaces!!"}, {"token": "A" * 43, "extra": 1},
                                  {"token": None}, [], "A" * 43])
def test_verify_refuses_malformed_bodies(api: Any, customer: User, body: Any) -> None:
    assert_problem(api.post(VERIFY, body, token=customer.session_token), 422)


def test_verify_refuses_bad_json_oversized_bodies_and_missing_sessions(api: Any, customer: User) -> None:
    assert_problem(api.post(VERIFY, raw=b"{not json", token=customer.session_token), 400, "malformed-json")
    huge = b'{"token": "' + b"A" * 20000 + b'"}'
    assert_problem(api.post(VERIFY, raw=huge, token=customer.session_token), 413, "payload-too-large")
    assert api.post(VERIFY, {"token": "A" * 43}).status == 401
    assert_problem(api.post(VERIFY, {"token": "A" * 43}, token="bks_" + "x" * 40), 401)


def test_a_session_ended_meanwhile_cannot_confirm(api: Any, customer: User) -> None:
    tablet = login_again(api, customer, "Tablet")
    set_email(api, customer, "asha@example.com")
    token = take_confirmation(customer, "asha@example.com")["token"]
    assert api.post("/auth/logout", token=tablet).status == 204
    assert api.post(VERIFY, {"token": token}, token=tablet).status == 401
    assert me(api, customer)["email"] is None
