"""OpenAPI for what the shared layer answers on every route, so each domain's document is complete by itself.

The guard middleware (413, 401/503 verdicts), the validation handler (400 malformed JSON, 422 fields), the
Redis handler (503), `require_role` and `store_access` (403) can answer on routes that never mention them;
`document_routes` adds those codes to every route that can produce them, with the problem+json schema, and
gives the problem schema to any problem+json response a domain documented without one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from blinkit.errors import PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"},
                               "code": {"type": ["string", "null"]}},
            },
        },
    },
}
# For a route's `responses=`: {404: PROBLEM} documents a problem+json answer.
PROBLEM: dict[str, Any] = {"model": None, "description": "Problem details (RFC 9457)",
                           "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}


def _calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def shared_codes(route: Any) -> set[int]:
    """The status codes the shared layer can answer on this route, whatever the route itself does."""
    from blinkit.security import current_user, optional_user

    dependant = route.dependant
    codes = {413, 503}  # body limit on any request; Redis (sessions, caches, limits) down
    has_input = bool(dependant.path_params or dependant.query_params or dependant.header_params
                     or dependant.cookie_params or dependant.body_params)
    if has_input:
        codes.add(422)
    if dependant.body_params:
        codes.add(400)  # a body that is not JSON
    calls = list(_calls(dependant))
    if any(call in (current_user, optional_user) for call in calls):
        codes.add(401)
    if any(getattr(call, "required_roles", None) for call in calls):  # require_role, store_access
        codes.add(403)
    return codes


def _api_routes(routes: Any) -> Iterator[Any]:
    from fastapi.routing import APIRoute

    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI includes routers lazily, keeping their own routes
            yield from _api_routes(route.original_router.routes)


def document_routes(routers: Any) -> None:
    """Add the shared layer's problem responses to every route of `routers` (a route's own entries win).

    Call it before the app serves or documents anything: FastAPI builds its included routes from these."""
    for route in _api_routes([r for router in routers for r in router.routes]):
        responses = dict(route.responses)
        for code, entry in list(responses.items()):
            content = entry.get("content") if isinstance(entry, dict) else None
            if content and PROBLEM_JSON in content and not content[PROBLEM_JSON].get("schema"):
                responses[code] = {**entry, "content": {**content, PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
        documented = {int(code) for code in responses if str(code).isdigit()}
        for code in sorted(shared_codes(route) - documented):
            responses[code] = PROBLEM
        route.responses = responses
