"""Error mapping: every failure leaves as RFC 9457 problem+json with the right status and no trace."""

from __future__ import annotations

import io
import json

import pytest
from fastapi import APIRouter
from pydantic import BaseModel

from blinkit.app import create_app
from blinkit.errors import Conflict, NotFound, Problem, TooManyRequests, field_errors
from blinkit.handler import make_handler

router = APIRouter()


class Body(BaseModel):
    n: int


@router.post("/echo")
async def echo(body: Body):
    return {"n": body.n}


@router.get("/missing")
async def missing():
    raise NotFound("No such thing")


@router.get("/busy")
async def busy():
    raise TooManyRequests("Slow down", retry_after=7)


@router.get("/boom")
async def boom():
    raise RuntimeError("secret internals")


@router.get("/cache-down")
async def cache_down():
    import redis

    raise redis.ConnectionError("Connection closed by server.")


handler = make_handler(create_app(title="t", routers=[router]), service="test")


def _event(method: str, path: str, headers: dict | None = None) -> dict:
    return {
        "version": "2.0", "routeKey": f"{method} {path}", "rawPath": path, "rawQueryString": "",
        "headers": {"content-type": "application/json", **(headers or {})},
        "requestContext": {"http": {"method": method, "path": path, "sourceIp": "1.2.3.4", "protocol": "HTTP/1.1",
                                    "userAgent": "t"}, "requestId": "req-1", "stage": "$default",
                           "routeKey": f"{method} {path}", "accountId": "1", "apiId": "a", "domainName": "x",
                           "domainPrefix": "x", "time": "", "timeEpoch": 0},
        "isBase64Encoded": False,
    }


def call(method: str, path: str, body: str | None = None, headers: dict | None = None) -> dict:
    event = _event(method, path, headers)
    if body is not None:
        event["body"] = body
    return handler(event, None)


def problem(response: dict) -> dict:
    assert response["headers"]["content-type"] == "application/problem+json"
    return json.loads(response["body"])


def test_problem_body_has_the_rfc_fields_and_request_id():
    body = problem(call("GET", "/missing"))
    assert body == {"type": "https://blinkit-clone.dev/problems/not-found", "title": "Not Found", "status": 404,
                    "detail": "No such thing", "instance": "/missing", "request_id": "req-1"}


def test_malformed_json_is_400_and_a_wrong_type_is_422_naming_the_field():
    assert problem(call("POST", "/echo", "{oops"))["status"] == 400
    body = problem(call("POST", "/echo", '{"n": "many"}'))
    assert body["status"] == 422 and body["errors"][0]["field"] == "n"


def test_retry_after_travels_as_a_header():
    response = call("GET", "/busy")
    assert response["statusCode"] == 429 and response["headers"]["retry-after"] == "7"


def test_unexpected_errors_are_500_without_internals():
    response = call("GET", "/boom")
    assert response["statusCode"] == 500
    assert "secret internals" not in response["body"] and "Traceback" not in response["body"]


def test_a_redis_failure_is_503_to_the_client_and_its_cause_is_logged() -> None:
    from blinkit.observability import logger

    buffer = io.StringIO()
    previous = logger.registered_handler.setStream(buffer)
    try:
        body = problem(call("GET", "/cache-down"))
    finally:
        logger.registered_handler.setStream(previous)
    assert body["status"] == 503 and "Connection closed" not in json.dumps(body)
    logged = [json.loads(line) for line in buffer.getvalue().splitlines()]
    (line,) = [entry for entry in logged if entry.get("message") == "Redis failed: answering 503"]
    assert line["error"] == "ConnectionError" and line["detail"] == "Connection closed by server."
    assert line["path"] == "/cache-down" and line["correlation_id"] == "req-1"


def test_unknown_route_inside_an_app_is_problem_404():
    assert problem(call("GET", "/nope"))["status"] == 404


@pytest.mark.parametrize("verdict, status", [({"auth_state": "invalid"}, 401), ({"auth_state": "unavailable"}, 503),
                                             ({"auth_state": "ok"}, 401)])
def test_the_guard_refuses_bad_authorizer_verdicts_before_any_route(verdict, status):
    event = _event("GET", "/missing")
    event["requestContext"]["authorizer"] = {"lambda": verdict}
    response = handler(event, None)
    assert response["statusCode"] == status
    assert problem(response)["detail"] != "No such thing"  # the route never ran


def test_field_errors_maps_pydantic_locations():
    status, _, errors = field_errors([{"loc": ("body", "device", "platform"), "msg": "bad", "type": "literal_error"}])
    assert status == 422 and errors == [{"field": "device.platform", "message": "bad", "code": "literal_error"}]


def test_problem_subclasses_carry_their_status_and_code():
    assert (Conflict("x").status, Conflict("x").code) == (409, "conflict")
    assert Problem("x", status=418, code="teapot").body()["type"].endswith("/teapot")
