"""`GET /local/realtime` of `make run`: what the Supabase Realtime stand-in was asked to broadcast, by topic."""

from __future__ import annotations

import httpx

from local.receivers import SUPABASE_KEY, SupabaseReceiver
from local.server import realtime_route

HEADERS = {"apikey": SUPABASE_KEY, "authorization": f"Bearer {SUPABASE_KEY}"}


def _broadcast(receiver: SupabaseReceiver, topic: str, lat: float) -> None:
    body = {"messages": [{"topic": topic, "event": "location", "payload": {"lat": lat, "lng": 77.6}, "private": False}]}
    assert httpx.post(f"{receiver.url}/realtime/v1/api/broadcast", json=body, headers=HEADERS).status_code == 202


def test_lists_broadcasts_oldest_first_and_filters_by_topic() -> None:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    with SupabaseReceiver() as receiver:
        client = TestClient(Starlette(routes=[realtime_route(receiver)]))
        assert client.get("/local/realtime").json() == {"broadcasts": []}
        _broadcast(receiver, "order:a", 12.91)
        _broadcast(receiver, "order:b", 12.95)
        _broadcast(receiver, "order:a", 12.92)
        everything = client.get("/local/realtime").json()["broadcasts"]
        assert [(b["topic"], b["payload"]["lat"]) for b in everything] == [
            ("order:a", 12.91), ("order:b", 12.95), ("order:a", 12.92)]
        mine = client.get("/local/realtime", params={"topic": "order:a"}).json()["broadcasts"]
        assert [b["payload"]["lat"] for b in mine] == [12.91, 12.92]
        assert all(b["event"] == "location" and b["received_at"] for b in mine)
        assert client.get("/local/realtime", params={"topic": "order:none"}).json() == {"broadcasts": []}
        assert client.post("/local/realtime").status_code == 405
