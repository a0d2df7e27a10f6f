"""Senders of the email and push channels. Each answers a `Result` or raises `Transient` (retry the message).

in_app is a table write (notifications.store); email is Resend, push is FCM through firebase-admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Transient(Exception):
    """A failure worth retrying: a timeout, a refused connection, 429 or a 5xx."""


@dataclass
class Result:
    """What a send did. `permanent` failures are recorded and never retried (invalid address, dead token)."""

    sent: list[str] = field(default_factory=list)  # provider ids (email id, FCM message names)
    permanent: list[str] = field(default_factory=list)  # why a target was given up
    done_targets: list[str] = field(default_factory=list)  # targets finished (sent or given up), e.g. tokens
    removed_tokens: list[str] = field(default_factory=list)  # FCM said these are no longer registered
