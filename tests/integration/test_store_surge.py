"""A dark store's surge fee (`PUT` / `DELETE /admin/stores/{store_id}/surge`) over the local gateway: admins
only, bad input refused, and every store answer showing it while it lasts and `null` once it has ended, judged
when the answer is made (never by a write that ends it)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from blinkit import clock
from tests.integration.products_helpers import NEAR_HOME, assert_problem, make_staff, make_store

pytestmark = pytest.mark.emulator

UNKNOWN_STORE = "sto_" + "0" * 26
RAIN = {"fee": 3000, "reason": "Rain", "minutes": 60}


@pytest.fixture(autouse=True)
def _fresh_store_cache(api: Any) -> Any:
    from products import service  # functions share this process: the serviceability cache too

    service.forget_stores()
    yield
    service.forget_stores()


@pytest.fixture
def shop(api: Any, admin: Any) -> dict[str, Any]:
    return make_store(api, admin)


def _surge_url(store_id: str) -> str:
    return f"/admin/stores/{store_id}/surge"


def _listed(api: Any, store_id: str) -> dict[str, Any]:
    return next(s for s in api.get("/stores").json()["stores"] if s["store_id"] == store_id)


def _write_surge(store_id: str, expires_at: str) -> None:
    """A surge as the table holds it, written directly (as if set long ago)."""
    from products import store

    store.update_store(store_id, {"surge": {"fee": 3000, "reason": "Rain", "expires_at": expires_at}},
                       clock.now_iso())


def test_an_admin_sets_a_surge_for_a_while_and_every_store_answer_shows_it(api: Any, admin: Any, shop: Any):
    assert shop["surge"] is None and _listed(api, shop["store_id"])["surge"] is None
    before = clock.now()
    reply = api.put(_surge_url(shop["store_id"]), RAIN, token=admin.session_token)
    assert reply.status == 200, reply.body
    surge = reply.json()["surge"]
    assert (surge["fee"], surge["reason"]) == (3000, "Rain")
    ends = clock.parse(surge["expires_at"])
    assert before + timedelta(minutes=60) <= ends <= clock.now() + timedelta(minutes=60)
    assert surge["expires_at"] == clock.iso(ends)  # the project's one timestamp format
    assert reply.json()["store_id"] == shop["store_id"] and reply.json()["fees"] == shop["fees"]

    assert _listed(api, shop["store_id"])["surge"] == surge
    served = api.get("/stores/serviceable", query=f"lat={NEAR_HOME[0]}&lng={NEAR_HOME[1]}")
    assert served.status == 200 and served.json()["store"]["surge"] == surge

    # A new PUT replaces it (another reason, another end).
    again = api.put(_surge_url(shop["store_id"]), {"fee": 1500, "reason": "High demand", "minutes": 1},
                    token=admin.session_token)
    assert again.status == 200, again.body
    assert (again.json()["surge"]["fee"], again.json()["surge"]["reason"]) == (1500, "High demand")
    assert _listed(api, shop["store_id"])["surge"] == again.json()["surge"]


def test_delete_ends_the_surge_now_and_is_fine_without_one(api: Any, admin: Any, shop: Any):
    assert api.put(_surge_url(shop["store_id"]), RAIN, token=admin.session_token).status == 200
    ended = api.delete(_surge_url(shop["store_id"]), token=admin.session_token)
    assert ended.status == 200, ended.body
    assert ended.json()["surge"] is None and ended.json()["store_id"] == shop["store_id"]
    assert _listed(api, shop["store_id"])["surge"] is None
    again = api.delete(_surge_url(shop["store_id"]), token=admin.session_token)
    assert again.status == 200 and again.json()["surge"] is None


def test_an_expired_surge_is_null_in_every_answer_though_the_table_still_holds_it(api: Any, admin: Any, shop: Any):
    served_query = f"lat={NEAR_HOME[0]}&lng={NEAR_HOME[1]}"
    _write_surge(shop["store_id"], clock.iso(clock.now() + timedelta(minutes=5)))
    assert _listed(api, shop["store_id"])["surge"]["reason"] == "Rain"
    assert api.get("/stores/serviceable", query=served_query).json()["store"]["surge"]["fee"] == 3000  # cached now

    _write_surge(shop["store_id"], clock.iso(clock.now() - timedelta(seconds=1)))
    assert _listed(api, shop["store_id"])["surge"] is None
    # Serviceability still holds the store from before in its cache: it judges the end again when it answers.
    from products import service

    ended_at = clock.now() + timedelta(minutes=5, seconds=1)
    assert service.serviceable(*NEAR_HOME, now=ended_at)["store"]["surge"] is None
    assert service.serviceable(*NEAR_HOME, now=ended_at - timedelta(minutes=1))["store"]["surge"]["fee"] == 3000
    from products import store

    assert store.get_store(shop["store_id"]).surge is not None  # ended by the clock, not by a write


def test_the_instant_of_expiry_is_over(api: Any, admin: Any, shop: Any, monkeypatch: pytest.MonkeyPatch):
    ends = clock.now() + timedelta(minutes=1)
    _write_surge(shop["store_id"], clock.iso(ends))
    moment = ends.replace(microsecond=ends.microsecond // 1000 * 1000)  # as stored: milliseconds
    monkeypatch.setattr(clock, "now", lambda: moment - timedelta(milliseconds=1))
    assert _listed(api, shop["store_id"])["surge"]["fee"] == 3000
    monkeypatch.setattr(clock, "now", lambda: moment)
    assert _listed(api, shop["store_id"])["surge"] is None


def test_surge_routes_are_for_admins_only(api: Any, admin: Any, customer: Any, firebase: Any, shop: Any):
    url = _surge_url(shop["store_id"])
    assert api.put(url, RAIN).status == 401  # API Gateway's own answer: the authorizer never ran
    assert api.delete(url).status == 401
    assert_problem(api.put(url, RAIN, token="bks_" + "x" * 43), 401)
    assert_problem(api.delete(url, token="bks_" + "x" * 43), 401)
    assert_problem(api.put(url, RAIN, token=customer.session_token), 403, "forbidden")
    assert_problem(api.delete(url, token=customer.session_token), 403, "forbidden")
    staff = make_staff(api, firebase, shop["store_id"])  # even the staff of this very store: ops set surges
    assert_problem(api.put(url, RAIN, token=staff.session_token), 403, "forbidden")
    assert_problem(api.delete(url, token=staff.session_token), 403, "forbidden")
    assert _listed(api, shop["store_id"])["surge"] is None  # nothing was set


def test_an_unknown_store_is_404_and_a_malformed_id_422(api: Any, admin: Any):
    assert_problem(api.put(_surge_url(UNKNOWN_STORE), RAIN, token=admin.session_token), 404, "not-found")
    assert_problem(api.delete(_surge_url(UNKNOWN_STORE), token=admin.session_token), 404, "not-found")
    assert_problem(api.put(_surge_url("sto_nope"), RAIN, token=admin.session_token), 422)
    assert_problem(api.delete(_surge_url("sto_nope"), token=admin.session_token), 422)
    from products import store

    assert store.get_store(UNKNOWN_STORE) is None  # the 404 wrote nothing


@pytest.mark.parametrize("body", [
    {"reason": "Rain", "minutes": 60},  # missing fee
    {"fee": 3000, "minutes": 60},  # missing reason
    {"fee": 3000, "reason": "Rain"},  # missing minutes
    {},
    {"fee": "3000", "reason": "Rain", "minutes": 60},  # wrong types
    {"fee": 3000.0, "reason": "Rain", "minutes": 60},
    {"fee": True, "reason": "Rain", "minutes": 60},
    {"fee": 3000, "reason": 7, "minutes": 60},
    {"fee": 3000, "reason": "Rain", "minutes": "60"},
    {"fee": 3000, "reason": "Rain", "minutes": 1.5},
    {"fee": 99, "reason": "Rain", "minutes": 60},  # out of range
    {"fee": 10_001, "reason": "Rain", "minutes": 60},
    {"fee": -3000, "reason": "Rain", "minutes": 60},
    {"fee": 3000, "reason": "Rain", "minutes": 0},
    {"fee": 3000, "reason": "Rain", "minutes": 1441},
    {"fee": 3000, "reason": "", "minutes": 60},
    {"fee": 3000, "reason": "   ", "minutes": 60},  # blank once trimmed
    {"fee": 3000, "reason": "x" * 41, "minutes": 60},
    {"fee": 3000, "reason": "Rain\nstorm", "minutes": 60},  # control characters
    {"fee": 3000, "reason": "Rain", "minutes": 60, "store_id": UNKNOWN_STORE},  # unknown field
    [RAIN],
])
def test_bad_surge_bodies_are_422_and_change_nothing(api: Any, admin: Any, shop: Any, body: Any):
    assert_problem(api.put(_surge_url(shop["store_id"]), body, token=admin.session_token), 422)
    assert _listed(api, shop["store_id"])["surge"] is None


def test_the_edges_of_the_ranges_are_accepted(api: Any, admin: Any, shop: Any):
    for body in ({"fee": 100, "reason": "x", "minutes": 1}, {"fee": 10_000, "reason": "y" * 40, "minutes": 1440}):
        reply = api.put(_surge_url(shop["store_id"]), body, token=admin.session_token)
        assert reply.status == 200, reply.body
        assert (reply.json()["surge"]["fee"], reply.json()["surge"]["reason"]) == (body["fee"], body["reason"])


def test_malformed_json_an_empty_body_and_an_oversized_body_are_refused(api: Any, admin: Any, shop: Any):
    url = _surge_url(shop["store_id"])
    assert_problem(api.put(url, raw=b'{"fee": ', token=admin.session_token), 400, "malformed-json")
    assert_problem(api.put(url, raw=b"", token=admin.session_token), 422)
    huge = json.dumps({**RAIN, "reason": "x" * 40_000}).encode()
    assert_problem(api.put(url, raw=huge, token=admin.session_token), 413)
    assert _listed(api, shop["store_id"])["surge"] is None
