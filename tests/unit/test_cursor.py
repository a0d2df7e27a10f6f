"""`blinkit.cursor`: a cursor knows its list (issue 18, item 4)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest

from blinkit.cursor import decode_cursor, encode_cursor
from blinkit.errors import BadRequest
from blinkit.settings import get_settings

KEY = {"pk": {"S": "USER#u1"}, "sk": {"S": "ORDER#2026-12-05T05:16:30.123Z"}}


@pytest.fixture(autouse=True)
def _known_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CURSOR_SECRET", "unit-test-key")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


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
