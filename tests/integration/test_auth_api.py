"""The auth routes over the local gateway (authorizer included) on moto, real Redis and the emulator."""

from __future__ import annotations

import time

import pytest

from tests.integration.cart.conftest import Served, _fresh_clients, served  # noqa: F401 (auth asks products)
from tests.integration.conftest import login_again
from tests.integration.products_helpers import make_store

pytestmark = pytest.mark.emulator

DEVICE = {"name": "Pixel 8", "platform": "android"}
ADDRESS = {"label": "Home", "line1": "12, 4th Cross, Indiranagar", "city": "Bengaluru", "pincode": "560038",
           "lat": 12.9719, "lng": 77.6412}
FCM_TOKEN = "fcm-token-" + "a" * 40


def assert_problem(reply, status: int, code: str | None = None) -> dict:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"].startswith("application/problem+json")
    body = reply.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in reply.body.decode()
    if code:
        assert body["type"].endswith("/" + code), body
    return body


# Sign-in --------------------------------------------------------------------------------------------


def test_login_creates_the_user_once_and_returns_a_session(api, firebase):
    uid, id_token = firebase.sign_in_with_phone("+919876543210")
    first = api.post("/auth/login", {"id_token": id_token, "device": DEVICE})
    assert first.status == 201
    body = first.json()
    assert body["is_new_user"] is True
    assert body["user"]["uid"] == uid and body["user"]["phone_number"] == "+919876543210"
    assert body["user"]["roles"] == ["customer"]
    assert body["session_token"].startswith("bks_") and body["session_id"].startswith("ses_")
    again = api.post("/auth/login", {"id_token": id_token, "device": DEVICE})
    assert again.status == 201 and again.json()["is_new_user"] is False
    assert again.json()["session_token"] != body["session_token"]
    assert api.get("/users/me", token=body["session_token"]).json()["uid"] == uid


def test_login_refuses_a_forged_token_with_401(api):
    forged = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.signature-not-really"
    assert_problem(api.post("/auth/login", {"id_token": forged, "device": DEVICE}), 401, "invalid-id-token")


def test_login_refuses_a_revoked_firebase_token(api, firebase):
    from auth import firebase as adapter

    uid, id_token = firebase.sign_in_with_phone("+919876500001")
    time.sleep(1.1)  # the emulator compares revocation with the token's issue time in whole seconds
    adapter.revoke_refresh_tokens(uid)
    assert_problem(api.post("/auth/login", {"id_token": id_token, "device": DEVICE}), 401, "invalid-id-token")


def test_google_sign_in_creates_a_user_with_the_google_email(api, firebase):
    google = firebase.google_id_token("g-123", email="asha@example.com", name="Asha Rao")
    reply = api.post("/auth/google", {"google_id_token": google, "device": {"name": "Chrome", "platform": "web"}})
    assert reply.status == 201, reply.body
    assert reply.json()["user"]["email"] == "asha@example.com"
    assert reply.json()["user"]["name"] == "Asha Rao"
    assert reply.json()["is_new_user"] is True


def test_google_sign_in_refuses_a_garbage_credential(api):
    reply = api.post("/auth/google", {"google_id_token": "x" * 40, "device": DEVICE})
    assert_problem(reply, 401, "invalid-id-token")


def test_validate_token_reports_uid_provider_and_claims(api, firebase):
    uid, id_token = firebase.sign_in_with_phone("+919876500002")
    reply = api.post("/auth/validate-token", {"id_token": id_token})
    assert reply.status == 200
    body = reply.json()
    assert body == {**body, "valid": True, "uid": uid, "provider": "phone"}
    assert body["claims"]["phone_number"] == "+919876500002"


def test_validate_token_refuses_garbage_with_401(api):
    assert_problem(api.post("/auth/validate-token", {"id_token": "not-a-jwt-at-all-but-long"}), 401)


def test_login_is_rate_limited_per_address_before_the_token_is_even_checked(api, firebase):
    from blinkit.settings import get_settings

    limit = get_settings().login_rate_per_ip
    junk = {"id_token": "j" * 40, "device": DEVICE}
    statuses = [api.post("/auth/login", junk, ip="10.9.9.9").status for _ in range(limit)]
    assert statuses == [401] * limit
    _, id_token = firebase.sign_in_with_phone("+919876500003")
    limited = api.post("/auth/login", {"id_token": id_token, "device": DEVICE}, ip="10.9.9.9")
    assert_problem(limited, 429, "rate-limited")
    assert 1 <= int(limited.headers["retry-after"]) <= get_settings().login_rate_window_seconds
    # Another address is not affected.
    assert api.post("/auth/login", {"id_token": id_token, "device": DEVICE}, ip="10.9.9.10").status == 201


