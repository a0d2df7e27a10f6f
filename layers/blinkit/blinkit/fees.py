"""A dark store's fee settings: the one schema and the one set of defaults.

Products validates a store's `fees` with it (create, update) and answers with it, the orders bill prices
with it (`orders.bill.StoreFees.from_store`) and the demo catalog is built from it. A store created
without `fees`, or with some of them, gets the defaults below for the rest, and is priced at exactly
what it shows.

Amounts are integer paise: floats, booleans and negatives are refused, never rounded. The late-night
window is store-local "HH:MM", half-open [start, end) (the rules are in `orders.bill`).

A store's surge (`surge: {fee, reason, expires_at}`, set by ops for a while: rain, high demand) is not a
setting but a state with an end; `live_surge` is the one rule of when it counts, used by products' store
answers and by the orders bill, each judging it at its own instant (a cached store never extends it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints

from blinkit import clock
from blinkit.forms import Request

Paise = Annotated[int, Field(ge=0, le=10_000_000)]
HhMm = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]

WINDOW_FIELDS = ("late_night_start", "late_night_end")


class FeeSettings(Request):
    """What the order bill charges at a store, in paise; every setting left out takes its default."""

    model_config = ConfigDict(frozen=True)  # strict, closed and trimmed like every request (Request)

    delivery_fee: Paise = Field(2500, description="Charged when the item total is below the threshold")
    free_delivery_threshold: Paise = Field(19900, description="Item totals from this amount deliver free")
    small_cart_fee: Paise = Field(2000, description="Charged when the item total is below the threshold")
    small_cart_threshold: Paise = Field(9900, description="Item totals from this amount pay no small-cart fee")
    handling_fee: Paise = Field(400, description="Charged on every order")
    platform_fee: Paise = Field(0, description="Charged on every order as its own bill line; 0 charges and shows "
                                               "nothing")
    late_night_fee: Paise = Field(1500, description="Charged inside the late-night window")
    late_night_start: HhMm = Field("23:00", description='Store-local "HH:MM", the window includes it')
    late_night_end: HhMm = Field("06:00", description='Store-local "HH:MM", the window stops before it; '
                                                      "earlier than the start crosses midnight, equal means none")
    minimum_order: Paise = Field(4900, description="Item totals below this are refused")
    max_tip: Paise = Field(10000, description="The largest tip a customer may add")


FEE_FIELDS: tuple[str, ...] = tuple(FeeSettings.model_fields)
AMOUNT_FIELDS: tuple[str, ...] = tuple(name for name in FEE_FIELDS if name not in WINDOW_FIELDS)
DEFAULT_FEES: Mapping[str, Any] = MappingProxyType(FeeSettings().model_dump())


def _whole(value: Any) -> Any:
    """DynamoDB hands numbers back as `Decimal`: a whole one is an int; anything else stays for the schema
    to refuse (a fractional paisa is a mistake, not something to round)."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def complete_fees(fees: Mapping[str, Any] | None) -> FeeSettings:
    """A store's `fees` (some, none, or None) validated, with every missing or null setting at its default.

    Raises `pydantic.ValidationError` (a `ValueError`) for a setting the schema refuses. Names it does not
    know are left out: a reader must not fail on a setting a newer writer added.
    """
    given = {name: _whole(value) for name, value in (fees or {}).items() if value is not None and name in FEE_FIELDS}
    return FeeSettings.model_validate({**DEFAULT_FEES, **given})


def live_surge(surge: Mapping[str, Any] | None, now: datetime) -> dict[str, Any] | None:
    """A store's surge `{fee, reason, expires_at}` while it lasts at `now`, else None.

    It lasts while `expires_at` is after `now`: the instant of expiry is already over (not charged, not shown).
    `fee` comes back as int paise when DynamoDB gives a whole `Decimal`; a surge without a readable end counts as over.
    """
    if not surge or surge.get("expires_at") is None:
        return None
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)  # the project's convention: time is UTC
    try:
        ends = clock.parse(str(surge["expires_at"]))
    except ValueError:
        return None
    if ends <= now:
        return None
    return {"fee": _whole(surge["fee"]), "reason": str(surge["reason"]), "expires_at": clock.iso(ends)}
