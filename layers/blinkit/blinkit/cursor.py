"""Opaque pagination cursors: DynamoDB's LastEvaluatedKey, signed so clients cannot forge another key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from blinkit.errors import BadRequest


def _sign(payload: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:12]


def encode_cursor(key: dict[str, Any] | None, secret: str) -> str | None:
    if not key:
        return None
    payload = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(_sign(payload, secret) + payload).decode().rstrip("=")


def decode_cursor(cursor: str | None, secret: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        signature, payload = raw[:12], raw[12:]
        if not hmac.compare_digest(signature, _sign(payload, secret)):
            raise ValueError("signature")
        key = json.loads(payload)
        if not isinstance(key, dict):
            raise ValueError("shape")
        return key
    except ValueError as exc:  # binascii.Error and JSONDecodeError are ValueErrors
        raise BadRequest("The cursor is not valid", code="invalid-cursor") from exc
