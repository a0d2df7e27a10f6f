"""Auth's internal routes for the notifications domain: a user's contact, removing a dead push token, and
every user id page by page (IAM-authorised in AWS; the local gateway does not sign-check them)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import User
from tests.integration.notifications.conftest import with_contact


def test_the_contact_has_the_email_phone_and_every_device_token(api: Any, customer: User) -> None:
    tokens = with_contact(api, customer, email="asha@example.com", devices=2)
    reply = api.get(f"/internal/users/{customer.uid}/contact")
    assert reply.status == 200, reply.body
    body = reply.json()
    assert (body["uid"], body["email"], body["phone"]) == (customer.uid, "asha@example.com", customer.phone)
    assert sorted(body["device_tokens"]) == sorted(tokens)


def test_a_dead_token_is_removed_once(api: Any, customer: User) -> None:
    token, keep = with_contact(api, customer, devices=2)
    assert api.delete(f"/internal/users/{customer.uid}/devices/{token}").status == 204
    assert api.delete(f"/internal/users/{customer.uid}/devices/{token}").status == 404
    assert api.get(f"/internal/users/{customer.uid}/contact").json()["device_tokens"] == [keep]


def test_unknown_users_and_malformed_ids_are_refused(api: Any) -> None:
    assert api.get("/internal/users/nobody-here/contact").status == 404
    assert api.get("/internal/users/bad%20id/contact").status == 422
    assert api.delete("/internal/users/nobody-here/devices/short").status == 422
    assert api.delete("/internal/users/nobody-here/devices/" + "t" * 30).status == 404


def test_every_user_id_comes_back_once_across_pages(api: Any, customer: User, other_customer: User,
                                                   admin: User) -> None:
    with_contact(api, customer, devices=2)  # devices and addresses are items too: only profiles count
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        reply = api.get("/internal/users", query="limit=1" + (f"&cursor={cursor}" if cursor else ""))
        assert reply.status == 200, reply.body
        seen.extend(reply.json()["users"])
        cursor = reply.json()["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted([customer.uid, other_customer.uid, admin.uid])


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=x"])
def test_bad_page_sizes_are_422(api: Any, query: str) -> None:
    assert api.get("/internal/users", query=query).status == 422


def test_a_forged_cursor_is_400(api: Any) -> None:
    assert api.get("/internal/users", query="cursor=Zm9yZ2Vk").status == 400
