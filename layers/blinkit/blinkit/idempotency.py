"""`Idempotency-Key` for POST routes that create things (docs/conventions.md, "The shared layer").

A client that retries a create after a timeout sends the same key; it gets the first response again
(same status and body, plus `Idempotent-Replayed: true`) instead of a second resource. The same key with a
different body is a client bug: 409 `idempotency-key-reused`.

Records live in Redis for 24 hours, keyed by route + caller + a hash of the key:
    idem:<scope>:<uid>:<sha256(key)>  →  {"state": "done", "body_hash", "status", "body"}
While the first request runs, the record is an "in-flight" marker (SET NX, short TTL), so a concurrent
duplicate gets 409 `idempotency-in-progress` rather than racing the first. Only successful responses are
stored: a failed create releases the key so a corrected retry can use it. If Redis is down the request
fails with 503 (the app's Redis handler): we would rather refuse than risk a duplicate order.

Usage in a route:

    async def create_thing(body: ThingIn, idem: Idempotency = Depends(idempotency("POST /things"))):
        return idem.run(body, lambda: service.create_thing(...), status_code=201, model=ThingOut)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from blinkit.errors import BadRequest, Conflict
from blinkit.forms import body_hash
from blinkit.redis_client import get_redis
from blinkit.security import Principal, current_user

TTL_SECONDS = 24 * 60 * 60
IN_FLIGHT_SECONDS = 60  # longer than any Lambda behind API Gateway (29 s) can run
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
REPLAYED = {REPLAYED_HEADER: "true"}  # the headers of every replayed answer
# The header in a route's OpenAPI response (`responses={202: {..., "headers": REPLAYED_DOC}}`).
REPLAYED_DOC = {REPLAYED_HEADER: {
    "description": f"`true` when this answers a repeat of an earlier request with the same {HEADER} and body",
    "schema": {"type": "string", "enum": ["true"]}}}
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces (as Stripe and the IETF draft)


def record_key(scope: str, uid: str, key: str) -> str:
    return f"idem:{scope}:{uid}:{hashlib.sha256(key.encode()).hexdigest()}"


class Idempotency:
    """One request's idempotency context; `key` is None when the client sent no header."""

    def __init__(self, scope: str, uid: str, key: str | None) -> None:
        self.scope, self.uid, self.key = scope, uid, key

    def run(self, body: Any, create: Callable[[], Any], *, status_code: int = 201,
            model: type[BaseModel] | None = None) -> Any:
        """Call `create` once per key; replay its stored response for a repeat with the same body."""
        if self.key is None:
            return JSONResponse(self._encode(create(), model), status_code=status_code)
        client = get_redis()
        rkey = record_key(self.scope, self.uid, self.key)
        digest = body_hash(body)
        marker = json.dumps({"state": "in-flight", "body_hash": digest})
        if not client.set(rkey, marker, nx=True, ex=IN_FLIGHT_SECONDS):
            return self._replay(client.get(rkey), digest)
        try:
            result = self._encode(create(), model)
        except BaseException:
            client.delete(rkey)  # nothing was created: let a (corrected) retry use the key
            raise
        record = {"state": "done", "body_hash": digest, "status": status_code, "body": result}
        client.set(rkey, json.dumps(record), ex=TTL_SECONDS)
        return JSONResponse(result, status_code=status_code)

    @staticmethod
    def _encode(result: Any, model: type[BaseModel] | None) -> Any:
        if model is not None:
            return model.model_validate(result).model_dump(mode="json")
        return jsonable_encoder(result)

    def _replay(self, stored: str | None, digest: str) -> JSONResponse:
        if stored is None:  # expired between our SET and GET: extremely rare; ask for a retry
            raise Conflict("The request with this Idempotency-Key is still being processed; retry shortly",
                           code="idempotency-in-progress")
        record = json.loads(stored)
        if record.get("body_hash") != digest:
            raise Conflict(f"This {HEADER} was already used with a different request body",
                           code="idempotency-key-reused")
        if record.get("state") != "done":
            raise Conflict("The request with this Idempotency-Key is still being processed; retry shortly",
                           code="idempotency-in-progress", headers={"Retry-After": "1"})
        return JSONResponse(record["body"], status_code=int(record["status"]), headers=REPLAYED)


def idempotency(scope: str, *, principal_dependency: Callable[..., Awaitable[Principal]] = current_user
                ) -> Callable[..., Awaitable[Idempotency]]:
    """Dependency factory: the route's `Idempotency` for the caller (an authenticated principal)."""

    async def _dependency(
        principal: Principal = Depends(principal_dependency),
        key: str | None = Header(None, alias=HEADER, description="Makes retries of this create safe (24 h)"),
    ) -> Idempotency:
        if key is not None and not _VALID_KEY.match(key):
            raise BadRequest(f"{HEADER} must be 1 to 255 printable ASCII characters", code="invalid-idempotency-key")
        return Idempotency(scope, principal.uid, key)

    return _dependency
