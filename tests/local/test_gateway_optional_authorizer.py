"""An authorizer that declares no identity header runs on every request, header or not (as HTTP API does
with caching off), which is how the cart routes serve guests."""

from __future__ import annotations

from typing import Any

from local.gateway import Gateway
from local.template import Authorizer, HttpRoute


class _Functions:
    def __init__(self) -> None:
        self.invoked: list[str] = []

    def invoke(self, function_id: str, event: Any) -> Any:
        self.invoked.append(function_id)
        if function_id == "Authorizer":
            state = "ok" if "authorization" in event["headers"] else "anonymous"
            return {"isAuthorized": True, "context": {"auth_state": state}}
        return {"statusCode": 200, "body": event["requestContext"]["authorizer"]["lambda"]["auth_state"]}


class _Template:
    def __init__(self, headers: list[str]) -> None:
        authorizer = Authorizer("Optional", "Authorizer", identity_headers=headers, enable_simple_responses=True)
        self.route = HttpRoute("GET", "/cart", "CartGet", "Route", "HttpApi", authorizer)

    def http_routes(self) -> list[HttpRoute]:
        return [self.route]


def test_no_identity_headers_means_the_authorizer_always_runs() -> None:
    functions = _Functions()
    gateway = Gateway(_Template([]), functions)  # type: ignore[arg-type]
    assert gateway.handle("GET", "/cart").body == b"anonymous"
    assert gateway.handle("GET", "/cart", headers={"Authorization": "Bearer x"}).body == b"ok"
    assert functions.invoked == ["Authorizer", "CartGet", "Authorizer", "CartGet"]


def test_a_declared_identity_header_that_is_missing_is_401_without_calling_the_authorizer() -> None:
    functions = _Functions()
    gateway = Gateway(_Template(["Authorization"]), functions)  # type: ignore[arg-type]
    assert gateway.handle("GET", "/cart").status == 401
    assert functions.invoked == []
