"""The per-address sign-in limits count the TCP peer, as API Gateway's `sourceIp` does, never a header: the
gateway served over HTTP (with the server configuration `make run` uses, `local.gateway.server_config`)
ignores `X-Forwarded-For`, so a client cannot step around the limit by claiming other addresses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.cart.conftest import Served, _fresh_clients, served  # noqa: F401 (the served gateway)

pytestmark = pytest.mark.emulator

DEVICE = {"name": "Pixel 8", "platform": "android"}
JUNK_TOKEN = "j" * 40  # refused with 401 after the limit is checked: the limit counts every attempt


def _statuses(url: str, path: str, body: dict[str, Any], count: int) -> list[int]:
    with httpx.Client(base_url=url, timeout=30) as client:
        return [client.post(path, json=body, headers={"X-Forwarded-For": f"203.0.113.{i}, 10.0.0.{i}",
                                                      "X-Real-IP": f"198.51.100.{i}", "Forwarded": f"for=192.0.2.{i}"}
                            ).status_code for i in range(count)]


@pytest.mark.parametrize("path, body", [
    ("/auth/login", {"id_token": JUNK_TOKEN, "device": DEVICE}),
    ("/auth/google", {"google_id_token": JUNK_TOKEN, "device": DEVICE}),
    ("/auth/validate-token", {"id_token": JUNK_TOKEN}),
])
def test_one_address_is_limited_whatever_x_forwarded_for_claims(
        api: Any, served: Served, path: str, body: dict[str, Any]) -> None:  # noqa: F811
    from blinkit.settings import get_settings

    limit = get_settings().login_rate_per_ip
    statuses = _statuses(served.url, path, body, limit + 1)
    assert statuses == [401] * limit + [429], statuses


def test_the_sign_in_and_the_token_check_budgets_are_separate(api: Any, served: Served) -> None:  # noqa: F811
    from blinkit.settings import get_settings

    limit = get_settings().login_rate_per_ip
    assert _statuses(served.url, "/auth/validate-token", {"id_token": JUNK_TOKEN}, limit + 1)[-1] == 429
    assert _statuses(served.url, "/auth/login", {"id_token": JUNK_TOKEN, "device": DEVICE}, 1) == [401]
