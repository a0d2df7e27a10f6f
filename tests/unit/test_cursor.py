"""`blinkit.cursor`: a cursor knows its list, and its key is read from Secrets Manager (moto) through Powertools,
cached, picked up again after a rotation, with the previous version still accepted (issue 18, items 4 and 11)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from blinkit import aws, cursor
from blinkit.cursor import decode_cursor, encode_cursor
from blinkit.errors import BadRequest, ServiceUnavailable
from blinkit.settings import get_settings

KEY = {"pk": {"S": "USER#u1"}, "sk": {"S": "ORDER#2026-12-05T05:16:30.123Z"}}


@pytest.fixture(autouse=True)
def _fresh_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("CURSOR_SECRET_ARN", raising=False)
    monkeypatch.setenv("CURSOR_SECRET", "unit-test-key")
    get_settings.cache_clear()
    cursor.KEYS.reset()
    yield
    get_settings.cache_clear()
    cursor.KEYS.reset()


def signed(payload: dict[str, Any], key: str) -> str:
    """A cursor as a container holding `key` signs it."""
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    signature = hmac.new(key.encode(), raw, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(signature + raw).decode().rstrip("=")


def refused(value: str, scope: str) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        decode_cursor(value, scope=scope)
    assert caught.value.status == 400 and caught.value.code == "invalid-cursor"
    return caught.value


# ---- a cursor knows its list --------------------------------------------------------------------------


def test_a_cursor_pages_its_own_list_and_no_cursor_is_the_first_page() -> None:
    value = encode_cursor(KEY, scope="orders:user:u1")
    assert value and decode_cursor(value, scope="orders:user:u1") == KEY
    assert decode_cursor(None, scope="orders:user:u1") is None and decode_cursor("", scope="orders:user:u1") is None
    assert encode_cursor(None, scope="orders:user:u1") is None and encode_cursor({}, scope="orders:user:u1") is None


@pytest.mark.parametrize("other", ["orders:user:u2", "orders:store:sto_1:status:any", "users", "", "orders:user:u1 "])
def test_a_validly_signed_cursor_of_another_list_is_400(other: str) -> None:
    problem = refused(encode_cursor(KEY, scope="orders:user:u1") or "", other)
    assert "another list" in problem.detail


def test_forged_tampered_and_malformed_cursors_are_400() -> None:
    value = encode_cursor(KEY, scope="users") or ""
    tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    for bad in (tampered, "forged", "%%%", "Zm9yZ2Vk", "x" * 2000, signed({"s": "users", "k": KEY}, "guessed-key"),
                signed({"s": "users", "k": "not a dict"}, "unit-test-key"), signed(["users"], "unit-test-key"),  # type: ignore[arg-type]
                base64.urlsafe_b64encode(b"\x00" * 12 + b"{not json").decode()):
        refused(bad, "users")


def test_without_a_secret_arn_the_setting_is_the_key() -> None:
    assert decode_cursor(signed({"s": "users", "k": KEY}, "unit-test-key"), scope="users") == KEY


# ---- the key from Secrets Manager ------------------------------------------------------------------------


class Secret:
    """The stack's CursorSigningSecret in moto, and how often the functions read it."""

    def __init__(self) -> None:
        self.client = boto3.client("secretsmanager", region_name="ap-south-1")
        self.arn = self.client.create_secret(Name="CursorSigningSecret", SecretString="key-one")["ARN"]
        self.reads: list[str] = []
        shared = aws.client("secretsmanager")  # the client blinkit.cursor reads through
        shared.meta.events.register("before-parameter-build.secrets-manager.GetSecretValue",
                                    lambda params, **_: self.reads.append(params.get("VersionStage", "")))

    def rotate(self, value: str) -> None:
        # What a rotation does: the new value becomes AWSCURRENT, the old one AWSPREVIOUS.
        self.client.put_secret_value(SecretId=self.arn, SecretString=value)


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[Secret]:
    with mock_aws():
        aws.reset()
        made = Secret()
        monkeypatch.setenv("CURSOR_SECRET_ARN", made.arn)
        monkeypatch.setenv("CURSOR_KEY_MAX_AGE_SECONDS", "0.5")
        get_settings.cache_clear()
        cursor.KEYS.reset()
        yield made
    aws.reset()


