"""Per-request context: the correlation id and the authorizer's verdict, read from the API Gateway event."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from enum import StrEnum
from typing import Any


class AuthState(StrEnum):
    """The authorizer's verdict on a request's credentials (`auth_state`; see blinkit.security). Here, not
    in blinkit.security, so that the authorizer imports no FastAPI."""

    OK = "ok"
    INVALID = "invalid"  # unknown, expired, idle or rotated-out token
    UNAVAILABLE = "unavailable"  # the session store could not be asked: fail closed
    # No Authorization header at all. Only routes behind OptionalSessionAuthorizer (which declares no
    # identity header, so API Gateway calls it for every request) ever see it; `current_user` refuses it
    # with 401 and `optional_user` turns it into None (a guest).
    ANONYMOUS = "anonymous"


REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_from_event(event: dict[str, Any]) -> str:
    """Accept the caller's x-request-id when it is sane, else API Gateway's request id, else a new one."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    candidate = headers.get(REQUEST_ID_HEADER, "")
    if _VALID_REQUEST_ID.match(candidate):
        return candidate
    return (event.get("requestContext") or {}).get("requestId") or uuid.uuid4().hex


def request_id_of(request: Any) -> str | None:
    return request_id_var.get()


def authorizer_context(event: dict[str, Any] | None) -> dict[str, Any] | None:
    """The `context` a simple-response Lambda authorizer returned, as HTTP API passes it on."""
    if not event:
        return None
    return ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda")


def source_ip(event: dict[str, Any] | None) -> str:
    return (((event or {}).get("requestContext") or {}).get("http") or {}).get("sourceIp") or "unknown"