def test_validate_token_is_rate_limited_per_address_before_the_token_is_even_checked(api, firebase):
    from blinkit.settings import get_settings

    limit = get_settings().login_rate_per_ip
    statuses = [api.post("/auth/validate-token", {"id_token": "j" * 40}, ip="10.9.9.8").status for _ in range(limit)]
    assert statuses == [401] * limit
    _, id_token = firebase.sign_in_with_phone("+919876500005")
    limited = api.post("/auth/validate-token", {"id_token": id_token}, ip="10.9.9.8")
    assert_problem(limited, 429, "rate-limited")
    assert 1 <= int(limited.headers["retry-after"]) <= get_settings().login_rate_window_seconds
    assert api.post("/auth/validate-token", {"id_token": id_token}, ip="10.9.9.7").status == 200


def test_login_is_rate_limited_per_user(api, firebase):
    from blinkit.settings import get_settings

    limit = get_settings().login_rate_per_user
    _, id_token = firebase.sign_in_with_phone("+919876500004")
    statuses = [api.post("/auth/login", {"id_token": id_token, "device": DEVICE}, ip=f"10.0.0.{i}").status
                for i in range(limit + 1)]
    assert statuses == [201] * limit + [429]


# Sessions -------------------------------------------------------------------------------------------


def test_refresh_rotates_the_token_and_the_old_one_stops_working(api, customer):
    reply = api.post("/auth/refresh-session", token=customer.session_token)
    assert reply.status == 200
    new = reply.json()
    assert new["session_id"] == customer.session_id and new["session_token"] != customer.session_token
    assert_problem(api.get("/users/me", token=customer.session_token), 401, "unauthorized")
    assert api.get("/users/me", token=new["session_token"]).status == 200


def test_two_devices_are_listed_then_logout_all_ends_both_and_revokes_firebase_tokens(api, customer):
    from auth import firebase as adapter

    second = login_again(api, customer, "iPad")
    time.sleep(1.1)  # revocation is compared with the token's issue time in whole seconds
    listed = api.get("/auth/sessions", token=customer.session_token).json()["sessions"]
    assert {s["device"]["name"] for s in listed} == {"Pixel 8", "iPad"}
    assert [s["current"] for s in listed if s["session_id"] == customer.session_id] == [True]
    assert api.post("/auth/logout-all", token=second).status == 204
    assert_problem(api.get("/users/me", token=customer.session_token), 401)
    assert_problem(api.get("/users/me", token=second), 401)
    with pytest.raises(adapter.InvalidIdToken):
        adapter.verify_id_token(customer.id_token, check_revoked=True)


def test_logout_ends_only_the_current_session(api, customer):
    second = login_again(api, customer, "iPad")
    assert api.post("/auth/logout", token=second).status == 204
    assert_problem(api.get("/users/me", token=second), 401)
    assert api.get("/users/me", token=customer.session_token).status == 200


def test_deleting_one_of_my_sessions_by_id_ends_it(api, customer):
    second = login_again(api, customer, "iPad")
    ids = [s["session_id"] for s in api.get("/auth/sessions", token=second).json()["sessions"]]
    assert api.delete(f"/auth/sessions/{customer.session_id}", token=second).status == 204
    assert customer.session_id in ids
    assert_problem(api.get("/users/me", token=customer.session_token), 401)
    assert [s["session_id"] for s in api.get("/auth/sessions", token=second).json()["sessions"]] != ids


def test_another_users_session_id_is_404_and_stays_alive(api, customer, other_customer):
    reply = api.delete(f"/auth/sessions/{other_customer.session_id}", token=customer.session_token)
    assert_problem(reply, 404, "not-found")
    assert api.get("/users/me", token=other_customer.session_token).status == 200


