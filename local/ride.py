"""`python -m local ride ORDER_ID`: the demo partner rides an assigned order from the store to the door.

Against a running `make run`: signs in as the seeded partner (+919000000004), checks that the order is their
current assignment, picks it up if it is still PACKED, then posts a GPS fix every `interval` along the
straight line from the store to the drop address, printing each answer (the ETA the customer sees). The
customer's app would follow the same points live on the Supabase Realtime topic `order:{order_id}`; locally
the loopback Supabase receiver records them. With `--otp`, the ride ends by delivering the order.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx


def waypoints(start: tuple[float, float], end: tuple[float, float], steps: int) -> list[tuple[float, float]]:
    """`steps + 1` evenly spaced points from start to end, both included."""
    (a, b), (c, d) = start, end
    return [(round(a + (c - a) * i / steps, 6), round(b + (d - b) * i / steps, 6)) for i in range(steps + 1)]


def ride(order_id: str, *, url: str | None, state_file: Path, steps: int, interval_ms: int, otp: str | None,
         say: Callable[[str], None]) -> int:
    from local.server import session_token

    if not state_file.exists():
        raise RuntimeError("the local stack is not running: start it with `make run` first")
    api_url = url or json.loads(state_file.read_text())["api_url"]
    token = session_token("partner")
    with httpx.Client(base_url=api_url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as http:
        reply = http.get("/delivery/partners/me/assignment")
        if reply.status_code != 200:
            raise RuntimeError(f"the demo partner has no assignment ({reply.status_code}): pack an order first")
        job: dict[str, Any] = reply.json()
        if job["order_id"] != order_id:
            raise RuntimeError(f"the demo partner is assigned {job['order_id']}, not {order_id}")
        if job["status"] == "PACKED":
            picked = http.post(f"/delivery/orders/{order_id}/pickup")
            say(f"pickup at {job['pickup']['name']}: {picked.status_code} {picked.json().get('status')}")
        start, end = (job["pickup"]["lat"], job["pickup"]["lng"]), (job["drop"]["lat"], job["drop"]["lng"])
        say(f"riding {order_id} to {job['drop']['address']} in {steps} steps, one every {interval_ms} ms")
        for i, (lat, lng) in enumerate(waypoints(start, end, steps)):
            fix = {"lat": lat, "lng": lng, "accuracy_m": 5.0, "heading": 0.0, "speed_kmph": 22.0,
                   "recorded_at": datetime.now(UTC).isoformat(timespec="milliseconds")}
            sent = http.post("/delivery/partners/me/location", json=fix)
            body = sent.json()
            say(f"{i:>3}  {lat:.6f},{lng:.6f}  {sent.status_code}  eta={body.get('eta_minutes')} min"
                + ("  (ignored)" if body.get("ignored") else ""))
            time.sleep(interval_ms / 1000)
        if otp:
            done = http.post(f"/delivery/orders/{order_id}/deliver", json={"otp": otp})
            say(f"deliver with OTP {otp}: {done.status_code} {done.json().get('status') or done.json().get('detail')}")
            return 0 if done.status_code == 200 else 1
        say("arrived: ask the customer for the OTP (GET /orders/{id} or the tracking view), then rerun with --otp")
    return 0
