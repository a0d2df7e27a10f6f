"""The cart domain's rules: whose cart, limits, the assembled view, merging a guest cart at sign-in.

Decisions (docs for clients are on the routes):
- A signed-in caller's cart is keyed by their uid only; `X-Cart-Id` is ignored for them, so another
  user's cart can never be reached. A guest's cart is `X-Cart-Id` (issued by its first write).
- Guest cart ids are issued by this service only: an `X-Cart-Id` that names no live cart (never issued,
  or lapsed after 24 h) is never used to store one. A write with it starts a new cart under a new id
  (answered as for a first write); a read answers an empty cart with no id, and leaves nothing behind
  (not even a cached view); the merge at sign-in ignores it. Checked by existence, not a signature: ids
  are ULIDs (80 random bits), so knowing one means having been given it (docs/decisions.md).
- Reads of an unknown or expired guest cart answer an empty cart (200), never 404: a guest id the client
  kept after it lapsed (24 h) is not an error worth showing. Changing a line of a cart that does not
  exist is 404 `not-in-cart`.
- Limits: quantity 1..max_per_order and ≤ available stock when adding (422 `quantity-limit` /
  `insufficient-stock`, naming the limit); at most 50 lines (409 `limit-reached`, as the auth domain's
  per-user limits); another store's item → 409 `different-store` unless `replace_cart`.
- Lowering a quantity never needs the products service (it works while it is down); raising one does.
- Adding trusts the catalog snapshots (`blinkit.snapshots`, kept fresh by products' writes) to ACCEPT: when
  they hold the product, its stock and the store, and the quantity fits their limits, the add is one
  conditional write with no products call (`_add_known`). Anything they cannot vouch for (a miss, an
  inactive store or product, a quantity beyond their limits, another store's cart) takes the full path,
  which reads the cart and asks products, so every refusal is the live answer. Stock is a hint there: a line
  beyond it is refused at checkout by the reservation, as ever.
- A store switched off (`is_active: false`) takes no additions: adding, or raising a quantity, is 409
  `store-inactive`; its carts can still be read, lowered, emptied or replaced by another store's items.
- Lines whose product was deactivated or whose `max_per_order` was lowered after they were added stay in the
  cart, flagged (`unavailable`, `above_max_per_order`, from `cart.rules`), so the customer can fix them; the
  checkout refuses them (LoadCart in `cart.jobs`).
- Merge: the guest cart (the fresher intent) wins when the user's cart holds another store's items.
"""

from __future__ import annotations

from typing import Any

from blinkit.errors import Conflict, NotFound, Unprocessable
from blinkit.ids import new_id
from blinkit.observability import logger, metrics
from blinkit.principal import Principal
from cart import cache, rules, store, upstream
from cart.store import MAX_LINES, Cart, Owner

EMPTY_VIEW: dict[str, Any] = {"cart_id": None, "store_id": None, "items": [], "item_count": 0, "subtotal": 0,
                              "degraded": False}


def owner_of(principal: Principal | None, guest_cart_id: str | None) -> Owner | None:
    """Whose cart this request means; None for a guest without a cart yet."""
    if principal is not None:
        return Owner.user(principal.uid)
    return Owner.guest(guest_cart_id) if guest_cart_id else None


# Reading --------------------------------------------------------------------------------------------


def get_cart(owner: Owner | None) -> dict[str, Any]:
    if owner is None:
        return dict(EMPTY_VIEW)
    cached, gen = cache.get_view(owner.pk)
    if cached is not None:
        metrics.add_metric(name="CartCacheHits", unit="Count", value=1)
        return cached
    metrics.add_metric(name="CartCacheMisses", unit="Count", value=1)
    cart = store.load(owner)
    if owner.guest_cart_id and not cart.exists:
        return dict(EMPTY_VIEW)  # an id this service did not issue (or a lapsed cart): no id, nothing cached
    if not cart.lines:
        view = {**EMPTY_VIEW, "cart_id": owner.guest_cart_id}
    else:
        assert cart.store_id is not None
        found = upstream.lookup(cart.store_id, [line.product_id for line in cart.lines], allow_degraded=True)
        view = assemble(cart, found)
    if not view["degraded"]:  # a degraded view must be rebuilt as soon as the products service is back
        cache.put_view(owner.pk, view, gen)
    return view


