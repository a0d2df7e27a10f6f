"""Opaque pagination cursors that know their list.

A cursor carries where a list stopped (DynamoDB's LastEvaluatedKey, or an offset) and the list it belongs to,
signed so that a client can neither forge a position nor move one to another list:

    start = decode_cursor(cursor, scope=f"orders:user:{uid}")    # None for the first page
    items, last = store.orders_of_user(uid, limit, start)
    return {"orders": ..., "next_cursor": encode_cursor(last, scope=f"orders:user:{uid}")}

The scope names the list and every value that fixes it: the table or index and its partition (a user, a dark
store, an order) and the filters (a status, a threshold, a search). A cursor of another list, or of the same
list with other filters, is 400 `invalid-cursor`: its key would otherwise reach DynamoDB as the
ExclusiveStartKey of a query it does not belong to (a ValidationException, answered 500) or start a page of
another user's or another store's items.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from blinkit.errors import BadRequest
from blinkit.settings import get_settings

SIGNATURE_BYTES = 12


def encode_cursor(key: Mapping[str, Any] | None, *, scope: str) -> str | None:
    """The cursor of the page after `key` in the list `scope`; None when there is no next page."""
    if not key:
        return None
    payload = json.dumps({"s": scope, "k": key}, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(_sign(payload, get_settings().cursor_secret) + payload).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, scope: str) -> dict[str, Any] | None:
    """The position a cursor of `scope` carries; None for no cursor (the first page). A cursor that was not
    signed by us, or belongs to another list, is 400 `invalid-cursor`."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise _invalid() from None
    signature, payload = raw[:SIGNATURE_BYTES], raw[SIGNATURE_BYTES:]
    if not _signed_by_us(signature, payload):
        raise _invalid()
    try:
        body = json.loads(payload)
    except ValueError:
        raise _invalid() from None
    if not isinstance(body, dict) or not isinstance(body.get("k"), dict):
        raise _invalid()
    if body.get("s") != scope:
        raise BadRequest("The cursor belongs to another list: start this one again without it",
                         code="invalid-cursor")
    return dict(body["k"])


def _invalid() -> BadRequest:
    return BadRequest("The cursor is not valid", code="invalid-cursor")


def _sign(payload: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def _signed_by_us(signature: bytes, payload: bytes) -> bool:
    expected = _sign(payload, get_settings().cursor_secret)
    return len(signature) == SIGNATURE_BYTES and hmac.compare_digest(signature, expected)
