"""Firebase Auth adapter: ID-token verification, Google sign-in and the few admin calls the auth domain needs.

firebase_admin is imported inside the functions, never at module level, so only the Lambdas that actually
talk to Firebase pay for it on a cold start, and importing this module does no network I/O. Every
firebase_admin error leaves as a `Problem`: `InvalidIdToken` (401) or `FirebaseUnavailable` (503).

With FIREBASE_AUTH_EMULATOR_HOST set, firebase_admin routes admin calls to the emulator with a fake
"owner" bearer token and does NOT check token signatures; settings refuse that combination in prod.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from blinkit.errors import NotFound, ServiceUnavailable, Unauthorized
from blinkit.settings import get_settings

if TYPE_CHECKING:
    import httpx
    from firebase_admin import App
    from firebase_admin.credentials import Base as FirebaseCredential
    from google.auth.credentials import Credentials as GoogleCredentials

logger = logging.getLogger(__name__)

APP_NAME = "blinkit"
HTTP_TIMEOUT_SECONDS = 5.0  # well inside an API Gateway request's 29 s budget
CONFIG_MAX_AGE_SECONDS = 300  # Powertools Parameters cache for the secret and the web API key
IDENTITY_TOOLKIT = "identitytoolkit.googleapis.com/v1"

# Identity Toolkit error codes that mean "this credential is no good", as opposed to our own
# misconfiguration (bad API key, provider not enabled) or an outage.
_REJECTED_CREDENTIAL_CODES = frozenset(
    {
        "INVALID_IDP_RESPONSE",
        "INVALID_ID_TOKEN",
        "INVALID_CREDENTIAL_OR_PROVIDER_ID",
        "MISSING_OR_INVALID_NONCE",
        "TOKEN_EXPIRED",
        "USER_DISABLED",
        "USER_NOT_FOUND",
        "FEDERATED_USER_ID_ALREADY_LINKED",
        "EMAIL_EXISTS",
    }
)


class InvalidIdToken(Unauthorized):
    """The presented token or credential cannot be trusted; `reason` is a stable slug for logs and tests."""

    code = "invalid-id-token"

    def __init__(self, detail: str, *, reason: str = "invalid", **kw: Any) -> None:
        self.reason = reason
        super().__init__(detail, **kw)


class FirebaseUnavailable(ServiceUnavailable):
    code = "firebase-unavailable"

    def __init__(self, detail: str = "Firebase Authentication is unavailable, try again shortly", **kw: Any) -> None:
        super().__init__(detail, **kw)


# --- the firebase_admin app -------------------------------------------------------------------------

_app: App | None = None
_app_lock = threading.Lock()  # the local gateway may run handlers on several threads


def _credential() -> FirebaseCredential | GoogleCredentials:
    from google.auth.credentials import AnonymousCredentials

    settings = get_settings()
    if settings.firebase_auth_emulator_host or not settings.firebase_credentials_secret:
        # The emulator needs no real credential (firebase_admin swaps in its own fake one), and verifying
        # ID tokens only needs Google's public certificates. Passing *some* credential stops firebase_admin
        # from falling back to Application Default Credentials, which would probe the GCE metadata server.
        return AnonymousCredentials()

    from aws_lambda_powertools.utilities import parameters
    from firebase_admin import credentials

    secret = parameters.get_secret(settings.firebase_credentials_secret, max_age=CONFIG_MAX_AGE_SECONDS)
    info = json.loads(secret) if isinstance(secret, (str, bytes)) else secret
    return credentials.Certificate(info)


def _get_app() -> App:
    global _app
    if _app is None:
        with _app_lock:
            if _app is None:
                _app = _init_app()
    return _app


def _init_app() -> App:
    import firebase_admin

    settings = get_settings()
    # A leftover app of ours (e.g. from another copy of this module) would carry stale config.
    with contextlib.suppress(ValueError):
        firebase_admin.delete_app(firebase_admin.get_app(APP_NAME))
    options = {"projectId": settings.firebase_project_id, "httpTimeout": HTTP_TIMEOUT_SECONDS}
    return firebase_admin.initialize_app(_credential(), options, name=APP_NAME)


def reset_app() -> None:
    """Forget the initialised app so the next call re-reads settings (tests, emulator restarts)."""
    global _app
    with _app_lock:
        if _app is not None:
            import firebase_admin

            with contextlib.suppress(ValueError):  # already deleted elsewhere
                firebase_admin.delete_app(_app)
            _app = None


# --- error mapping ----------------------------------------------------------------------------------


def _token_problem(message: str) -> InvalidIdToken:
    """Turn firebase_admin/google-auth wording into a short reason a client can act on."""
    checks: list[tuple[str, str, str]] = [
        ("Token expired", "expired", "The ID token has expired"),
        ("Token used too early", "not-yet-valid", "The ID token is not valid yet (issued in the future)"),
        ("Certificate for key id", "unknown-key", "The ID token was signed with an unknown key"),
        ("Could not verify token signature", "bad-signature", "The ID token signature is invalid"),
        ('"aud"', "wrong-audience", "The ID token was issued for another Firebase project (audience)"),
        ("wrong audience", "wrong-audience", "The ID token was issued for another Firebase project (audience)"),
        ('"iss"', "wrong-issuer", "The ID token has the wrong issuer"),
        ("custom token", "not-an-id-token", "A custom token was given where an ID token is required"),
        ('"kid"', "bad-signature", "The ID token is not signed like a Firebase ID token"),
        ("incorrect algorithm", "bad-signature", "The ID token is not signed like a Firebase ID token"),
        ('"sub"', "malformed", "The ID token has no valid subject"),
    ]
    for needle, reason, detail in checks:
        if needle in message:
            return InvalidIdToken(detail, reason=reason)
    return InvalidIdToken("The ID token is malformed", reason="malformed")


def _translate(exc: Exception, *, what: str) -> Exception:
    """Map a firebase_admin exception to a Problem; any other Firebase error is treated as an outage."""
    from firebase_admin import auth

    if isinstance(exc, auth.RevokedIdTokenError):
        return InvalidIdToken("The ID token has been revoked, sign in again", reason="revoked")
    if isinstance(exc, auth.ExpiredIdTokenError):
        return InvalidIdToken("The ID token has expired", reason="expired")
    if isinstance(exc, auth.UserDisabledError):
        return InvalidIdToken("The user account is disabled", reason="user-disabled")
    if isinstance(exc, auth.InvalidIdTokenError):
        return _token_problem(str(exc))
    if isinstance(exc, auth.CertificateFetchError):
        logger.warning("could not fetch Firebase token certificates: %s", exc)
        return FirebaseUnavailable()
    if isinstance(exc, auth.UserNotFoundError):
        return NotFound("No such user")
    logger.warning("%s failed: %s", what, exc)
    return FirebaseUnavailable()


def _check_uid(uid: str) -> None:
    # firebase_admin raises ValueError for these; a uid that cannot exist is simply not found.
    if not isinstance(uid, str) or not uid or len(uid) > 128:
        raise NotFound("No such user")


# --- public API -------------------------------------------------------------------------------------


def verify_id_token(id_token: str, *, check_revoked: bool = True) -> dict[str, Any]:
    """Verify a Firebase ID token and return its claims (uid, firebase.sign_in_provider, email...)."""
    from firebase_admin import auth, exceptions

    if not isinstance(id_token, str) or not id_token.strip():
        raise InvalidIdToken("The ID token is malformed (missing or empty)", reason="malformed")
    try:
        return auth.verify_id_token(id_token, app=_get_app(), check_revoked=check_revoked)
    except auth.UserNotFoundError as exc:  # check_revoked looked the user up and it is gone
        raise InvalidIdToken("The ID token's user no longer exists", reason="user-not-found") from exc
    except ValueError as exc:  # firebase_admin's own argument checks
        raise InvalidIdToken("The ID token is malformed", reason="malformed") from exc
    except exceptions.FirebaseError as exc:
        raise _translate(exc, what="verify_id_token") from exc


def _web_api_key() -> str:
    settings = get_settings()
    if settings.firebase_web_api_key_parameter:
        from aws_lambda_powertools.utilities import parameters

        return str(
            parameters.get_parameter(
                settings.firebase_web_api_key_parameter, decrypt=True, max_age=CONFIG_MAX_AGE_SECONDS
            )
        )
    return settings.firebase_web_api_key


def _identity_toolkit_url(method: str) -> str:
    emulator = get_settings().firebase_auth_emulator_host
    base = f"http://{emulator}/{IDENTITY_TOOLKIT}" if emulator else f"https://{IDENTITY_TOOLKIT}"
    return f"{base}/{method}"


@lru_cache(maxsize=1)
def _http() -> httpx.Client:
    import httpx

    # One client per container, so warm invocations reuse the TLS connection to Google.
    return httpx.Client(timeout=HTTP_TIMEOUT_SECONDS)


def sign_in_with_google(google_id_token: str) -> str:
    """Exchange a Google ID token for a Firebase ID token (creating the Firebase user on first sign-in)."""
    import httpx

    if not isinstance(google_id_token, str) or not google_id_token.strip():
        raise InvalidIdToken("The Google credential is missing or empty", reason="malformed")
    body = {
        "postBody": urlencode({"id_token": google_id_token, "providerId": "google.com"}),
        "requestUri": "http://localhost",
        "returnSecureToken": True,
        "returnIdpCredential": True,
    }
    try:
        response = _http().post(
            _identity_toolkit_url("accounts:signInWithIdp"), params={"key": _web_api_key()}, json=body
        )
    except httpx.HTTPError as exc:
        logger.warning("signInWithIdp unreachable: %r", exc)
        raise FirebaseUnavailable() from exc

    if response.status_code == 200:
        with contextlib.suppress(ValueError, AttributeError):
            id_token = response.json().get("idToken")
            if isinstance(id_token, str) and id_token:
                return id_token
        logger.warning("signInWithIdp returned no idToken")
        raise FirebaseUnavailable()

    try:
        message = str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = response.text[:200]
    error_code = message.split(" ", 1)[0].split(":", 1)[0]
    if 400 <= response.status_code < 500 and error_code in _REJECTED_CREDENTIAL_CODES:
        reason = "user-disabled" if error_code == "USER_DISABLED" else "rejected"
        raise InvalidIdToken("The Google credential was rejected by Firebase", reason=reason)
    # Anything else (bad API key, provider disabled, 5xx) is ours or theirs, not the client's.
    logger.warning("signInWithIdp failed: HTTP %s %s", response.status_code, message)
    raise FirebaseUnavailable()


def revoke_refresh_tokens(uid: str) -> None:
    """Invalidate every refresh token of the user; ID tokens issued before now fail check_revoked."""
    from firebase_admin import auth, exceptions

    _check_uid(uid)
    try:
        auth.revoke_refresh_tokens(uid, app=_get_app())
    except exceptions.FirebaseError as exc:
        raise _translate(exc, what="revoke_refresh_tokens") from exc


def set_custom_claims(uid: str, claims: dict[str, Any]) -> None:
    """Replace the user's custom claims; they appear in ID tokens minted after this call."""
    from firebase_admin import auth, exceptions

    _check_uid(uid)
    try:
        auth.set_custom_user_claims(uid, claims, app=_get_app())
    except exceptions.FirebaseError as exc:
        raise _translate(exc, what="set_custom_claims") from exc


def get_user(uid: str) -> dict[str, Any]:
    from firebase_admin import auth, exceptions

    _check_uid(uid)
    try:
        user = auth.get_user(uid, app=_get_app())
    except exceptions.FirebaseError as exc:
        raise _translate(exc, what="get_user") from exc
    return {
        "uid": user.uid,
        "email": user.email,
        "phone_number": user.phone_number,
        "display_name": user.display_name,
        "custom_claims": dict(user.custom_claims or {}),
        "disabled": user.disabled,
    }