def assemble(cart: Cart, found: upstream.Lookup) -> dict[str, Any]:
    items, subtotal = [], 0
    for line in cart.lines:
        product = found.products.get(line.product_id)
        warnings: list[str] = []
        if found.degraded:
            price = line.price_at_add  # the snapshot's price may be stale too; the line's is what was agreed
        elif product is None:
            price = line.price_at_add
            warnings.append("unavailable")
        else:
            price = int(product["price"])
            if price != line.price_at_add:
                warnings.append("price_changed")
        available = int(product["available"]) if product else (None if found.degraded else 0)
        if product is not None:
            if not product.get("is_active", True):
                warnings.append("unavailable")
            elif not product.get("in_stock", available and available > 0):
                warnings.append("out_of_stock")
            elif available is not None and line.quantity > available:
                warnings.append("quantity_above_available")
            if rules.line_refusal(product, line.quantity) == rules.ABOVE_MAX_PER_ORDER:
                warnings.append(rules.ABOVE_MAX_PER_ORDER)  # lowered since it was added
        line_total = price * line.quantity
        if not {"unavailable", "out_of_stock"} & set(warnings):
            subtotal += line_total
        items.append({
            "product_id": line.product_id,
            "name": product.get("name") if product else None,
            "brand": product.get("brand") if product else None,
            "unit": product.get("unit") if product else None,
            "image": product.get("image") if product else None,
            "mrp": int(product["mrp"]) if product else None,
            "price": price,
            "price_at_add": line.price_at_add,
            "quantity": line.quantity,
            "line_total": line_total,
            "available": available,
            "max_per_order": int(product["max_per_order"]) if product else None,
            "warnings": warnings,
        })
    return {
        "cart_id": cart.owner.guest_cart_id,
        "store_id": cart.store_id,
        "items": items,
        "item_count": sum(line.quantity for line in cart.lines),
        "subtotal": subtotal,
        "degraded": found.degraded,
    }


# Writing --------------------------------------------------------------------------------------------


def _fresh(owner: Owner) -> Cart:
    """The cart, with what expired of it removed first (so counts and the store are right)."""
    cart = store.load(owner)
    if cart.header_expired:
        store.clear(owner)
        return Cart(owner)
    if cart.expired:
        for product_id in cart.expired:
            store.remove_line(owner, product_id, expired_ok=True)
        cart = store.load(owner)
    return cart


def store_inactive(store_id: str) -> Conflict:
    return Conflict("This store is not taking orders now; choose another store", code="store-inactive",
                    extra={"store_id": store_id})


def _product(store_id: str, product_id: str) -> dict[str, Any]:
    found = upstream.lookup(store_id, [product_id])
    if found.store_active is False:
        raise store_inactive(store_id)
    product = found.products.get(product_id)
    if product is None:
        raise NotFound("No such product", code="unknown-product")
    if not product.get("is_active", True):
        raise Unprocessable("This product is no longer sold", code="product-unavailable")
    return product


def _check_limits(product: dict[str, Any], wanted: int, in_cart: int) -> int:
    """Raise 422 naming the limit `wanted` breaks; return the line's limit, min(max_per_order, available)."""
    max_per_order, available = int(product["max_per_order"]), int(product["available"])
    if wanted > max_per_order:
        raise Unprocessable(
            f"At most {max_per_order} of this product per order ({in_cart} already in the cart)",
            code="quantity-limit",
            extra={"limit": "max_per_order", "max_per_order": max_per_order, "in_cart": in_cart},
        )
    if wanted > available:
        raise Unprocessable(
            f"Only {available} of this product are available ({in_cart} already in the cart)",
            code="insufficient-stock",
            extra={"limit": "available", "available": available, "in_cart": in_cart},
        )
    return min(max_per_order, available)


def _line_out(owner: Owner, store_id: str, product_id: str, quantity: int, price: int, limit: int) -> dict[str, Any]:
    return {"cart_id": owner.guest_cart_id, "store_id": store_id, "product_id": product_id, "quantity": quantity,
            "price": price, "max_quantity": limit}


def _new_guest() -> tuple[Owner, Cart]:
    owner = Owner.guest(new_id("gc_"))
    return owner, Cart(owner)


def add_item(owner: Owner | None, store_id: str, product_id: str, quantity: int,
             replace_cart: bool = False) -> dict[str, Any]:
    """Add `quantity` to the line (creating it, and a guest cart under a new id, when needed)."""
    # One Redis round trip: the snapshots, and the cart's lines hint with them.
    known, replies = upstream.snapshot(store_id, product_id, also=cache.read_lines(owner.pk) if owner else None)
    if known is not None and quantity <= _limit(known):
        added = _add_known(owner, store_id, known, quantity, cache.lines(replies))
        if added is not None:
            return added
    metrics.add_metric(name="CartAddsChecked", unit="Count", value=1)
    return _add_checked(owner, store_id, product_id, quantity, replace_cart, known)


def _limit(product: dict[str, Any]) -> int:
    return min(int(product["max_per_order"]), int(product["available"]))


