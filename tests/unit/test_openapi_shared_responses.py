"""Every app documents what the shared layer answers on its routes: the fuzz tests' schema checks fail on
any status code or content type a route can return but does not document."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from blinkit.app import create_app
from blinkit.errors import PROBLEM_JSON
from blinkit.openapi import PROBLEM_SCHEMA
from blinkit.security import Principal, Role, current_user, optional_user, require_role

router = APIRouter()
EMPTY_PROBLEM = {"model": None, "content": {PROBLEM_JSON: {}}, "description": "Problem details"}


class Body(BaseModel):
    n: int


@router.get("/health")
async def health():
    return {"ok": True}


@router.get("/things/{thing_id}", responses={404: EMPTY_PROBLEM})
async def get_thing(thing_id: str, principal: Principal = Depends(current_user)):
    return {}


@router.post("/things")
async def create_thing(body: Body, principal: Principal = Depends(require_role(Role.ADMIN))):
    return {}


@router.get("/cart")
async def cart(principal: Principal | None = Depends(optional_user)):
    return {}


def _responses(path: str, method: str) -> dict[str, Any]:
    app = create_app(title="t", routers=[router])
    spec = get_openapi(title="t", version="1", routes=app.routes)
    return dict(spec["paths"][path][method]["responses"])


def _problem_schema(entry: dict[str, Any]) -> Any:
    return entry["content"][PROBLEM_JSON]["schema"]


def test_a_route_without_input_or_session_documents_the_body_limit_and_the_store_outage_only() -> None:
    assert set(_responses("/health", "get")) == {"200", "413", "503"}


def test_a_session_route_with_a_path_parameter_documents_401_and_422_and_keeps_its_own_404() -> None:
    responses = _responses("/things/{thing_id}", "get")
    assert set(responses) == {"200", "401", "404", "413", "422", "503"}
    for code in ("401", "404", "413", "422", "503"):
        assert _problem_schema(responses[code]) == PROBLEM_SCHEMA  # the route's empty problem got the schema
    assert "application/json" not in responses["422"].get("content", {})  # not FastAPI's HTTPValidationError


def test_a_role_route_with_a_body_documents_400_and_403() -> None:
    assert set(_responses("/things", "post")) == {"200", "400", "401", "403", "413", "422", "503"}


def test_an_optional_session_route_still_documents_401() -> None:
    assert "401" in _responses("/cart", "get")
