"""Role changes that can fail half-way, and roles naming a store that does not exist.

A role change writes three systems (Redis sessions, Firebase claims, the users table), so it is ordered: narrow
the live sessions to what both the old and the new roles grant, then claims and record, then the sessions to
the new roles. Each test breaks one step and checks the invariant that matters: no live session is more
powerful than the user record; then the admin's retry of the same request completes the change.

Auth asks products (public `GET /stores`, over the loopback gateway) whether a staff member's store exists.
"""

from __future__ import annotations

from typing import Any

import pytest
import redis

from tests.integration.cart.conftest import Served, _fresh_clients, served  # noqa: F401
from tests.integration.conftest import User, login_again
from tests.integration.products_helpers import assert_problem, make_store

pytestmark = pytest.mark.emulator


def verdict(user: User) -> dict[str, Any]:
    """What the authorizer grants the user's live session."""
    from auth import service

    found = service.authorize({"authorization": f"Bearer {user.session_token}"})
    assert found["auth_state"] == "ok", found
    return dict(found)


def record(user: User) -> Any:
    from auth import store

    found = store.get_user(user.uid)
    assert found is not None
    return found


def assert_session_within_record(user: User) -> None:
    granted, held = verdict(user), record(user)
    assert set(granted["roles"].split(",")) - {""} <= set(held.roles), (granted, held.roles)
    assert granted.get("store_id") in (None, held.store_id), (granted, held.store_id)


@pytest.fixture
def staff_store(api: Any, admin: User) -> str:
    return str(make_store(api, admin)["store_id"])


def put_roles(api: Any, admin: User, user: User, roles: list[str], store_id: str | None = None) -> Any:
    body: dict[str, Any] = {"roles": roles}
    if store_id:
        body["store_id"] = store_id
    return api.put(f"/admin/users/{user.uid}/roles", body, token=admin.session_token)


# Failures injected at each step --------------------------------------------------------------------------


def _redis_down(*args: Any, **kwargs: Any) -> None:
    raise redis.ConnectionError("Connection closed by server.")


def _firebase_down(*args: Any, **kwargs: Any) -> None:
    from auth.firebase import FirebaseUnavailable

    raise FirebaseUnavailable()