def _add_known(owner: Owner | None, store_id: str, product: dict[str, Any], quantity: int,
               lines: cache.Lines) -> dict[str, Any] | None:
    """The common add, with the snapshot's facts and no read: ADD to the line (one UpdateItem), or insert it (one
    transaction), each write's condition holding the cart's rules; the lines hint says which to try first. None,
    nothing written, when a condition says the cart needs a closer look (another store, the limit, a header to
    refresh, no such guest cart...)."""
    product_id, price, limit = product["product_id"], int(product["price"]), _limit(product)
    fresh_guest = owner is None
    if owner is None:  # a guest's first write: a new cart under a new id
        owner = _new_guest()[0]
    # A guest's id names a cart only if this service made it: a line may go in only where its header exists.
    existing_cart = owner.guest_cart_id is not None and not fresh_guest
    try:
        total = _write_known(owner, store_id, product_id, quantity, price, limit, existing_cart=existing_cart,
                             new_first=fresh_guest or lines.holds(product_id) is False, fresh_guest=fresh_guest)
    except Exception:
        cache.invalidate(owner.pk)  # the error may hide a write that landed: never leave a view that may be stale
        raise
    if total is None:
        return None
    if fresh_guest:
        cache.invalidate(owner.pk, all_lines=[product_id])  # a cart just made: this line is all of it
    else:
        cache.invalidate(owner.pk, line_in=product_id)
    return _line_out(owner, store_id, product_id, total, price, limit)


def _write_known(owner: Owner, store_id: str, product_id: str, quantity: int, price: int, limit: int, *,
                 existing_cart: bool, new_first: bool, fresh_guest: bool) -> int | None:
    """The line's new quantity after one write (two when the first tried finds the line in the other state);
    None, nothing written, when the cart needs the checked path."""
    def add() -> int | None:
        return store.add_to_known_line(owner, store_id, product_id, quantity, limit)

    if not new_first:
        total = add()
        if total is not None:
            return total
    try:
        if store.insert_line(owner, store_id, product_id, quantity, price, existing_cart=existing_cart):
            return quantity
    except store.NewLineRefused:
        return None  # the header refused (another store, full, lapsed, no such guest cart): the checked path says
    # The line exists (a stale hint, or a concurrent add of it): ADD to it, unless that was tried first.
    return add() if new_first and not fresh_guest else None


def _add_checked(owner: Owner | None, store_id: str, product_id: str, quantity: int, replace_cart: bool,
                 known: dict[str, Any] | None) -> dict[str, Any]:
    """The add that reads the cart first: says which rule a write's condition refused, empties another store's
    cart on `replace_cart`, and asks products whenever the snapshot (`known`) cannot vouch for the add."""
    if owner is None:
        owner, cart = _new_guest()
    else:
        cart = _fresh(owner)
        if owner.guest_cart_id and not cart.exists:  # an id this service did not issue, or a lapsed cart
            owner, cart = _new_guest()
    # A Query may see a concurrent transaction's line before its header (read-committed isolation): with no
    # header yet there is no store to conflict with, and the header's own condition still guards it.
    other_store = bool(cart.lines) and cart.store_id is not None and cart.store_id != store_id
    if other_store and not replace_cart:
        raise Conflict("The cart holds items from another store; send replace_cart: true to empty it first",
                       code="different-store", extra={"cart_store_id": cart.store_id})
    existing = cart.line(product_id) if not other_store else None
    wanted = (existing.quantity if existing else 0) + quantity
    # The snapshot vouches only for an add it accepts; else products: 404 unknown store or product, 503 down.
    product = known if known is not None and wanted <= _limit(known) else _product(store_id, product_id)
    if other_store:
        store.clear(owner)
        cache.invalidate(owner.pk)
        cart = Cart(owner)
    existing = cart.line(product_id)
    in_cart = existing.quantity if existing else 0
    limit = _check_limits(product, in_cart + quantity, in_cart)
    price = int(product["price"])
    try:
        total = _add(owner, store_id, product, quantity, limit, try_existing=existing is not None)
    except Exception:
        cache.invalidate(owner.pk)  # also after a partial failure: never leave a view that may be stale
        raise
    # The cart was just read: its lines and this one are all of them (a concurrent write may make the hint stale,
    # which costs the next add one refused write, never a wrong answer).
    cache.invalidate(owner.pk, all_lines={*(line.product_id for line in cart.lines), product_id})
    return _line_out(owner, store_id, product_id, total, price, limit)


