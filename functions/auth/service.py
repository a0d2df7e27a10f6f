"""The auth domain's rules: sign-in, sessions, profile, addresses, devices, roles.

No HTTP here: functions take plain values and raise `blinkit.errors.Problem`s; the call to the cart domain is
in `auth.upstream`. Firebase is imported inside the functions that need it, so routes that never call
Firebase do not pay for its import.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from auth import store
from auth.sessions import Session, hash_token, mint_token, new_session

# The session store and the verdict live in auth.verdict (the authorizer imports it alone); the routes, the
# sign-in and the tests use them through here.
from auth.verdict import authorize as authorize
from auth.verdict import bearer_token as bearer_token
from auth.verdict import session_policy, sessions
from blinkit import clock
from blinkit.errors import NotFound, Unprocessable
from blinkit.ids import new_id
from blinkit.observability import logger, metrics
from blinkit.principal import Principal, Role
from blinkit.ratelimit import check_rate
from blinkit.redis_client import get_redis
from blinkit.settings import get_settings

MAX_ADDRESSES = 10
MAX_DEVICES = 10
DEFAULT_ROLES = (Role.CUSTOMER.value,)
USERS_LIST = "users"  # the cursor scope of GET /internal/users: one list, no filters


# Sign-in -------------------------------------------------------------------------------------------


def _limit_ip(ip: str, *, action: str = "sign-in") -> None:
    """The per-address limit: each action (sign-in, token check) counts against its own budget of that size."""
    s = get_settings()
    key = f"auth:rl:ip:{ip}" if action == "sign-in" else f"auth:rl:{action}:ip:{ip}"
    check_rate(get_redis(), key, limit=s.login_rate_per_ip, window_seconds=s.login_rate_window_seconds,
               what=f"{action} attempts from this address")


def _limit_user(uid: str) -> None:
    s = get_settings()
    check_rate(get_redis(), f"auth:rl:user:{uid}", limit=s.login_rate_per_user,
               window_seconds=s.login_rate_window_seconds, what="sign-in attempts for this account")


def login_with_id_token(id_token: str, device_name: str, platform: str, ip: str,
                        guest_cart_id: str | None = None) -> dict[str, Any]:
    from auth import firebase

    _limit_ip(ip)  # before the expensive verification, so a flood costs us little
    claims = firebase.verify_id_token(id_token, check_revoked=True)
    return _login(claims, device_name, platform, guest_cart_id)


def login_with_google(google_id_token: str, device_name: str, platform: str, ip: str,
                      guest_cart_id: str | None = None) -> dict[str, Any]:
    from auth import firebase

    _limit_ip(ip)
    id_token = firebase.sign_in_with_google(google_id_token)
    claims = firebase.verify_id_token(id_token, check_revoked=True)
    return _login(claims, device_name, platform, guest_cart_id)


def _merge_guest_cart(uid: str, guest_cart_id: str) -> str:
    """Merge a guest cart into the user's. Never raises: sign-in must not fail because of the cart, so a
    failure is logged and reported as "failed" (the guest cart stays)."""
    from auth import upstream  # the HTTP client (httpx) only for the sign-ins that bring a guest cart

    try:
        upstream.merge_guest_cart(uid, guest_cart_id)
        return "merged"
    except upstream.CartMergeRefused as exc:
        logger.warning("guest cart merge refused", extra={"status": exc.status, "body": exc.body})
    except Exception as exc:  # any failure, including the breaker: the session is what matters here
        logger.warning("guest cart merge failed", extra={"error": type(exc).__name__, "detail": str(exc)[:300]})
    metrics.add_metric(name="CartMergeFailures", unit="Count", value=1)
    return "failed"


def _login(claims: dict[str, Any], device_name: str, platform: str,
           guest_cart_id: str | None = None) -> dict[str, Any]:
    uid = claims["uid"]
    _limit_user(uid)
    now = clock.now()
    provider = (claims.get("firebase") or {}).get("sign_in_provider")
    verified_email = _verified_email(claims)
    user, is_new = store.create_user_if_absent(
        store.UserRecord(
            pk=store.user_pk(uid),
            uid=uid,
            phone_number=claims.get("phone_number"),
            email=verified_email,
            email_verified=True if verified_email else None,
            name=claims.get("name"),
            roles=list(DEFAULT_ROLES),
            providers=[provider] if provider else [],
            created_at=now,
            updated_at=now,
        )
    )
    metrics.add_metric(name="Logins", unit="Count", value=1)
    if is_new:
        metrics.add_metric(name="SignUps", unit="Count", value=1)
    elif verified_email:
        _adopt_verified_email(user, verified_email, now)
    token = mint_token()
    session = new_session(new_id("ses_"), uid, device_name, platform, tuple(user.roles), now, session_policy(),
                          store_id=user.store_id)
    sessions().create(session, hash_token(token), now)
    result = {
        "session_token": token,
        "session_id": session.session_id,
        "expires_at": session.expires_at,
        "user": user_view(user),
        "is_new_user": is_new,
    }
    if guest_cart_id:
        result["cart_merge"] = _merge_guest_cart(uid, guest_cart_id)
    return result


def validate_id_token(id_token: str, ip: str) -> dict[str, Any]:
    from auth import firebase

    _limit_ip(ip, action="token-check")  # as sign-in: an open oracle for guessed or stolen tokens otherwise
    claims = firebase.verify_id_token(id_token, check_revoked=True)
    return {
        "valid": True,
        "uid": claims["uid"],
        "provider": (claims.get("firebase") or {}).get("sign_in_provider"),
        "claims": claims,
    }


# Sessions ------------------------------------------------------------------------------------------


def refresh_session(principal: Principal, token: str | None) -> dict[str, Any]:
    """Rotate the token: a new secret for the same session; the old one stops working at once."""
    store_ = sessions()
    old_hash = hash_token(token or "")
    session = store_.get(old_hash)
    if session is None or session.session_id != principal.session_id:
        raise NotFound("The session has already ended", code="session-ended")
    new_token = mint_token()
    if not store_.rotate(old_hash, hash_token(new_token), session, clock.now()):
        raise NotFound("The session has already ended", code="session-ended")
    return {"session_token": new_token, "session_id": session.session_id, "expires_at": session.expires_at}


def list_sessions(principal: Principal) -> list[dict[str, Any]]:
    found = sorted(sessions().list(principal.uid), key=lambda s: s.created_at, reverse=True)
    return [_session_view(s, current=s.session_id == principal.session_id) for s in found]


def _session_view(s: Session, *, current: bool) -> dict[str, Any]:
    return {
        "session_id": s.session_id,
        "device": {"name": s.device_name, "platform": s.platform},
        "created_at": s.created_at,
        "last_seen_at": s.last_seen_at,
        "expires_at": s.expires_at,
        "current": current,
    }


def end_session(principal: Principal, session_id: str) -> None:
    """End one of the caller's sessions and forget the push tokens it registered. The devices go first: if ending
    the session then fails, a retry still can (the other way round, the retry would find no session to act as)."""
    # Only the caller's own devices and index are consulted, so another user's id is simply not found (404).
    _remove_devices_of_sessions(principal.uid, session_id)
    if not sessions().delete(principal.uid, session_id):
        raise NotFound("No such session")


def end_all_sessions(principal: Principal) -> None:
    from auth import firebase

    _remove_devices_of_sessions(principal.uid)
    sessions().delete_all(principal.uid)
    firebase.revoke_refresh_tokens(principal.uid)


# Profile -------------------------------------------------------------------------------------------


def user_view(user: store.UserRecord) -> dict[str, Any]:
    confirmed = bool(user.email_verified)
    return {
        "uid": user.uid,
        "phone_number": user.phone_number,
        "email": user.email if confirmed else None,
        # An address from before verification existed (no flag) is shown as what it is: not confirmed yet.
        "pending_email": user.pending_email or (user.email if not confirmed else None),
        "name": user.name,
        "roles": list(user.roles),
        "store_id": user.store_id,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def get_me(principal: Principal) -> dict[str, Any]:
    user = store.get_user(principal.uid)
    if user is None:
        raise NotFound("No such user")
    return user_view(user)


def update_me(principal: Principal, changes: dict[str, Any]) -> dict[str, Any]:
    """Change name and/or email. A new email is only pending until confirmed through the link sent to it; until
    then the confirmed one (if any) keeps getting the order emails, and the new one gets nothing but the link."""
    if not changes:
        raise Unprocessable("Send at least one field to change", errors=[{"field": "body", "message": "empty"}])
    now, link = clock.now(), None
    fields = {k: v for k, v in changes.items() if k != "email"}
    if "email" in changes:
        user = store.get_user(principal.uid)
        if user is None:
            raise NotFound("No such user")
        email_fields, link = _email_change(user, changes["email"], now)
        fields.update(email_fields)
    store.update_user(principal.uid, now, **fields)
    if link is not None:
        _send_confirmation(principal.uid, changes["email"], link, now)
    return get_me(principal)


# Email confirmation --------------------------------------------------------------------------------

EMAIL_TOKEN_LIFETIME = timedelta(hours=24)
EMAIL_LINKS_PER_HOUR = 5  # confirmation emails a user can have sent in an hour (a new address or a re-send)
_UNSET_PENDING = {"pending_email": None, "email_token_hash": None, "email_token_expires_at": None}


def _verified_email(claims: dict[str, Any]) -> str | None:
    """The sign-in's email if the identity provider vouches for it (Google: `email_verified`), lower-cased."""
    email = claims.get("email")
    return email.lower() if isinstance(email, str) and email and claims.get("email_verified") is True else None


