"""The notifications domain's rules for the inbox, preferences and admin broadcasts (no HTTP here)."""

from __future__ import annotations

from typing import Any

from blinkit import queues
from blinkit.clock import now_iso
from blinkit.context import request_id_var
from blinkit.cursor import decode_cursor, encode_cursor
from blinkit.errors import NotFound, Unprocessable
from blinkit.ids import new_id
from blinkit.observability import logger
from blinkit.principal import Principal
from blinkit.settings import get_settings
from notifications import preferences, store
from notifications.schemas import CustomIn

UNREAD_CAP = 1000  # the badge shows "999+" beyond this; counting further costs reads nobody looks at
READ_ALL_CAP = 1000



def view(record: store.NotificationRecord) -> dict[str, Any]:
    return {"notification_id": record.notification_id, "type": record.type, "category": record.category,
            "title": record.title, "body": record.body, "deep_link": record.deep_link, "data": record.data or {},
            "created_at": record.created_at, "read_at": record.read_at}


# Inbox -------------------------------------------------------------------------------------------------


def list_mine(principal: Principal, *, unread_only: bool, limit: int, cursor: str | None) -> dict[str, Any]:
    scope = f"notifications:user:{principal.uid}:{'unread' if unread_only else 'all'}"
    start = decode_cursor(cursor, scope=scope)
    items, last = store.list_notifications(principal.uid, unread_only=unread_only, limit=limit, start=start)
    return {"notifications": [view(r) for r in items], "next_cursor": encode_cursor(last, scope=scope)}


def unread_count(principal: Principal) -> dict[str, Any]:
    return {"unread": store.unread_count(principal.uid, UNREAD_CAP), "cap": UNREAD_CAP}


def mark_read(principal: Principal, notification_id: str) -> dict[str, Any]:
    record = store.mark_read(principal.uid, notification_id, now_iso())
    if record is None:
        raise NotFound("No such notification")
    return view(record)


def mark_all_read(principal: Principal) -> dict[str, Any]:
    read_at, marked = now_iso(), 0
    for record in store.unread_keys(principal.uid, READ_ALL_CAP):
        if store.mark_read(principal.uid, record.notification_id, read_at) is not None:
            marked += 1
    return {"marked": marked}


# Preferences -------------------------------------------------------------------------------------------


def _preferences_view(prefs: dict[str, dict[str, bool]]) -> dict[str, Any]:
    return {**prefs, "always_on": sorted(f"{c}.{ch}" for c, ch in preferences.LOCKED_ON)}


def get_preferences(principal: Principal) -> dict[str, Any]:
    return _preferences_view(preferences.effective(store.get_preferences(principal.uid)))


def set_preferences(principal: Principal, changes: dict[str, dict[str, bool]]) -> dict[str, Any]:
    try:
        merged = preferences.apply(store.get_preferences(principal.uid), changes)
    except preferences.LockedChannel as exc:
        field = f"{exc.category}.{exc.channel}"
        raise Unprocessable(f"{field} stays on: order and delivery updates always reach the in-app inbox",
                            code="channel-locked",
                            errors=[{"field": field, "message": "cannot be turned off", "code": "channel-locked"}]
                            ) from None
    store.put_preferences(principal.uid, merged, now_iso())
    return _preferences_view(merged)


# Admin broadcasts --------------------------------------------------------------------------------------


def enqueue(messages: list[dict[str, Any]]) -> None:
    """Put messages on the notifications queue, 10 per SendMessageBatch; a refused entry raises."""
    queues.send_batch(get_settings().notifications_queue_url, messages)


def queue_custom(body: CustomIn) -> dict[str, Any]:
    """One `custom.fanout` message; the consumer expands it into one `custom` message per user."""
    job_id = new_id("job_")
    data = {"job_id": job_id, "title": body.title, "body": body.body, "deep_link": body.deep_link,
            "category": body.category, "channels": list(body.channels),
            "user_ids": list(dict.fromkeys(body.user_ids)) if body.user_ids else None}
    enqueue([{"type": "custom.fanout", "user_id": "system", "data": data,
              "idempotency_key": f"custom.fanout:{job_id}:0", "correlation_id": request_id_var.get() or job_id}])
    logger.info("custom notification queued", extra={"job_id": job_id, "audience": body.audience or "users"})
    return {"job_id": job_id, "recipients": len(data["user_ids"]) if data["user_ids"] else None,
            "status_detail": "queued"}
