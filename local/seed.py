"""Demo data for the local stack: one user per role, signed up in the Firebase emulator.

Each demo user signs in with a fixed phone number through the emulator's OTP flow, so
`python -m local token --user NAME` can always get them a fresh session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class DemoUser:
    key: str
    phone: str
    name: str
    email: str
    roles: tuple[str, ...]
    works_at_first_store: bool = False  # store staff belong to a dark store


DEMO_USERS = (
    DemoUser("customer", "+919000000001", "Priya Sharma", "priya@example.com", ("customer",)),
    DemoUser("admin", "+919000000002", "Arjun Mehta", "arjun@example.com", ("admin", "customer")),
    DemoUser("staff", "+919000000003", "Kavita Nair", "kavita@example.com", ("store_staff",), True),
    DemoUser("partner", "+919000000004", "Imran Khan", "imran@example.com", ("delivery_partner",)),
)


def seed_users(emulator: Any) -> dict[str, str]:
    """Create (or refresh) every demo user in the emulator, the users table and their custom claims.

    Runs inside the local stack's process, after its environment is applied. Returns key → uid.
    """
    from auth import firebase, store
    from blinkit import clock
    from local.catalog.data import STORES

    uids = {}
    for user in DEMO_USERS:
        uid, _ = emulator.sign_in_with_phone(user.phone)  # creates the account on first sign-in
        now = clock.now()
        store_id = STORES[0]["store_id"] if user.works_at_first_store else None
        record = store.UserRecord(
            pk=store.user_pk(uid), uid=uid, phone_number=user.phone, name=user.name, roles=list(user.roles),
            store_id=store_id, providers=["phone"], created_at=now, updated_at=now,
            email=user.email, email_verified=True,  # seeded as an operator would: confirmed
        )
        record.save()
        claims = {"roles": list(user.roles), "store_id": store_id}
        firebase.set_custom_claims(uid, {k: v for k, v in claims.items() if v})
        uids[user.key] = uid
    return uids


DEMO_VEHICLE = "Honda Activa KA01AB1234"


def seed_partners(uids: dict[str, str]) -> int:
    """Every demo user with the delivery_partner role becomes an available partner of the first store, last
    seen at the store, so `make run` can assign a packed order at once. Runs inside the stack's process."""
    import time

    from blinkit.clock import now_iso
    from delivery import store
    from local.catalog.data import STORES

    shop, now, count = STORES[0], now_iso(), 0
    for user in DEMO_USERS:
        if "delivery_partner" not in user.roles or user.key not in uids:
            continue
        uid = uids[user.key]
        store.PartnerRecord(
            pk=store.partner_pk(uid), uid=uid, name=user.name, phone=user.phone, vehicle=DEMO_VEHICLE,
            store_id=shop["store_id"], status=store.AVAILABLE, status_uid=store.status_uid(store.AVAILABLE, uid),
            lat=shop["lat"], lng=shop["lng"], accuracy_m=5, loc_ms=int(time.time() * 1000) - 60_000,
            located_at=now, created_at=now, updated_at=now,
        ).save()
        count += 1
    return count


def demo_user(key: str) -> DemoUser:
    for user in DEMO_USERS:
        if user.key == key:
            return user
    raise KeyError(f"no demo user {key!r}; choose one of: {', '.join(u.key for u in DEMO_USERS)}")


# ---- the demo catalog -------------------------------------------------------------------------------


def seed_catalog(data: dict[str, Any]) -> dict[str, int]:
    """Write stores, categories, products and stock straight into the tables (BatchWriteItem).

    Runs inside the local stack's process, like `seed_users`: `data` is `local.catalog.data.catalog()`.
    Records go through the same builders as the create routes, so they look exactly like API-made ones.
    Returns how many of each kind were written.
    """
    from blinkit.clock import now_iso
    from products import service, store

    now = now_iso()
    stores = [service.store_record(s, now) for s in data["stores"]]
    categories = [service.category_record(c, now) for c in data["categories"]]
    products = [service.product_record(p, now) for p in data["products"]]
    stock = [store.new_stock(s["store_id"], s["product_id"], int(s["available"]), now) for s in data["stock"]]
    store.write_all([*stores, *categories, *products, *stock])
    service.forget_stores()
    return {"stores": len(stores), "categories": len(categories), "products": len(products), "stock": len(stock)}


