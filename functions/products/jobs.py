"""Saga steps of the order: reserve and release stock. Each is its own Lambda function (no HTTP event).

Both are idempotent through the per-order reservation record (`RESERVATION#<order_id>` in the stock table):

* ReserveStock writes the reservation (only if absent) and takes each quantity off its stock row (only if
  `available >= quantity`) in ONE transaction, so a reservation is all or nothing and stock never goes
  below zero, however many orders race for the last units. On shortage it raises `OutOfStock`, whose
  message is JSON naming every short item with what was asked and what is available. A repeated call for
  the same order finds the reservation and reserves nothing more.
* ReleaseStock flips the reservation RESERVED → RELEASED (conditionally) and adds each quantity back in one
  transaction: whoever wins that condition gives the stock back; every other call is a no-op.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from pydantic import ValidationError

from blinkit import snapshots
from blinkit.clock import now_iso
from blinkit.observability import logger, metrics
from products import cache, store
from products.schemas import ReleaseInput, ReserveInput
from products.store import RESERVED, ReservationRecord, StockNotWritten

MAX_ATTEMPTS = 5  # transaction conflicts (another order touching the same rows) are retried with jitter


class OutOfStock(Exception):
    """Some items of the order are not available in the wanted quantity; nothing was reserved."""

    def __init__(self, order_id: str, store_id: str, short: list[dict[str, Any]]) -> None:
        self.order_id, self.store_id, self.short = order_id, store_id, short
        super().__init__(json.dumps({"order_id": order_id, "store_id": store_id, "items": short}))


class InvalidJobInput(ValueError):
    """The job's input does not have the documented shape."""


def _parse(model: type[ReserveInput] | type[ReleaseInput], event: Any) -> Any:
    try:
        return model.model_validate(event)
    except ValidationError as exc:
        raise InvalidJobInput(str(exc)) from exc


def reservation_view(r: ReservationRecord, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": r.order_id,
        "store_id": r.store_id,
        "status": r.status,
        "items": [{"product_id": i.product_id, "quantity": int(i.quantity)} for i in r.items],
        "created_at": r.created_at,
        "released_at": r.released_at,
        **extra,
    }


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.02 * 2**attempt))  # jitter, not cryptography


def reserve_stock(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = _parse(ReserveInput, event)
    existing = store.get_reservation(request.order_id)
    if existing is not None:
        return reservation_view(existing, reserved_now=False)
    now = now_iso()
    record = store.new_reservation(request.order_id, request.store_id,
                                   [(i.product_id, i.quantity) for i in request.items], now)
    for attempt in range(MAX_ATTEMPTS):
        try:
            store.reserve(record, now)
        except StockNotWritten as exc:
            if exc.lost:  # a concurrent call for this order won
                found = store.get_reservation(request.order_id)
                if found is not None:
                    return reservation_view(found, reserved_now=False)
            if exc.short:
                short = _shortages(request)
                if short:
                    metrics.add_metric(name="StockReservationsShort", unit="Count", value=1)
                    raise OutOfStock(request.order_id, request.store_id, short) from exc
            # A transaction conflict, or stock that came back between our write and our read: try again.
            logger.info("reservation retried", order_id=request.order_id, reasons=exc.reasons, attempt=attempt)
            _backoff(attempt)
            continue
        metrics.add_metric(name="StockReserved", unit="Count", value=1)
        snapshots.move_stock(request.store_id, [(i.product_id, -i.quantity) for i in request.items])
        cache.forget_stock()  # this process's product pages show the new stock at once (others within its TTL)
        return reservation_view(record, reserved_now=True)
    raise RuntimeError(f"could not reserve stock for order {request.order_id} after {MAX_ATTEMPTS} attempts")


def _shortages(request: ReserveInput) -> list[dict[str, Any]]:
    """Every item the store cannot supply now, read with one (consistent) BatchGetItem."""
    available = store.get_stock_many(request.store_id, [i.product_id for i in request.items], consistent=True)
    return [
        {"product_id": i.product_id, "requested": i.quantity, "available": available.get(i.product_id, 0)}
        for i in request.items
        if available.get(i.product_id, 0) < i.quantity
    ]


def release_stock(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request = _parse(ReleaseInput, event)
    for attempt in range(MAX_ATTEMPTS):
        found = store.get_reservation(request.order_id)
        if found is None:
            return {"order_id": request.order_id, "released": False, "reason": "no-reservation"}
        if found.status != RESERVED:
            return {**reservation_view(found), "released": False, "reason": "already-released"}
        try:
            store.release(found, now_iso())
        except StockNotWritten as exc:
            logger.info("release retried", order_id=request.order_id, reasons=exc.reasons, attempt=attempt)
            if exc.lost:
                continue  # released concurrently: the next read reports it
            _backoff(attempt)
            continue
        metrics.add_metric(name="StockReleased", unit="Count", value=1)
        snapshots.move_stock(found.store_id, [(i.product_id, int(i.quantity)) for i in found.items])
        cache.forget_stock()
        return {**reservation_view(found), "released": True}
    raise RuntimeError(f"could not release stock for order {request.order_id} after {MAX_ATTEMPTS} attempts")
