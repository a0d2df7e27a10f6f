"""`python -m local pay` against `make run`'s server, as a person runs it: an online order of the demo customer,
then Checkout played by each road (verify alone, the webhook alone) and a declined attempt, each printed one
line per step. (Paying after the timeout, `--late`, is the saga tests' business: the server waits 10 minutes.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx
import pytest

from local.config import ROOT
from local.demo import HOME, HOME_STORE

pytestmark = pytest.mark.e2e


def _cli(server: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BLINKIT_LOCAL_STATE": server["state_file"]}
    return subprocess.run([sys.executable, "-m", "local", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180, check=False)


@pytest.fixture(scope="module")
def customer(server: dict[str, Any]) -> httpx.Client:
    token = _cli(server, "token", "--user", "customer")
    assert token.returncode == 0, token.stderr[-2000:]
    client = httpx.Client(base_url=server["api"], timeout=30,
                          headers={"Authorization": f"Bearer {token.stdout.strip()}"})
    admin = _cli(server, "token", "--user", "admin").stdout.strip()
    # Opened around the clock, so the test runs at any hour (the demo stores keep real hours).
    opened = httpx.patch(f"{server['api']}/stores/{HOME_STORE['store_id']}", timeout=30,
                         headers={"Authorization": f"Bearer {admin}"},
                         json={"opening_hours": {"open": "00:00", "close": "00:00"}})
    assert opened.status_code == 200, opened.text
    return client


def _order_paid_by(api: httpx.Client, payment_method: str = "online") -> str:
    address = api.post("/users/me/addresses", json=HOME)
    assert address.status_code == 201, address.text
    found = api.get("/products/search", params={"q": "paneer", "store_id": HOME_STORE["store_id"]}).json()
    product = next(i for i in found["items"] if i.get("in_stock") and (i.get("available") or 0) >= 2)
    added = api.post("/cart/items", json={"store_id": HOME_STORE["store_id"], "product_id": product["product_id"],
                                          "quantity": 2})
    assert added.status_code == 200, added.text
    placed = api.post("/orders", headers={"Idempotency-Key": f"pay-{uuid.uuid4()}"},
                      json={"address_id": address.json()["address_id"], "payment_method": payment_method})
    assert placed.status_code == 202, placed.text
    return str(placed.json()["order_id"])


def _order(api: httpx.Client, order_id: str) -> dict[str, Any]:
    reply = api.get(f"/orders/{order_id}")
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


@pytest.mark.parametrize("road, answered", [("--verify-only", "POST /payments/verify: 200 captured"),
                                            ("--webhook-only", "payment.captured: 200")])
def test_one_road_alone_pays_and_places_the_order(server: dict[str, Any], customer: httpx.Client, road: str,
                                                  answered: str) -> None:
    order_id = _order_paid_by(customer)
    done = _cli(server, "pay", order_id, road)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"order {order_id}: PENDING, pay ") and "at Razorpay order order_" in lines[0]
    assert any(answered in line for line in lines), done.stdout
    other = "payment.captured" if road == "--verify-only" else "/payments/verify"
    assert not any(other in line for line in lines), done.stdout  # the other road was not taken
    assert lines[-1] == f"order {order_id}: PLACED"
    placed = _order(customer, order_id)
    assert placed["status"] == "PLACED" and placed["payment"]["amount"] == placed["total"]


def test_a_declined_attempt_leaves_the_order_waiting_for_a_retry(server: dict[str, Any],
                                                                   customer: httpx.Client) -> None:
    order_id = _order_paid_by(customer)
    done = _cli(server, "pay", order_id, "--fail")
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "payment.failed: 200" in done.stdout and "then the order fails PAYMENT_FAILED" in done.stdout
    time.sleep(0.5)
    assert _order(customer, order_id)["status"] == "PENDING"  # Checkout lets the customer try again
    paid = _cli(server, "pay", order_id, "--verify-only")  # ... which they do
    assert paid.returncode == 0 and paid.stdout.splitlines()[-1] == f"order {order_id}: PLACED", paid.stdout


def test_pay_refuses_a_cash_on_delivery_order(server: dict[str, Any], customer: httpx.Client) -> None:
    order_id = _order_paid_by(customer, "cod")
    done = _cli(server, "pay", order_id)
    assert done.returncode == 1
    assert f"error: order {order_id} has no payment to make" in done.stderr and "payment_method cod" in done.stderr
