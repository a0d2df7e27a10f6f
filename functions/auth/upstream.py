"""What the auth domain asks other domains, through `blinkit.upstreams`.

- cart: `POST /internal/cart/merge` (IAM) — at sign-in, the guest's cart is merged into the user's.
"""

from __future__ import annotations

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
