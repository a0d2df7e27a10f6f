"""The load scenario (`make bench` runs it headless through tests/load/bench_load.py): signed-in customers who
browse, search, fill a cart, ask for a quote and check out against a running `make run` stack.

    BENCH_LOAD_DATA=users.json .venv/bin/locust -f tests/load/locustfile.py --headless -u 20 -r 5 -t 60s \
        --host http://127.0.0.1:3000

BENCH_LOAD_DATA is the JSON bench_load.py writes: the store, the products to use, the search queries, the
customer's location and one signed-in user per simulated customer ({"token", "address_id"}). Requests are
named by route (ids replaced by {id}) so the statistics group them.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
import uuid
from typing import Any

from locust import HttpUser, between, task

with open(os.environ["BENCH_LOAD_DATA"]) as _file:
    DATA: dict[str, Any] = json.load(_file)
_USERS = itertools.cycle(DATA["users"])
_USERS_LOCK = threading.Lock()
MAX_LINE = 3  # stay under every product's max_per_order
CHECKOUT_WAIT_SECONDS = 30


class Customer(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        with _USERS_LOCK:
            user = next(_USERS)
        self.client.headers["Authorization"] = f"Bearer {user['token']}"
        self.address_id = user["address_id"]
        self.in_cart: dict[str, int] = {}

    # ---- browse ----------------------------------------------------------------------------------------

    @task(3)
    def browse(self) -> None:
        self.client.get("/stores/serviceable", params={"lat": DATA["lat"], "lng": DATA["lng"]},
                        name="GET /stores/serviceable")
        self.client.get("/categories", name="GET /categories")
        self.client.get("/products", params={"store_id": DATA["store_id"], "limit": 20},
                        name="GET /products?store_id")
        self.client.get(f"/products/{random.choice(DATA['product_ids'])}", params={"store_id": DATA["store_id"]},
                        name="GET /products/{id}")

    @task(3)
    def search(self) -> None:
        self.client.get("/products/search", params={"q": random.choice(DATA["queries"]),
                                                    "store_id": DATA["store_id"]}, name="GET /products/search")

    # ---- cart and checkout -----------------------------------------------------------------------------

    def add_to_cart(self) -> None:
        product_id = random.choice(DATA["product_ids"])
        if self.in_cart.get(product_id, 0) >= MAX_LINE:
            self.client.put(f"/cart/items/{product_id}", json={"quantity": 1}, name="PUT /cart/items/{id}")
            self.in_cart[product_id] = 1
            return
        self.client.post("/cart/items", json={"store_id": DATA["store_id"], "product_id": product_id,
                                              "quantity": 1}, name="POST /cart/items")
        self.in_cart[product_id] = self.in_cart.get(product_id, 0) + 1

    @task(2)
    def cart(self) -> None:
        self.add_to_cart()
        self.client.get("/cart", name="GET /cart")

    @task(1)
    def quote(self) -> None:
        self.add_to_cart()
        self.client.post("/orders/quote", json={"address_id": self.address_id}, name="POST /orders/quote")

    @task(1)
    def checkout(self) -> None:
        self.add_to_cart()
        reply = self.client.post("/orders", json={"address_id": self.address_id},
                                 headers={"Idempotency-Key": str(uuid.uuid4())}, name="POST /orders")
        if reply.status_code != 202:
            return
        # As the app does: follow the order until the saga has placed it and emptied the cart, so this
        # customer's next cart action does not race the saga's ClearCart step.
        order_id = reply.json()["order_id"]
        deadline = time.monotonic() + CHECKOUT_WAIT_SECONDS
        status = "PENDING"
        while time.monotonic() < deadline:
            status = self.client.get(f"/orders/{order_id}", name="GET /orders/{id}").json().get("status")
            if status != "PENDING":
                break
            time.sleep(0.25)
        while status == "PLACED" and time.monotonic() < deadline and \
                self.client.get("/cart", name="GET /cart").json().get("items"):
            time.sleep(0.25)
        self.in_cart.clear()
