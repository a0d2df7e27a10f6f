"""What the auth domain asks other domains, through `blinkit.upstreams`.

- cart: `POST /internal/cart/merge` (IAM) — at sign-in, the guest's cart is merged into the user's;
- products: public `GET /stores` (active stores) — a store_staff role names a store that exists and is active;
- SQS: the notifications queue (`email.verify`: the link that confirms a new email address, sent to it).
"""

from __future__ import annotations

from typing import Any

from blinkit import queues
from blinkit.errors import ServiceUnavailable, Unprocessable
from blinkit.observability import logger
from blinkit.settings import get_settings
from blinkit.upstreams import upstream


class CartMergeRefused(Exception):
    """The cart service answered the merge with something other than 200."""

    def __init__(self, status: int, body: str) -> None:
        self.status, self.body = status, body
        super().__init__(f"guest cart merge refused: HTTP {status}")


def merge_guest_cart(uid: str, guest_cart_id: str) -> None:
    """Merge the guest cart into the user's; `CartMergeRefused`, or the client's ServiceUnavailable, if not.

    Never retried, whatever the cart upstream's settings say: a merge is not idempotent, and a retry after a
    partial merge could add the lines twice."""
    reply = upstream("cart").post("/internal/cart/merge", json={"user_id": uid, "guest_cart_id": guest_cart_id},
                                  retries=0)
    if reply.status_code != 200:
        raise CartMergeRefused(reply.status_code, reply.text[:300])


def require_active_store(store_id: str) -> None:
    """Refuse (422 `unknown-store`) a store products does not list as active; 503 when products cannot say.

    Asked afresh on every call, not cached: role changes are rare admin actions, and a store closed a minute ago
    must not be accepted from a cache."""
    reply = upstream("products").get("/stores")  # the client answers 503 itself when products is down
    try:
        stores = reply.json()["stores"] if reply.status_code == 200 else None
    except (ValueError, KeyError, TypeError):
        stores = None
    if stores is None:
        logger.error("stores lookup refused", extra={"status": reply.status_code, "body": reply.text[:300]})
        raise ServiceUnavailable("The stores could not be read; try again shortly")
    if not any(isinstance(s, dict) and s.get("store_id") == store_id for s in stores):
        detail = "No active store has this id"
        raise Unprocessable(detail, code="unknown-store",
                            errors=[{"field": "store_id", "message": detail, "code": "unknown-store"}])


def notify(message: dict[str, Any]) -> None:
    """Put a message on the notifications queue (the notifications domain renders and sends it)."""
    queues.send(get_settings().notifications_queue_url, message)
