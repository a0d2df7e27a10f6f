"""End to end: `make run`'s server as a subprocess on a free port; a user signs up in the emulator,
logs in over HTTP and uses every auth route, through the gateway and the authorizer."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import httpx
import pytest

from local.config import ROOT

pytestmark = pytest.mark.e2e


def _emulator(info: dict[str, Any]) -> Any:
    from local.firebase_emulator import FirebaseAuthEmulator

    return FirebaseAuthEmulator.attach(info["emulator_host"], info["project_id"])


def test_a_new_user_uses_every_auth_route_over_http(server):
    api = httpx.Client(base_url=server["api"], timeout=30)
    emulator = _emulator(server)
    device = {"name": "Pixel 8", "platform": "android"}

    uid, id_token = emulator.sign_in_with_phone("+919812345678")
    assert api.post("/auth/validate-token", json={"id_token": id_token}).json()["uid"] == uid
    login = api.post("/auth/login", json={"id_token": id_token, "device": device})
    assert login.status_code == 201 and login.json()["is_new_user"] is True
    token = login.json()["session_token"]
    me = {"Authorization": f"Bearer {token}"}

    assert api.get("/users/me", headers=me).json()["phone_number"] == "+919812345678"
    assert api.patch("/users/me", headers=me, json={"name": "Meera Iyer"}).json()["name"] == "Meera Iyer"

    address = {"label": "Home", "line1": "221 MG Road", "city": "Bengaluru", "pincode": "560001",
               "lat": 12.9756, "lng": 77.6050}
    created = api.post("/users/me/addresses", headers=me, json=address)
    assert created.status_code == 201
    address_id = created.json()["address_id"]
    patched = api.patch(f"/users/me/addresses/{address_id}", headers=me, json={"landmark": "Opp. metro"})
    assert patched.status_code == 200
    assert len(api.get("/users/me/addresses", headers=me).json()["addresses"]) == 1
    assert api.delete(f"/users/me/addresses/{address_id}", headers=me).status_code == 204

    fcm = "e2e-fcm-token-" + "z" * 30
    assert api.post("/users/me/devices", headers=me, json={"token": fcm, "platform": "android"}).status_code == 201
    assert api.delete(f"/users/me/devices/{fcm}", headers=me).status_code == 204

    second = api.post("/auth/login", json={"id_token": id_token, "device": {"name": "iPad", "platform": "ios"}})
    other = {"Authorization": f"Bearer {second.json()['session_token']}"}
    sessions = api.get("/auth/sessions", headers=me).json()["sessions"]
    assert len(sessions) == 2
    refreshed = api.post("/auth/refresh-session", headers=other)
    assert refreshed.status_code == 200
    assert api.get("/users/me", headers=other).status_code == 401
    other = {"Authorization": f"Bearer {refreshed.json()['session_token']}"}
    assert api.delete(f"/auth/sessions/{second.json()['session_id']}", headers=me).status_code == 204
    assert api.get("/users/me", headers=other).status_code == 401

    google = emulator.google_id_token("g-e2e-1", email="meera@example.com", name="Meera Iyer")
    assert api.post("/auth/google", json={"google_id_token": google, "device": device}).status_code == 201

    assert api.post("/auth/logout", headers=me).status_code == 204
    assert api.get("/users/me", headers=me).status_code == 401
    again = api.post("/auth/login", json={"id_token": id_token, "device": device}).json()["session_token"]
    assert api.post("/auth/logout-all", headers={"Authorization": f"Bearer {again}"}).status_code == 204
    assert api.get("/auth/sessions", headers={"Authorization": f"Bearer {again}"}).status_code == 401


def test_the_seeded_admin_sets_roles_and_a_customer_cannot(server):
    from local.seed import demo_user

    api = httpx.Client(base_url=server["api"], timeout=30)
    emulator = _emulator(server)

    def session_for(phone: str) -> dict[str, str]:
        _, id_token = emulator.sign_in_with_phone(phone)
        reply = api.post("/auth/login", json={"id_token": id_token, "device": {"name": "e2e", "platform": "web"}})
        return {"Authorization": f"Bearer {reply.json()['session_token']}"}

    admin = session_for(demo_user("admin").phone)
    customer = session_for(demo_user("customer").phone)
    partner_uid = server["users"]["partner"]
    body = {"roles": ["delivery_partner", "customer"], "store_id": None}
    ok = api.put(f"/admin/users/{partner_uid}/roles", headers=admin, json={"roles": body["roles"]})
    assert ok.status_code == 200 and ok.json() == {"uid": partner_uid, **body}
    refused = api.put(f"/admin/users/{partner_uid}/roles", headers=customer, json={"roles": ["admin"]})
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"


def test_the_token_command_prints_a_working_session_token(server):
    env = {**os.environ, "BLINKIT_LOCAL_STATE": server["state_file"]}
    out = subprocess.run([sys.executable, "-m", "local", "token", "--user", "staff"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    token = out.stdout.strip()
    me = httpx.get(server["api"] + "/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert me.status_code == 200 and me.json()["uid"] == server["users"]["staff"]


def test_docs_and_openapi_cover_every_route(server):
    from local.template import Template

    spec = httpx.get(server["api"] + "/openapi.json", timeout=30).json()
    documented = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    declared = {(r.method, r.path) for r in Template.load(ROOT / "template.yaml").http_routes()}
    assert documented == declared
    assert "swagger" in httpx.get(server["api"] + "/docs", timeout=30).text.lower()
    assert spec["paths"]["/health"]["get"].get("security") is None
    assert spec["paths"]["/users/me"]["get"]["security"] == [{"HTTPBearer": []}]


def test_the_demo_staff_member_manages_stock_at_their_store(server):
    from local.catalog.data import STOCK, STORES

    env = {**os.environ, "BLINKIT_LOCAL_STATE": server["state_file"]}
    token = subprocess.run([sys.executable, "-m", "local", "token", "--user", "staff"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    staff = {"Authorization": f"Bearer {token}"}
    home, other = STORES[0]["store_id"], STORES[1]["store_id"]
    product = next(s["product_id"] for s in STOCK if s["store_id"] == home)
    ok = httpx.put(f"{server['api']}/stores/{home}/stock/{product}", json={"available": 42}, headers=staff, timeout=30)
    assert ok.status_code == 200, ok.text
    refused = httpx.put(f"{server['api']}/stores/{other}/stock/{product}", json={"available": 1}, headers=staff,
                        timeout=30)
    assert refused.status_code == 403


def test_the_sign_in_limit_counts_the_connection_never_x_forwarded_for(server, redis_url):
    """Every client of `make run` is 127.0.0.1; claiming another address in a header must not buy attempts."""
    import redis

    from blinkit.settings import get_settings

    counters = redis.Redis.from_url(redis_url)

    def forget_the_counters() -> None:  # the other e2e tests sign in from this address too
        for key in counters.scan_iter("auth:rl:*"):
            counters.delete(key)

    limit = get_settings().login_rate_per_ip
    junk = {"id_token": "j" * 40, "device": {"name": "e2e", "platform": "web"}}
    forget_the_counters()
    try:
        with httpx.Client(base_url=server["api"], timeout=30) as api:
            statuses = [api.post("/auth/login", json=junk, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                        for i in range(limit + 1)]
            checks = [api.post("/auth/validate-token", json={"id_token": junk["id_token"]},
                               headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(limit + 1)]
    finally:
        forget_the_counters()
    assert statuses == [401] * limit + [429]
    assert checks == [401] * limit + [429]
