"""Coupons as admins keep them (`/admin/coupons`), and the offers a customer's cart can use (`GET /offers`).

Admins create coupons with `used = 0` (a conditional put: a code is taken once, in any case) and change them
with a conditional update on `version`, so two admin screens never undo each other; only the saga's redeem and
release transactions (offers-core) move `used`.

`GET /offers` answers what the quote would: the cart through the same LoadCart, each coupon through the same
rule (`orders.coupons.check` and `discount`), the caller's uses and first order exactly as the quote decides
them. Which coupons are listed and in what order: docs/decisions.md.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from blinkit import clock
from blinkit.cursor import decode_cursor, encode_cursor
from blinkit.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from blinkit.principal import Principal
from orders import bill, coupons, redemptions, service, store, upstream
from orders.schemas import KIND_FIELDS, KIND_SPECIFIC, CouponIn, CouponPatch, CouponTerms, coupon_conflicts
from orders.store import CouponRecord

# An empty cart qualifies for nothing: this is what the offer says instead of a coupon's refusal.
CART_EMPTY, CART_EMPTY_WORDS = "cart-empty", "Add items to your cart"
# The fields a coupon answer shows, as stored.
FIELDS = ("code", "title", "description", "kind", "amount", "percent", "max_discount", "min_item_total",
          "valid_from", "valid_until", "first_order_only", "per_user_limit", "total_limit", "store_ids",
          "category_ids", "product_ids", "is_active")


def _number(value: Any) -> int | None:
    return None if value is None else int(value)


def coupon_values(record: CouponRecord) -> dict[str, Any]:
    """The coupon as its fields (numbers as ints, lists as lists), what the admin routes answer and check."""
    values = {name: getattr(record, name) for name in FIELDS}
    for name in ("amount", "percent", "max_discount", "min_item_total", "per_user_limit", "total_limit"):
        values[name] = _number(values[name])
    for name in ("store_ids", "category_ids", "product_ids"):
        values[name] = list(values[name] or [])
    values["description"] = values["description"] or ""
    values["first_order_only"], values["is_active"] = bool(values["first_order_only"]), bool(values["is_active"])
    values["valid_from"] = clock.iso(values["valid_from"])
    values["valid_until"] = None if values["valid_until"] is None else clock.iso(values["valid_until"])
    return values


def _as_instants(values: dict[str, Any]) -> dict[str, Any]:
    """The fields as the table keeps them: timestamps as datetimes."""
    return {name: clock.parse(value) if name in ("valid_from", "valid_until") and value is not None else value
            for name, value in values.items()}


def coupon_view(record: CouponRecord) -> dict[str, Any]:
    return {**coupon_values(record), "used": int(record.used or 0), "version": int(record.version),
            "created_at": clock.iso(record.created_at), "updated_at": clock.iso(record.updated_at)}


def _refuse_conflicts(values: dict[str, Any]) -> None:
    errors = coupon_conflicts(values)
    if errors:
        raise Unprocessable("The coupon's fields do not fit together", errors=errors)


def _found(code: str) -> CouponRecord:
    record = store.get_coupon(code.upper())
    if record is None:
        raise NotFound(f"No coupon {code.upper()}", code="coupon-not-found")
    return record


# Admin ------------------------------------------------------------------------------------------------


def _new_record(body: CouponIn, now: datetime) -> CouponRecord:
    values = body.model_dump()
    values["valid_from"] = values["valid_from"] or clock.iso(now)
    _refuse_conflicts(values)
    return store.new_coupon(_as_instants(values), now)


def create_coupon(body: CouponIn) -> dict[str, Any]:
    record = _new_record(body, clock.now())
    if not store.insert_coupon(record):
        raise Conflict(f"A coupon {record.code} exists already (codes are case-insensitive)", code="coupon-exists",
                       extra={"code": record.code})
    return coupon_view(record)


def write_coupons(bodies: list[CouponIn]) -> int:
    """Write coupons as the create route builds them, over any with the same code (the local seed: fresh, none
    used). Answers how many."""
    now = clock.now()
    store.write_coupons([_new_record(body, now) for body in bodies])
    return len(bodies)


def get_coupon(code: str) -> dict[str, Any]:
    return coupon_view(_found(code))


def list_coupons(active: bool | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of coupons by code, after the code the cursor names. Coupons are dozens: the page is cut from all of
    them, so a filtered page is always full (a DynamoDB filter after `Limit` would answer short or empty pages)."""
    scope = f"coupons:active:{'any' if active is None else str(active).lower()}"
    after = str((decode_cursor(cursor, scope=scope) or {}).get("code", ""))
    matching = [r for r in store.listed_coupons()
                if r.code > after and (active is None or bool(r.is_active) is active)]
    page = matching[:limit]
    last = {"code": page[-1].code} if len(matching) > limit else None
    return {"coupons": [coupon_view(r) for r in page], "next_cursor": encode_cursor(last, scope=scope)}


def update_coupon(code: str, patch: CouponPatch) -> dict[str, Any]:
    """Apply the fields sent if the coupon is still at `version`. A kind's own fields that the patch leaves out
    are cleared when the kind changes (a percent coupon made flat drops its percent and cap); the whole coupon
    is then checked as a create is."""
    record = _found(code)
    changes = patch.model_dump(exclude_unset=True)
    version = changes.pop("version")
    if version != int(record.version):
        raise _version_conflict(version, record)
    if "description" in changes and changes["description"] is None:
        changes["description"] = ""
    merged = {**coupon_values(record), **changes}
    if "kind" in changes:
        for name in KIND_SPECIFIC:
            if name not in KIND_FIELDS[merged["kind"]] and name not in changes and merged[name] is not None:
                changes[name] = merged[name] = None
    _refuse_conflicts(merged)
    if not changes:
        return coupon_view(record)
    if not store.update_coupon(record, version, _as_instants(changes), clock.now()):
        raise _version_conflict(version, store.get_coupon(record.code) or record)
    return coupon_view(record)


