"""Email through Resend's Python SDK (HTML and plain text rendered from the domain's templates).

The SDK posts to `resend.api_url` (RESEND_API_URL; locally the loopback receiver). Its errors carry the
HTTP status as `code`: 429 and 5xx (and transport errors, which the SDK reports as 500) are transient;
401/403 mean our key is wrong, which a retry after a fix can cure, so they are transient too (the DLQ keeps
the messages); any other 4xx (422 invalid address, 400) is permanent for this message.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
import resend
from resend.http_client import HTTPClient

from blinkit.parameters import secure_string
from blinkit.settings import get_settings
from notifications.channels import Result, Transient

CONFIG_MAX_AGE_SECONDS = 300
_lock = threading.Lock()
_configured: dict[str, Any] = {}


class _PooledClient(HTTPClient):
    """The SDK's requests client, but on one Session: warm invocations reuse connections."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def request(self, method: str, url: str, headers: Any, json: Any = None, files: Any = None,
                data: Any = None) -> tuple[bytes, int, Any]:
        try:
            resp = self._session.request(method=method, url=url, headers=headers, json=json if data is None else None,
                                         data=data, files=files, timeout=self._timeout)
        except requests.RequestException as exc:  # the SDK turns this into a ResendError(500)
            raise RuntimeError(f"Request failed: {exc}") from exc
        return resp.content, resp.status_code, resp.headers


def _api_key() -> str:
    settings = get_settings()
    return secure_string(settings.resend_api_key_parameter, settings.resend_api_key, max_age=CONFIG_MAX_AGE_SECONDS)


def _configure() -> None:
    settings = get_settings()
    with _lock:
        wanted = (settings.resend_api_url, settings.notification_send_timeout_seconds)
        if _configured.get("for") != wanted:
            resend.api_url = settings.resend_api_url.rstrip("/")
            resend.default_http_client = _PooledClient(settings.notification_send_timeout_seconds)
            _configured["for"] = wanted
        resend.api_key = _api_key()  # cached by Powertools; re-read so a rotated key is picked up


def reset() -> None:
    with _lock:
        _configured.clear()


def send(to: str, subject: str, html: str, text: str, *, idempotency_key: str, tags: dict[str, str]) -> Result:
    _configure()
    params: dict[str, Any] = {"from": get_settings().email_from, "to": [to], "subject": subject, "html": html,
                              "text": text, "tags": [{"name": k, "value": v} for k, v in tags.items()]}
    try:
        # Resend keeps the key 24 h: a send whose answer we lost is not sent twice when we retry.
        sent = resend.Emails.send(params, options={"idempotency_key": idempotency_key})
    except resend.exceptions.ResendError as exc:
        status = _status(exc.code)
        if status == 429 or status >= 500 or status in (401, 403):
            raise Transient(f"resend {status}: {exc}") from exc
        return Result(permanent=[f"resend {status}: {getattr(exc, 'message', exc)}"], done_targets=[to])
    return Result(sent=[str(sent["id"])], done_targets=[to])


def _status(code: Any) -> int:
    try:
        return int(code)
    except (TypeError, ValueError):
        return 500
