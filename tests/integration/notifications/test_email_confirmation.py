"""Nothing but its confirmation goes to an unconfirmed address, end to end: auth queues `email.verify` when a
profile's email changes, the consumer sends it to the address in the message (never the contact's) by email
only, and order emails go only to a confirmed address.

The hijack story: a customer sets the admin's address on their own profile. The admin's mailbox gets one email,
the confirmation link (which only the customer's session could use, and which the admin ignores); none of the
customer's order emails."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import User
from tests.integration.notifications.conftest import drain, inbox, order_message, send, with_contact

ADMIN_MAILBOX = "admin@blinkit.example"


def _set_email(api: Any, user: User, address: str) -> None:
    reply = api.patch("/users/me", {"email": address}, token=user.session_token)
    assert reply.status == 200 and reply.json()["pending_email"] == address, reply.body


def _to(receivers: Any, address: str) -> list[str]:
    return [mail["subject"] for mail in receivers.emails if address in mail["to"]]


def test_setting_the_admins_address_sends_it_the_confirmation_and_no_order_email(
        api: Any, admin: User, customer: User, project_stack: Any, receivers: Any) -> None:
    with_contact(api, admin, email=ADMIN_MAILBOX, devices=0)
    (device,) = with_contact(api, customer, email=None, devices=1)
    drain(project_stack)
    receivers.reset()

    _set_email(api, customer, ADMIN_MAILBOX)  # the hijack attempt
    send(project_stack, order_message(customer, "PLACED"), order_message(customer, "DELIVERED"))
    stats = drain(project_stack)

    assert stats.failed == 0
    (confirmation,) = receivers.emails  # the only email sent at all
    assert confirmation["to"] == [ADMIN_MAILBOX] and confirmation["subject"] == "Confirm your email for Blinkit"
    assert "https://blinkit.example/verify-email?token=" in confirmation["html"]
    assert "Confirm email address" in confirmation["html"] and "verify-email?token=" in confirmation["text"]
    # The customer's order updates still reach them in-app and by push, never by email to that address.
    assert [p["token"] for p in receivers.pushes] == [device, device]
    assert [n["type"] for n in inbox(api, customer)["notifications"]] == ["order.delivered", "order.placed"]


def test_the_confirmation_goes_to_the_new_address_and_orders_to_the_confirmed_one(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    with_contact(api, customer, email="asha@example.com", devices=1)
    drain(project_stack)
    receivers.reset()

    _set_email(api, customer, "asha.rao@example.com")
    send(project_stack, order_message(customer, "PLACED"))
    drain(project_stack)

    assert _to(receivers, "asha.rao@example.com") == ["Confirm your email for Blinkit"]
    assert _to(receivers, "asha@example.com") == ["Your Blinkit order is placed (₹274)"]
    assert len(receivers.pushes) == 1  # the order's push; the confirmation is never a push
    assert [n["type"] for n in inbox(api, customer)["notifications"]] == ["order.placed"]  # nor in the inbox


def test_a_confirmation_asking_for_every_channel_still_goes_only_by_email(
        api: Any, customer: User, project_stack: Any, receivers: Any) -> None:
    with_contact(api, customer, email="asha@example.com", devices=1)
    drain(project_stack)
    receivers.reset()
    send(project_stack, {"type": "email.verify", "user_id": customer.uid, "idempotency_key": "verify-all-channels",
                         "channels": ["in_app", "email", "push"],
                         "data": {"email": "new@example.com", "link": "https://blinkit.example/verify-email?token=x"}})
    drain(project_stack)
    assert [mail["to"] for mail in receivers.emails] == [["new@example.com"]]
    assert receivers.pushes == [] and inbox(api, customer)["notifications"] == []