def _adopt_verified_email(user: store.UserRecord, email: str, now: datetime) -> None:
    """A verified sign-in's email becomes the confirmed one of a user who has none confirmed (or had this very
    address unconfirmed); a confirmed address the user chose stays theirs."""
    if user.email_verified and user.email:
        return
    changes: dict[str, Any] = {"email": email, "email_verified": True}
    if user.pending_email == email:
        changes.update(_UNSET_PENDING)
    store.update_user(user.uid, now, **changes)
    for name, value in changes.items():
        setattr(user, name, value)


def _email_change(user: store.UserRecord, email: str | None, now: datetime) -> tuple[dict[str, Any], str | None]:
    """The profile fields a PATCH of `email` writes, and the confirmation token to send (None: nothing to send)."""
    if email is None:  # remove the address, confirmed or pending
        return {"email": None, "email_verified": None, **_UNSET_PENDING}, None
    if user.email == email and user.email_verified:  # back to the confirmed address: drop any pending change
        return dict(_UNSET_PENDING), None
    check_rate(get_redis(), f"auth:rl:email-link:{user.uid}", limit=EMAIL_LINKS_PER_HOUR, window_seconds=3600,
               what="confirmation emails")
    token = secrets.token_urlsafe(32)
    return {"pending_email": email, "email_token_hash": hash_token(token),
            "email_token_expires_at": now + EMAIL_TOKEN_LIFETIME}, token


