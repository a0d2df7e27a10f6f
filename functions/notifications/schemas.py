"""Shapes of the notifications routes and of a queue message. Requests are strict (unknown fields 422)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from blinkit.forms import BlankIsAbsent, MultiLine, Request

CROCKFORD = "[0-9A-HJKMNP-TV-Z]{26}"
NOTIFICATION_ID = rf"^ntf_{CROCKFORD}$"
Channel = Literal["in_app", "email", "push"]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]
DeepLink = Annotated[str, StringConstraints(max_length=300, pattern=r"^(blinkit://|https://)[\x21-\x7e]+$")]


# The queue message (the contract with orders and delivery) -----------------------------------------------


class Message(BaseModel):
    """`{type, user_id, data, channels?, idempotency_key, correlation_id}`; unknown extra fields are kept out."""

    model_config = ConfigDict(extra="ignore")

    type: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    user_id: UserId
    data: dict[str, Any] = Field(default_factory=dict)
    channels: list[Channel] | None = None
    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    correlation_id: str | None = None


class FanoutData(BaseModel):
    """A `custom.fanout` message's data: one admin broadcast, expanded into per-user `custom` messages."""

    job_id: str
    title: str
    body: str
    deep_link: str | None = None
    category: Literal["custom", "marketing"] = "custom"
    channels: list[Channel]
    user_ids: list[UserId] | None = None
    cursor: str | None = None
    page: int = 0


# Routes ------------------------------------------------------------------------------------------------


class NotificationOut(BaseModel):
    notification_id: str
    type: str
    category: str
    title: str
    body: str
    deep_link: str | None
    data: dict[str, Any]
    created_at: str
    read_at: str | None


class NotificationPage(BaseModel):
    notifications: list[NotificationOut]
    next_cursor: str | None


class UnreadCount(BaseModel):
    unread: int = Field(description="Unread notifications, counted up to `cap`")
    cap: int


class ReadAll(BaseModel):
    marked: int


class ChannelSwitches(Request):
    in_app: bool | None = None
    email: bool | None = None
    push: bool | None = None


class PreferencesIn(Request):
    order_updates: ChannelSwitches | None = None
    delivery_updates: ChannelSwitches | None = None
    marketing: ChannelSwitches | None = None
    custom: ChannelSwitches | None = None

    @model_validator(mode="after")
    def _something(self) -> PreferencesIn:
        if not self.changes():
            raise ValueError("give at least one category with at least one channel")
        return self

    def changes(self) -> dict[str, dict[str, bool]]:
        out: dict[str, dict[str, bool]] = {}
        for category in ("order_updates", "delivery_updates", "marketing", "custom"):
            switches = getattr(self, category)
            if switches is not None:
                given = {k: v for k, v in switches.model_dump().items() if v is not None}
                if given:
                    out[category] = given
        return out


class Switches(BaseModel):
    in_app: bool
    email: bool
    push: bool


class PreferencesOut(BaseModel):
    order_updates: Switches
    delivery_updates: Switches
    marketing: Switches
    custom: Switches
    always_on: list[str] = Field(description="category.channel pairs that cannot be turned off")


class CustomIn(Request):
    user_ids: Annotated[list[UserId], Field(min_length=1, max_length=1000)] | None = None
    audience: Literal["all"] | None = None
    title: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    body: MultiLine[Annotated[str, StringConstraints(min_length=1, max_length=500)]]
    channels: Annotated[list[Channel], Field(min_length=1, max_length=3)] = ["in_app", "email", "push"]
    deep_link: BlankIsAbsent[DeepLink | None] = None
    category: Literal["custom", "marketing"] = "custom"

    @model_validator(mode="after")
    def _one_audience(self) -> CustomIn:
        if (self.user_ids is None) == (self.audience is None):
            raise ValueError("give either user_ids or audience: \"all\"")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels must not repeat")
        return self


class CustomAccepted(BaseModel):
    job_id: str
    recipients: int | None = Field(description="Users addressed; null for audience all (counted as it fans out)")
    status_detail: str = "queued"
