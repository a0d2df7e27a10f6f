"""The notifications table: in-app notifications, preferences and per-channel delivery records.

Keys (table `NotificationsTable`, TTL attribute `expires_at`):
    pk = USER#<uid>, sk = NTF#<notification_id>   an in-app notification (kept 90 days); `unread_pk` (= pk) is
                                                 set while it is unread, so the sparse `Unread` GSI holds
                                                 exactly the unread ones (unread lists and counts read it)
    pk = USER#<uid>, sk = PREFS                  the user's channel preferences per category
    pk = MSG#<sha256(idempotency_key)>, sk = CH#<channel>
                                                 one message's delivery on one channel: status
                                                 (sending | retry | sent | permanent | skipped), the
                                                 targets already done (device tokens), attempts (14 days)

A channel is claimed with one conditional write (not sent, not permanent, and no live lease of another
consumer), so a redelivered or duplicated message never sends a channel twice.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from blinkit.dynamodb import page, save_if, update_if
from blinkit.settings import get_settings

NTF = "NTF#"
PREFS = "PREFS"
IN_APP_TTL_SECONDS = 90 * 24 * 3600
DELIVERY_TTL_SECONDS = 14 * 24 * 3600  # longer than the queue keeps a message (4 days) plus its DLQ (14)

SENT, PERMANENT, SKIPPED, SENDING, RETRY = "sent", "permanent", "skipped", "sending", "retry"
DONE = frozenset({SENT, PERMANENT, SKIPPED})


def user_pk(uid: str) -> str:
    return f"USER#{uid}"


def message_pk(idempotency_key: str) -> str:
    return "MSG#" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]


class _Table:
    table_name = get_settings().notifications_table
    region = get_settings().aws_region


class Unread(GlobalSecondaryIndex["NotificationRecord"]):
    class Meta:
        index_name = "Unread"
        projection = AllProjection()

    unread_pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class NotificationRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    notification_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    type = UnicodeAttribute()
    category = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    deep_link = UnicodeAttribute(null=True)
    data = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    read_at = UnicodeAttribute(null=True)
    unread_pk = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()

    unread = Unread()


class PreferencesRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=PREFS)
    preferences = JSONAttribute()
    updated_at = UnicodeAttribute()


class DeliveryRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()
    lease_until = NumberAttribute(null=True)
    attempts = NumberAttribute(default=0)
    done_targets = ListAttribute(of=UnicodeAttribute, null=True)
    detail = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)
    type = UnicodeAttribute(null=True)
    updated_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


# In-app notifications ----------------------------------------------------------------------------------


def put_notification(record: NotificationRecord) -> bool:
    """Store it unless it exists already (its id comes from the message's idempotency key)."""
    return save_if(record, NotificationRecord.pk.does_not_exist())


def _alive(now: int) -> Any:
    return NotificationRecord.expires_at > now  # DynamoDB deletes expired items late: filter on read


def list_notifications(uid: str, *, unread_only: bool, limit: int, start: dict[str, Any] | None
                       ) -> tuple[list[NotificationRecord], dict[str, Any] | None]:
    now = int(time.time())
    if unread_only:
        query = NotificationRecord.unread.query(user_pk(uid), NotificationRecord.sk.startswith(NTF),
                                                filter_condition=_alive(now), scan_index_forward=False,
                                                limit=limit, last_evaluated_key=start)
    else:
        query = NotificationRecord.query(user_pk(uid), NotificationRecord.sk.startswith(NTF),
                                         filter_condition=_alive(now), scan_index_forward=False, limit=limit,
                                         last_evaluated_key=start)
    return page(query)


def unread_count(uid: str, cap: int) -> int:
    """Unread (and unexpired) notifications of a user, counted on the sparse index, at most `cap`."""
    return int(NotificationRecord.unread.count(user_pk(uid), NotificationRecord.sk.startswith(NTF),
                                               filter_condition=_alive(int(time.time())), limit=cap))


def unread_keys(uid: str, cap: int) -> list[NotificationRecord]:
    return list(NotificationRecord.unread.query(user_pk(uid), NotificationRecord.sk.startswith(NTF), limit=cap))


def mark_read(uid: str, notification_id: str, read_at: str) -> NotificationRecord | None:
    """Set read_at (first read wins) and leave the unread index; None if the user has no such notification."""
    record = NotificationRecord(pk=user_pk(uid), sk=NTF + notification_id)
    if not update_if(record, [NotificationRecord.read_at.set(NotificationRecord.read_at | read_at),
                              NotificationRecord.unread_pk.remove()],
                     NotificationRecord.pk.exists()):
        return None
    if int(record.expires_at) <= int(time.time()):
        return None
    return record


# Preferences -------------------------------------------------------------------------------------------


def get_preferences(uid: str) -> dict[str, Any] | None:
    try:
        return dict(PreferencesRecord.get(user_pk(uid), PREFS).preferences)
    except PreferencesRecord.DoesNotExist:
        return None


def put_preferences(uid: str, preferences: dict[str, Any], now: str) -> None:
    PreferencesRecord(pk=user_pk(uid), sk=PREFS, preferences=preferences, updated_at=now).save()


# Delivery records --------------------------------------------------------------------------------------


def delivery_states(idempotency_key: str) -> dict[str, DeliveryRecord]:
    """Every channel's record of one message, in one Query (consistent: a retry must see the last write)."""
    return {r.sk.removeprefix("CH#"): r
            for r in DeliveryRecord.query(message_pk(idempotency_key), consistent_read=True)}


def claim(idempotency_key: str, channel: str, *, lease_seconds: int, user_id: str, type_: str
          ) -> DeliveryRecord | None:
    """Take the channel for one send: None when it is done already or another consumer holds a live lease."""
    now = int(time.time())
    record = DeliveryRecord(pk=message_pk(idempotency_key), sk=f"CH#{channel}")
    free = (DeliveryRecord.pk.does_not_exist()
            | (DeliveryRecord.status.is_in(RETRY)
               | ((DeliveryRecord.status == SENDING) & (DeliveryRecord.lease_until < now))))
    actions = [DeliveryRecord.status.set(SENDING), DeliveryRecord.lease_until.set(now + lease_seconds),
               DeliveryRecord.attempts.add(1), DeliveryRecord.user_id.set(user_id), DeliveryRecord.type.set(type_),
               DeliveryRecord.updated_at.set(now), DeliveryRecord.expires_at.set(now + DELIVERY_TTL_SECONDS)]
    return record if update_if(record, actions, free) else None


def finish(record: DeliveryRecord, status: str, *, detail: str | None = None,
           done_targets: list[str] | None = None) -> None:
    """Record the channel's outcome: sent/permanent/skipped are final; retry frees it for the next delivery."""
    actions = [DeliveryRecord.status.set(status), DeliveryRecord.lease_until.remove(),
               DeliveryRecord.updated_at.set(int(time.time()))]
    if detail is not None:
        actions.append(DeliveryRecord.detail.set(detail[:500]))
    if done_targets is not None:
        actions.append(DeliveryRecord.done_targets.set(done_targets))
    record.update(actions=actions)


def record_final(idempotency_key: str, channel: str, status: str, detail: str, *, user_id: str, type_: str) -> None:
    """A final outcome without a send (unknown type, channel turned off...): kept for the record."""
    now = int(time.time())
    DeliveryRecord(pk=message_pk(idempotency_key), sk=f"CH#{channel}", status=status, detail=detail[:500],
                   user_id=user_id, type=type_, updated_at=now, expires_at=now + DELIVERY_TTL_SECONDS).save()