def _send_confirmation(uid: str, email: str, token: str, now: datetime) -> None:
    from auth import upstream

    link = f"{get_settings().web_base_url.rstrip('/')}/verify-email?{urlencode({'token': token})}"
    upstream.notify({"type": "email.verify", "user_id": uid, "channels": ["email"],
                     "data": {"email": email, "link": link, "expires_at": clock.iso(now + EMAIL_TOKEN_LIFETIME)},
                     "idempotency_key": f"email.verify:{uid}:{hash_token(token)[:32]}"})


def verify_email(principal: Principal, token: str) -> dict[str, Any]:
    """Confirm the caller's pending email with the token its link carried: single-use, 24 hours. Any other token
    (wrong, spent, replaced by a newer link, another user's) is 422 `invalid-email-token`; an old one
    `expired-email-token`."""
    user = store.get_user(principal.uid)
    if user is None:
        raise NotFound("No such user")
    now, token_hash = clock.now(), hash_token(token)
    sent = user.email_token_hash if user.pending_email else None  # the hash of the one live link, if any
    if not sent or not hmac.compare_digest(sent, token_hash):
        raise _email_token_problem("This confirmation link is not valid (used, replaced by a newer one, or not "
                                   "yours); ask for a new one", "invalid-email-token")
    if user.email_token_expires_at is None or user.email_token_expires_at <= now:
        raise _email_token_problem("This confirmation link has expired; ask for a new one", "expired-email-token")
    if not store.confirm_email(principal.uid, token_hash, user.pending_email, now):
        raise _email_token_problem("This confirmation link was just used or replaced", "invalid-email-token")
    return get_me(principal)


