"""Every log line names the invocation that wrote it (blinkit.handler): its function, its cold start flag, its
domain and the id of the request it serves. Two invocations in a row, of the authorizer, of a route and of a
job, each log their own id and never the previous one's; and the indexer's metric leaves with the invocation
that recorded it, under the products service."""

from __future__ import annotations

import json
from typing import Any

from local.stack import LocalStack
from tests.integration.conftest import User
from tests.integration.log_helpers import LogLines, captured_log_lines


def _authorizer_event(token: str, *, request_id: str | None, api_request_id: str) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} | ({"x-request-id": request_id} if request_id else {})
    return {"version": "2.0", "type": "REQUEST", "routeKey": "GET /users/me", "rawPath": "/users/me",
            "routeArn": "arn:aws:execute-api:ap-south-1:123456789012:api/$default/GET/users/me",
            "identitySource": [headers["authorization"]], "headers": headers,
            "requestContext": {"requestId": api_request_id, "routeKey": "GET /users/me",
                               "http": {"method": "GET", "path": "/users/me", "sourceIp": "49.207.52.118"}}}


def _all_carry(lines: LogLines, request_id: str, **keys: Any) -> None:
    assert lines, "the invocation wrote no line to check"
    for line in lines:
        assert line.get("request_id") == line.get("correlation_id") == request_id, line
        assert {k: line.get(k) for k in keys} == keys, line
        assert isinstance(line.get("cold_start"), bool), line


def _none_mention(lines: LogLines, *stale: str) -> None:
    for line in lines:
        text = json.dumps(line)
        assert not any(value in text for value in stale), line


def test_two_authorizer_invocations_in_a_row_log_their_own_ids(project_stack: LocalStack, customer: User) -> None:
    assert project_stack.functions is not None
    with captured_log_lines() as first:
        verdict = project_stack.functions.invoke("AuthorizerFunction", _authorizer_event(
            customer.session_token, request_id="req-authz-first", api_request_id="apigw-first"))
    assert verdict["context"]["auth_state"] == "ok"
    # The second request sends no x-request-id: the authorizer takes API Gateway's id, as the route will.
    with captured_log_lines() as second:
        project_stack.functions.invoke("AuthorizerFunction", _authorizer_event(
            customer.session_token, request_id=None, api_request_id="apigw-second"))

    _all_carry(first, "req-authz-first", function_name="AuthorizerFunction", service="auth")
    _all_carry(second, "apigw-second", function_name="AuthorizerFunction", service="auth")
    _none_mention(second, "req-authz-first", "apigw-first")
    assert {line["message"] for line in first} >= {"authorizer verdict"}


def test_two_requests_in_a_row_log_their_own_ids_in_the_authorizer_and_the_route(api: Any, customer: User) -> None:
    with captured_log_lines() as first:
        assert api.get("/users/me", token=customer.session_token, headers={"x-request-id": "req-http-a"}).status == 200
    with captured_log_lines() as second:
        reply = api.get("/users/me", token=customer.session_token, headers={"x-request-id": "req-http-b"})
    assert reply.status == 200 and reply.headers["x-request-id"] == "req-http-b"

    for lines, request_id in ((first, "req-http-a"), (second, "req-http-b")):
        _all_carry(lines, request_id)
        assert {line["function_name"]: line["service"] for line in lines} == {
            "AuthorizerFunction": "auth", "UsersGetMeFunction": "auth"}
        assert [line["path"] for line in lines if line["message"] == "request"] == ["/users/me"]
    _none_mention(second, "req-http-a")


def test_two_job_runs_in_a_row_log_their_own_correlation_ids(project_stack: LocalStack, api: Any) -> None:
    from products import store

    assert project_stack.functions is not None and project_stack.streams is not None
    project_stack.streams.drain()
    store.new_category(category_id="cat_log", name="Logs", slug="logs", parent_id=None, image=None, sort_order=1,
                       created_at="2025-01-01T00:00:00Z", updated_at="2025-01-01T00:00:00Z").save()
    with captured_log_lines() as first:  # no index yet: this run builds one
        project_stack.functions.invoke("SearchIndexerFunction", {"rebuild": True, "correlation_id": "job-first"})
    with captured_log_lines() as second:  # one is published by now: nothing to do
        project_stack.functions.invoke("SearchIndexerFunction", {"rebuild": True, "correlation_id": "job-second"})
    with captured_log_lines() as third:  # a stream batch carries no correlation id: its lines carry none
        assert project_stack.streams.run_once().by_function == {"SearchIndexerFunction": 1}

    _all_carry(first, "job-first", function_name="SearchIndexerFunction", service="products")
    assert "search index rebuilt from the catalog" in {line["message"] for line in first}
    _all_carry(second, "job-second", function_name="SearchIndexerFunction", service="products")
    assert [line["message"] for line in second] == ["search index rebuild not needed: an index is published"]
    _none_mention(second, "job-first")
    assert third and all("correlation_id" not in line and "request_id" not in line for line in third), third
    assert {line["function_name"] for line in third} == {"SearchIndexerFunction"}
    _none_mention(third, "job-first", "job-second")


def _emf(out: str) -> list[dict[str, Any]]:
    return [doc for doc in (json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"'))]


def test_the_indexer_flushes_its_metric_with_the_products_service_in_the_same_invocation(
        project_stack: LocalStack, api: Any, capsys: Any) -> None:
    from products import store

    assert project_stack.functions is not None and project_stack.streams is not None
    project_stack.streams.drain()
    capsys.readouterr()  # whatever earlier invocations printed
    store.new_category(category_id="cat_metric", name="Metrics", slug="metrics", parent_id=None, image=None,
                       sort_order=1, created_at="2025-01-01T00:00:00Z", updated_at="2025-01-01T00:00:00Z").save()
    assert project_stack.streams.run_once().by_function == {"SearchIndexerFunction": 1}

    (emf,) = _emf(capsys.readouterr().out)  # printed by the time the invocation returned: one EMF document
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Blinkit" and directive["Dimensions"] == [["service"]]
    assert [m["Name"] for m in directive["Metrics"]] == ["SearchIndexPublished"]
    assert emf["service"] == "products" and emf["SearchIndexPublished"] == [1.0]