def test_malformed_session_id_is_422(api, customer):
    assert_problem(api.delete("/auth/sessions/not-an-id", token=customer.session_token), 422)


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer bks_unknown-token-xxxxxxxxxxxxxxxx", "Basic abc", "Bearer x"]
)
def test_protected_routes_refuse_missing_or_invalid_tokens_with_401(api, header):
    headers = {"authorization": header} if header is not None else {}
    reply = api.get("/users/me", headers=headers)
    assert reply.status == 401
    if header is not None and header != "Bearer":  # API Gateway answers a missing header itself
        assert_problem(reply, 401)


def test_a_firebase_id_token_is_not_a_session_token(api, customer):
    assert api.get("/users/me", headers={"authorization": f"Bearer {customer.id_token}"}).status == 401


# Redis down -----------------------------------------------------------------------------------------


def test_protected_routes_fail_closed_with_503_when_redis_is_down(api, customer, monkeypatch):
    from blinkit.redis_client import reset_redis
    from blinkit.settings import get_settings

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    get_settings.cache_clear()
    reset_redis()
    try:
        for method, path in [("GET", "/users/me"), ("GET", "/auth/sessions"), ("POST", "/auth/logout")]:
            reply = api.request(method, path, token=customer.session_token)
            assert_problem(reply, 503, "service-unavailable")
            assert reply.headers["retry-after"]
        assert_problem(api.post("/auth/login", {"id_token": customer.id_token, "device": DEVICE}), 503)
        health = api.get("/health")
        assert health.status == 503 and health.json()["dependencies"]["redis"]["status"] == "unavailable"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        reset_redis()
    assert api.get("/users/me", token=customer.session_token).status == 200


# Profile --------------------------------------------------------------------------------------------


def test_update_me_changes_name_and_email_and_null_removes(api, customer):
    # Issue 18: a new email is pending until confirmed through its link (tests/integration/test_auth_email.py).
    reply = api.patch("/users/me", {"name": "Ravi Kumar", "email": "Ravi@Example.com"}, token=customer.session_token)
    assert reply.status == 200
    assert reply.json()["name"] == "Ravi Kumar" and reply.json()["pending_email"] == "ravi@example.com"
    assert reply.json()["email"] is None
    cleared = api.patch("/users/me", {"email": None}, token=customer.session_token).json()
    assert cleared["email"] is None and cleared["pending_email"] is None and cleared["name"] == "Ravi Kumar"


@pytest.mark.parametrize("body, status", [
    ({}, 422), ({"name": ""}, 422), ({"name": 42}, 422), ({"email": "not-an-email"}, 422),
    ({"name": "x" * 81}, 422), ({"nickname": "x"}, 422), ([], 422),
])
def test_update_me_refuses_bad_input(api, customer, body, status):
    assert_problem(api.patch("/users/me", body, token=customer.session_token), status)


@pytest.mark.parametrize("blank", ["", "   "])
def test_update_me_takes_blank_name_or_email_as_not_sent_and_keeps_them(api, customer, blank):
    token = customer.session_token
    api.patch("/users/me", {"name": "Ravi Kumar", "email": "ravi@example.com"}, token=token)
    reply = api.patch("/users/me", {"name": "Ravi K", "email": blank}, token=token)
    assert reply.status == 200, reply.body
    # Issue 18: a new email stays pending until confirmed, so it shows as pending_email.
    assert reply.json()["name"] == "Ravi K" and reply.json()["pending_email"] == "ravi@example.com"
    reply = api.patch("/users/me", {"name": blank, "email": "ravi.k@example.com"}, token=token)
    assert reply.status == 200 and reply.json()["name"] == "Ravi K"
    assert reply.json()["pending_email"] == "ravi.k@example.com"
    # Only blanks: nothing to change, like {}; null is how a client clears a field.
    problem = assert_problem(api.patch("/users/me", {"name": blank, "email": blank}, token=token), 422)
    assert [e["field"] for e in problem["errors"]] == ["body"]
    assert api.patch("/users/me", {"email": None}, token=token).json()["pending_email"] is None


# Addresses ------------------------------------------------------------------------------------------


