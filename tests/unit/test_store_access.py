"""`blinkit.security.store_access`: the staff-of-store check as one dependency. Admins pass for any store,
store staff only for their own (path or query), anyone else is 403 with the route's own wording; the route
gets the store it may act on, and its OpenAPI documents the 403 and the `store_id` parameter once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import APIRouter, Depends, Path, Query
from fastapi.openapi.utils import get_openapi

from blinkit.app import create_app
from blinkit.handler import make_handler
from blinkit.security import StoreAccess, store_access

STORE_ID = r"^sto_[0-9A-Za-z]{1,40}$"
router = APIRouter()
stock_staff = store_access(Path(pattern=STORE_ID), refused="Only an admin or the staff of this store may do this")
list_staff = store_access(Query(None, pattern=STORE_ID),
                          refused="This action needs one of the roles: admin, store_staff",
                          other_store="Store staff see their own store's orders only")


@router.get("/stores/{store_id}/stock")
async def stock(access: StoreAccess = Depends(stock_staff)):
    return {"store_id": access.store_id, "uid": access.principal.uid}


@router.get("/orders")
async def orders(limit: int = Query(20, ge=1), access: StoreAccess = Depends(list_staff)):
    return {"store_id": access.store_id, "uid": access.principal.uid}


app = create_app(title="t", routers=[router])
handler = make_handler(app, service="test")

ADMIN = {"uid": "a1", "roles": "admin,customer"}
STAFF = {"uid": "s1", "roles": "store_staff", "store_id": "sto_1"}
STAFF_WITHOUT_STORE = {"uid": "s2", "roles": "store_staff"}
CUSTOMER = {"uid": "c1", "roles": "customer"}


def call(path: str, query: str = "", who: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    context = {"auth_state": "ok", "session_id": "sess", **who} if who else {"auth_state": "anonymous"}
    event = {
        "version": "2.0", "routeKey": f"GET {path}", "rawPath": path, "rawQueryString": query,
        "headers": {"authorization": "Bearer t"} if who else {},
        "requestContext": {"http": {"method": "GET", "path": path, "sourceIp": "1.2.3.4", "protocol": "HTTP/1.1",
                                    "userAgent": "t"}, "requestId": "req-1", "stage": "$default",
                           "routeKey": f"GET {path}", "accountId": "1", "apiId": "a", "domainName": "x",
                           "domainPrefix": "x", "time": "", "timeEpoch": 0,
                           "authorizer": {"lambda": context}},
        "isBase64Encoded": False,
    }
    reply = handler(event, None)
    return reply["statusCode"], json.loads(reply["body"])


@pytest.mark.parametrize("who, store, status", [
    (ADMIN, "sto_1", 200), (ADMIN, "sto_2", 200), (STAFF, "sto_1", 200),
    (STAFF, "sto_2", 403), (STAFF_WITHOUT_STORE, "sto_1", 403), (CUSTOMER, "sto_1", 403),
])
def test_a_path_store_admits_admins_and_its_own_staff(who: dict[str, str], store: str, status: int) -> None:
    code, body = call(f"/stores/{store}/stock", who=who)
    assert code == status, body
    if status == 200:
        assert body == {"store_id": store, "uid": who["uid"]}
    else:
        assert body["detail"] == "Only an admin or the staff of this store may do this"
        assert body["type"].endswith("/forbidden")


def test_a_query_store_defaults_to_the_staffs_own_and_admins_may_name_none() -> None:
    assert call("/orders", who=STAFF) == (200, {"store_id": "sto_1", "uid": "s1"})
    assert call("/orders", "store_id=sto_1", who=STAFF) == (200, {"store_id": "sto_1", "uid": "s1"})
    assert call("/orders", who=ADMIN) == (200, {"store_id": None, "uid": "a1"})
    assert call("/orders", "store_id=sto_9", who=ADMIN) == (200, {"store_id": "sto_9", "uid": "a1"})


def test_each_refusal_keeps_the_routes_wording() -> None:
    code, body = call("/orders", "store_id=sto_2", who=STAFF)
    assert (code, body["detail"]) == (403, "Store staff see their own store's orders only")
    for who in (CUSTOMER, STAFF_WITHOUT_STORE):
        code, body = call("/orders", "store_id=sto_1", who=who)
        assert (code, body["detail"]) == (403, "This action needs one of the roles: admin, store_staff")


def test_no_session_is_401_and_a_malformed_store_id_422() -> None:
    assert call("/orders", "store_id=sto_1")[0] == 401
    assert call("/stores/sto_1/stock")[0] == 401
    assert call("/orders", "store_id=nope", who=ADMIN)[0] == 422
    assert call("/stores/nope/stock", who=ADMIN)[0] == 422


def test_the_openapi_documents_the_403_and_one_store_id_parameter() -> None:
    spec = get_openapi(title="t", version="1", routes=app.routes)
    for path, where in (("/stores/{store_id}/stock", "path"), ("/orders", "query")):
        operation = spec["paths"][path]["get"]
        assert {"401", "403", "422"} <= set(operation["responses"])
        declared = [p for p in operation["parameters"] if p["name"] == "store_id"]
        assert len(declared) == 1 and declared[0]["in"] == where
        assert declared[0]["required"] is (where == "path")
