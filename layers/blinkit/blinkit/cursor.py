"""Opaque pagination cursors that know their list, signed with a key read from Secrets Manager.

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

The signing key. In AWS the environment names a Secrets Manager secret (`CURSOR_SECRET_ARN`); its value is
read through Powertools Parameters on first use per container and cached for `CURSOR_KEY_MAX_AGE_SECONDS`, so
a rotated key signs new cursors within that age. Cursors signed with the key before (the secret's
`AWSPREVIOUS` version, read only when a cursor fails the current key) are accepted too, so the cursors
clients hold survive a rotation. A cursor no cached key accepts makes the container read both versions again,
at most once a minute: a container that has not yet seen a rotation accepts the cursors of one that has.
Without `CURSOR_SECRET_ARN` (the local stack, tests) the key is the setting `CURSOR_SECRET` itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

from blinkit.errors import BadRequest, ServiceUnavailable
from blinkit.settings import get_settings

SIGNATURE_BYTES = 12
CURRENT, PREVIOUS = "AWSCURRENT", "AWSPREVIOUS"
# A cursor that no cached key accepts refetches the keys at most this often per container: a rotation is seen
# at once, and a stream of forged cursors costs at most two Secrets Manager reads a minute.
REFETCH_ON_MISS_SECONDS = 60.0

_monotonic = time.monotonic  # tests move time on


def encode_cursor(key: Mapping[str, Any] | None, *, scope: str) -> str | None:
    """The cursor of the page after `key` in the list `scope`; None when there is no next page."""
    if not key:
        return None
    payload = json.dumps({"s": scope, "k": key}, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(_sign(payload, KEYS.signing()) + payload).decode().rstrip("=")


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
    if len(signature) != SIGNATURE_BYTES:
        return False
    if any(hmac.compare_digest(signature, _sign(payload, key)) for key in KEYS.verifying()):
        return True
    return KEYS.refetch() and any(hmac.compare_digest(signature, _sign(payload, key)) for key in KEYS.verifying())


class SigningKeys:
    """The cursor signing key of this container: the secret's current version, and its previous one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._providers: dict[str, Any] = {}
        self._no_previous_until = -math.inf
        self._refetched_at = -math.inf

    def signing(self) -> str:
        key = self._read(CURRENT)
        if key is None:  # the current version always exists; a failed read has raised already
            raise ServiceUnavailable("Pages cannot be signed right now", code="cursor-key-unavailable")
        return key

    def verifying(self) -> Iterator[str]:
        """The current key, then (only if asked for: a cursor failed the current one) the previous key."""
        yield self.signing()
        previous = self._read(PREVIOUS)
        if previous is not None:
            yield previous

    def refetch(self) -> bool:
        """Read both versions again, unless that was done less than a minute ago (then False)."""
        with self._lock:
            now = _monotonic()
            if now - self._refetched_at < REFETCH_ON_MISS_SECONDS:
                return False
            self._refetched_at = now
        self._read(CURRENT, force=True)
        self._read(PREVIOUS, force=True)
        return True

    def reset(self) -> None:
        """Forget the cached keys and clients (tests that start another moto, or change the settings)."""
        with self._lock:
            self._providers.clear()
            self._no_previous_until = self._refetched_at = -math.inf

    def _read(self, stage: str, *, force: bool = False) -> str | None:
        settings = get_settings()
        if not settings.cursor_secret_arn:
            return settings.cursor_secret if stage == CURRENT else None
        if stage == PREVIOUS and not force and _monotonic() < self._no_previous_until:
            return None
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        max_age = settings.cursor_key_max_age_seconds
        try:
            value = self._provider(stage).get(settings.cursor_secret_arn, max_age=max_age, force_fetch=force,
                                              VersionStage=stage)
        except GetParameterError as exc:
            if stage == PREVIOUS:
                # No previous version until the first rotation (ResourceNotFoundException): ask again later.
                self._no_previous_until = _monotonic() + max_age
                return None
            from blinkit.observability import logger

            logger.error("cursor signing key unreadable: answering 503", detail=str(exc)[:300])
            raise ServiceUnavailable("Pages cannot be signed or checked right now", code="cursor-key-unavailable",
                                     retry_after=5) from exc
        return value.decode() if isinstance(value, bytes) else str(value)

    def _provider(self, stage: str) -> Any:
        # One provider per version stage: Powertools caches by secret name only, not by the stage asked for.
        with self._lock:
            found = self._providers.get(stage)
            if found is None:
                from aws_lambda_powertools.utilities.parameters import SecretsProvider

                from blinkit import aws

                found = self._providers[stage] = SecretsProvider(boto3_client=aws.client("secretsmanager"))
            return found


KEYS = SigningKeys()
