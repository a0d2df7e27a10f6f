"""The notifications table: in-app notifications, preferences and each message's delivery record.

Keys (table `NotificationsTable`, TTL attribute `expires_at`):
    pk = USER#<uid>, sk = NTF#<notification_id>   an in-app notification (kept 90 days); `unread_pk` (= pk) is
                                                 set while it is unread, so the sparse `Unread` GSI holds
                                                 exactly the unread ones (unread lists and counts read it)
    pk = USER#<uid>, sk = PREFS                  the user's channel preferences per category
    pk = MSG#<sha256(idempotency_key)>, sk = MESSAGE
                                                 one message's delivery on every channel (14 days): per
                                                 channel a map of its status (sending | retry | sent |
                                                 permanent | skipped), lease, attempts and the targets
                                                 already done (device tokens); `version`, +1 per write

A delivery reads the preferences and the record in one BatchGetItem, claims every channel it may send in one
write conditioned on the version it read (with the inbox item's put in the same transaction, which is
in_app's whole send), and records every outcome in one more write: 3 calls for 3 channels. A redelivered or
duplicated message never sends a channel twice: a claim made on a record that changed since it was read
fails, and the delivery reads again.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import JSONAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import GetError, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from blinkit.dynamodb import ITEM_CONDITION_FAILED, cancellation_codes, connection, page, save_if, update_if
from blinkit.settings import get_settings

NTF = "NTF#"
PREFS = "PREFS"
MESSAGE = "MESSAGE"
IN_APP_TTL_SECONDS = 90 * 24 * 3600
DELIVERY_TTL_SECONDS = 14 * 24 * 3600  # longer than the queue keeps a message (4 days) plus its DLQ (14)
BATCH_GET_ATTEMPTS = 4
TRANSACTION_CONFLICT = "TransactionConflict"  # a transaction item's reason: another write to it was in flight

IN_APP, CHANNELS = "in_app", ("in_app", "email", "push")
SENT, PERMANENT, SKIPPED, SENDING, RETRY = "sent", "permanent", "skipped", "sending", "retry"
DONE = frozenset({SENT, PERMANENT, SKIPPED})
FREE, HELD, FINISHED = "free", "held", "finished"  # where a channel stands for a delivery (`standing`)
CLAIMED, CONFLICT, INBOX_EXISTS = "claimed", "conflict", "inbox-exists"  # what a claim did (`claim`)


@dataclass(frozen=True)
class Finished:
    """A claimed channel's outcome, to record."""

    status: str
    detail: str | None = None
    done_targets: list[str] | None = None


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


class ChannelState(MapAttribute):
    """One channel's delivery of one message (a map inside the message's record)."""

    status = UnicodeAttribute()  # sending | retry | sent | permanent | skipped
    lease_until = NumberAttribute(null=True)  # while sending: until when the claim holds (epoch seconds)
    attempts = NumberAttribute(default=0)
    done_targets = ListAttribute(of=UnicodeAttribute, null=True)  # targets finished earlier (device tokens)
    detail = UnicodeAttribute(null=True)


class MessageRecord(Model):
    """One message's delivery on every channel: one item, so one read sees them all and one write claims them."""

    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=MESSAGE)
    version = NumberAttribute(default=0)  # +1 on every write: a claim is made on the record as read
    in_app = ChannelState(null=True)
    email = ChannelState(null=True)
    push = ChannelState(null=True)
    message = ChannelState(null=True)  # the message as a whole, when no channel could start (an unknown type)
    user_id = UnicodeAttribute(null=True)
    type = UnicodeAttribute(null=True)
    updated_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)

    def state(self, channel: str) -> ChannelState | None:
        found: ChannelState | None = getattr(self, channel)
        return found


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


def load(uid: str, idempotency_key: str) -> tuple[dict[str, Any] | None, MessageRecord | None]:
    """The user's stored preferences and the message's delivery record, in one BatchGetItem (consistent: a
    redelivery must see the last write of the one before)."""
    wanted = [{"pk": user_pk(uid), "sk": PREFS}, {"pk": message_pk(idempotency_key), "sk": MESSAGE}]
    table = MessageRecord.Meta.table_name
    prefs: dict[str, Any] | None = None
    record: MessageRecord | None = None
    # pynamodb's batch_get reads one model; these are two of one table, so its connection is asked directly
    # (the same client, retries and timeouts as every other call of the models).
    table_connection = PreferencesRecord._get_connection()
    for attempt in range(BATCH_GET_ATTEMPTS):
        data = table_connection.batch_get_item(wanted, consistent_read=True)
        for item in data.get("Responses", {}).get(table, []):
            if item["sk"]["S"] == PREFS:
                prefs = dict(PreferencesRecord.from_raw_data(item).preferences)
            else:
                record = MessageRecord.from_raw_data(item)
        wanted = data.get("UnprocessedKeys", {}).get(table, {}).get("Keys") or []
        if not wanted:
            return prefs, record
        time.sleep(0.05 * 2 ** attempt)  # throttled: DynamoDB asks for the rest again, after a pause
    raise GetError("BatchGetItem left keys unprocessed after retries")


def get_message(idempotency_key: str) -> MessageRecord | None:
    """The message's delivery record as it is now (consistent), after a claim found it changed."""
    try:
        return MessageRecord.get(message_pk(idempotency_key), MESSAGE, consistent_read=True)
    except MessageRecord.DoesNotExist:
        return None