def _dynamodb_down(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("DynamoDB is throttling every write")


STEPS = {
    # step: (object holding the function, its name, the failure, the status the admin gets)
    "narrow sessions": ("auth.session_store:SessionStore", "narrow_roles", _redis_down, 503),
    "firebase claims": ("auth.firebase", "set_custom_claims", _firebase_down, 503),
    "user record": ("auth.store", "update_user", _dynamodb_down, 500),
    "sessions to the new roles": ("auth.session_store:SessionStore", "set_roles", _redis_down, 503),
}


def break_step(monkeypatch: pytest.MonkeyPatch, step: str) -> int:
    import importlib

    where, name, failure, status = STEPS[step]
    module, _, attribute = where.partition(":")
    target = importlib.import_module(module)
    monkeypatch.setattr(getattr(target, attribute) if attribute else target, name, failure)
    return status


@pytest.mark.parametrize("step", list(STEPS))
def test_a_demotion_that_fails_at_any_step_leaves_no_session_above_the_record_and_a_retry_completes(
        api: Any, admin: User, customer: User, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    assert put_roles(api, admin, customer, ["admin", "customer"]).status == 200
    assert verdict(customer)["roles"] == "admin,customer"

    status = break_step(monkeypatch, step)
    failed = put_roles(api, admin, customer, ["customer"])
    assert_problem(failed, status)
    assert_session_within_record(customer)
    if step != "narrow sessions":  # from the first step on, the demotion holds in every live session
        assert verdict(customer)["roles"] == "customer"

    monkeypatch.undo()
    retried = put_roles(api, admin, customer, ["customer"])
    assert retried.status == 200, retried.body
    assert record(customer).roles == ["customer"] and verdict(customer)["roles"] == "customer"
    assert_problem(put_roles(api, customer, admin, ["customer"]), 403)  # no admin left in the session


@pytest.mark.parametrize("step", list(STEPS))
def test_moving_staff_to_another_store_that_fails_leaves_no_session_at_the_old_store(
        api: Any, admin: User, customer: User, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    first, second = str(make_store(api, admin)["store_id"]), str(make_store(api, admin)["store_id"])
    assert put_roles(api, admin, customer, ["store_staff"], first).status == 200
    assert verdict(customer)["store_id"] == first

    status = break_step(monkeypatch, step)
    assert_problem(put_roles(api, admin, customer, ["store_staff"], second), status)
    assert_session_within_record(customer)
    if step != "narrow sessions":
        assert "store_id" not in verdict(customer)  # neither store until the change completes

    monkeypatch.undo()
    assert put_roles(api, admin, customer, ["store_staff"], second).status == 200
    assert record(customer).store_id == second and verdict(customer)["store_id"] == second


def test_a_promotion_that_fails_before_the_sessions_leaves_them_as_they_were(
        api: Any, admin: User, customer: User, monkeypatch: pytest.MonkeyPatch) -> None:
    break_step(monkeypatch, "sessions to the new roles")
    assert_problem(put_roles(api, admin, customer, ["admin", "customer"]), 503)
    assert record(customer).roles == ["admin", "customer"] and verdict(customer)["roles"] == "customer"
    monkeypatch.undo()
    assert put_roles(api, admin, customer, ["admin", "customer"]).status == 200
    assert verdict(customer)["roles"] == "admin,customer"


def test_the_internal_partner_grant_takes_the_same_steps_and_completes_on_retry(
        api: Any, customer: User, monkeypatch: pytest.MonkeyPatch) -> None:
    path = f"/internal/users/{customer.uid}/roles/delivery-partner"
    break_step(monkeypatch, "sessions to the new roles")
    assert_problem(api.post(path), 503)
    assert_session_within_record(customer)
    monkeypatch.undo()
    granted = api.post(path)
    assert granted.status == 200, granted.body
    assert granted.json()["roles"] == ["customer", "delivery_partner"]
    assert verdict(customer)["roles"] == "customer,delivery_partner"


def test_a_session_started_on_another_device_gets_the_narrowed_roles_too(
        api: Any, admin: User, customer: User, monkeypatch: pytest.MonkeyPatch) -> None:
    put_roles(api, admin, customer, ["admin", "customer"])
    tablet = User(customer.uid, customer.id_token, login_again(api, customer, "Tablet"), "", customer.phone)
    break_step(monkeypatch, "user record")
    assert_problem(put_roles(api, admin, customer, ["customer"]), 500)
    assert verdict(customer)["roles"] == verdict(tablet)["roles"] == "customer"


# The store must exist --------------------------------------------------------------------------------------


def test_store_staff_at_a_store_that_does_not_exist_is_422_and_changes_nothing(
        api: Any, admin: User, customer: User) -> None:
    missing = "sto_" + "0" * 25 + "1"
    problem = assert_problem(put_roles(api, admin, customer, ["store_staff"], missing), 422, "unknown-store")
    assert [(e["field"], e.get("code")) for e in problem["errors"]] == [("store_id", "unknown-store")]
    assert record(customer).roles == ["customer"] and record(customer).store_id is None
    assert verdict(customer)["roles"] == "customer"


def test_store_staff_at_an_inactive_store_is_422(api: Any, admin: User, customer: User, staff_store: str) -> None:
    closed = api.patch(f"/stores/{staff_store}", {"is_active": False}, token=admin.session_token)
    assert closed.status == 200, closed.body
    assert_problem(put_roles(api, admin, customer, ["store_staff"], staff_store), 422, "unknown-store")


def test_store_staff_at_an_active_store_is_accepted(api: Any, admin: User, customer: User, staff_store: str) -> None:
    reply = put_roles(api, admin, customer, ["store_staff", "customer"], staff_store)
    assert reply.status == 200, reply.body
    assert reply.json() == {"uid": customer.uid, "roles": ["store_staff", "customer"], "store_id": staff_store}


def test_products_down_is_503_never_a_silent_accept(api: Any, admin: User, customer: User,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from blinkit import upstreams
    from blinkit.settings import get_settings

    monkeypatch.setenv("PRODUCTS_SERVICE_URL", "http://127.0.0.1:1")  # nothing listens there
    get_settings.cache_clear()
    upstreams.reset()
    try:
        reply = put_roles(api, admin, customer, ["store_staff"], "sto_" + "0" * 25 + "1")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        upstreams.reset()
    assert_problem(reply, 503)
    assert record(customer).roles == ["customer"]


def test_roles_without_store_staff_never_ask_products(api: Any, admin: User, customer: User,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from blinkit import upstreams
    from blinkit.settings import get_settings

    monkeypatch.setenv("PRODUCTS_SERVICE_URL", "http://127.0.0.1:1")
    get_settings.cache_clear()
    upstreams.reset()
    try:
        reply = put_roles(api, admin, customer, ["delivery_partner", "customer"], "sto_" + "0" * 25 + "1")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        upstreams.reset()
    assert reply.status == 200 and reply.json()["store_id"] is None
