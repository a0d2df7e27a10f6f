"""RFC 9457 problem details: one exception type for every client error, one JSON shape for every response.

Business code raises `Problem` (or a subclass); `install_problem_handlers` turns it, FastAPI's
validation errors and anything unexpected into `application/problem+json`. A 5xx never carries a trace.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "https://blinkit-clone.dev/problems/"

logger = logging.getLogger(__name__)


class Problem(Exception):
    """A client-facing error. `code` becomes the problem `type` (a stable slug clients can switch on)."""

    status: int = 400
    code: str = "bad-request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        title: str | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.status = status or self.status
        self.code = code or self.code
        self.title = title or HTTPStatus(self.status).phrase
        self.detail = detail or self.title
        self.errors = list(errors or [])
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(self.detail)

    def body(self, *, instance: str | None = None, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_PREFIX + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        if request_id:
            body["request_id"] = request_id
        return body


class BadRequest(Problem):
    status, code = 400, "bad-request"


class Unauthorized(Problem):
    status, code = 401, "unauthorized"

    def __init__(self, detail: str = "A valid session token is required", **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status, code = 403, "forbidden"


class NotFound(Problem):
    status, code = 404, "not-found"


class Conflict(Problem):
    status, code = 409, "conflict"


class PayloadTooLarge(Problem):
    status, code = 413, "payload-too-large"


class Unprocessable(Problem):
    status, code = 422, "validation-error"


class TooManyRequests(Problem):
    status, code = 429, "rate-limited"

    def __init__(self, detail: str, *, retry_after: int, **kw: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))}, **kw)


class ServiceUnavailable(Problem):
    status, code = 503, "service-unavailable"

    def __init__(self, detail: str = "A dependency is unavailable", *, retry_after: int = 5, **kw: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, **kw)


def field_errors(validation_errors: Sequence[Mapping[str, Any]]) -> tuple[int, str, list[dict[str, Any]]]:
    """Pydantic/FastAPI errors → (status, detail, errors[]). Unparseable JSON is 400, the rest 422."""
    errors = []
    for err in validation_errors:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"] or ["body"]
        errors.append({"field": ".".join(loc), "message": err.get("msg", "invalid"), "code": err.get("type")})
    if any(err.get("type") == "json_invalid" for err in validation_errors):
        return 400, "The request body is not valid JSON", errors
    return 422, "The request has invalid or missing fields", errors


def install_problem_handlers(app: Any) -> None:
    """Register handlers on a FastAPI app so that every error leaves as problem+json."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.requests import Request

    from blinkit.context import request_id_of

    def respond(request: Request, problem: Problem):
        from starlette.responses import JSONResponse

        body = problem.body(instance=request.url.path, request_id=request_id_of(request))
        return JSONResponse(body, status_code=problem.status, headers=problem.headers, media_type=PROBLEM_JSON)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return respond(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        status, detail, errors = field_errors(exc.errors())
        code = "malformed-json" if status == 400 else "validation-error"
        return respond(request, Problem(detail, status=status, code=code, errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        return respond(request, Problem(detail, status=exc.status_code, code=code, headers=exc.headers))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        logger.exception("unhandled error")
        return respond(request, Problem("An unexpected error occurred", status=500, code="internal"))