def delivery_states(idempotency_key: str) -> dict[str, ChannelState]:
    """Every channel's state of one message (tests and operators; the consumer reads it with `load`)."""
    record = get_message(idempotency_key)
    if record is None:
        return {}
    return {c: state for c in (*CHANNELS, "message") if (state := record.state(c)) is not None}


def standing(record: MessageRecord | None, channel: str, now: int) -> str:
    """Where a channel of the message stands: FINISHED (sent or given up), HELD (another delivery is sending it
    under a live lease) or FREE (never tried, to retry, or its sender's lease ran out)."""
    state = record.state(channel) if record is not None else None
    if state is None:
        return FREE
    if state.status in DONE:
        return FINISHED
    if state.status == SENDING and state.lease_until is not None and int(state.lease_until) >= now:
        return HELD
    return FREE


def claim(idempotency_key: str, seen: MessageRecord | None, channels: list[str], *, lease_until: int,
          user_id: str, type_: str, inbox: NotificationRecord | None = None, put_inbox: bool = True) -> str:
    """Take `channels` (each FREE in `seen`) in one write made on the record as read: the version must be the
    one seen (or no record yet), so two deliveries of one message never both take a channel. Email and push
    become `sending` until `lease_until`; in_app is `sent` at once, because its send is the inbox item, put in
    the same transaction (unless `put_inbox` is False: the item is there already).

    Returns CLAIMED, CONFLICT (the record changed since `seen`: read it again) or INBOX_EXISTS (nothing
    written; the inbox item exists though in_app was not recorded: claim again with put_inbox=False)."""
    now = int(time.time())
    record = MessageRecord(pk=message_pk(idempotency_key), sk=MESSAGE)
    actions: list[Any] = []
    for channel in channels:
        before = seen.state(channel) if seen is not None else None
        attempts = int(before.attempts or 0) + 1 if before is not None else 1
        if channel == IN_APP:
            if inbox is None:
                raise ValueError("claiming in_app needs its inbox item")
            state = ChannelState(status=SENT, attempts=attempts, detail=inbox.notification_id)
        else:
            done = list(before.done_targets or []) if before is not None else None
            state = ChannelState(status=SENDING, lease_until=lease_until, attempts=attempts, done_targets=done)
        actions.append(getattr(MessageRecord, channel).set(state))
    actions += [MessageRecord.version.set((int(seen.version) if seen is not None else 0) + 1),
                MessageRecord.user_id.set(user_id), MessageRecord.type.set(type_),
                MessageRecord.updated_at.set(now), MessageRecord.expires_at.set(now + DELIVERY_TTL_SECONDS)]
    as_seen = MessageRecord.pk.does_not_exist() if seen is None else MessageRecord.version == int(seen.version)
    put = inbox if IN_APP in channels and put_inbox else None
    if put is None:
        return CLAIMED if update_if(record, actions, as_seen) else CONFLICT
    try:
        # Sent as (blinkit.dynamodb): the inbox item's put (position 0), then the record's update (1).
        with TransactWrite(connection=connection()) as tx:
            tx.save(put, condition=NotificationRecord.pk.does_not_exist())
            tx.update(record, actions=actions, condition=as_seen)
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        if not codes:
            raise
        if codes[1] in (ITEM_CONDITION_FAILED, TRANSACTION_CONFLICT) or codes[0] == TRANSACTION_CONFLICT:
            return CONFLICT
        if codes[0] == ITEM_CONDITION_FAILED:
            return INBOX_EXISTS
        raise
    return CLAIMED


def finish(idempotency_key: str, outcomes: dict[str, Finished]) -> None:
    """Record the outcome of every channel this delivery claimed, in one write: sent/permanent/skipped are
    final; retry frees the channel for the next delivery. Not conditional: the claim's lease is ours."""
    now = int(time.time())
    actions: list[Any] = []
    for channel, done in outcomes.items():
        path = getattr(MessageRecord, channel)
        actions += [path.status.set(done.status), path.lease_until.remove()]
        if done.detail is not None:
            actions.append(path.detail.set(done.detail[:500]))
        if done.done_targets is not None:
            actions.append(path.done_targets.set(done.done_targets))
    if not actions:
        return
    actions += [MessageRecord.version.add(1), MessageRecord.updated_at.set(now),
                MessageRecord.expires_at.set(now + DELIVERY_TTL_SECONDS)]
    MessageRecord(pk=message_pk(idempotency_key), sk=MESSAGE).update(actions=actions)


def record_final(idempotency_key: str, channel: str, status: str, detail: str, *, user_id: str, type_: str) -> None:
    """A final outcome without a send (an unknown type: the whole `message`), kept for the record."""
    now = int(time.time())
    MessageRecord(pk=message_pk(idempotency_key), sk=MESSAGE).update(actions=[
        getattr(MessageRecord, channel).set(ChannelState(status=status, attempts=1, detail=detail[:500])),
        MessageRecord.version.add(1), MessageRecord.user_id.set(user_id), MessageRecord.type.set(type_),
        MessageRecord.updated_at.set(now), MessageRecord.expires_at.set(now + DELIVERY_TTL_SECONDS)])
