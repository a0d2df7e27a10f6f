"""One notification message through every channel the user allows, at most once per channel.

    deliver(message, sent_ms) → Outcome   (raises Retry when the message must come back)

Order of work: the type's templates (unknown type: recorded, permanent); the user's preferences and the
message's delivery record in one read (channels already sent or given up are skipped); the contact from
auth (only when email or push is still due); one write claiming every channel still free, made on the
record as read, which also puts the inbox item (in_app's whole send); email and push at the same time on a
thread pool, so a message costs about its slowest channel; one write recording both outcomes. Three
DynamoDB calls for three channels (store.py). A redelivered or duplicated message never sends a channel
twice: a claim on a record another delivery changed meanwhile fails and is made again on a fresh read.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import hashlib
import time
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
CLAIM_ATTEMPTS = 3  # claims that found the record changed by another delivery of the message, then retry it
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
    stored, seen = store.load(uid, key)  # preferences and the message's record: one read
    channels = preferences.allowed(preferences.effective(stored), rendered.category, message.channels)
    if rendered.recipient is not None:  # addressed by the message itself (email.verify): its email only
        channels = [c for c in channels if c == "email"]
    now = int(time.time())
    if all(store.standing(seen, c, now) == store.FINISHED for c in channels):
        return outcome
    contact: dict[str, Any] | None = None
    if any(c == "push" or (c == "email" and rendered.recipient is None)
           for c in channels if store.standing(seen, c, now) != store.FINISHED):
        try:
            contact = upstream.contact(uid)
        except Exception as exc:  # auth down or refusing: nothing claimed nor sent yet, try again
            logger.warning("contact lookup failed", extra={"user_id": uid, "error": str(exc)})
            raise Retry(f"contact of {uid}: {exc}") from exc
    claimed, held = _claim(message, rendered, sent_ms, channels, seen)
    retry = []
    for channel in held:  # another delivery of this message is sending it now: look again later
        outcome.failed[channel] = 1
        retry.append(f"{channel}: another delivery of this message holds the channel")
    if store.IN_APP in claimed:
        outcome.sent[store.IN_APP] = 1  # its inbox item went in with the claim
    sending = [c for c in claimed if c != store.IN_APP]
    # Each channel in a copy of this record's context: a pool thread starts with an empty one, and its lines and
    # metrics would carry no invocation's keys (or another's), nor this record's correlation id.
    jobs = {channel: _channels.submit(contextvars.copy_context().run, _send, channel, message, rendered, contact,
                                      list(claimed[channel])) for channel in sending}
    finished = {channel: future.result() for channel, future in jobs.items()}
    store.finish(key, {channel: sent.record for channel, sent in finished.items()})  # every outcome: one write
    for channel, sent in finished.items():
        _drop_tokens(uid, sent.removed_tokens)
        if sent.record.status == store.RETRY:
            outcome.failed[channel] = 1
            retry.append(f"{channel}: {sent.record.detail}")
        elif sent.record.status == store.SENT:
            outcome.sent[channel] = 1
        elif sent.record.status == store.PERMANENT:
            outcome.failed[channel] = 1
        elif sent.record.status == store.SKIPPED:
            outcome.skipped.append(channel)
    if retry:
        raise Retry("; ".join(retry), outcome)
    return outcome


def _claim(message: Message, rendered: Rendered, sent_ms: int, channels: list[str], seen: store.MessageRecord | None
           ) -> tuple[dict[str, list[str]], list[str]]:
    """Claim every channel free to send, in one write on the record as read; read again and retry if another
    delivery changed it meanwhile. Returns the channels claimed (each with the targets an earlier, partly failed
    attempt finished) and those another delivery holds under a live lease."""
    put_inbox = True
    for _ in range(CLAIM_ATTEMPTS):
        now = int(time.time())
        free = [c for c in channels if store.standing(seen, c, now) == store.FREE]
        held = [c for c in channels if store.standing(seen, c, now) == store.HELD]
        if not free:
            return {}, held
        inbox = _inbox_item(message, rendered, sent_ms) if store.IN_APP in free else None
        result = store.claim(message.idempotency_key, seen, free, lease_until=now + LEASE_SECONDS,
                             user_id=message.user_id, type_=message.type, inbox=inbox, put_inbox=put_inbox)
        if result == store.CLAIMED:
            return {c: _done_targets(seen, c) for c in free}, held
        if result == store.INBOX_EXISTS:  # put by a delivery whose record has expired since: in_app is done
            put_inbox = False
            continue
        seen = store.get_message(message.idempotency_key)
    raise Retry("the message's delivery record kept changing under other deliveries of it")


def _done_targets(seen: store.MessageRecord | None, channel: str) -> list[str]:
    state = seen.state(channel) if seen is not None else None
    return list(state.done_targets or []) if state is not None else []


@dataclass
class _Sent:
    record: store.Finished
    removed_tokens: list[str] = field(default_factory=list)


def _send(channel: str, message: Message, rendered: Rendered, contact: dict[str, Any] | None, already: list[str]
          ) -> _Sent:
    """Send one claimed channel; its outcome to record (a transient failure is `retry`, never raised)."""
    try:
        result = _email(message, rendered, contact) if channel == "email" else _push(message, rendered, contact,
                                                                                        already)
    except Transient as exc:
        partial = getattr(exc, "result", None)
        done = already + (partial.done_targets if partial else [])
        return _Sent(store.Finished(store.RETRY, str(exc), done), partial.removed_tokens if partial else [])
    except Exception as exc:  # a bug or an unexpected SDK error: free the channel, retry the message
        logger.exception("channel failed unexpectedly", extra={"channel": channel, "type": message.type})
        return _Sent(store.Finished(store.RETRY, f"{type(exc).__name__}: {exc}"))
    if result is None:
        return _Sent(store.Finished(store.SKIPPED, "no address or device"))
    status = store.SENT if result.sent else store.PERMANENT
    if result.permanent:
        logger.warning("permanent delivery failure", extra={"channel": channel, "type": message.type,
                                                            "user_id": message.user_id, "detail": result.permanent})
    return _Sent(store.Finished(status, "; ".join(result.sent + result.permanent), already + result.done_targets),
                 result.removed_tokens)


def _inbox_item(message: Message, rendered: Rendered, sent_ms: int) -> store.NotificationRecord:
    nid = notification_id(message.idempotency_key, sent_ms)
    data = {k: v for k, v in message.data.items() if k not in IN_APP_DATA_DROP}
    return store.NotificationRecord(
        pk=store.user_pk(message.user_id), sk=store.NTF + nid, notification_id=nid, user_id=message.user_id,
        type=message.type, category=rendered.category, title=rendered.title, body=rendered.inbox,
        deep_link=rendered.deep_link, data=data, created_at=from_ms(sent_ms), unread_pk=store.user_pk(message.user_id),
        expires_at=int(sent_ms / 1000) + store.IN_APP_TTL_SECONDS)


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