def _version_conflict(version: int, record: CouponRecord) -> Conflict:
    return Conflict(f"The coupon changed since version {version}; it is now at {int(record.version)}: read it "
                    "again", code="version-conflict", extra={"version": int(record.version)})


def deactivate_coupon(code: str) -> dict[str, Any]:
    record = _found(code)
    if record.is_active and not store.deactivate_coupon(record, clock.now()):
        record = _found(code)  # deactivated by someone else meanwhile: answer it as it is
    return coupon_view(record)


# Offers -----------------------------------------------------------------------------------------------


def _on_offer(coupon: coupons.Coupon, store_id: str, now: datetime) -> bool:
    """Listed to customers: active and valid now (the rule's cheap checks), at this store (or every store), and
    not used up in total."""
    try:
        coupons.check_available(coupon, now)
    except coupons.CouponRefused:
        return False
    if coupon.store_ids and store_id not in coupon.store_ids:
        return False
    return coupon.total_limit is None or coupon.used < coupon.total_limit


def _refused_cart_store(failed: upstream.JobFailed) -> str | None:
    """The store of a cart LoadCart refused (its refusals name it in JSON), when it says."""
    try:
        detail = json.loads(failed.message)
    except ValueError:
        return None
    return detail.get("store_id") if isinstance(detail, dict) else None


def _cart_lines(uid: str, store_id: str) -> list[dict[str, Any]]:
    """The caller's cart lines at `store_id` as LoadCart prices them (the quote's); [] for an empty cart or a
    cart at another store (whatever LoadCart thinks of it). A cart at this store that the quote would refuse is
    refused the same way."""
    try:
        cart = upstream.load_cart(uid)
    except upstream.JobFailed as exc:
        if exc.error_type == "CartEmpty" or _refused_cart_store(exc) not in (None, store_id):
            return []
        refusal = service.cart_refusal(exc)
        if refusal is None:
            raise ServiceUnavailable("The cart could not be read") from exc
        raise refusal from None
    return list(cart["lines"]) if cart["store_id"] == store_id else []


def offers_for(principal: Principal, store_id: str) -> dict[str, Any]:
    """Every coupon on offer at the store, each as the quote would judge it for the caller's cart now."""
    shop = upstream.get_store(store_id)
    if shop is None:
        raise NotFound("No dark store with this id takes orders now", code="unknown-store")
    now = clock.now()
    listed = [(record, coupon) for record in store.listed_coupons()
              if _on_offer(coupon := coupons.Coupon.from_record(record), store_id, now)]
    if not listed:
        return {"store_id": store_id, "offers": []}
    lines = _cart_lines(principal.uid, store_id)
    uses = store.user_uses(principal.uid, [coupon.code for _, coupon in listed])
    is_first_order = redemptions.is_first_order(principal.uid)
    item_total = sum(int(line["price"]) * int(line["quantity"]) for line in lines)
    delivery_fee = bill.delivery_fee(bill.StoreFees.from_store(shop.get("fees")), item_total)
    answers = []
    for record, coupon in listed:
        try:
            coupons.check(coupon, store_id=store_id, lines=lines, now=now, user_used=uses.get(coupon.code, 0),
                          is_first_order=is_first_order)
            saved = coupons.discount(coupon, lines, delivery_fee)
        except coupons.CouponRefused as refused:
            # What the user can do nothing about (used up, first order only) shows as is; an empty cart is told
            # to fill up rather than that its (no) items are out of scope or below the minimum.
            empty = not lines and refused.code in (coupons.NOT_APPLICABLE, coupons.MINIMUM_NOT_MET)
            short = (coupon.min_item_total - coupons.in_scope_total(coupon, lines)
                     if refused.code == coupons.MINIMUM_NOT_MET and lines else None)
            answers.append(_offer(record, None if empty else refused, short=short))
            continue
        answers.append({**_offer(record, None), "qualifies": True, "reason": None, "words": None, "discount": saved})
    return {"store_id": store_id, "offers": _ordered(answers)}


def _offer(record: CouponRecord, refused: coupons.CouponRefused | None, *, short: int | None = None
           ) -> dict[str, Any]:
    """An offer that does not qualify (yet): the coupon's refusal, or the empty cart's when `refused` is None.
    `short` is what the cart lacks of the coupon's minimum (for the order of the list only)."""
    values = coupon_values(record)
    shown = {name: values[name] for name in CouponTerms.model_fields}
    reason, words = (CART_EMPTY, CART_EMPTY_WORDS) if refused is None else (refused.code, refused.words)
    return {**shown, "qualifies": False, "reason": reason, "words": words, "discount": None, "_short": short}


def _ordered(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Those that qualify first, the biggest discount first; then those the cart can still reach by adding items,
    the nearest first; then the rest; by code within each."""

    def rank(offer: dict[str, Any]) -> tuple[int, int, str]:
        if offer["qualifies"]:
            return 0, -int(offer["discount"]), offer["code"]
        if offer["_short"] is not None:
            return 1, int(offer["_short"]), offer["code"]
        return 2, 0, offer["code"]

    return [{k: v for k, v in offer.items() if k != "_short"} for offer in sorted(answers, key=rank)]
