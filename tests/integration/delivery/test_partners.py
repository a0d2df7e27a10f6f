"""Partner registration, status and the admin list: roles, bad input, conflicts."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import sign_up_and_login
from tests.integration.delivery.conftest import assign, packed_order, register_partner
from tests.integration.products_helpers import assert_problem, make_store


def body(who: str, where: str, **over: Any) -> dict[str, Any]:
    return {"uid": who, "name": "Ravi Kumar", "phone": "+919876543210", "vehicle": "TVS Jupiter KA05XY9876",
            "store_id": where, **over}


def test_admin_registers_a_partner_who_gets_the_role(api: Any, firebase: Any, admin: Any, customer: Any,
                                                     store_id: str) -> None:
    user = sign_up_and_login(api, firebase)
    assert_problem(api.get("/delivery/partners/me", token=user.session_token), 403)  # not a partner yet
    reply = api.post("/delivery/partners", body(user.uid, store_id), token=admin.session_token)
    assert reply.status == 201, reply.body
    created = reply.json()
    assert created["status"] == "offline" and created["store_id"] == store_id and created["order_id"] is None
    # The role reaches the live session: no new login needed.
    me = api.get("/delivery/partners/me", token=user.session_token)
    assert me.status == 200, me.body
    assert me.json()["uid"] == user.uid and me.json()["location"] is None
    roles = api.get("/users/me", token=user.session_token).json()["roles"]
    assert "delivery_partner" in roles and "customer" in roles  # other roles are kept
    assert_problem(api.post("/delivery/partners", body(user.uid, store_id), token=admin.session_token), 409,
                   "partner-exists")


def test_registration_refuses_bad_input_unknown_things_and_non_admins(api: Any, firebase: Any, admin: Any,
                                                                      customer: Any, store_id: str) -> None:
    token = admin.session_token
    assert_problem(api.post("/delivery/partners", body("no-such-user-uid", store_id), token=token), 404,
                   "unknown-user")
    assert_problem(api.post("/delivery/partners", body(customer.uid, "sto_" + "0" * 26), token=token), 404,
                   "unknown-store")
    for bad in ({"phone": "9876543210"}, {"phone": 919876543210}, {"name": ""}, {"vehicle": "x" * 61},
                {"store_id": "store-1"}, {"uid": "bad uid!"}, {"extra": True}):
        assert_problem(api.post("/delivery/partners", body(customer.uid, store_id, **bad), token=token), 422)
    missing = body(customer.uid, store_id)
    del missing["vehicle"]
    assert_problem(api.post("/delivery/partners", missing, token=token), 422)
    assert_problem(api.request("POST", "/delivery/partners", raw=b"{not json", token=token), 400)
    assert_problem(api.post("/delivery/partners", body(customer.uid, store_id, name="x" * 20_000), token=token), 413)
    assert_problem(api.post("/delivery/partners", body(customer.uid, store_id), token=customer.session_token), 403)
    assert api.post("/delivery/partners", body(customer.uid, store_id)).status == 401  # API Gateway's own 401
    assert_problem(api.post("/delivery/partners", body(customer.uid, store_id), token="bks_forged"), 401)
    assert api.get("/delivery/partners/me", token=customer.session_token).status == 403


def test_a_blank_required_field_is_422_naming_it(api: Any, admin: Any, customer: Any, store_id: str) -> None:
    # A partner has no optional text: every field is required, and a blank one is refused by name.
    for blank in ("", "   "):
        for field in ("uid", "name", "phone", "vehicle", "store_id"):
            reply = api.post("/delivery/partners", body(customer.uid, store_id, **{field: blank}),
                             token=admin.session_token)
            assert [e["field"] for e in assert_problem(reply, 422)["errors"]] == [field]
    listed = api.get("/admin/delivery/partners", query=f"store_id={store_id}", token=admin.session_token)
    assert listed.status == 200 and listed.json()["partners"] == []


def test_status_goes_available_and_offline_but_not_while_busy(api: Any, firebase: Any, project_stack: Any,
                                                             admin: Any, customer: Any, store_id: str) -> None:
    partner = register_partner(api, firebase, admin, store_id, available=False)
    path = "/delivery/partners/me/status"
    for status in ("available", "offline", "available"):
        reply = api.patch(path, {"status": status}, token=partner.token)
        assert reply.status == 200 and reply.json()["status"] == status, reply.body
    for bad in ({"status": "busy"}, {"status": "AVAILABLE"}, {"status": 1}, {}, {"status": "offline", "x": 1}):
        assert_problem(api.patch(path, bad, token=partner.token), 422)
    assert_problem(api.patch(path, {"status": "offline"}, token=customer.session_token), 403)
    assert api.patch(path, {"status": "offline"}).status == 401
    assign(project_stack, packed_order(customer, store_id))
    assert api.get("/delivery/partners/me", token=partner.token).json()["status"] == "busy"
    assert_problem(api.patch(path, {"status": "offline"}, token=partner.token), 409, "partner-busy")
    assert_problem(api.patch(path, {"status": "available"}, token=partner.token), 409, "partner-busy")


def test_a_partner_role_without_a_partner_record_is_404(api: Any, firebase: Any, admin: Any) -> None:
    from auth import store as auth_store
    from blinkit import clock
    from tests.integration.conftest import login_again

    user = sign_up_and_login(api, firebase)
    auth_store.update_user(user.uid, clock.now(), roles=["delivery_partner"])
    token = login_again(api, user, "Rider phone")
    assert_problem(api.get("/delivery/partners/me", token=token), 404, "not-a-partner")
    assert_problem(api.patch("/delivery/partners/me/status", {"status": "available"}, token=token), 404)
    assert_problem(api.get("/delivery/partners/me/assignment", token=token), 404)


def test_admin_and_store_staff_list_a_stores_partners(api: Any, firebase: Any, admin: Any, customer: Any,
                                                     store_id: str, staff_of: Any) -> None:
    other_store = make_store(api, admin)["store_id"]
    free = register_partner(api, firebase, admin, store_id)
    off = register_partner(api, firebase, admin, store_id, available=False)
    register_partner(api, firebase, admin, other_store)
    path = "/admin/delivery/partners"
    everyone = api.get(path, query=f"store_id={store_id}", token=admin.session_token)
    assert everyone.status == 200, everyone.body
    assert {p["uid"] for p in everyone.json()["partners"]} == {free.uid, off.uid}
    available = api.get(path, query=f"store_id={store_id}&status=available", token=admin.session_token).json()
    assert [p["uid"] for p in available["partners"]] == [free.uid]
    page = api.get(path, query=f"store_id={store_id}&limit=1", token=admin.session_token).json()
    assert len(page["partners"]) == 1 and page["next_cursor"]
    rest = api.get(path, query=f"store_id={store_id}&limit=1&cursor={page['next_cursor']}",
                   token=admin.session_token).json()
    assert len(rest["partners"]) == 1 and rest["partners"][0]["uid"] != page["partners"][0]["uid"]
    staff = staff_of(store_id)
    mine = api.get(path, token=staff.session_token)  # staff: their own store by default
    assert mine.status == 200 and {p["uid"] for p in mine.json()["partners"]} == {free.uid, off.uid}
    assert_problem(api.get(path, query=f"store_id={other_store}", token=staff.session_token), 403)
    assert_problem(api.get(path, query=f"store_id={store_id}", token=customer.session_token), 403)
    assert_problem(api.get(path, token=admin.session_token), 400, "filter-required")
    assert_problem(api.get(path, query="store_id=nope", token=admin.session_token), 422)
    assert_problem(api.get(path, query=f"store_id={store_id}&status=busyish", token=admin.session_token), 422)
    assert_problem(api.get(path, query=f"store_id={store_id}&cursor=forged", token=admin.session_token), 400)
    assert api.get(path, query=f"store_id={store_id}").status == 401