def _email_token_problem(detail: str, code: str) -> Unprocessable:
    return Unprocessable(detail, code=code, errors=[{"field": "token", "message": detail, "code": code}])


# Addresses -----------------------------------------------------------------------------------------

_REQUIRED_ADDRESS_FIELDS = ("label", "line1", "city", "pincode", "lat", "lng")


def address_view(a: store.AddressRecord) -> dict[str, Any]:
    return {k: getattr(a, k) for k in (
        "address_id", "label", "line1", "line2", "landmark", "city", "pincode", "lat", "lng", "created_at", "updated_at"
    )}


def list_addresses(principal: Principal) -> list[dict[str, Any]]:
    return [address_view(a) for a in store.list_addresses(principal.uid)]


def get_address(uid: str, address_id: str) -> dict[str, Any]:
    """One saved address of a user (the orders domain snapshots it at checkout; IAM-authorised)."""
    found = store.get_address(uid, address_id)
    if found is None:
        raise NotFound("No such address", code="unknown-address")
    return address_view(found)


def add_address(principal: Principal, fields: dict[str, Any]) -> dict[str, Any]:
    now = clock.now()
    address_id = new_id("adr_")
    record = store.AddressRecord(
        pk=store.user_pk(principal.uid), sk=store.ADDRESS + address_id, address_id=address_id,
        created_at=now, updated_at=now, **fields,
    )
    store.add_address(record, limit=MAX_ADDRESSES)
    return address_view(record)


