"""The adapter's AWS wiring: service account from Secrets Manager, web API key from SSM, signInWithIdp calls."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws

from auth import firebase
from auth.firebase import FirebaseUnavailable, InvalidIdToken
from blinkit.settings import get_settings


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from aws_lambda_powertools.utilities import parameters

    for name in ("FIREBASE_AUTH_EMULATOR_HOST", "FIREBASE_CREDENTIALS_SECRET", "FIREBASE_WEB_API_KEY_PARAMETER"):
        monkeypatch.delenv(name, raising=False)
    parameters.clear_caches()
    get_settings.cache_clear()
    firebase.reset_app()
    with mock_aws():
        yield
    parameters.clear_caches()
    get_settings.cache_clear()
    firebase.reset_app()


def _service_account() -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": "demo-blinkit",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": "firebase-adminsdk@demo-blinkit.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


@pytest.mark.usefixtures("aws")
def test_service_account_comes_from_secrets_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    boto3.client("secretsmanager").create_secret(Name="blinkit/firebase", SecretString=json.dumps(_service_account()))
    monkeypatch.setenv("FIREBASE_CREDENTIALS_SECRET", "blinkit/firebase")
    get_settings.cache_clear()

    app = firebase._get_app()
    assert app.project_id == "demo-blinkit"
    assert app.credential.service_account_email.startswith("firebase-adminsdk@")
    assert firebase._get_app() is app  # cached: the secret is read once per container


def _capture(monkeypatch: pytest.MonkeyPatch, status: int, payload: Any) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=payload)

    monkeypatch.setattr(firebase, "_http", lambda: httpx.Client(transport=httpx.MockTransport(handler)))
    return seen


@pytest.mark.usefixtures("aws")
def test_google_sign_in_calls_identity_toolkit_with_the_ssm_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    boto3.client("ssm").put_parameter(Name="/blinkit/firebase/web-api-key", Value="AIza-test", Type="SecureString")
    monkeypatch.setenv("FIREBASE_WEB_API_KEY_PARAMETER", "/blinkit/firebase/web-api-key")
    get_settings.cache_clear()
    seen = _capture(monkeypatch, 200, {"idToken": "firebase-id-token"})

    assert firebase.sign_in_with_google("google.jwt") == "firebase-id-token"
    (request,) = seen
    assert str(request.url) == "https://identitytoolkit.googleapis.com/v1/accounts:signInWithIdp?key=AIza-test"
    body = json.loads(request.content)
    assert body["postBody"] == "id_token=google.jwt&providerId=google.com"
    assert body["requestUri"] == "http://localhost"
    assert body["returnSecureToken"] is True


@pytest.mark.usefixtures("aws")
def test_google_sign_in_goes_to_the_emulator_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
    get_settings.cache_clear()
    seen = _capture(monkeypatch, 200, {"idToken": "t"})
    firebase.sign_in_with_google("google.jwt")
    assert str(seen[0].url) == (
        "http://127.0.0.1:9099/identitytoolkit.googleapis.com/v1/accounts:signInWithIdp?key=local-emulator-key"
    )


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (400, "INVALID_IDP_RESPONSE : Invalid Idp Response", InvalidIdToken),
        (400, "USER_DISABLED", InvalidIdToken),
        (400, "API key not valid. Please pass a valid API key.", FirebaseUnavailable),
        (400, "OPERATION_NOT_ALLOWED", FirebaseUnavailable),
        (503, "UNAVAILABLE", FirebaseUnavailable),
    ],
)
@pytest.mark.usefixtures("aws")
def test_google_sign_in_error_mapping(
    monkeypatch: pytest.MonkeyPatch, status: int, message: str, expected: type[Exception]
) -> None:
    _capture(monkeypatch, status, {"error": {"code": status, "message": message}})
    with pytest.raises(expected):
        firebase.sign_in_with_google("google.jwt")


@pytest.mark.usefixtures("aws")
def test_google_sign_in_network_failure_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    monkeypatch.setattr(firebase, "_http", lambda: httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(FirebaseUnavailable) as caught:
        firebase.sign_in_with_google("google.jwt")
    assert caught.value.status == 503
