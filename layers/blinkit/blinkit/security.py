"""Who is calling: the verdict the Lambda authorizer passed on, as FastAPI dependencies.

HTTP APIs can only turn an authorizer's "no" into a bare 403 and its failure into a 500, so the
authorizer resolves the session and passes a verdict (`auth_state`) instead; `enforce_verdict` (run by
every app before routing) answers 401 or 503 as problem+json for anything but "ok". See docs/decisions.md.

The dependencies are `async def`, like every route: FastAPI runs a plain `def` dependency in a worker thread, and
that hand-off (to the thread and back through the event loop) cost more than the add to cart's own work outside
DynamoDB. A Lambda container serves one request at a time, so nothing else waits on the loop meanwhile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request, params
from fastapi.security import HTTPBearer

from blinkit.context import AuthState, authorizer_context  # AuthState: defined there, FastAPI-free (the authorizer)
from blinkit.errors import Forbidden, Problem, ServiceUnavailable, Unauthorized
from blinkit.principal import Principal, Role  # defined there, FastAPI-free (services and jobs)


def verdict_problem(context: dict[str, Any] | None) -> Problem | None:
    """The problem to answer for an authorizer verdict, or None when the request may proceed."""
    if context is None:
        return None  # a public route: API Gateway ran no authorizer
    state = context.get("auth_state")
    if state == AuthState.OK and context.get("uid"):
        return None
    if state == AuthState.ANONYMOUS:
        return None  # no credentials at all: the route decides (current_user refuses, optional_user allows)
    if state == AuthState.UNAVAILABLE:
        return ServiceUnavailable("Sessions cannot be checked right now; try again shortly")
    return Unauthorized("The session token is missing, invalid or expired")


_bearer = HTTPBearer(auto_error=False, description="Session token from POST /auth/login")


async def current_user(request: Request, _: Any = Depends(_bearer)) -> Principal:
    context = authorizer_context(request.scope.get("aws.event"))
    if context is None:
        raise Unauthorized()  # a protected route reached without an authorizer: refuse, never guess
    principal = _principal(context)
    if principal is None:
        raise Unauthorized()  # anonymous: this route needs a session
    return principal


async def optional_user(request: Request, _: Any = Depends(_bearer)) -> Principal | None:
    """The caller, or None for a request with no Authorization header at all (a guest).

    A token that is present but invalid is still 401 and an unreachable session store still 503: a
    client whose session expired must hear so, not silently become a guest.
    """
    context = authorizer_context(request.scope.get("aws.event"))
    if context is None:
        raise Unauthorized()  # reached without an authorizer: refuse, never guess
    return _principal(context)


def _principal(context: dict[str, Any]) -> Principal | None:
    problem = verdict_problem(context)
    if problem:
        raise problem
    if context.get("auth_state") == AuthState.ANONYMOUS:
        return None
    roles = frozenset(r for r in str(context.get("roles", "")).split(",") if r)
    return Principal(
        uid=context["uid"],
        session_id=context.get("session_id", ""),
        roles=roles,
        store_id=context.get("store_id") or None,
    )


def require_role(*roles: Role | str):
    """Dependency factory: the caller must hold at least one of `roles` (403 otherwise)."""
    wanted = {str(r) for r in roles}

    async def _check(principal: Principal = Depends(current_user)) -> Principal:
        if not principal.roles.intersection(wanted):
            raise Forbidden(f"This action needs one of the roles: {', '.join(sorted(wanted))}")
        return principal

    _check.required_roles = wanted  # type: ignore[attr-defined]  # blinkit.openapi documents the 403
    return _check


@dataclass(frozen=True, slots=True)
class StoreAccess:
    """Who is calling, and the store they may act on (None: an admin who named no store)."""

    principal: Principal
    store_id: str | None


def store_access(param: params.Path | params.Query, *, refused: str,
                 other_store: str | None = None) -> Callable[..., Awaitable[StoreAccess]]:
    """Dependency factory: admins act on any store, store staff only on their own, anyone else gets 403.

    `param` declares where the route takes `store_id` from: `Path(...)`, or `Query(None, ...)` for a
    listing where staff may leave it out (they then get their own store). The dependency owns that
    parameter (validated as declared, documented once) and answers `StoreAccess.store_id`. `refused` is
    the 403 detail for callers who are neither admin nor staff of a store; `other_store` the one for staff
    naming another store (default: `refused`), so each route keeps its own wording.
    """

    def decide(principal: Principal, wanted: str | None) -> StoreAccess:
        if principal.has_any(Role.ADMIN):
            return StoreAccess(principal, wanted)
        if principal.has_any(Role.STORE_STAFF) and principal.store_id:
            if wanted in (None, principal.store_id):
                return StoreAccess(principal, principal.store_id)
            raise Forbidden(other_store or refused)
        raise Forbidden(refused)

    if isinstance(param, params.Path):
        async def check(store_id: str = param, principal: Principal = Depends(current_user)) -> StoreAccess:
            return decide(principal, store_id)
    else:
        async def check(store_id: str | None = param,  # type: ignore[no-redef]
                  principal: Principal = Depends(current_user)) -> StoreAccess:
            return decide(principal, store_id)

    check.required_roles = {Role.ADMIN.value, Role.STORE_STAFF.value}  # type: ignore[attr-defined]  # 403 in OpenAPI
    return check
