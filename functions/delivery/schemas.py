"""Request and response shapes of the delivery routes and jobs. Requests are strict (unknown fields 422)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator, model_validator

from blinkit.forms import Request
from delivery.rules import FUTURE_SKEW_SECONDS, MAX_SPEED_KMPH

CROCKFORD = "[0-9A-HJKMNP-TV-Z]{26}"
ORDER_ID = rf"^ord_{CROCKFORD}$"
STORE_ID = rf"^sto_{CROCKFORD}$"
UID = r"^[A-Za-z0-9_-]{1,128}$"

Uid = Annotated[str, StringConstraints(pattern=UID)]
StoreId = Annotated[str, StringConstraints(pattern=STORE_ID)]


class PartnerIn(Request):
    uid: Uid
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    phone: Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{7,14}$")]
    vehicle: Annotated[str, StringConstraints(min_length=1, max_length=60)] = Field(
        description="What the customer looks for, e.g. 'Honda Activa KA01AB1234'")
    store_id: StoreId


class StatusIn(Request):
    status: Literal["available", "offline"]


class DeliverIn(Request):
    otp: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]


class LocationIn(Request):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(0, ge=0, le=10_000)
    heading: float | None = Field(None, ge=0, lt=360)
    speed_kmph: float | None = Field(None, ge=0, le=MAX_SPEED_KMPH)
    # JSON has no datetime: accept the ISO string (strict mode would refuse it).
    recorded_at: datetime = Field(strict=False, description="When the phone took the fix (ISO-8601 with offset)")

    @field_validator("lat", "lng", "accuracy_m", "heading", "speed_kmph")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and v != v:  # NaN compares unequal to itself
            raise ValueError("must be a number")
        return v

    @field_validator("recorded_at")
    @classmethod
    def _aware_and_not_future(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("needs a UTC offset")
        if v > datetime.now(UTC) + timedelta(seconds=FUTURE_SKEW_SECONDS):
            raise ValueError("is in the future")
        return v.astimezone(UTC)


class PartnerOut(BaseModel):
    uid: str
    name: str
    phone: str
    vehicle: str
    store_id: str
    status: str
    order_id: str | None
    location: dict[str, Any] | None
    created_at: str
    updated_at: str


class PartnerPage(BaseModel):
    partners: list[PartnerOut]
    next_cursor: str | None


class Place(BaseModel):
    name: str | None = None
    address: str | None = None
    lat: float
    lng: float


class AssignmentOut(BaseModel):
    order_id: str
    status: str
    store_id: str
    pickup: Place
    drop: Place
    eta_minutes: int | None
    assigned_at: str | None


class LocationOut(BaseModel):
    accepted: bool
    ignored: bool
    on_delivery: bool
    order_id: str | None = None
    eta_minutes: int | None = None


class TrackingPartner(BaseModel):
    name: str
    vehicle: str
    phone: str | None


class Realtime(BaseModel):
    topic: str
    event: str


class TrackingOut(BaseModel):
    order_id: str
    status: str
    partner: TrackingPartner | None
    location: dict[str, Any] | None
    eta_minutes: int | None
    otp: str | None
    realtime: Realtime


class RoutePoint(BaseModel):
    lat: float
    lng: float
    accuracy_m: float | None
    heading: float | None
    speed_kmph: float | None
    recorded_at: str


class RouteOut(BaseModel):
    order_id: str
    points: list[RoutePoint]
    next_cursor: str | None


# Queue messages -----------------------------------------------------------------------------------------


class Job(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Drop(Job):
    address: str = ""
    lat: float
    lng: float


OrderStatus = Literal["PENDING", "PLACED", "CONFIRMED", "PACKED", "OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED",
                      "CANCELLED", "FAILED"]
LEGACY_KINDS: dict[str, OrderStatus] = {"assign": "PACKED", "release": "CANCELLED"}


class OrderStatusMessage(Job):
    """On the DeliveryAssignmentQueue, from orders: the order's `status` at its `version`, one message per status
    change (`kind: order_status`). A PACKED one carries what assignment needs (customer, store, drop, OTP,
    ETA); the assignment job re-sends it with a delay (`attempt`, `first_try_at`) while nobody is free.

    `assign` and `release`, the kinds orders sent before every change was announced, are read as PACKED and
    CANCELLED with no version, so messages queued before a deploy are still applied."""

    kind: Literal["order_status", "assign", "release"] = "order_status"
    order_id: Annotated[str, StringConstraints(pattern=ORDER_ID)]
    status: OrderStatus | None = None
    version: StrictInt | None = Field(None, ge=1)  # orders' number, never coerced from text
    user_id: str | None = None
    store_id: str | None = None
    drop: Drop | None = None
    otp: str | None = None
    eta_minutes: int | None = None
    attempt: int = Field(0, ge=0)
    first_try_at: float | None = None  # epoch seconds of the first attempt
    correlation_id: str = ""

    @model_validator(mode="after")
    def _complete(self) -> OrderStatusMessage:
        if self.kind in LEGACY_KINDS:
            self.status = self.status or LEGACY_KINDS[self.kind]
        elif self.status is None or self.version is None:
            raise ValueError("an order_status message names the status and the order's version")
        if self.status == "PACKED" and (not self.user_id or not self.store_id or self.drop is None):
            raise ValueError("a PACKED order's message carries its user_id, store_id and drop")
        return self
