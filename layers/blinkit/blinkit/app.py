"""The FastAPI app factory every domain uses: problem+json errors, body limits, the authorizer verdict."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from blinkit.context import authorizer_context, request_id_var
from blinkit.errors import PROBLEM_JSON, PayloadTooLarge, Problem, ServiceUnavailable, install_problem_handlers
from blinkit.observability import logger
from blinkit.openapi import document_routes
from blinkit.security import verdict_problem
from blinkit.settings import get_settings


async def _send_problem(scope: Scope, send: Send, problem: Problem) -> None:
    import json

    body = json.dumps(problem.body(instance=scope.get("path"), request_id=request_id_var.get())).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in problem.headers.items()]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """Runs before routing: refuses bad authorizer verdicts and bodies over the size limit.

    Doing this here rather than in each route means a route that forgets a dependency is still closed.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = verdict_problem(authorizer_context(scope.get("aws.event")))
        if problem:
            await _send_problem(scope, send, problem)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _send_problem(scope, send, self._too_large())
            return
        # Read the whole body (Lambda hands it over at once anyway) so an undeclared size is checked too.
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body_bytes:
                await _send_problem(scope, send, self._too_large())
                return
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _too_large(self) -> Problem:
        return PayloadTooLarge(f"The request body exceeds {self.max_body_bytes} bytes")


def create_app(*, title: str, routers: Iterable[APIRouter], description: str = "") -> FastAPI:
    """One app per domain. Docs are off in Lambda; the local gateway serves the merged OpenAPI."""
    app = FastAPI(title=title, description=description, docs_url=None, redoc_url=None, openapi_url=None)
    install_problem_handlers(app)

    import redis

    @app.exception_handler(redis.RedisError)
    async def _redis_down(request, exc):  # a cache or session outage is the server's, not the client's
        # The client hears 503; the logs must say why (a timeout, a refused connection, a script error).
        logger.error("Redis failed: answering 503", error=type(exc).__name__, detail=str(exc)[:300],
                     path=request.url.path)
        return await app.exception_handlers[Problem](request, ServiceUnavailable("The session store is unavailable"))

    routers = list(routers)
    document_routes(routers)  # the codes this layer answers on every route (413, 503, 401, ...) in its OpenAPI
    for router in routers:
        app.include_router(router)
    app.add_middleware(GuardMiddleware, max_body_bytes=get_settings().max_body_bytes)
    return app
