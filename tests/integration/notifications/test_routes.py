"""The inbox and preference routes and the admin broadcast route: success, bad input, tokens, roles, isolation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import User
from tests.integration.notifications.conftest import inbox, order_message, pump, send

OTHER_ID = "ntf_01JK8ZC3E5G7J9K1M3P5R7T9V1"


def _deliver(stack: Any, user: User, count: int) -> None:
    for i in range(count):
        send(stack, order_message(user, "CONFIRMED", key=f"{user.uid}-{i}"))
    while pump(stack).received:
        pass


def _problem(reply: Any, status: int) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    return dict(reply.json())


# ---- the inbox -----------------------------------------------------------------------------------------


def test_the_inbox_lists_newest_first_in_pages_and_counts_unread(
        api: Any, customer: User, project_stack: Any) -> None:
    _deliver(project_stack, customer, 3)
    everything = inbox(api, customer)["notifications"]
    assert len(everything) == 3
    assert [n["created_at"] for n in everything] == sorted((n["created_at"] for n in everything), reverse=True)

    first = inbox(api, customer, "limit=2")
    assert len(first["notifications"]) == 2 and first["next_cursor"]
    second = inbox(api, customer, f"limit=2&cursor={first['next_cursor']}")
    ids = [n["notification_id"] for n in first["notifications"] + second["notifications"]]
    assert ids == [n["notification_id"] for n in everything]

    count = api.get("/notifications/unread-count", token=customer.session_token)
    assert count.status == 200 and count.json() == {"unread": 3, "cap": 1000}


def test_reading_one_then_all_marks_them_and_keeps_the_first_read_time(
        api: Any, customer: User, project_stack: Any) -> None:
    _deliver(project_stack, customer, 3)
    newest = inbox(api, customer)["notifications"][0]["notification_id"]

    read = api.post(f"/notifications/{newest}/read", token=customer.session_token)
    assert read.status == 200, read.body
    first_read_at = read.json()["read_at"]
    assert first_read_at
    again = api.post(f"/notifications/{newest}/read", token=customer.session_token)
    assert again.json()["read_at"] == first_read_at
    assert api.get("/notifications/unread-count", token=customer.session_token).json()["unread"] == 2
    unread = inbox(api, customer, "unread_only=true")["notifications"]
    assert newest not in {n["notification_id"] for n in unread} and len(unread) == 2

    done = api.post("/notifications/read-all", token=customer.session_token)
    assert done.status == 200 and done.json() == {"marked": 2}
    assert api.get("/notifications/unread-count", token=customer.session_token).json()["unread"] == 0
    assert inbox(api, customer, "unread_only=true")["notifications"] == []
    assert all(n["read_at"] for n in inbox(api, customer)["notifications"])


def test_another_users_notifications_are_never_visible(
        api: Any, customer: User, other_customer: User, project_stack: Any) -> None:
    _deliver(project_stack, customer, 2)
    mine = inbox(api, customer, "limit=1")
    theirs_id = mine["notifications"][0]["notification_id"]

    assert inbox(api, other_customer)["notifications"] == []
    assert api.get("/notifications/unread-count", token=other_customer.session_token).json()["unread"] == 0
    _problem(api.post(f"/notifications/{theirs_id}/read", token=other_customer.session_token), 404)
    assert api.post("/notifications/read-all", token=other_customer.session_token).json() == {"marked": 0}
    assert inbox(api, customer, "unread_only=true")["notifications"][0]["read_at"] is None
    # Someone else's cursor is refused rather than paging through their inbox.
    problem = _problem(api.get("/notifications", token=other_customer.session_token,
                               query=f"limit=1&cursor={mine['next_cursor']}"), 400)
    assert problem["type"].endswith("/invalid-cursor")


def test_an_unknown_notification_is_404(api: Any, customer: User) -> None:
    _problem(api.post(f"/notifications/{OTHER_ID}/read", token=customer.session_token), 404)


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "unread_only=maybe", "cursor=" + "x" * 2001])
def test_bad_list_parameters_are_422(api: Any, customer: User, query: str) -> None:
    _problem(api.get("/notifications", token=customer.session_token, query=query), 422)


def test_a_forged_cursor_is_400(api: Any, customer: User) -> None:
    _problem(api.get("/notifications", token=customer.session_token, query="cursor=bm90LWEtY3Vyc29y"), 400)


@pytest.mark.parametrize("notification_id",
                         ["ntf_123", "ord_01JK8ZB2D4F6H8K0M2P4R6T8V0", "ntf_01JK8ZC3E5G7J9K1M3P5R7T9VU"])
def test_a_malformed_notification_id_is_422(api: Any, customer: User, notification_id: str) -> None:
    _problem(api.post(f"/notifications/{notification_id}/read", token=customer.session_token), 422)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/notifications"), ("GET", "/notifications/unread-count"), ("POST", "/notifications/read-all"),
    ("POST", f"/notifications/{OTHER_ID}/read"), ("GET", "/notifications/preferences"),
    ("PUT", "/notifications/preferences"), ("POST", "/notifications/custom")])
def test_every_route_needs_a_valid_session(api: Any, method: str, path: str) -> None:
    assert api.request(method, path).status == 401  # no token: API Gateway refuses before the authorizer
    assert api.request(method, path, token="bks_not-a-real-session-token-at-all").status == 401


# ---- preferences ---------------------------------------------------------------------------------------


def test_preferences_default_to_on_and_change_per_channel(api: Any, customer: User) -> None:
    got = api.get("/notifications/preferences", token=customer.session_token)
    assert got.status == 200, got.body
    body = got.json()
    assert all(body[c] == {"in_app": True, "email": True, "push": True}
               for c in ("order_updates", "delivery_updates", "marketing", "custom"))
    assert body["always_on"] == ["delivery_updates.in_app", "order_updates.in_app"]

    put = api.put("/notifications/preferences", {"marketing": {"email": False, "push": False},
                                                  "order_updates": {"push": False}}, token=customer.session_token)
    assert put.status == 200, put.body
    assert put.json()["marketing"] == {"in_app": True, "email": False, "push": False}
    assert put.json()["order_updates"] == {"in_app": True, "email": True, "push": False}
    later = api.put("/notifications/preferences", {"marketing": {"push": True}}, token=customer.session_token)
    assert later.json()["marketing"] == {"in_app": True, "email": False, "push": True}  # the rest kept
    assert api.get("/notifications/preferences", token=customer.session_token).json() == later.json()


def test_preferences_are_per_user(api: Any, customer: User, other_customer: User) -> None:
    api.put("/notifications/preferences", {"custom": {"push": False}}, token=customer.session_token)
    assert api.get("/notifications/preferences", token=other_customer.session_token).json()["custom"]["push"] is True


def test_order_and_delivery_updates_cannot_leave_the_inbox(api: Any, customer: User) -> None:
    for category in ("order_updates", "delivery_updates"):
        problem = _problem(api.put("/notifications/preferences", {category: {"in_app": False}},
                                   token=customer.session_token), 422)
        assert problem["errors"][0]["field"] == f"{category}.in_app"
        assert problem["type"].endswith("/channel-locked")


@pytest.mark.parametrize("body", [
    {}, {"marketing": {}}, {"marketing": {"email": "no"}}, {"marketing": {"email": 0}}, {"marketing": {"sms": False}},
    {"newsletters": {"email": False}}, {"marketing": True}, [], "off"])
def test_bad_preference_bodies_are_422(api: Any, customer: User, body: Any) -> None:
    _problem(api.put("/notifications/preferences", body, token=customer.session_token), 422)


def test_malformed_json_and_oversized_bodies_are_refused(api: Any, customer: User) -> None:
    _problem(api.request("PUT", "/notifications/preferences", raw=b"{not json", token=customer.session_token), 400)
    huge = json.dumps({"marketing": {"email": False}, "pad": "x" * 20000}).encode()
    _problem(api.request("PUT", "/notifications/preferences", raw=huge, token=customer.session_token), 413)


# ---- admin broadcasts ----------------------------------------------------------------------------------

GOOD = {"user_ids": ["someone"], "title": "Hello", "body": "A message", "channels": ["in_app"]}


def test_only_admins_may_broadcast(api: Any, customer: User) -> None:
    _problem(api.post("/notifications/custom", GOOD, token=customer.session_token), 403)


@pytest.mark.parametrize("change", [
    {"audience": "all"},  # both user_ids and audience
    {"user_ids": None},  # neither
    {"user_ids": []}, {"user_ids": ["bad id!"]}, {"user_ids": ["u"] * 1001}, {"audience": "everyone", "user_ids": None},
    {"title": ""}, {"title": "x" * 101}, {"body": "x" * 501}, {"title": 5},
    {"channels": []}, {"channels": ["sms"]}, {"channels": ["push", "push"]},
    {"deep_link": "javascript:alert(1)"}, {"deep_link": "blinkit://has space"}, {"category": "orders"},
    {"unexpected": True}])
def test_bad_broadcasts_are_422(api: Any, admin: User, change: dict[str, Any]) -> None:
    body = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    _problem(api.post("/notifications/custom", body, token=admin.session_token), 422)


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_deep_link_is_absent_and_a_blank_title_or_body_is_422_naming_it(
        api: Any, admin: User, customer: User, project_stack: Any, blank: str) -> None:
    body = {**GOOD, "user_ids": [customer.uid], "deep_link": blank}
    reply = api.post("/notifications/custom", body, token=admin.session_token)
    assert reply.status == 202, reply.body
    while pump(project_stack).received:
        pass
    (item,) = inbox(api, customer)["notifications"]
    assert (item["title"], item["deep_link"]) == ("Hello", None)
    for field in ("title", "body"):
        problem = _problem(api.post("/notifications/custom", {**GOOD, field: blank}, token=admin.session_token), 422)
        assert [e["field"] for e in problem["errors"]] == [field]


def test_a_broadcast_is_accepted_once_per_idempotency_key(api: Any, admin: User, project_stack: Any) -> None:
    headers = {"idempotency-key": "broadcast-1"}
    first = api.post("/notifications/custom", GOOD, token=admin.session_token, headers=headers)
    again = api.post("/notifications/custom", GOOD, token=admin.session_token, headers=headers)
    assert first.status == again.status == 202
    assert first.json()["job_id"] == again.json()["job_id"] and again.headers.get("idempotent-replayed") == "true"
    changed = api.post("/notifications/custom", {**GOOD, "title": "Other"}, token=admin.session_token,
                       headers=headers)
    assert _problem(changed, 409)["type"].endswith("/idempotency-key-reused")
    stats = pump(project_stack)
    assert stats.received == 1  # one fan-out message, not two
