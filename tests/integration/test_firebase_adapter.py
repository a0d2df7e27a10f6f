"""The Firebase adapter against the Firebase Auth emulator (started once per session by the plugin)."""

from __future__ import annotations

import time

import pytest

from auth import firebase as adapter
from auth.firebase import InvalidIdToken
from blinkit.errors import NotFound
from local.firebase_emulator import FirebaseAuthEmulator

pytestmark = pytest.mark.emulator


def test_phone_otp_user(firebase: FirebaseAuthEmulator) -> None:
    uid, id_token = firebase.sign_in_with_phone("+919812345678")
    claims = adapter.verify_id_token(id_token)
    assert claims["uid"] == uid
    assert claims["firebase"]["sign_in_provider"] == "phone"
    assert claims["phone_number"] == "+919812345678"


def test_email_password_user(firebase: FirebaseAuthEmulator) -> None:
    uid = firebase.create_user(email="asha@example.com", password="s3cret-pass", display_name="Asha")
    signed_in_uid, id_token = firebase.sign_in_with_password("asha@example.com", "s3cret-pass")
    claims = adapter.verify_id_token(id_token)
    assert signed_in_uid == uid == claims["uid"]
    assert claims["email"] == "asha@example.com"
    assert claims["firebase"]["sign_in_provider"] == "password"


def test_google_sign_in(firebase: FirebaseAuthEmulator) -> None:
    google_token = firebase.google_id_token("google-sub-42", "ravi@example.com", "Ravi Kumar")
    id_token = adapter.sign_in_with_google(google_token)
    claims = adapter.verify_id_token(id_token)
    assert claims["firebase"]["sign_in_provider"] == "google.com"
    assert claims["email"] == "ravi@example.com"
    assert claims["name"] == "Ravi Kumar"
    # The same Google account maps to the same Firebase user on the next sign-in.
    again = adapter.verify_id_token(adapter.sign_in_with_google(google_token))
    assert again["uid"] == claims["uid"]


def test_google_sign_in_rejects_garbage(firebase: FirebaseAuthEmulator) -> None:
    with pytest.raises(InvalidIdToken) as caught:
        adapter.sign_in_with_google("definitely-not-a-google-token")
    assert caught.value.status == 401
    assert caught.value.code == "invalid-id-token"


def test_revoked_token_is_rejected(firebase: FirebaseAuthEmulator) -> None:
    uid, id_token = firebase.sign_in_with_phone("+919800000001")
    assert adapter.verify_id_token(id_token)["uid"] == uid
    time.sleep(1.1)  # revocation is recorded in whole seconds; a token from the same second stays valid
    adapter.revoke_refresh_tokens(uid)
    with pytest.raises(InvalidIdToken) as caught:
        adapter.verify_id_token(id_token, check_revoked=True)
    assert caught.value.status == 401
    assert "revoked" in caught.value.detail
    # Without the revocation check the (unexpired) token still decodes: callers must opt in.
    assert adapter.verify_id_token(id_token, check_revoked=False)["uid"] == uid


def test_disabled_user_is_rejected(firebase: FirebaseAuthEmulator) -> None:
    from firebase_admin import auth

    uid, id_token = firebase.sign_in_with_phone("+919800000002")
    auth.update_user(uid, disabled=True, app=adapter._get_app())
    with pytest.raises(InvalidIdToken) as caught:
        adapter.verify_id_token(id_token)
    assert "disabled" in caught.value.detail


def test_custom_claims_round_trip(firebase: FirebaseAuthEmulator) -> None:
    uid = firebase.create_user(phone_number="+919800000003")
    adapter.set_custom_claims(uid, {"roles": ["store_staff"], "store_id": "S1"})
    user = adapter.get_user(uid)
    assert user["uid"] == uid
    assert user["phone_number"] == "+919800000003"
    assert user["custom_claims"] == {"roles": ["store_staff"], "store_id": "S1"}
    # New tokens carry the claims.
    assert adapter.verify_id_token(firebase.id_token_for(uid))["roles"] == ["store_staff"]


def test_get_user_unknown_is_not_found(firebase: FirebaseAuthEmulator) -> None:
    with pytest.raises(NotFound) as caught:
        adapter.get_user("no-such-user")
    assert caught.value.status == 404
    with pytest.raises(NotFound):
        adapter.revoke_refresh_tokens("no-such-user")
