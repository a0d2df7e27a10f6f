"""Session rules: token minting and hashing, absolute and idle expiry, touch cadence, rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auth.sessions import Policy, Session, hash_token, looks_like_token, mint_token, new_session

POLICY = Policy(absolute=timedelta(days=30), idle=timedelta(days=7), touch_every=timedelta(minutes=1))
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def session(**changes) -> Session:
    base = new_session("ses_1", "u1", "Pixel", "android", ("customer",), T0, POLICY)
    return Session(**{**{f: getattr(base, f) for f in base.__slots__}, **changes})


def test_tokens_are_random_prefixed_and_only_their_hash_is_stored():
    a, b = mint_token(), mint_token()
    assert a != b and a.startswith("bks_") and looks_like_token(a)
    assert hash_token(a) == hash_token(a) != hash_token(b)
    assert len(hash_token(a)) == 64 and a not in hash_token(a)


@pytest.mark.parametrize("token", ["", "bks_", "abc", "Bearer bks_x", "bks_" + "x" * 200])
def test_implausible_tokens_are_refused_before_any_lookup(token):
    assert not looks_like_token(token)


def test_a_new_session_ends_thirty_days_after_creation_at_most():
    s = session()
    assert s.expires_at == T0 + timedelta(days=30)
    assert s.is_active(T0 + timedelta(days=6), POLICY)


def test_idle_for_seven_days_ends_the_session():
    s = session()
    assert s.is_active(T0 + timedelta(days=7) - timedelta(seconds=1), POLICY)
    assert not s.is_active(T0 + timedelta(days=7), POLICY)


def test_use_keeps_it_alive_but_never_past_the_absolute_limit():
    s = session()
    for day in range(1, 30):
        s = s.touched(T0 + timedelta(days=day))
        assert s.is_active(T0 + timedelta(days=day, hours=1), POLICY)
    assert not s.is_active(T0 + timedelta(days=30), POLICY)
    assert s.ends_at(POLICY) == T0 + timedelta(days=30)


def test_last_seen_is_written_at_most_once_a_minute():
    s = session()
    assert not s.needs_touch(T0 + timedelta(seconds=59), POLICY)
    assert s.needs_touch(T0 + timedelta(seconds=60), POLICY)


def test_redis_ttl_follows_the_earlier_limit():
    s = session()
    assert s.ttl_seconds(T0, POLICY) == 7 * 86400
    late = s.touched(T0 + timedelta(days=29))
    assert late.ttl_seconds(T0 + timedelta(days=29), POLICY) == 86400


def test_round_trip_through_redis_fields():
    s = session(roles=("customer", "store_staff"))
    assert Session.from_redis(s.to_redis()) == s