def test_the_key_is_read_once_and_cached(secret: Secret) -> None:
    values = [encode_cursor({"o": i}, scope="search:f") for i in range(1, 20)]
    assert all(decode_cursor(v, scope="search:f") == {"o": i} for i, v in enumerate(values, start=1))
    assert secret.reads == ["AWSCURRENT"]  # one read for 19 cursors signed and 19 checked
    assert values[0] == signed({"s": "search:f", "k": {"o": 1}}, "key-one")  # signed with the secret's value
    refused(signed({"s": "search:f", "k": {"o": 1}}, "unit-test-key"), "search:f")  # not with the setting


def test_a_rotation_is_picked_up_after_the_cache_age_and_cursors_in_flight_survive_it(secret: Secret) -> None:
    before = encode_cursor({"o": 5}, scope="search:f") or ""
    secret.rotate("key-two")
    assert encode_cursor({"o": 5}, scope="search:f") == before  # cached: still the old key
    time.sleep(0.6)  # past CURSOR_KEY_MAX_AGE_SECONDS
    after = encode_cursor({"o": 5}, scope="search:f") or ""
    assert after == signed({"s": "search:f", "k": {"o": 5}}, "key-two") != before
    assert decode_cursor(after, scope="search:f") == {"o": 5}
    assert decode_cursor(before, scope="search:f") == {"o": 5}  # the previous version still checks it
    assert secret.reads.count("AWSPREVIOUS") == 1  # read only when a cursor failed the current key
    secret.rotate("key-three")
    time.sleep(0.6)
    refused(before, "search:f")  # two rotations ago: no longer accepted


def test_a_container_that_has_not_seen_a_rotation_accepts_the_new_keys_cursors(
        secret: Secret, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURSOR_KEY_MAX_AGE_SECONDS", "300")
    get_settings.cache_clear()
    assert encode_cursor({"o": 1}, scope="s")  # this container caches key-one
    secret.rotate("key-two")
    # Another container, already on key-two, signed this one: the miss makes this container read both again.
    assert decode_cursor(signed({"s": "s", "k": {"o": 2}}, "key-two"), scope="s") == {"o": 2}
    assert encode_cursor({"o": 1}, scope="s") == signed({"s": "s", "k": {"o": 1}}, "key-two")


def test_forged_cursors_cost_at_most_one_refetch_a_minute(secret: Secret, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURSOR_KEY_MAX_AGE_SECONDS", "300")
    get_settings.cache_clear()
    now = [1000.0]
    monkeypatch.setattr(cursor, "_monotonic", lambda: now[0])
    forged = signed({"s": "s", "k": {"o": 1}}, "guessed-key")
    for _ in range(20):
        refused(forged, "s")
    # First use, the previous version (absent until a rotation), then one refetch of both.
    assert secret.reads == ["AWSCURRENT", "AWSPREVIOUS", "AWSCURRENT", "AWSPREVIOUS"]
    now[0] += cursor.REFETCH_ON_MISS_SECONDS
    refused(forged, "s")
    assert len(secret.reads) == 6


def test_an_unreadable_key_is_503_not_a_crash(secret: Secret, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURSOR_SECRET_ARN", secret.arn + "-gone")
    get_settings.cache_clear()
    cursor.KEYS.reset()
    forged = signed({"s": "s", "k": {"o": 1}}, "guessed-key")
    for call in (lambda: encode_cursor({"o": 1}, scope="s"), lambda: decode_cursor(forged, scope="s")):
        with pytest.raises(ServiceUnavailable) as caught:
            call()
        assert caught.value.status == 503 and caught.value.code == "cursor-key-unavailable"
        assert caught.value.headers["Retry-After"]


def test_a_cursor_too_short_to_carry_a_signature_is_refused_without_reading_the_key(secret: Secret) -> None:
    refused("Zm9yZ2Vk", "s")
    assert secret.reads == []