def seed_catalog_over_http(api_url: str, token: str, data: dict[str, Any], *, client: Any = None) -> dict[str, int]:
    """Load the catalog into a RUNNING stack through its admin routes (what `python -m local seed` does).

    The create routes accept an optional id (`store_id`, `category_id`, `product_id`) so the seed keeps its
    own ids and the stock rows can refer to them. A 409 means "already there" (a second run), so the
    command can be repeated; stock is PUT, which sets the same count again.
    """
    import httpx

    http = client or httpx.Client(base_url=api_url, timeout=30, headers={"Authorization": f"Bearer {token}"})
    counts = {"stores": 0, "categories": 0, "products": 0, "stock": 0, "existing": 0}

    def send(method: str, path: str, body: dict[str, Any], kind: str) -> None:
        reply = http.request(method, path, json=body)
        if reply.status_code == 409:
            counts["existing"] += 1
            return
        if reply.status_code >= 300:
            raise RuntimeError(f"{method} {path} answered {reply.status_code}: {reply.text[:500]}")
        counts[kind] += 1

    try:
        _require_stores(http, data)
        for s in data["stores"]:
            send("POST", "/stores", s, "stores")
        # Parents before their children.
        for c in sorted(data["categories"], key=lambda c: c.get("parent_id") is not None):
            send("POST", "/categories", {k: v for k, v in c.items() if v is not None}, "categories")
        for p in data["products"]:
            send("POST", "/products", {k: v for k, v in p.items() if v is not None}, "products")
        for row in data["stock"]:
            send("PUT", f"/stores/{row['store_id']}/stock/{row['product_id']}", {"available": row["available"]},
                 "stock")
    finally:
        if client is None:
            http.close()
    return counts


def _require_stores(http: Any, data: dict[str, Any]) -> None:
    """Stock may name only stores the catalog brings or the stack has: checked before anything is written."""
    wanted = {row["store_id"] for row in data["stock"]} - {s["store_id"] for s in data["stores"]}
    if not wanted:
        return
    reply = http.get("/stores")
    if reply.status_code != 200:
        raise RuntimeError(f"GET /stores answered {reply.status_code}: {reply.text[:500]}")
    missing = sorted(wanted - {s["store_id"] for s in reply.json()["stores"]})
    if missing:
        raise RuntimeError(f"stock names store(s) the stack has no active store for: {', '.join(missing)} "
                           "(create them with POST /stores, or seed the demo catalog first); nothing loaded")


# ---- the demo offers --------------------------------------------------------------------------------------

DEMO_COUPON_DAYS = 90
# The dairy shelves of the demo catalog's "Dairy, Bread & Eggs" (products list these subcategories, not the top).
DAIRY_SHELVES = ("Milk", "Curd & Dahi", "Paneer & Tofu", "Butter & Cheese")


def demo_coupons(now: datetime) -> list[dict[str, Any]]:
    """The offers `make run` starts with, as `POST /admin/coupons` takes them: valid from a day before `now`
    for 90 days, at every demo store."""
    from blinkit.clock import iso
    from local.catalog.data import CATEGORIES

    dairy = [c["category_id"] for c in CATEGORIES if c["name"] in DAIRY_SHELVES and c["parent_id"]]
    since = now - timedelta(days=1)
    window = {"valid_from": iso(since), "valid_until": iso(since + timedelta(days=DEMO_COUPON_DAYS))}
    return [
        {"code": "WELCOME75", "title": "₹75 off your first order", "kind": "flat", "amount": 7500,
         "min_item_total": 19900, "first_order_only": True,  # once per user by itself: a first order is one
         "description": "For new customers: ₹75 off a first order of ₹199 or more", **window},
        {"code": "SAVE10", "title": "10% off up to ₹100", "kind": "percent", "percent": 10, "max_discount": 10000,
         "min_item_total": 49900, "description": "10% off orders of ₹499 or more, up to ₹100", **window},
        {"code": "FREEDEL", "title": "Free delivery", "kind": "free_delivery", "min_item_total": 14900,
         "description": "No delivery fee on orders of ₹149 or more", **window},
        {"code": "DAIRY20", "title": "₹20 off dairy", "kind": "flat", "amount": 2000, "min_item_total": 9900,
         "category_ids": dairy,
         "description": "₹20 off when your milk, curd, paneer, butter and cheese come to ₹99 or more", **window},
    ]


def seed_coupons(now: datetime | None = None) -> int:
    """Write the demo offers into the coupons table, as the admin route builds them (checked by its schema and
    rules); a coupon already there is written again, fresh (`used` 0). Runs inside the stack's process."""
    from blinkit.clock import now as clock_now
    from orders import offers
    from orders.schemas import CouponIn

    coupons = [CouponIn.model_validate(body) for body in demo_coupons(now or clock_now())]
    return offers.write_coupons(coupons)
