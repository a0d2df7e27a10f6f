"""The HTTP API stand-in: template routes → API Gateway v2 events → authorizer → function.

It behaves as HTTP API does where clients can see it: route matching on the template's paths, 404
`{"message":"Not Found"}` for unknown routes, 401 when an identity header is missing, 403 when a
simple-response authorizer says no, 500 when an authorizer or function fails, payload format 2.0
both ways. Handlers run through `LocalFunctions.invoke`, one event at a time per instance.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from local.docs import docs_routes
from local.lambdas import LambdaError, LocalFunctions
from local.template import HttpRoute, Template

API_ID = "localapi"
OPENAPI_URL = "/openapi.json"  # the merged document /docs shows
_REQUEST_THREADS = ThreadPoolExecutor(max_workers=64, thread_name_prefix="gateway")
TEXT_TYPES = ("application/json", "application/problem+json", "text/", "application/x-www-form-urlencoded")
# What blinkit.service_client sends as its user-agent suffix: a request one of the stack's own functions made.
SERVICE_CLIENT_AGENT = "(service-client)"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def _gateway_reply(status: int, message: str) -> Reply:
    return Reply(status, {"content-type": "application/json"}, json.dumps({"message": message}).encode())


@dataclass(frozen=True)
class _CompiledRoute:
    route: HttpRoute
    pattern: re.Pattern[str]
    specificity: tuple[int, int]


def _compile(route: HttpRoute) -> _CompiledRoute:
    parts = [p for p in route.path.strip("/").split("/") if p]
    regex, static = "", 0
    for part in parts:
        if part.startswith("{") and part.endswith("+}"):
            regex += f"/(?P<{part[1:-2]}>.+)"
        elif part.startswith("{") and part.endswith("}"):
            regex += f"/(?P<{part[1:-1]}>[^/]+)"
        else:
            regex += "/" + re.escape(part)
            static += 1
    # HTTP API prefers the most specific match: more literal segments first, then longer paths.
    return _CompiledRoute(route, re.compile(f"^{regex or '/'}$"), (static, len(parts)))


class Gateway:
    def __init__(self, template: Template, functions: LocalFunctions) -> None:
        self.template = template
        self.functions = functions
        routes = [r for r in template.http_routes() if r.path != "$default"]
        self.routes = sorted((_compile(r) for r in routes), key=lambda c: c.specificity, reverse=True)

    def match(self, method: str, path: str) -> tuple[HttpRoute, dict[str, str]] | None:
        for compiled in self.routes:
            if compiled.route.method not in (method, "ANY"):
                continue
            found = compiled.pattern.match(path)
            if found:
                return compiled.route, found.groupdict()
        return None

    def handle(
        self, method: str, path: str, query: str = "", headers: dict[str, str] | None = None,
        body: bytes = b"", source_ip: str = "127.0.0.1",
    ) -> Reply:
        """One request, synchronously (call it from a thread in async code)."""
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        found = self.match(method.upper(), path)
        if found is None:
            return _gateway_reply(404, "Not Found")
        route, path_params = found
        event = build_event(route, method.upper(), path, query, headers, body, source_ip, path_params)
        if route.authorizer and route.authorizer.function_id:
            denied = self._authorize(route, event)
            if denied:
                return denied
        try:
            result = self.functions.invoke(route.function_id, event)
        except LambdaError:
            return _gateway_reply(500, "Internal Server Error")
        return to_reply(result)

    def _authorize(self, route: HttpRoute, event: dict[str, Any]) -> Reply | None:
        authorizer = route.authorizer
        assert authorizer is not None and authorizer.function_id is not None
        identity = [event["headers"].get(h.lower()) for h in authorizer.identity_headers]
        if not all(identity):
            return _gateway_reply(401, "Unauthorized")  # API Gateway does not even call the authorizer
        auth_event = {
            **{k: v for k, v in event.items() if k not in ("body", "isBase64Encoded")},
            "type": "REQUEST",
            "routeArn": f"arn:aws:execute-api:ap-south-1:123456789012:{API_ID}/$default/{route.method}{route.path}",
            "identitySource": identity,
        }
        try:
            verdict = self.functions.invoke(authorizer.function_id, auth_event)
        except LambdaError:
            return _gateway_reply(500, "Internal Server Error")
        if not authorizer.enable_simple_responses:
            raise NotImplementedError("only simple-response authorizers are emulated")
        if not isinstance(verdict, dict) or verdict.get("isAuthorized") is not True:
            return _gateway_reply(403, "Forbidden")
        event["requestContext"]["authorizer"] = {"lambda": verdict.get("context") or {}}
        return None


def build_event(
    route: HttpRoute, method: str, path: str, query: str, headers: dict[str, str], body: bytes,
    source_ip: str, path_params: dict[str, str],
) -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 event, as AWS builds it."""
    now = datetime.now(UTC)
    query_params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        query_params[key] = f"{query_params[key]},{value}" if key in query_params else value
    cookies = [c.strip() for c in headers.get("cookie", "").split(";") if c.strip()]
    content_type = headers.get("content-type", "")
    is_text = not body or any(content_type.startswith(t) for t in TEXT_TYPES)
    if is_text and body:
        try:
            body.decode()
        except UnicodeDecodeError:  # a "text" body that is not UTF-8 reaches the function base64-encoded
            is_text = False
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": {k: v for k, v in headers.items() if k != "cookie"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": API_ID,
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": "localapi",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": secrets.token_hex(8),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": not is_text,
    }
    if cookies:
        event["cookies"] = cookies
    if query_params:
        event["queryStringParameters"] = query_params
    if path_params:
        event["pathParameters"] = path_params
    if body:
        event["body"] = body.decode() if is_text else base64.b64encode(body).decode()
    return event