def update_address(principal: Principal, address_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    nulled = [k for k in _REQUIRED_ADDRESS_FIELDS if k in changes and changes[k] is None]
    if nulled:
        raise Unprocessable("These fields cannot be removed",
                            errors=[{"field": k, "message": "must not be null"} for k in nulled])
    if not changes:
        raise Unprocessable("Send at least one field to change", errors=[{"field": "body", "message": "empty"}])
    record = store.update_address(principal.uid, address_id, clock.now(), changes)
    record.refresh(consistent_read=True)
    return address_view(record)


def delete_address(principal: Principal, address_id: str) -> None:
    store.delete_address(principal.uid, address_id)


# Devices -------------------------------------------------------------------------------------------


def register_device(principal: Principal, token: str, platform: str) -> dict[str, Any]:
    """Register a push token for the caller's session. A token belongs to one account: registering it moves it
    here from whoever held it (a shared phone's previous user gets no more pushes on it)."""
    record = store.claim_device(
        principal.uid,
        store.DeviceRecord(pk=store.user_pk(principal.uid), sk=store.device_sk(token), token=token,
                           platform=platform, registered_at=clock.now(), session_id=principal.session_id),
        limit=MAX_DEVICES,
    )
    return {"token": record.token, "platform": record.platform, "registered_at": record.registered_at}


def remove_device(principal: Principal, token: str) -> None:
    store.remove_device(principal.uid, token)


def _remove_devices_of_sessions(uid: str, session_id: str | None = None) -> None:
    """Forget the push tokens registered by one session of the user (every session's when `session_id` is None):
    a signed-out phone gets no more of this user's pushes."""
    for device in store.list_devices(uid):
        if session_id is None or device.session_id == session_id:
            with contextlib.suppress(NotFound):  # removed meanwhile (FCM said it was dead, another logout)
                store.remove_device(uid, device.token)


# For the notifications domain (IAM-authorised internal routes) ------------------------------------


def contact(uid: str) -> dict[str, Any]:
    """Where to reach a user: their confirmed email and the push tokens they hold (a token another account has
    since registered is theirs now, even where this user's device item is left from before owners were kept)."""
    user = store.get_user(uid)
    if user is None:
        raise NotFound("No such user")
    tokens = [d.token for d in store.list_devices(uid)]
    owners = store.token_owners(tokens) if tokens else {}
    email = user.email if user.email_verified else None  # an unconfirmed address never gets an order email
    return {"uid": uid, "name": user.name, "email": email, "phone": user.phone_number,
            "device_tokens": [t for t in tokens if owners.get(t, uid) == uid]}


def remove_device_of(uid: str, token: str) -> None:
    """Forget a push token FCM reported as no longer registered (404 when it is already gone)."""
    store.remove_device(uid, token)


def user_ids(limit: int, cursor: str | None) -> dict[str, Any]:
    from blinkit.cursor import decode_cursor, encode_cursor

    uids, last = store.user_ids_page(limit, decode_cursor(cursor, scope=USERS_LIST))
    return {"users": uids, "next_cursor": encode_cursor(last, scope=USERS_LIST)}


# Roles ---------------------------------------------------------------------------------------------


def set_roles(uid: str, roles: list[str], store_id: str | None = None, *, check_store: bool = True
              ) -> dict[str, Any]:
    """Custom claims in Firebase (for clients that read them), the user record, and live sessions.

    Store staff work at one dark store, so `store_staff` needs a `store_id` that products lists as active
    (`check_store`; 422 `unknown-store`); other roles drop it.

    Three writes in three systems cannot be one transaction, so they are ordered for failure: whichever step
    fails (Redis, Firebase, DynamoDB), no live session is left more powerful than the user record, and the
    admin's retry of the same request completes the change (every step is idempotent):
    1. live sessions narrowed to what both the old and the new grant (their roles also in the new ones, their
       store only if it stays), so a demotion takes effect first;
    2. Firebase claims, then the record, to the new roles;
    3. live sessions to the new roles (a promotion takes effect last).
    """
    from auth import firebase

    if Role.STORE_STAFF.value in roles and not store_id:
        raise Unprocessable("store_staff needs the store_id of the store they work at",
                            errors=[{"field": "store_id", "message": "required with store_staff"}])
    if Role.STORE_STAFF.value not in roles:
        store_id = None
    if store.get_user(uid) is None:
        raise NotFound("No such user")
    if store_id and check_store:
        from auth import upstream  # the HTTP client only for the role changes that name a store

        upstream.require_active_store(store_id)
    live = sessions()
    live.narrow_roles(uid, tuple(roles), store_id)
    existing = firebase.get_user(uid).get("custom_claims") or {}
    claims = {**existing, "roles": roles, "store_id": store_id}
    firebase.set_custom_claims(uid, {k: v for k, v in claims.items() if v is not None})
    store.update_user(uid, clock.now(), roles=roles, store_id=store_id)
    live.set_roles(uid, tuple(roles), store_id)
    return {"uid": uid, "roles": roles, "store_id": store_id}


def grant_role(uid: str, role: str) -> dict[str, Any]:
    """Add one role to a user's roles (idempotent), through the same steps as `set_roles`. The store a staff
    member already works at is kept as it is, not checked again."""
    user = store.get_user(uid)
    if user is None:
        raise NotFound("No such user")
    roles = list(user.roles or [])
    if role not in roles:
        roles.append(role)
    return set_roles(uid, roles, user.store_id, check_store=False)
