"""One notification message through every channel the user allows, at most once per channel.

    deliver(message, sent_ms) → Outcome   (raises Retry when the message must come back)

Order of work: the type's templates (unknown type: recorded, permanent), the user's preferences, the
message's delivery records (one Query; channels already sent or given up are skipped), the contact from
auth (only when email or push is still due), then the due channels at the same time on a thread pool, so
a message costs about its slowest channel. Each channel is claimed with a conditional write before it
sends and marked sent (or permanent) after, so a redelivered or duplicated message never sends twice.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import hashlib
from dataclasses import dataclass, field
from typing import Any

from blinkit.clock import from_ms
from blinkit.ids import ENTROPY_BITS, ulid
from blinkit.observability import logger
from notifications import preferences, store, upstream
from notifications.channels import Result, Transient
from notifications.render import Rendered, UnknownType, render
from notifications.schemas import Message

LEASE_SECONDS = 60  # longer than one channel's send can take (timeouts are 5 s, FCM retries inside)
_channels = concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="notify-channel")
IN_APP_DATA_DROP = ("items", "bill")  # the inbox shows the text; the order screen has the details


class Retry(Exception):
    """A channel failed transiently (or auth could not be asked): fail the record so SQS redelivers it."""

    def __init__(self, message: str, outcome: Outcome | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome


@dataclass
class Outcome:
    sent: dict[str, int] = field(default_factory=dict)  # channel → deliveries made now
    failed: dict[str, int] = field(default_factory=dict)  # channel → transient or permanent failures now
    skipped: list[str] = field(default_factory=list)


def notification_id(idempotency_key: str, sent_ms: int) -> str:
    """`ntf_` + a ULID whose time is the message's first send and whose randomness is the key's hash:
    sortable by time, and the same for every delivery of the message."""
    entropy = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:ENTROPY_BITS // 8], "big")
    return ulid(sent_ms, entropy, "ntf_")


def deliver(message: Message, sent_ms: int) -> Outcome:
    outcome = Outcome()
    key, uid = message.idempotency_key, message.user_id
    try:
        rendered = render(message.type, message.data)
    except UnknownType:
        logger.error("unknown notification type", extra={"type": message.type, "idempotency_key": key})
        store.record_final(key, "message", store.PERMANENT, f"unknown type {message.type}", user_id=uid,
                           type_=message.type)
        outcome.failed["message"] = 1
        return outcome
    prefs = preferences.effective(store.get_preferences(uid))
    channels = preferences.allowed(prefs, rendered.category, message.channels)
    if rendered.recipient is not None:  # addressed by the message itself (email.verify): its email only
        channels = [c for c in channels if c == "email"]
    states = store.delivery_states(key)
    due = [c for c in channels if states.get(c) is None or states[c].status not in store.DONE]
    if not due:
        return outcome
    contact: dict[str, Any] | None = None
    if ("email" in due and rendered.recipient is None) or "push" in due:
        try:
            contact = upstream.contact(uid)
        except Exception as exc:  # auth down or refusing: nothing sent yet on those channels, try again
            logger.warning("contact lookup failed", extra={"user_id": uid, "error": str(exc)})
            raise Retry(f"contact of {uid}: {exc}") from exc
    # Each channel in a copy of this record's context: a pool thread starts with an empty one, and its lines and
    # metrics would carry no invocation's keys (or another's), nor this record's correlation id.
    jobs = {channel: _channels.submit(contextvars.copy_context().run, _channel, channel, message, rendered, sent_ms,
                                      contact) for channel in due}
    retry = []
    for channel, future in jobs.items():
        try:
            status = future.result()
        except Transient as exc:
            outcome.failed[channel] = 1
            retry.append(f"{channel}: {exc}")
            continue
        if status == store.SENT:
            outcome.sent[channel] = 1
        elif status == store.PERMANENT:
            outcome.failed[channel] = 1
        elif status == store.SKIPPED:
            outcome.skipped.append(channel)
    if retry:
        raise Retry("; ".join(retry), outcome)
    return outcome


def _channel(channel: str, message: Message, rendered: Rendered, sent_ms: int, contact: dict[str, Any] | None
             ) -> str | None:
    """Claim, send and record one channel. Returns the final status, None if another consumer had it."""
    record = store.claim(message.idempotency_key, channel, lease_seconds=LEASE_SECONDS, user_id=message.user_id,
                         type_=message.type)
    if record is None:
        # Done meanwhile, or another consumer is sending it right now: retry later and look again.
        states = store.delivery_states(message.idempotency_key)
        if channel in states and states[channel].status in store.DONE:
            return None
        raise Transient("another delivery of this message holds the channel")
    # The claim returns the record as it is now: targets an earlier, partly failed attempt finished.
    already = list(record.done_targets or [])
    try:
        if channel == "in_app":
            result = _in_app(message, rendered, sent_ms)
        elif channel == "email":
            result = _email(message, rendered, contact)
        else:
            result = _push(message, rendered, contact, already)
    except Transient as exc:
        partial = getattr(exc, "result", None)
        done = already + (partial.done_targets if partial else [])
        store.finish(record, store.RETRY, detail=str(exc), done_targets=done)
        if partial:
            _drop_tokens(message.user_id, partial.removed_tokens)
        raise
    except Exception as exc:  # a bug or an unexpected SDK error: free the channel, retry the message
        store.finish(record, store.RETRY, detail=f"{type(exc).__name__}: {exc}")
        raise Transient(f"{type(exc).__name__}: {exc}") from exc
    if result is None:
        store.finish(record, store.SKIPPED, detail="no address or device")
        return store.SKIPPED
    _drop_tokens(message.user_id, result.removed_tokens)
    status = store.SENT if result.sent else store.PERMANENT
    store.finish(record, status, detail="; ".join(result.sent + result.permanent),
                 done_targets=already + result.done_targets)
    if result.permanent:
        logger.warning("permanent delivery failure", extra={"channel": channel, "type": message.type,
                                                            "user_id": message.user_id, "detail": result.permanent})
    return status


def _in_app(message: Message, rendered: Rendered, sent_ms: int) -> Result:
    nid = notification_id(message.idempotency_key, sent_ms)
    created = from_ms(sent_ms)
    data = {k: v for k, v in message.data.items() if k not in IN_APP_DATA_DROP}
    store.put_notification(store.NotificationRecord(
        pk=store.user_pk(message.user_id), sk=store.NTF + nid, notification_id=nid, user_id=message.user_id,
        type=message.type, category=rendered.category, title=rendered.title, body=rendered.inbox,
        deep_link=rendered.deep_link, data=data, created_at=created, unread_pk=store.user_pk(message.user_id),
        expires_at=int(sent_ms / 1000) + store.IN_APP_TTL_SECONDS))
    return Result(sent=[nid])


def _email(message: Message, rendered: Rendered, contact: dict[str, Any] | None) -> Result | None:
    # A self-addressed type goes to its own recipient and never to the contact's address, nor the reverse.
    address = rendered.recipient if rendered.recipient is not None else (contact or {}).get("email")
    if not address:
        return None
    from notifications.channels import email

    return email.send(address, rendered.subject, rendered.html, rendered.text,
                      idempotency_key=f"{message.idempotency_key}:email"[:256],
                      tags={"type": message.type.replace(".", "_")})


def _push(message: Message, rendered: Rendered, contact: dict[str, Any] | None, already: list[str]
          ) -> Result | None:
    tokens = [t for t in (contact or {}).get("device_tokens") or [] if t not in already]
    if not tokens:
        return Result(sent=["(every device done earlier)"]) if already else None
    from notifications.channels import push

    return push.send(tokens, rendered.title, rendered.body, rendered.push_data)


def _drop_tokens(uid: str, tokens: list[str]) -> None:
    for token in tokens:
        try:
            upstream.remove_device(uid, token)
        except Exception as exc:  # the push outcome stands; the next send will find the token dead again
            logger.warning("could not remove an unregistered token", extra={"user_id": uid, "error": str(exc)})

