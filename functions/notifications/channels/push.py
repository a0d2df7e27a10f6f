"""Push through FCM with firebase-admin's messaging (HTTP v1), to every device token of the user.

firebase-admin posts to a fixed `https://fcm.googleapis.com/v1/projects/{project}/messages:send` (the
`_fcm_url` of its messaging service, set when the service is built). `FCM_ENDPOINT` (locally the loopback
receiver) replaces that host; the credential is the Firebase service account (Secrets Manager in AWS;
locally a fake one whose `token_uri` is the receiver, so google-auth's OAuth exchange stays on loopback).

Per token: UNREGISTERED (and an invalid or foreign token) is permanent and the token is removed from the
user; QUOTA_EXCEEDED, UNAVAILABLE, INTERNAL and transport errors are transient.
"""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path
from typing import Any

from blinkit.settings import get_settings
from notifications.channels import Result, Transient

APP_NAME = "blinkit-push"
CONFIG_MAX_AGE_SECONDS = 300
_lock = threading.Lock()
_app: Any = None


def _service_account() -> dict[str, Any]:
    settings = get_settings()
    if settings.fcm_service_account_file:
        return dict(json.loads(Path(settings.fcm_service_account_file).read_text()))
    if not settings.firebase_credentials_secret:
        raise Transient("no Firebase service account configured for push")
    from aws_lambda_powertools.utilities import parameters

    secret = parameters.get_secret(settings.firebase_credentials_secret, max_age=CONFIG_MAX_AGE_SECONDS)
    return dict(json.loads(secret) if isinstance(secret, (str, bytes)) else secret)


def _messaging_app() -> Any:
    global _app
    with _lock:
        if _app is None:
            import firebase_admin
            from firebase_admin import credentials, messaging

            settings = get_settings()
            with contextlib.suppress(ValueError):
                firebase_admin.delete_app(firebase_admin.get_app(APP_NAME))
            app = firebase_admin.initialize_app(
                credentials.Certificate(_service_account()),
                {"projectId": settings.firebase_project_id, "httpTimeout": settings.notification_send_timeout_seconds},
                name=APP_NAME)
            if settings.fcm_endpoint:
                service = messaging._get_messaging_service(app)
                service._fcm_url = (f"{settings.fcm_endpoint.rstrip('/')}/v1/projects/"
                                    f"{settings.firebase_project_id}/messages:send")
            _app = app
        return _app


def reset() -> None:
    global _app
    with _lock:
        if _app is not None:
            import firebase_admin

            with contextlib.suppress(ValueError):
                firebase_admin.delete_app(_app)
            _app = None


def _permanent(exc: Exception) -> bool:
    from firebase_admin import exceptions, messaging

    if isinstance(exc, messaging.UnregisteredError | messaging.SenderIdMismatchError):
        return True
    # INVALID_ARGUMENT for a token FCM cannot parse; NOT_FOUND for one it no longer knows.
    return isinstance(exc, exceptions.InvalidArgumentError | exceptions.NotFoundError)


def send(tokens: list[str], title: str, body: str, data: dict[str, str]) -> Result:
    """Send to each token (concurrently, by firebase-admin); tokens FCM refuses for good are reported."""
    from firebase_admin import messaging

    app = _messaging_app()
    messages = [messaging.Message(token=token, notification=messaging.Notification(title=title, body=body),
                                  data=data, android=messaging.AndroidConfig(priority="high"),
                                  apns=messaging.APNSConfig(headers={"apns-priority": "10"}))
                for token in tokens]
    result, transient = Result(), []
    batch = messaging.send_each(messages, app=app)
    for token, response in zip(tokens, batch.responses, strict=True):
        if response.success:
            result.sent.append(str(response.message_id))
            result.done_targets.append(token)
        elif _permanent(response.exception):
            result.permanent.append(f"{token[:12]}…: {type(response.exception).__name__}")
            result.done_targets.append(token)
            result.removed_tokens.append(token)
        else:
            transient.append(f"{token[:12]}…: {response.exception}")
    if transient:
        # The tokens that did succeed are in done_targets; the caller records them before failing.
        raise PartialTransient(result, "; ".join(transient))
    return result


class PartialTransient(Transient):
    """Some tokens failed transiently; `result` holds what did go out (not to be sent again)."""

    def __init__(self, result: Result, message: str) -> None:
        super().__init__(message)
        self.result = result