def to_reply(result: Any) -> Reply:
    """Payload format 2.0 response: a dict with statusCode, or anything else as a 200 JSON body."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return Reply(200, {"content-type": "application/json"}, json.dumps(result).encode())
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    if result.get("cookies"):
        headers["set-cookie"] = ", ".join(result["cookies"])
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    return Reply(int(result["statusCode"]), headers, body)


def merged_openapi(template: Template, functions: LocalFunctions, title: str = "Blinkit Clone API") -> dict[str, Any]:
    """One OpenAPI document for every route the template declares, taken from each domain's FastAPI app."""
    from fastapi.openapi.utils import get_openapi

    paths: dict[str, Any] = {}
    components: dict[str, Any] = {"schemas": {}, "securitySchemes": {}}
    apps: dict[int, dict[str, Any]] = {}
    for route in template.http_routes():
        module_name = functions.template.functions[route.function_id].handler.rsplit(".", 1)[0]
        app = getattr(__import__(module_name, fromlist=["app"]), "app", None)
        if app is None:
            continue
        if id(app) not in apps:
            apps[id(app)] = get_openapi(title=app.title, version="1", routes=app.routes)
        spec = apps[id(app)]
        operation = (spec.get("paths", {}).get(route.path) or {}).get(route.method.lower())
        if operation is None:
            continue
        if route.authorizer is None:
            operation = {k: v for k, v in operation.items() if k != "security"}
        elif route.authorizer.identity_headers:
            operation = _with_gateway_401(operation)
        paths.setdefault(route.path, {})[route.method.lower()] = operation
        for kind in ("schemas", "securitySchemes"):
            components[kind].update(spec.get("components", {}).get(kind, {}))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": "Every route of template.yaml. Errors are application/problem+json (RFC 9457). "
            "Protected routes take `Authorization: Bearer <session_token>` from POST /auth/login.",
        },
        "paths": dict(sorted(paths.items())),
        "components": components,
    }


def _with_gateway_401(operation: dict[str, Any]) -> dict[str, Any]:
    """HTTP API itself answers 401 `{"message":"Unauthorized"}` (application/json) when the authorizer's
    identity header is missing, before any function runs: document it beside the function's problem+json."""
    responses = dict(operation.get("responses", {}))
    entry = dict(responses.get("401") or {"description": "Unauthorized"})
    entry["content"] = {**entry.get("content", {}), "application/json": {"schema": {
        "type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}}}
    responses["401"] = entry
    return {**operation, "responses": responses}


def is_service_call(path: str, headers: Any) -> bool:
    """A call one of the stack's functions makes to another (an /internal/ route, or any route through
    blinkit.service_client, whose user-agent says so), not a client's request."""
    return path.startswith("/internal/") or headers.get("user-agent", "").endswith(SERVICE_CLIENT_AGENT)


def asgi_app(gateway: Gateway, extra_routes: list[Any] | None = None, *,
             public_concurrency: int | None = None) -> Any:
    """A Starlette app serving the gateway, /docs and /openapi.json (what `make run` listens with).

    `public_concurrency` (None: no limit) bounds how many clients' requests run their functions at once; the
    others wait their turn in arrival order, and service-to-service calls never wait. Every function shares this
    process's one interpreter lock, so without a bound 20 busy clients split the CPU twenty ways and a cart
    write's call to products (1.5 s timeout in production) queues behind them all, times out and opens the
    breaker; in AWS each of those calls has a Lambda instance of its own. See docs/decisions.md."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route, request_response

    openapi: dict[str, Any] = {}

    async def openapi_json(request: Request) -> Response:
        if not openapi:
            openapi.update(await asyncio.to_thread(merged_openapi, gateway.template, gateway.functions))
        return JSONResponse(openapi)

    turns = asyncio.Semaphore(public_concurrency) if public_concurrency else None

    async def forward(request: Request) -> Response:
        body = await request.body()
        if turns is None or is_service_call(request.scope["path"], request.headers):
            reply = await _forward(request, body)
        else:
            async with turns:
                reply = await _forward(request, body)
        return Response(reply.body, status_code=reply.status, headers=reply.headers)

    async def _forward(request: Request, body: bytes) -> Reply:
        client = request.client.host if request.client else "127.0.0.1"
        # Our own pool, not asyncio's default (cpu count + 4 threads): a request that calls another service
        # through this same server holds its thread while the inner request needs one, so a small pool
        # starves under load (20 Locust users on 2 cores: every internal call timed out).
        return await asyncio.get_running_loop().run_in_executor(
            _REQUEST_THREADS,
            # scope["path"], not url.path: urlsplit drops tabs and newlines that a client sent as %09 / %0A.
            gateway.handle, request.method, request.scope["path"], request.url.query,
            dict(request.headers), body, client,
        )

    routes = [*docs_routes(OPENAPI_URL), Route(OPENAPI_URL, openapi_json), *(extra_routes or [])]
    routes.append(Route("/{path:path}", forward, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]))
    app = Starlette(routes=routes)
    # Route patterns stop at a newline (`.*`); API Gateway routes a path with %0A in it like any other.
    app.router.default = request_response(forward)
    return app


def server_config(app: Any, **options: Any) -> Any:
    """uvicorn's Config for serving the gateway: every server of it (`make run`, the tests, the benchmarks) uses this.

    A request's source address (the event's `sourceIp`, which the per-address sign-in limits count) is its TCP
    peer, as API Gateway's is, never a header: uvicorn otherwise trusts `X-Forwarded-For` from loopback
    (`proxy_headers` with `forwarded_allow_ips` 127.0.0.1), so any local client could claim any address and
    step around the limits."""
    import uvicorn

    return uvicorn.Config(app, proxy_headers=False, **options)
