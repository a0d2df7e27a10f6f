"""Push tokens belong to one account, and leave with the session that registered them.

A shared phone: the next user to sign in and register the phone's FCM token takes it over, so the previous
user's pushes (order details) stop going there. Logout removes the session's token, logout-all every one.
(The pushes themselves, through the notifications consumer: tests/integration/notifications/test_shared_phone.py.)
"""

from __future__ import annotations

import concurrent.futures
from typing import Any

import pytest

from tests.integration.conftest import User, login_again, sign_up_and_login
from tests.integration.products_helpers import assert_problem

pytestmark = pytest.mark.emulator

PHONE_TOKEN = "fcm-shared-phone-" + "p" * 40


def register(api: Any, user: User, token: str = PHONE_TOKEN, session_token: str | None = None) -> Any:
    return api.post("/users/me/devices", {"token": token, "platform": "android"},
                    token=session_token or user.session_token)


def contact_tokens(api: Any, user: User) -> list[str]:
    reply = api.get(f"/internal/users/{user.uid}/contact")
    assert reply.status == 200, reply.body
    return list(reply.json()["device_tokens"])


def stored(user: User) -> tuple[list[str], int]:
    """The user's device items and their device count, as the table holds them."""
    from auth import store

    return [d.token for d in store.list_devices(user.uid)], int(store.get_user(user.uid).device_count)


def test_registering_a_token_another_account_holds_moves_it(api: Any, customer: User, other_customer: User) -> None:
    assert register(api, customer).status == 201
    assert contact_tokens(api, customer) == [PHONE_TOKEN]

    assert register(api, other_customer).status == 201  # the next person on the same phone

    assert contact_tokens(api, customer) == [] and stored(customer) == ([], 0)
    assert contact_tokens(api, other_customer) == [PHONE_TOKEN] and stored(other_customer) == ([PHONE_TOKEN], 1)
    assert_problem(api.delete(f"/users/me/devices/{PHONE_TOKEN}", token=customer.session_token), 404)
    assert register(api, customer).status == 201  # and back again: it moves whole each time
    assert contact_tokens(api, other_customer) == [] and stored(other_customer) == ([], 0)
    assert stored(customer) == ([PHONE_TOKEN], 1)


def test_two_accounts_claiming_one_token_at_once_end_with_exactly_one_holder(api: Any, firebase: Any) -> None:
    users = [sign_up_and_login(api, firebase) for _ in range(4)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda u: register(api, u).status, users))
    assert statuses == [201] * 4
    holders = [u for u in users if contact_tokens(api, u)]
    assert len(holders) == 1
    assert [stored(u) for u in users].count(([PHONE_TOKEN], 1)) == 1
    assert [stored(u) for u in users].count(([], 0)) == 3


def test_a_device_registered_before_ownership_was_recorded_stops_at_the_next_holder(
        api: Any, customer: User, other_customer: User) -> None:
    from auth import store
    from blinkit import clock

    # As a device registered by the previous release: a device item, no owner item.
    store.DeviceRecord(pk=store.user_pk(customer.uid), sk=store.device_sk(PHONE_TOKEN), token=PHONE_TOKEN,
                       platform="android", registered_at=clock.now()).save()
    assert contact_tokens(api, customer) == [PHONE_TOKEN]
    assert register(api, other_customer).status == 201
    assert contact_tokens(api, customer) == []
    assert contact_tokens(api, other_customer) == [PHONE_TOKEN]


def test_the_device_limit_still_holds_and_a_refused_claim_leaves_the_token_where_it_was(
        api: Any, customer: User, other_customer: User) -> None:
    for i in range(10):
        assert register(api, other_customer, f"fcm-other-{i:02d}-" + "o" * 30).status == 201
    assert register(api, customer).status == 201
    assert_problem(register(api, other_customer), 409, "limit-reached")
    assert contact_tokens(api, customer) == [PHONE_TOKEN] and stored(customer) == ([PHONE_TOKEN], 1)
    assert PHONE_TOKEN not in contact_tokens(api, other_customer) and stored(other_customer)[1] == 10


def test_losing_a_token_frees_its_slot(api: Any, customer: User, other_customer: User) -> None:
    for i in range(9):
        assert register(api, customer, f"fcm-mine-{i:02d}-" + "m" * 30).status == 201
    assert register(api, customer).status == 201
    assert_problem(register(api, customer, "fcm-eleventh-" + "e" * 30), 409, "limit-reached")
    assert register(api, other_customer).status == 201  # takes the phone's token
    assert register(api, customer, "fcm-eleventh-" + "e" * 30).status == 201


def test_logout_removes_the_sessions_device_only(api: Any, customer: User) -> None:
    tablet = login_again(api, customer, "Tablet")
    tablet_token = "fcm-tablet-" + "t" * 40
    assert register(api, customer).status == 201
    assert register(api, customer, tablet_token, session_token=tablet).status == 201

    assert api.post("/auth/logout", token=customer.session_token).status == 204

    assert contact_tokens(api, customer) == [tablet_token] and stored(customer) == ([tablet_token], 1)


def test_ending_a_session_by_id_removes_its_device(api: Any, customer: User) -> None:
    tablet = login_again(api, customer, "Tablet")
    assert register(api, customer, session_token=tablet).status == 201
    tablet_id = next(s["session_id"] for s in api.get("/auth/sessions", token=tablet).json()["sessions"]
                     if s["current"])
    assert api.delete(f"/auth/sessions/{tablet_id}", token=customer.session_token).status == 204
    assert contact_tokens(api, customer) == [] and stored(customer) == ([], 0)


def test_logout_all_removes_the_devices_of_every_session(api: Any, customer: User) -> None:
    tablet = login_again(api, customer, "Tablet")
    assert register(api, customer).status == 201
    assert register(api, customer, "fcm-tablet-" + "t" * 40, session_token=tablet).status == 201
    assert api.post("/auth/logout-all", token=tablet).status == 204
    assert contact_tokens(api, customer) == [] and stored(customer) == ([], 0)


def test_registering_again_from_a_new_session_hands_the_device_to_it(api: Any, customer: User) -> None:
    assert register(api, customer).status == 201
    later = login_again(api, customer, "Same phone, signed in again")
    assert register(api, customer, session_token=later).status == 201
    assert stored(customer) == ([PHONE_TOKEN], 1)  # refreshed, not counted twice
    assert api.post("/auth/logout", token=customer.session_token).status == 204  # the first session's logout
    assert contact_tokens(api, customer) == [PHONE_TOKEN]  # belongs to the later session now
    assert api.post("/auth/logout", token=later).status == 204
    assert contact_tokens(api, customer) == []


def test_a_removed_token_is_free_for_anyone(api: Any, customer: User, other_customer: User) -> None:
    from auth import store

    assert register(api, customer).status == 201
    assert api.delete(f"/internal/users/{customer.uid}/devices/{PHONE_TOKEN}").status == 204  # FCM: unregistered
    assert store.get_token_owner(PHONE_TOKEN) is None
    assert register(api, other_customer).status == 201
    assert store.get_token_owner(PHONE_TOKEN).uid == other_customer.uid
    assert stored(customer) == ([], 0) and stored(other_customer) == ([PHONE_TOKEN], 1)
