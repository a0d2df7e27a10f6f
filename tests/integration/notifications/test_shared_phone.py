"""The shared phone, end to end through the consumer: once the next user signs in on a phone and registers its
push token, the previous user's pushes (order details) no longer go to that phone; theirs do. Signing out of
the phone stops them too. (The consumer keeps a user's contact for `CONTACT_CACHE_SECONDS`, 30 s: a token that
moved stops receiving the previous user's pushes once their cached contact expires, which the tests skip.)"""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import User
from tests.integration.notifications.conftest import order_message, pump, send

PHONE_TOKEN = "fcm-shared-phone-" + "s" * 40


def _register(api: Any, user: User) -> None:
    reply = api.post("/users/me/devices", {"token": PHONE_TOKEN, "platform": "android"}, token=user.session_token)
    assert reply.status == 201, reply.body


def _cached_contacts_expire() -> None:
    from notifications import upstream

    upstream.forget_contacts()


def test_the_previous_users_pushes_stop_when_the_next_user_registers_the_phone(
        api: Any, customer: User, other_customer: User, project_stack: Any, receivers: Any) -> None:
    _register(api, customer)
    send(project_stack, order_message(customer, "PLACED"))
    pump(project_stack)
    assert [p["token"] for p in receivers.pushes] == [PHONE_TOKEN]  # the phone gets the first user's pushes
    receivers.reset()

    _register(api, other_customer)  # another person signs in on the same phone
    _cached_contacts_expire()
    send(project_stack, order_message(customer, "CONFIRMED"), order_message(other_customer, "PLACED"))
    stats = pump(project_stack)

    assert (stats.deleted, stats.failed) == (2, 0)
    assert [(p["token"], p["notification"]["title"]) for p in receivers.pushes] == [(PHONE_TOKEN, "Order placed")]


def test_signing_out_stops_the_pushes_to_that_phone(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    _register(api, customer)
    assert api.post("/auth/logout", token=customer.session_token).status == 204
    _cached_contacts_expire()
    send(project_stack, order_message(customer, "PLACED"))
    assert pump(project_stack).deleted == 1
    assert receivers.pushes == []
