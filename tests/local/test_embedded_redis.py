"""`make run`'s embedded Redis (no REDIS_URL) behaves like Redis where the session store depends on it: an error
reply leaves the connection open, so the first call of every session script (NOSCRIPT, then SCRIPT LOAD on the
same pooled connection) succeeds."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import redis

from local.server import redis_server

POLICY_DAYS = (30, 7)


@pytest.fixture
def embedded_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh embedded server exactly as `make run` starts one (REDIS_URL unset): no script is cached yet."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    with redis_server() as url:
        assert "127.0.0.1" in url
        yield url


def app_client(url: str) -> redis.Redis:
    """The client the functions use (blinkit.redis_client), pointed at `url`."""
    from blinkit.redis_client import get_redis, reset_redis
    from blinkit.settings import get_settings

    os.environ["REDIS_URL"] = url
    get_settings.cache_clear()
    reset_redis()
    return get_redis()


@pytest.fixture(autouse=True)
def _forget_the_client() -> Iterator[None]:
    yield
    from blinkit.redis_client import reset_redis
    from blinkit.settings import get_settings

    get_settings.cache_clear()
    reset_redis()


def test_an_error_reply_leaves_the_connection_open(embedded_url: str) -> None:
    client = redis.Redis.from_url(embedded_url, single_connection_client=True, decode_responses=True)
    client.set("plain", "value")
    before = client.client_id()
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        client.hget("plain", "field")  # a hash command on a string: an error reply
    with pytest.raises(redis.exceptions.NoScriptError):
        client.evalsha("0" * 40, 0)
    assert client.ping() is True
    assert client.client_id() == before, "the server closed the connection after an error reply"


def test_error_replies_in_one_write_each_get_their_answer(embedded_url: str) -> None:
    """Pipelined commands after an error are still answered, in order (the server kept reading)."""
    client = redis.Redis.from_url(embedded_url, decode_responses=True)
    pipe = client.pipeline(transaction=False)
    pipe.set("plain", "value").hget("plain", "field").evalsha("0" * 40, 0).get("plain")
    first, wrongtype, noscript, last = pipe.execute(raise_on_error=False)
    assert first is True and last == "value"
    assert isinstance(wrongtype, redis.ResponseError) and "WRONGTYPE" in str(wrongtype)
    assert isinstance(noscript, redis.exceptions.NoScriptError)


def _session_store(url: str):  # -> (SessionStore, token hash, Session)
    from auth.session_store import SessionStore
    from auth.sessions import Policy, hash_token, mint_token, new_session
    from blinkit import clock

    policy = Policy(absolute=timedelta(days=POLICY_DAYS[0]), idle=timedelta(days=POLICY_DAYS[1]),
                    touch_every=timedelta(seconds=0))
    store = SessionStore(app_client(url), policy)
    now = clock.now()
    session = new_session("ses_01JK8ZB2D4F6H8K0M2P4R6T8V0", "uid-1", "Pixel 8", "android", ("admin", "customer"),
                          now, policy)
    token_hash = hash_token(mint_token())
    store.create(session, token_hash, now)
    return store, token_hash, session


def _logout_all(store, token_hash, session) -> None:
    assert store.delete_all(session.uid) == 1
    assert store.get(token_hash) is None


def _set_roles(store, token_hash, session) -> None:
    assert store.set_roles(session.uid, ("customer",)) == 1
    assert store.get(token_hash).roles == ("customer",)


def _narrow_roles(store, token_hash, session) -> None:
    assert store.narrow_roles(session.uid, ("customer",), None) == 1
    assert store.get(token_hash).roles == ("customer",)


def _refresh(store, token_hash, session) -> None:
    from auth.sessions import hash_token, mint_token
    from blinkit import clock

    new_hash = hash_token(mint_token())
    assert store.rotate(token_hash, new_hash, session, clock.now()) is True
    assert store.get(new_hash).session_id == session.session_id


def _logout(store, token_hash, session) -> None:
    assert store.delete(session.uid, session.session_id) is True


def _touch(store, token_hash, session) -> None:
    from blinkit import clock

    assert store.touch(token_hash, session, clock.now()) is True


SCRIPTS: dict[str, Callable[..., None]] = {"logout-all": _logout_all, "role change": _set_roles,
                                           "role narrowing": _narrow_roles, "refresh": _refresh,
                                           "logout": _logout, "touch": _touch}


@pytest.mark.parametrize("operation", sorted(SCRIPTS))
def test_the_first_call_of_each_session_script_succeeds(embedded_url: str, operation: str) -> None:
    store, token_hash, session = _session_store(embedded_url)
    assert store.r.script_exists(store._delete_all.sha) == [False]  # nothing cached: this is the first call
    SCRIPTS[operation](store, token_hash, session)


def test_starting_the_embedded_redis_is_information_not_a_warning(monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    with caplog.at_level(logging.INFO, logger="local.server"), redis_server() as url:
        assert redis.Redis.from_url(url).ping()
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "local.server"]
    assert len(said) == 1 and said[0][0] == "INFO" and said[0][1].startswith("REDIS_URL is not set: using an embedded")
