"""The admin coupon routes through the gateway: create, list, get, patch (version-checked), deactivate; who may
call them, and every body they refuse (422 naming the field, 409 for a taken code or a stale version)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.conftest import User, login_again, sign_up_and_login
from tests.integration.products_helpers import assert_problem, make_staff, make_store

STORE = "sto_" + "1" * 26
CATEGORY = "cat_" + "2" * 26
PRODUCT = "prd_" + "3" * 26


def flat(code: str = "save50", **over: Any) -> dict[str, Any]:
    return {"code": code, "title": "₹50 off above ₹299", "description": "On orders of ₹299 or more",
            "kind": "flat", "amount": 5000, "min_item_total": 29900, **over}


def percent(code: str = "TENOFF", **over: Any) -> dict[str, Any]:
    return {"code": code, "title": "10% off up to ₹100", "kind": "percent", "percent": 10, "max_discount": 10000,
            **over}


def create(api: Any, admin: User, body: dict[str, Any], **kw: Any) -> Any:
    return api.post("/admin/coupons", body, token=admin.session_token, **kw)


def created(api: Any, admin: User, body: dict[str, Any]) -> dict[str, Any]:
    reply = create(api, admin, body)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def fields_of(problem: dict[str, Any]) -> set[str]:
    return {e["field"] for e in problem["errors"]}


@pytest.fixture
def partner(api: Any, firebase: Any) -> User:
    from auth import store as auth_store
    from blinkit import clock

    user = sign_up_and_login(api, firebase)
    auth_store.update_user(user.uid, clock.now(), roles=["delivery_partner"])
    user.session_token = login_again(api, user, "Rider phone")
    return user


def test_admin_creates_a_coupon_and_reads_it_back_in_any_case(api: Any, admin: User) -> None:
    body = flat(valid_from="2026-12-01T00:00:00+05:30", valid_until="2027-03-01T00:00:00Z", per_user_limit=2,
                total_limit=100, store_ids=[STORE], category_ids=[CATEGORY], product_ids=[PRODUCT])
    coupon = created(api, admin, body)
    assert coupon == {
        "code": "SAVE50", "title": "₹50 off above ₹299", "description": "On orders of ₹299 or more", "kind": "flat",
        "amount": 5000, "percent": None, "max_discount": None, "min_item_total": 29900,
        "valid_from": "2026-11-30T18:30:00.000Z", "valid_until": "2027-03-01T00:00:00.000Z",
        "first_order_only": False, "per_user_limit": 2, "total_limit": 100, "store_ids": [STORE],
        "category_ids": [CATEGORY], "product_ids": [PRODUCT], "is_active": True, "used": 0, "version": 1,
        "created_at": coupon["created_at"], "updated_at": coupon["created_at"]}
    for spelled in ("SAVE50", "save50", "Save50"):
        reply = api.get(f"/admin/coupons/{spelled}", token=admin.session_token)
        assert reply.status == 200 and reply.json() == coupon, reply.body


def test_defaults_start_now_and_never_end(api: Any, admin: User) -> None:
    from blinkit import clock

    before = clock.now_iso()
    coupon = created(api, admin, {"code": "FREEDEL", "title": "Free delivery", "kind": "free_delivery"})
    assert before <= coupon["valid_from"] <= clock.now_iso()
    assert (coupon["valid_until"], coupon["per_user_limit"], coupon["total_limit"], coupon["min_item_total"],
            coupon["first_order_only"], coupon["description"], coupon["store_ids"]) == (
        None, None, None, 0, False, "", [])
    assert (coupon["amount"], coupon["percent"], coupon["max_discount"]) == (None, None, None)


def test_a_code_is_taken_once_in_any_case(api: Any, admin: User) -> None:
    created(api, admin, flat("save50"))
    problem = assert_problem(create(api, admin, flat("SAVE50", amount=9000)), 409, "coupon-exists")
    assert problem["code"] == "SAVE50"
    assert api.get("/admin/coupons/save50", token=admin.session_token).json()["amount"] == 5000  # the first stays


def test_two_concurrent_creates_of_one_code_make_one_coupon(api: Any, admin: User) -> None:
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda n: create(api, admin, flat("RACE1", amount=1000 + n)), range(4)))
    assert sorted(r.status for r in replies) == [201, 409, 409, 409]
    winner = next(r.json() for r in replies if r.status == 201)
    assert api.get("/admin/coupons/RACE1", token=admin.session_token).json()["amount"] == winner["amount"]


def test_an_idempotency_key_replays_the_create(api: Any, admin: User) -> None:
    key = {"idempotency-key": f"coupon-{uuid.uuid4()}"}
    first = create(api, admin, flat("ONCE1"), headers=key)
    again = create(api, admin, flat("ONCE1"), headers=key)
    assert first.status == again.status == 201 and again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert_problem(create(api, admin, flat("ONCE2"), headers=key), 409, "idempotency-key-reused")


@pytest.mark.parametrize(("change", "field"), [
    ({"percent": 101}, "percent"),
    ({"percent": 0}, "percent"),
    ({"percent": -10}, "percent"),
    ({"percent": "10"}, "percent"),
    ({"percent": 12.5}, "percent"),
    ({"max_discount": None}, "max_discount"),
    ({"max_discount": -100}, "max_discount"),
    ({"amount": 5000}, "amount"),
    ({"kind": "bogo"}, "kind"),
    ({"kind": None}, "kind"),
    ({"min_item_total": -1}, "min_item_total"),
    ({"min_item_total": 10_000_001}, "min_item_total"),
    ({"per_user_limit": 0}, "per_user_limit"),
    ({"total_limit": -5}, "total_limit"),
    ({"total_limit": "5"}, "total_limit"),
    ({"valid_from": "2026-12-05T00:00:00Z", "valid_until": "2026-12-04T00:00:00Z"}, "valid_until"),
    ({"valid_from": "2026-12-05T00:00:00Z", "valid_until": "2026-12-05T00:00:00Z"}, "valid_until"),
    ({"valid_until": "tomorrow"}, "valid_until"),
    ({"valid_until": "2027-01-01T00:00:00"}, "valid_until"),
    ({"valid_from": 1_796_000_000}, "valid_from"),
    ({"code": "ab"}, "code"),
    ({"code": "SAVE 50"}, "code"),
    ({"code": "ŚAVE50"}, "code"),
    ({"code": 50}, "code"),
    ({"title": ""}, "title"),
    ({"title": "x" * 81}, "title"),
    ({"description": "x" * 301}, "description"),
    ({"first_order_only": "true"}, "first_order_only"),
    ({"is_active": 1}, "is_active"),
    ({"store_ids": ["not-a-store"]}, "store_ids.0"),
    ({"category_ids": [PRODUCT]}, "category_ids.0"),
    ({"product_ids": PRODUCT}, "product_ids"),
    ({"used": 0}, "used"),
    ({"version": 1}, "version"),
])
def test_create_refuses_bad_fields_and_combinations_naming_the_field(api: Any, admin: User, change: dict[str, Any],
                                                                     field: str) -> None:
    problem = assert_problem(create(api, admin, percent(**change)), 422, "validation-error")
    assert field in fields_of(problem), problem
    assert_problem(api.get("/admin/coupons/TENOFF", token=admin.session_token), 404)  # nothing was written


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "FLAT1", "title": "x", "kind": "flat"}, "amount"),
    ({"code": "FLAT1", "title": "x", "kind": "flat", "amount": 100, "percent": 5}, "percent"),
    ({"code": "FLAT1", "title": "x", "kind": "flat", "amount": 100, "max_discount": 500}, "max_discount"),
    ({"code": "FREE1", "title": "x", "kind": "free_delivery", "amount": 100}, "amount"),
    ({"code": "FREE1", "title": "x", "kind": "free_delivery", "percent": 5, "max_discount": 5}, "percent"),
])
def test_each_kind_takes_only_its_own_amounts(api: Any, admin: User, body: dict[str, Any], field: str) -> None:
    problem = assert_problem(create(api, admin, body), 422, "validation-error")
    assert field in fields_of(problem), problem


def test_missing_fields_malformed_json_and_an_oversized_body(api: Any, admin: User) -> None:
    problem = assert_problem(create(api, admin, {"title": "x"}), 422)
    assert {"code", "kind"} <= fields_of(problem)
    assert_problem(api.post("/admin/coupons", raw=b'{"code": ', token=admin.session_token), 400)
    assert_problem(api.post("/admin/coupons", raw=b"[1, 2]", token=admin.session_token), 422)
    assert_problem(create(api, admin, flat(description="x" * 40_000)), 413)


def test_only_admins_reach_the_coupon_routes(api: Any, firebase: Any, admin: User, customer: User,
                                             partner: User) -> None:
    created(api, admin, flat("ADMIN1"))
    staff = make_staff(api, firebase, make_store(api, admin)["store_id"])
    calls = [("POST", "/admin/coupons", flat("OTHER1")), ("GET", "/admin/coupons", None),
             ("GET", "/admin/coupons/ADMIN1", None), ("PATCH", "/admin/coupons/ADMIN1", {"version": 1, "title": "x"}),
             ("POST", "/admin/coupons/ADMIN1/deactivate", None)]
    for method, path, body in calls:
        for outsider in (customer, staff, partner):
            assert_problem(api.request(method, path, json_body=body, token=outsider.session_token), 403, "forbidden")
        assert api.request(method, path, json_body=body).status == 401  # the gateway's authorizer answers
        assert_problem(api.request(method, path, json_body=body, token="bks_" + "x" * 43), 401)
    coupon = api.get("/admin/coupons/ADMIN1", token=admin.session_token).json()
    assert (coupon["version"], coupon["is_active"], coupon["title"]) == (1, True, "₹50 off above ₹299")
    assert_problem(api.get("/admin/coupons/OTHER1", token=admin.session_token), 404)


def test_unknown_and_malformed_codes(api: Any, admin: User) -> None:
    for method, path, body in (("GET", "/admin/coupons/NOSUCH", None),
                               ("PATCH", "/admin/coupons/NOSUCH", {"version": 1, "title": "x"}),
                               ("POST", "/admin/coupons/NOSUCH/deactivate", None)):
        assert_problem(api.request(method, path, json_body=body, token=admin.session_token), 404, "coupon-not-found")
    assert_problem(api.get("/admin/coupons/no-such", token=admin.session_token), 422)
    assert_problem(api.get("/admin/coupons/" + "A" * 21, token=admin.session_token), 422)


def test_the_list_pages_by_code_and_filters_on_active(api: Any, admin: User) -> None:
    codes = ["ALPHA1", "BRAVO2", "CHARLIE3", "DELTA4", "ECHO5"]
    for code in reversed(codes):
        created(api, admin, flat(code))
    assert api.post("/admin/coupons/bravo2/deactivate", token=admin.session_token).status == 200
    seen, cursor, pages = [], None, 0
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get("/admin/coupons", query=query, token=admin.session_token).json()
        seen += [c["code"] for c in page["coupons"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == codes and pages >= 3
    active = api.get("/admin/coupons", query="active=true&limit=100", token=admin.session_token).json()
    assert [c["code"] for c in active["coupons"]] == ["ALPHA1", "CHARLIE3", "DELTA4", "ECHO5"]
    inactive = api.get("/admin/coupons", query="active=false", token=admin.session_token).json()
    assert [(c["code"], c["used"]) for c in inactive["coupons"]] == [("BRAVO2", 0)]
    one = api.get("/admin/coupons", query="active=false&limit=1", token=admin.session_token).json()
    assert [c["code"] for c in one["coupons"]] == ["BRAVO2"] and one["next_cursor"] is None  # full, and the last
    first = api.get("/admin/coupons", query="active=true&limit=1", token=admin.session_token).json()
    assert_problem(api.get("/admin/coupons", query=f"active=false&cursor={first['next_cursor']}",
                           token=admin.session_token), 400, "invalid-cursor")  # another list's cursor
    assert_problem(api.get("/admin/coupons", query="cursor=forged", token=admin.session_token), 400, "invalid-cursor")
    for bad in ("limit=0", "limit=101", "limit=ten", "active=maybe"):
        assert_problem(api.get("/admin/coupons", query=bad, token=admin.session_token), 422)


def test_a_patch_changes_what_it_sends_at_the_version_read(api: Any, admin: User) -> None:
    coupon = created(api, admin, flat("PATCH1", valid_until="2027-01-01T00:00:00Z", total_limit=10))
    reply = api.patch("/admin/coupons/patch1", {"version": 1, "title": "₹60 off", "amount": 6000,
                                                "valid_until": None, "total_limit": None},
                      token=admin.session_token)
    assert reply.status == 200, reply.body
    changed = reply.json()
    assert (changed["title"], changed["amount"], changed["valid_until"], changed["total_limit"], changed["version"]) \
        == ("₹60 off", 6000, None, None, 2)
    assert changed["code"] == "PATCH1" and changed["min_item_total"] == coupon["min_item_total"]
    assert changed["updated_at"] >= coupon["updated_at"] and changed["created_at"] == coupon["created_at"]
    assert api.get("/admin/coupons/PATCH1", token=admin.session_token).json() == changed
    stale = assert_problem(api.patch("/admin/coupons/PATCH1", {"version": 1, "title": "late"},
                                     token=admin.session_token), 409, "version-conflict")
    assert stale["version"] == 2
    assert api.get("/admin/coupons/PATCH1", token=admin.session_token).json()["title"] == "₹60 off"


def test_two_concurrent_patches_at_one_version_change_it_once(api: Any, admin: User) -> None:
    created(api, admin, flat("RACE2"))
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda n: api.patch("/admin/coupons/RACE2", {"version": 1, "amount": 1000 + n},
                                                    token=admin.session_token), range(4)))
    assert sorted(r.status for r in replies) == [200, 409, 409, 409]
    winner = next(r.json() for r in replies if r.status == 200)
    final = api.get("/admin/coupons/RACE2", token=admin.session_token).json()
    assert final["version"] == 2 and final["amount"] == winner["amount"]


def test_changing_the_kind_drops_the_old_kinds_amounts_and_checks_the_new_ones(api: Any, admin: User) -> None:
    created(api, admin, flat("KIND1"))
    problem = assert_problem(api.patch("/admin/coupons/KIND1", {"version": 1, "kind": "percent", "percent": 15},
                                       token=admin.session_token), 422)
    assert fields_of(problem) == {"max_discount"}
    reply = api.patch("/admin/coupons/KIND1", {"version": 1, "kind": "percent", "percent": 15, "max_discount": 7500},
                      token=admin.session_token)
    assert reply.status == 200, reply.body
    assert (reply.json()["amount"], reply.json()["percent"], reply.json()["max_discount"]) == (None, 15, 7500)
    problem = assert_problem(api.patch("/admin/coupons/KIND1", {"version": 2, "kind": "flat", "percent": 15},
                                       token=admin.session_token), 422)
    assert fields_of(problem) == {"amount", "percent"}
    problem = assert_problem(api.patch("/admin/coupons/KIND1", {"version": 2, "amount": 100},
                                       token=admin.session_token), 422)  # percent coupons take no amount
    assert fields_of(problem) == {"amount"}
    free = api.patch("/admin/coupons/KIND1", {"version": 2, "kind": "free_delivery"}, token=admin.session_token)
    assert free.status == 200 and (free.json()["kind"], free.json()["percent"], free.json()["max_discount"]) == (
        "free_delivery", None, None)


@pytest.mark.parametrize(("patch", "field"), [
    ({"title": "x"}, "version"),
    ({"version": 0, "title": "x"}, "version"),
    ({"version": "1", "title": "x"}, "version"),
    ({"version": 1, "code": "OTHER"}, "code"),
    ({"version": 1, "used": 0}, "used"),
    ({"version": 1, "title": None}, "title"),
    ({"version": 1, "kind": "bogo"}, "kind"),
    ({"version": 1, "amount": -1}, "amount"),
    ({"version": 1, "max_discount": 100}, "max_discount"),
    ({"version": 1, "per_user_limit": 0}, "per_user_limit"),
    ({"version": 1, "valid_until": "2020-01-01T00:00:00Z"}, "valid_until"),  # before the stored valid_from
    ({"version": 1, "valid_from": "2030-01-01T00:00:00Z"}, "valid_until"),  # after the stored valid_until
    ({"version": 1, "is_active": None}, "is_active"),
    ({"version": 1, "store_ids": [CATEGORY]}, "store_ids.0"),
])
def test_a_patch_refuses_bad_fields_naming_them(api: Any, admin: User, patch: dict[str, Any], field: str) -> None:
    coupon = created(api, admin, flat("BADPATCH", valid_from="2026-01-01T00:00:00Z",
                                      valid_until="2028-01-01T00:00:00Z"))
    problem = assert_problem(api.patch("/admin/coupons/BADPATCH", patch, token=admin.session_token), 422)
    assert field in fields_of(problem), problem
    assert api.get("/admin/coupons/BADPATCH", token=admin.session_token).json() == coupon  # unchanged
    assert_problem(api.patch("/admin/coupons/BADPATCH", {"version": 1, "description": "x" * 40_000},
                             token=admin.session_token), 413)


def test_deactivate_stops_a_coupon_once_and_a_patch_can_start_it_again(api: Any, admin: User) -> None:
    created(api, admin, flat("STOP1"))
    first = api.post("/admin/coupons/stop1/deactivate", token=admin.session_token)
    assert first.status == 200, first.body
    assert (first.json()["is_active"], first.json()["version"]) == (False, 2)
    again = api.post("/admin/coupons/STOP1/deactivate", token=admin.session_token)
    assert again.status == 200 and again.json() == first.json()  # nothing changes the second time
    back = api.patch("/admin/coupons/STOP1", {"version": 2, "is_active": True}, token=admin.session_token)
    assert back.status == 200 and (back.json()["is_active"], back.json()["version"]) == (True, 3)