def test_address_lifecycle(api, customer):
    created = api.post("/users/me/addresses", ADDRESS, token=customer.session_token)
    assert created.status == 201
    address = created.json()
    assert address["address_id"].startswith("adr_") and address["pincode"] == "560038"
    listed = api.get("/users/me/addresses", token=customer.session_token).json()["addresses"]
    assert [a["address_id"] for a in listed] == [address["address_id"]]
    patched = api.patch(f"/users/me/addresses/{address['address_id']}", {"landmark": "Near metro", "label": "Flat"},
                        token=customer.session_token)
    assert patched.status == 200 and patched.json()["landmark"] == "Near metro" and patched.json()["label"] == "Flat"
    assert patched.json()["line1"] == ADDRESS["line1"]
    assert api.delete(f"/users/me/addresses/{address['address_id']}", token=customer.session_token).status == 204
    assert api.get("/users/me/addresses", token=customer.session_token).json()["addresses"] == []


def test_at_most_ten_addresses_then_409_and_deleting_frees_a_slot(api, customer):
    ids = [api.post("/users/me/addresses", ADDRESS, token=customer.session_token).json()["address_id"]
           for _ in range(10)]
    assert_problem(api.post("/users/me/addresses", ADDRESS, token=customer.session_token), 409, "limit-reached")
    api.delete(f"/users/me/addresses/{ids[0]}", token=customer.session_token)
    assert api.post("/users/me/addresses", ADDRESS, token=customer.session_token).status == 201


def test_another_users_address_is_404_for_read_change_and_delete(api, customer, other_customer):
    theirs = api.post("/users/me/addresses", ADDRESS, token=other_customer.session_token).json()["address_id"]
    assert_problem(api.patch(f"/users/me/addresses/{theirs}", {"label": "Mine"}, token=customer.session_token), 404)
    assert_problem(api.delete(f"/users/me/addresses/{theirs}", token=customer.session_token), 404)
    assert api.get("/users/me/addresses", token=customer.session_token).json()["addresses"] == []
    still = api.get("/users/me/addresses", token=other_customer.session_token).json()["addresses"]
    assert [a["label"] for a in still] == ["Home"]


@pytest.mark.parametrize("change", [
    {"pincode": "012345"}, {"pincode": 560038}, {"lat": 91}, {"lng": -181}, {"lat": "12.9"}, {"label": ""},
    {"city": None}, {"line1": "x" * 201}, {"extra": 1},
])
def test_address_creation_refuses_bad_fields(api, customer, change):
    body = {k: v for k, v in {**ADDRESS, **change}.items()}
    assert_problem(api.post("/users/me/addresses", body, token=customer.session_token), 422, "validation-error")


@pytest.mark.parametrize("missing", ["label", "line1", "city", "pincode", "lat", "lng"])
def test_address_creation_names_the_missing_field(api, customer, missing):
    body = {k: v for k, v in ADDRESS.items() if k != missing}
    problem = assert_problem(api.post("/users/me/addresses", body, token=customer.session_token), 422)
    assert [e["field"] for e in problem["errors"]] == [missing]


def test_address_patch_cannot_null_a_required_field_or_be_empty(api, customer):
    address_id = api.post("/users/me/addresses", ADDRESS, token=customer.session_token).json()["address_id"]
    assert_problem(api.patch(f"/users/me/addresses/{address_id}", {"city": None}, token=customer.session_token), 422)
    assert_problem(api.patch(f"/users/me/addresses/{address_id}", {}, token=customer.session_token), 422)


@pytest.mark.parametrize("blank", ["", "   "])
def test_address_creation_takes_blank_optional_fields_as_absent(api, customer, blank):
    reply = api.post("/users/me/addresses", {**ADDRESS, "line2": blank, "landmark": blank},
                     token=customer.session_token)
    assert reply.status == 201, reply.body
    assert reply.json()["line2"] is None and reply.json()["landmark"] is None


@pytest.mark.parametrize("blank", ["", "   "])
def test_address_patch_takes_blank_optional_fields_as_not_sent_and_null_clears(api, customer, blank):
    token = customer.session_token
    address_id = api.post("/users/me/addresses", {**ADDRESS, "line2": "Flat 3B", "landmark": "Near metro"},
                          token=token).json()["address_id"]
    path = f"/users/me/addresses/{address_id}"
    # What an edit form sends: every field, the ones left empty as "".
    patched = api.patch(path, {**ADDRESS, "label": "Flat", "line2": blank, "landmark": blank}, token=token)
    assert patched.status == 200, patched.body
    assert (patched.json()["label"], patched.json()["line2"], patched.json()["landmark"]) == (
        "Flat", "Flat 3B", "Near metro")
    cleared = api.patch(path, {"line2": None, "landmark": blank}, token=token).json()
    assert cleared["line2"] is None and cleared["landmark"] == "Near metro"
    assert_problem(api.patch(path, {"landmark": blank}, token=token), 422)  # nothing to change


