"""The Redis session store against a real Redis: create, touch, rotate, list, delete, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis

from auth.session_store import SessionStore, index_key, session_key
from auth.sessions import Policy, hash_token, mint_token, new_session
from blinkit.clock import now_iso, parse
from tests.plugins.stack import flush_keeping_claim

POLICY = Policy(absolute=timedelta(days=30), idle=timedelta(days=7), touch_every=timedelta(minutes=1))
# Whole milliseconds: timestamps are stored with millisecond precision (blinkit.clock), so times a test sets
# come back equal.
NOW = parse(now_iso())


@pytest.fixture
def store(redis_url):
    flush_keeping_claim(redis_url)
    yield SessionStore(redis.Redis.from_url(redis_url, decode_responses=True), POLICY)
    flush_keeping_claim(redis_url)


def start(store: SessionStore, uid: str = "u1", sid: str = "ses_1") -> str:
    token = mint_token()
    store.create(new_session(sid, uid, "Pixel", "android", ("customer",), NOW, POLICY), hash_token(token), NOW)
    return token


def test_create_stores_only_the_hash_with_a_ttl(store):
    token = start(store)
    assert store.r.exists(session_key(hash_token(token)))
    assert not any(token in key for key in store.r.keys("*"))
    assert 0 < store.r.ttl(session_key(hash_token(token))) <= 7 * 86400
    assert store.get(hash_token(token)).uid == "u1"


def test_touch_updates_last_seen_and_never_resurrects_a_deleted_session(store):
    token = start(store)
    later = NOW + timedelta(minutes=5)
    assert store.touch(hash_token(token), store.get(hash_token(token)), later)
    assert store.get(hash_token(token)).last_seen_at == later
    stale = store.get(hash_token(token))
    store.delete("u1", "ses_1")
    assert not store.touch(hash_token(token), stale, later)
    assert not store.r.exists(session_key(hash_token(token)))


def test_rotate_moves_the_session_to_the_new_hash_only(store):
    old = start(store)
    new = mint_token()
    session = store.get(hash_token(old))
    assert store.rotate(hash_token(old), hash_token(new), session, NOW)
    assert store.get(hash_token(old)) is None
    assert store.get(hash_token(new)).session_id == "ses_1"
    assert store.r.hget(index_key("u1"), "ses_1") == hash_token(new)
    assert not store.rotate(hash_token(old), hash_token(mint_token()), session, NOW)  # second use fails


def test_list_prunes_sessions_that_expired_in_redis(store):
    a = start(store, sid="ses_a")
    start(store, sid="ses_b")
    store.r.delete(session_key(hash_token(a)))  # as if its TTL ran out
    assert [s.session_id for s in store.list("u1")] == ["ses_b"]
    assert store.r.hkeys(index_key("u1")) == ["ses_b"]


def test_delete_all_ends_every_session_of_one_user_only(store):
    start(store, sid="ses_a")
    start(store, sid="ses_b")
    other = start(store, uid="u2", sid="ses_c")
    assert store.delete_all("u1") == 2
    assert store.list("u1") == []
    assert store.get(hash_token(other)) is not None


def test_delete_by_id_is_scoped_to_the_owner(store):
    other = start(store, uid="u2", sid="ses_c")
    assert not store.delete("u1", "ses_c")
    assert store.get(hash_token(other)) is not None


def test_set_roles_updates_live_sessions(store):
    token = start(store)
    assert store.set_roles("u1", ("admin", "customer")) == 1
    assert store.get(hash_token(token)).roles == ("admin", "customer")


def _start_as(store: SessionStore, sid: str, roles: tuple[str, ...], store_id: str | None, uid: str = "u1") -> str:
    token = mint_token()
    store.create(new_session(sid, uid, "Pixel", "android", roles, NOW, POLICY, store_id=store_id), hash_token(token),
                 NOW)
    return hash_token(token)


def test_narrow_roles_only_ever_takes_away(store):
    """Each session keeps the roles it had that are also allowed, and its store only if it is the one named."""
    staff_a = _start_as(store, "ses_a", ("store_staff", "customer"), "sto_A")
    admin = _start_as(store, "ses_b", ("admin", "customer"), None)
    customer = _start_as(store, "ses_c", ("customer",), None)
    other_user = _start_as(store, "ses_d", ("admin",), None, uid="u2")

    assert store.narrow_roles("u1", ("store_staff", "customer", "delivery_partner"), "sto_B") == 3

    assert (store.get(staff_a).roles, store.get(staff_a).store_id) == (("store_staff", "customer"), None)
    assert store.get(admin).roles == ("customer",)  # never gains delivery_partner: narrowing adds nothing
    assert store.get(customer).roles == ("customer",)
    assert store.get(other_user).roles == ("admin",)  # another user's sessions are not touched


def test_narrow_roles_keeps_an_unchanged_store_and_can_leave_no_role(store):
    staff = _start_as(store, "ses_a", ("store_staff",), "sto_A")
    assert store.narrow_roles("u1", ("store_staff", "customer"), "sto_A") == 1
    assert (store.get(staff).roles, store.get(staff).store_id) == (("store_staff",), "sto_A")
    assert store.narrow_roles("u1", ("admin",), None) == 1
    assert (store.get(staff).roles, store.get(staff).store_id) == ((), None)
    assert store.narrow_roles("nobody", ("admin",), None) == 0
