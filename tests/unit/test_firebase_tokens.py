"""Real RS256 Firebase ID tokens checked by firebase_admin through the adapter, with no emulator.

firebase_admin fetches Google's signing certificates from a fixed URL; here a loopback HTTP server
serves our own self-signed certificate instead, so the full signature/claims path runs offline.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from auth import firebase
from auth.firebase import FirebaseUnavailable, InvalidIdToken
from blinkit.settings import get_settings

PROJECT = "demo-blinkit"
KID = "test-key-1"


@dataclass(frozen=True)
class SigningKey:
    private_pem: bytes
    cert_pem: str


def make_key(common_name: str = "securetoken.test") -> SigningKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningKey(private_pem, cert.public_bytes(serialization.Encoding.PEM).decode())


@pytest.fixture(scope="module")
def signing_key() -> SigningKey:
    return make_key()


@pytest.fixture(scope="module")
def cert_url(signing_key: SigningKey) -> Iterator[str]:
    """Serve {kid: certificate PEM}, the shape of Google's securetoken x509 endpoint."""
    body = json.dumps({KID: signing_key.cert_pem}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/robot/v1/metadata/x509/securetoken"
    finally:
        server.shutdown()
        server.server_close()


def _use_cert_url(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    from firebase_admin import _token_gen

    # Verification talks to Google only when the emulator is off; the cert URL is read when the
    # app's auth client is built, so the app must be rebuilt after patching.
    monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("FIREBASE_PROJECT_ID", PROJECT)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(_token_gen, "ID_TOKEN_CERT_URI", url)
    get_settings.cache_clear()
    firebase.reset_app()


@pytest.fixture
def real_verification(cert_url: str) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        _use_cert_url(mp, cert_url)
        yield
    # Undo after the environment is restored, so later tests (e.g. emulator ones) rebuild cleanly.
    get_settings.cache_clear()
    firebase.reset_app()


def make_token(key: SigningKey, *, kid: str = KID, **overrides: Any) -> str:
    now = int(time.time())
    uid = overrides.pop("sub", None) or uuid.uuid4().hex[:28]
    claims: dict[str, Any] = {
        "iss": f"https://securetoken.google.com/{PROJECT}",
        "aud": PROJECT,
        "sub": uid,
        "user_id": uid,
        "auth_time": now - 60,
        "iat": now - 60,
        "exp": now + 3540,
        "phone_number": "+919876543210",
        "firebase": {"sign_in_provider": "phone", "identities": {"phone": ["+919876543210"]}},
    }
    claims.update(overrides)
    return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": kid})


def assert_invalid(token: str, *words: str) -> InvalidIdToken:
    with pytest.raises(InvalidIdToken) as caught:
        firebase.verify_id_token(token, check_revoked=False)
    problem = caught.value
    assert problem.status == 401
    assert problem.code == "invalid-id-token"
    assert problem.body()["type"].endswith("/invalid-id-token")
    for word in words:
        assert word in problem.detail.lower(), problem.detail
    return problem


pytestmark = pytest.mark.usefixtures("real_verification")


def test_valid_token_returns_claims(signing_key: SigningKey) -> None:
    claims = firebase.verify_id_token(make_token(signing_key, sub="user-123"), check_revoked=False)
    assert claims["uid"] == "user-123"
    assert claims["firebase"]["sign_in_provider"] == "phone"
    assert claims["phone_number"] == "+919876543210"


def test_signature_from_another_key_with_the_same_kid() -> None:
    forged = make_token(make_key("attacker"))
    assert assert_invalid(forged, "signature").reason == "bad-signature"


def test_expired_token(signing_key: SigningKey) -> None:
    now = int(time.time())
    token = make_token(signing_key, iat=now - 7200, auth_time=now - 7200, exp=now - 3600)
    assert assert_invalid(token, "expired").reason == "expired"


def test_wrong_audience(signing_key: SigningKey) -> None:
    token = make_token(signing_key, aud="someone-elses-project")
    assert assert_invalid(token, "audience").reason == "wrong-audience"


def test_wrong_issuer(signing_key: SigningKey) -> None:
    token = make_token(signing_key, iss="https://securetoken.google.com/someone-elses-project")
    assert assert_invalid(token, "issuer").reason == "wrong-issuer"


def test_unknown_kid(signing_key: SigningKey) -> None:
    token = make_token(signing_key, kid="rotated-away")
    assert assert_invalid(token, "unknown key").reason == "unknown-key"


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "   "])
def test_malformed_token(token: str) -> None:
    assert assert_invalid(token, "malformed").reason == "malformed"


def test_certificate_endpoint_down_is_503(signing_key: SigningKey, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{sock.getsockname()[1]}/certs"
    _use_cert_url(monkeypatch, dead_url)
    with pytest.raises(FirebaseUnavailable) as caught:
        firebase.verify_id_token(make_token(signing_key), check_revoked=False)
    assert caught.value.status == 503
    assert "Retry-After" in caught.value.headers