@pytest.mark.parametrize("blank", ["", "   "])
@pytest.mark.parametrize("field", ["label", "line1", "city", "pincode"])
def test_a_blank_required_address_field_is_422_naming_it_on_create_and_on_patch(api, customer, field, blank):
    token = customer.session_token
    problem = assert_problem(api.post("/users/me/addresses", {**ADDRESS, field: blank}, token=token), 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    address_id = api.post("/users/me/addresses", ADDRESS, token=token).json()["address_id"]
    problem = assert_problem(api.patch(f"/users/me/addresses/{address_id}", {field: blank}, token=token), 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert api.get("/users/me/addresses", token=token).json()["addresses"][0][field] == ADDRESS[field]


def test_unknown_address_is_404(api, customer):
    missing = "adr_" + "0" * 26
    assert_problem(api.patch(f"/users/me/addresses/{missing}", {"label": "x"}, token=customer.session_token), 404)
    assert_problem(api.delete(f"/users/me/addresses/{missing}", token=customer.session_token), 404)


# Devices --------------------------------------------------------------------------------------------


def test_device_tokens_are_deduplicated_and_removable(api, customer):
    first = api.post("/users/me/devices", {"token": FCM_TOKEN, "platform": "android"}, token=customer.session_token)
    again = api.post("/users/me/devices", {"token": FCM_TOKEN, "platform": "android"}, token=customer.session_token)
    assert first.status == again.status == 201
    from auth import store

    assert len(store.list_devices(customer.uid)) == 1
    assert store.get_user(customer.uid).device_count == 1
    assert api.delete(f"/users/me/devices/{FCM_TOKEN}", token=customer.session_token).status == 204
    assert_problem(api.delete(f"/users/me/devices/{FCM_TOKEN}", token=customer.session_token), 404)
    assert store.list_devices(customer.uid) == []


def test_at_most_ten_devices(api, customer):
    for i in range(10):
        token = f"fcm-token-{i:02d}-" + "b" * 30
        reply = api.post("/users/me/devices", {"token": token, "platform": "ios"}, token=customer.session_token)
        assert reply.status == 201
    extra = {"token": "fcm-token-extra-" + "c" * 30, "platform": "ios"}
    assert_problem(api.post("/users/me/devices", extra, token=customer.session_token), 409, "limit-reached")


def test_another_users_device_cannot_be_removed(api, customer, other_customer):
    api.post("/users/me/devices", {"token": FCM_TOKEN, "platform": "android"}, token=other_customer.session_token)
    assert_problem(api.delete(f"/users/me/devices/{FCM_TOKEN}", token=customer.session_token), 404)


@pytest.mark.parametrize("body", [{"token": "short", "platform": "android"}, {"token": FCM_TOKEN, "platform": "nokia"},
                                  {"token": FCM_TOKEN}, {"platform": "ios"}, {"token": 123456789012345678901234,
                                                                              "platform": "ios"}])
def test_device_registration_refuses_bad_input(api, customer, body):
    assert_problem(api.post("/users/me/devices", body, token=customer.session_token), 422)


# Roles ----------------------------------------------------------------------------------------------


def test_admin_sets_roles_in_firebase_the_record_and_live_sessions(api, admin, customer):
    from auth import firebase as adapter

    store_id = make_store(api, admin)["store_id"]  # a store that exists: an unknown one is 422 (test_auth_roles)
    body = {"roles": ["store_staff", "customer"], "store_id": store_id}
    reply = api.put(f"/admin/users/{customer.uid}/roles", body, token=admin.session_token)
    assert reply.status == 200 and reply.json() == {"uid": customer.uid, **body}
    claims = adapter.get_user(customer.uid)["custom_claims"]
    assert claims["roles"] == ["store_staff", "customer"] and claims["store_id"] == store_id
    me = api.get("/users/me", token=customer.session_token).json()
    assert me["roles"] == ["store_staff", "customer"] and me["store_id"] == store_id
    # The live session carries the new roles at once (still not admin, so still refused).
    demote = api.put(f"/admin/users/{admin.uid}/roles", {"roles": ["customer"]}, token=customer.session_token)
    assert_problem(demote, 403)


def test_live_sessions_carry_the_staff_store_to_the_authorizer(api, admin, customer):
    from auth import service

    store_id = make_store(api, admin)["store_id"]
    api.put(f"/admin/users/{customer.uid}/roles", {"roles": ["store_staff"], "store_id": store_id},
            token=admin.session_token)
    verdict = service.authorize({"authorization": f"Bearer {customer.session_token}"})
    assert verdict["roles"] == "store_staff" and verdict["store_id"] == store_id
    api.put(f"/admin/users/{customer.uid}/roles", {"roles": ["customer"]}, token=admin.session_token)
    verdict = service.authorize({"authorization": f"Bearer {customer.session_token}"})
    assert verdict["roles"] == "customer" and "store_id" not in verdict


def test_store_staff_needs_a_store(api, admin, customer):
    problem = assert_problem(api.put(f"/admin/users/{customer.uid}/roles", {"roles": ["store_staff"]},
                                     token=admin.session_token), 422)
    assert problem["errors"][0]["field"] == "store_id"


def test_customer_on_the_admin_route_is_403(api, customer, other_customer):
    reply = api.put(f"/admin/users/{other_customer.uid}/roles", {"roles": ["admin"]}, token=customer.session_token)
    assert_problem(reply, 403, "forbidden")


def test_roles_for_an_unknown_user_are_404(api, admin):
    assert_problem(api.put("/admin/users/nobody-here/roles", {"roles": ["admin"]}, token=admin.session_token), 404)


@pytest.mark.parametrize("body", [{"roles": []}, {"roles": ["king"]}, {"roles": "admin"}, {"roles": ["admin", "admin"]},
                                  {}, {"roles": ["store_staff"], "store_id": "store-1"}])
def test_roles_refuse_bad_input(api, admin, customer, body):
    assert_problem(api.put(f"/admin/users/{customer.uid}/roles", body, token=admin.session_token), 422)


# Bad input in general -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, status, code", [
    (b"{not json", 400, "malformed-json"),
    (b"", 422, "validation-error"),
    (b'{"id_token": 12345678901234567890123, "device": {"name": "x", "platform": "ios"}}', 422, "validation-error"),
    (b'{"id_token": "x", "device": {"name": "x", "platform": "ios"}}', 422, "validation-error"),
    (b'{"device": {"name": "x", "platform": "ios"}}', 422, "validation-error"),
    (b'{"id_token": "aaaaaaaaaaaaaaaaaaaaaaaa", "device": {"name": "x", "platform": "symbian"}}', 422, None),
    (b'"just a string"', 422, None),
])
def test_login_refuses_malformed_bodies_without_500(api, raw, status, code):
    assert_problem(api.post("/auth/login", raw=raw), status, code)


