"""The loopback Resend and FCM receivers: what they answer, what they keep, and `GET /local/outbox`."""

from __future__ import annotations

from pathlib import Path

import httpx

from local.receivers import RESEND_API_KEY, Receivers
from local.server import outbox_route

AUTH = {"authorization": f"Bearer {RESEND_API_KEY}"}
EMAIL = {"from": "Blinkit <orders@blinkit.example>", "to": ["asha@example.com"], "subject": "Hi",
         "html": "<p>Hello</p>", "text": "Hello"}


def test_emails_land_in_the_outbox_folder_and_the_listing(tmp_path: Path) -> None:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    with Receivers(outbox=tmp_path / "outbox") as receivers:
        reply = httpx.post(f"{receivers.url}/emails", json=EMAIL, headers=AUTH)
        assert reply.status_code == 200 and reply.json()["id"]
        (mail,) = receivers.emails
        assert Path(mail["file"]).parent == tmp_path / "outbox"
        assert Path(mail["file"]).read_text() == "<p>Hello</p>"
        listing = TestClient(Starlette(routes=[outbox_route(receivers)])).get("/local/outbox").json()
        assert listing["emails"][0]["subject"] == "Hi" and listing["pushes"] == []
        assert httpx.post(f"{receivers.url}/emails", json=EMAIL).status_code == 401  # no API key


def test_injected_failures_are_counted_and_run_out(tmp_path: Path) -> None:
    with Receivers(outbox=tmp_path) as receivers:
        receivers.fail_next("email", 429, count=2, match="asha@example.com")
        statuses = [httpx.post(f"{receivers.url}/emails", json=EMAIL, headers=AUTH).status_code for _ in range(3)]
        assert statuses == [429, 429, 200]
        other = {**EMAIL, "to": ["ravi@example.com"]}
        receivers.fail_next("email", 500, match="asha@example.com")
        assert httpx.post(f"{receivers.url}/emails", json=other, headers=AUTH).status_code == 200
        assert receivers.calls("email") == 4


def test_fcm_needs_a_token_from_its_oauth_endpoint_and_reports_unregistered_tokens() -> None:
    with Receivers() as receivers:
        send = f"{receivers.url}/v1/projects/demo-blinkit/messages:send"
        message = {"message": {"token": "tok-1", "notification": {"title": "T", "body": "B"}}}
        assert httpx.post(send, json=message).status_code == 401
        access = httpx.post(f"{receivers.url}/token", data={"grant_type": "x"}).json()["access_token"]
        headers = {"authorization": f"Bearer {access}"}
        assert httpx.post(send, json=message, headers=headers).json()["name"].startswith("projects/demo-blinkit/")
        receivers.unregister("tok-1")
        dead = httpx.post(send, json=message, headers=headers)
        assert dead.status_code == 404
        assert dead.json()["error"]["details"][0]["errorCode"] == "UNREGISTERED"
        assert [p["token"] for p in receivers.pushes] == ["tok-1"]
        assert receivers.service_account_file.exists()
    assert not receivers.service_account_file.exists()  # its own temporary folder is removed
