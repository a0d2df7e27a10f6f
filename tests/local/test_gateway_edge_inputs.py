"""Inputs a fuzzer found the local gateway mishandling, where HTTP API passes them on to the function:
a JSON body that is not UTF-8, and a path segment with a newline in it (%0A)."""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.testclient import TestClient

from local.gateway import Gateway, asgi_app, build_event
from local.template import HttpRoute


class _Functions:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, function_id: str, event: Any) -> Any:
        self.events.append(event)
        return {"statusCode": 200, "headers": {"content-type": "application/json"},
                "body": json.dumps({"product_id": event["pathParameters"]["product_id"]})}


class _Template:
    route = HttpRoute("PUT", "/cart/items/{product_id}", "CartPut", "Route", "HttpApi", None)

    def http_routes(self) -> list[HttpRoute]:
        return [self.route]


def test_a_json_body_that_is_not_utf8_reaches_the_function_base64_encoded() -> None:
    body = b'1\xff\xfe'
    event = build_event(_Template.route, "PUT", "/cart/items/x", "", {"content-type": "application/json"}, body,
                        "127.0.0.1", {"product_id": "x"})
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


def test_a_utf8_json_body_stays_text() -> None:
    event = build_event(_Template.route, "PUT", "/cart/items/x", "", {"content-type": "application/json"},
                        '{"q": "ü"}'.encode(), "127.0.0.1", {"product_id": "x"})
    assert event["isBase64Encoded"] is False and event["body"] == '{"q": "ü"}'


def test_a_newline_in_a_path_segment_is_routed_to_the_function_over_http() -> None:
    functions = _Functions()
    client = TestClient(asgi_app(Gateway(_Template(), functions)))  # type: ignore[arg-type]
    reply = client.put("/cart/items/a%0Ab%09c", json={"quantity": 1})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"product_id": "a\nb\tc"}
    assert functions.events[0]["rawPath"] == "/cart/items/a\nb\tc"