def test_oversized_bodies_are_413(api, customer):
    huge = b'{"name": "' + b"x" * 20000 + b'"}'
    assert_problem(api.patch("/users/me", raw=huge, token=customer.session_token), 413, "payload-too-large")
    assert_problem(api.post("/auth/login", raw=huge), 413)


def test_unknown_routes_are_404_from_the_gateway(api):
    assert api.get("/nowhere").status == 404


def test_every_response_carries_a_request_id_and_echoes_a_sane_one(api, customer):
    reply = api.get("/users/me", token=customer.session_token, headers={"x-request-id": "trace-123"})
    assert reply.headers["x-request-id"] == "trace-123"
    problem = api.patch("/users/me", {}, token=customer.session_token, headers={"x-request-id": "bad id with spaces"})
    assert problem.json()["request_id"] == problem.headers["x-request-id"] != "bad id with spaces"


def test_a_session_whose_user_record_is_gone_gets_404_not_a_limit_error(api, customer):
    from auth import store

    store.UserRecord(pk=store.user_pk(customer.uid), sk=store.PROFILE).delete()
    assert_problem(api.post("/users/me/addresses", ADDRESS, token=customer.session_token), 404)
    device = {"token": FCM_TOKEN, "platform": "ios"}
    assert_problem(api.post("/users/me/devices", device, token=customer.session_token), 404)
    assert_problem(api.get("/users/me", token=customer.session_token), 404)