def _add(owner: Owner, store_id: str, product: dict[str, Any], quantity: int, limit: int,
         *, try_existing: bool) -> int:
    product_id, price = product["product_id"], int(product["price"])
    for _ in range(3):  # existing ↔ new can flip under concurrent removes/adds; it settles quickly
        if try_existing:
            try:
                return store.add_to_line(owner, store_id, product_id, quantity, limit)
            except KeyError:
                try_existing = False  # removed meanwhile: insert it
                continue
            except store.LineLimit:
                line = store.load(owner).line(product_id)
                in_cart = line.quantity if line else 0
                _check_limits(product, in_cart + quantity, in_cart)
                continue  # the line changed between the condition and our read: try again
        try:
            if store.insert_line(owner, store_id, product_id, quantity, price):
                return quantity
        except store.NewLineRefused:
            cart = store.load(owner)
            if cart.lines and cart.store_id != store_id:
                raise Conflict("The cart now holds items from another store", code="different-store",
                               extra={"cart_store_id": cart.store_id}) from None
            raise Conflict(f"A cart holds at most {MAX_LINES} different products", code="limit-reached",
                           extra={"limit": "lines", "max_lines": MAX_LINES}) from None
        try_existing = True  # a concurrent request created the line first: add to it
    raise Conflict("The cart is changing too fast; try again", code="cart-busy")


def set_quantity(owner: Owner | None, product_id: str, quantity: int) -> dict[str, Any] | None:
    """Set a line's quantity; 0 removes it (returns None)."""
    if quantity == 0:
        remove_item(owner, product_id)
        return None
    cart = store.load(owner) if owner else None
    line = cart.line(product_id) if cart else None
    if owner is None or cart is None or line is None or cart.store_id is None:
        raise NotFound("This product is not in the cart", code="not-in-cart")
    if quantity <= line.quantity:
        limit = line.quantity  # lowering needs no products call: it works while products is down
        price = line.price_at_add
    else:
        product = _product(cart.store_id, product_id)
        limit = _check_limits(product, quantity, line.quantity)
        price = int(product["price"])
    ok = store.set_quantity(owner, product_id, quantity)
    if not ok:
        cache.invalidate(owner.pk, line_out=product_id)
        raise NotFound("This product is not in the cart", code="not-in-cart")
    cache.invalidate(owner.pk, line_in=product_id)
    return _line_out(owner, cart.store_id, product_id, quantity, price, limit)


def remove_item(owner: Owner | None, product_id: str) -> None:
    if owner is None or not store.remove_line(owner, product_id):
        raise NotFound("This product is not in the cart", code="not-in-cart")
    cache.invalidate(owner.pk, line_out=product_id)


def clear_cart(owner: Owner | None) -> int:
    if owner is None:
        return 0
    removed = store.clear(owner)
    cache.invalidate(owner.pk, all_lines=[])
    return removed


# Merge at sign-in -----------------------------------------------------------------------------------


def merge(user_id: str, guest_cart_id: str) -> dict[str, Any]:
    """Add a guest cart's quantities to the user's (capped by the limits), then delete the guest cart.
    An id that names no live cart (never issued, or lapsed) merges nothing and changes nothing."""
    guest, user = Owner.guest(guest_cart_id), Owner.user(user_id)
    guest_cart = store.load(guest)
    if not guest_cart.exists:
        if guest_cart.expired:  # a lapsed cart's leftovers (DynamoDB's TTL deletes late)
            store.clear(guest)
        logger.info("guest cart to merge not found")
        return {"merged": [], "skipped": [], "store_id": None}
    if not guest_cart.lines:
        store.clear(guest)
        cache.invalidate(guest.pk)
        return {"merged": [], "skipped": [], "store_id": None}
    store_id = guest_cart.store_id
    found = upstream.lookup(store_id, [line.product_id for line in guest_cart.lines])  # 503 when down
    user_cart = _fresh(user)
    if user_cart.lines and user_cart.store_id != store_id:
        store.clear(user)  # the guest cart, just built, is the fresher intent
        user_cart = Cart(user)
    merged, skipped = [], []
    lines = len(user_cart.lines)
    for line in guest_cart.lines:
        product = found.products.get(line.product_id)
        if product is None or not product.get("is_active", True) or int(product.get("available", 0)) <= 0:
            skipped.append(line.product_id)
            continue
        limit = min(int(product["max_per_order"]), int(product["available"]))
        existing = user_cart.line(line.product_id)
        current = existing.quantity if existing else 0
        target = min(current + line.quantity, limit)
        if target <= current:
            skipped.append(line.product_id)
            continue
        if existing is not None:
            ok = store.set_quantity(user, line.product_id, target)
        elif lines >= MAX_LINES:
            ok = False
        else:
            try:
                ok = store.insert_line(user, store_id, line.product_id, target, line.price_at_add)
            except store.NewLineRefused:
                ok = False
            lines += int(ok)
        (merged if ok else skipped).append(line.product_id)
    store.clear(guest)
    cache.invalidate(user.pk, guest.pk)
    logger.info("guest cart merged", extra={"merged": len(merged), "skipped": len(skipped)})
    return {"merged": merged, "skipped": skipped, "store_id": store_id}
