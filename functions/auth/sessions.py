"""Session rules, free of Redis: token minting and hashing, expiry, idle timeout, when to touch.

A session token is 32 random bytes shown to the client once. Redis only ever holds its SHA-256, so a
leaked cache dump cannot be replayed. Lifetime: an absolute limit from the first login (rotation does
not extend it) and an idle limit from the last use.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta

from blinkit.clock import iso, parse

TOKEN_PREFIX = "bks_"  # makes leaked tokens easy to spot in logs and secret scanners


def mint_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX) and 20 < len(token) < 100


@dataclass(frozen=True, slots=True)
class Policy:
    absolute: timedelta
    idle: timedelta
    touch_every: timedelta


@dataclass(frozen=True, slots=True)
class Session:
    session_id: str
    uid: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # absolute end, fixed at creation
    device_name: str
    platform: str
    roles: tuple[str, ...] = field(default_factory=tuple)
    store_id: str | None = None

    def idle_deadline(self, policy: Policy) -> datetime:
        return self.last_seen_at + policy.idle

    def ends_at(self, policy: Policy) -> datetime:
        return min(self.expires_at, self.idle_deadline(policy))

    def is_active(self, now: datetime, policy: Policy) -> bool:
        return now < self.ends_at(policy)

    def needs_touch(self, now: datetime, policy: Policy) -> bool:
        return now - self.last_seen_at >= policy.touch_every

    def ttl_seconds(self, now: datetime, policy: Policy) -> int:
        """How long Redis should keep the record: until the earlier of the two limits."""
        return max(1, int((self.ends_at(policy) - now).total_seconds()))

    def touched(self, now: datetime) -> Session:
        return replace(self, last_seen_at=now)

    def to_redis(self) -> dict[str, str]:
        data = asdict(self)
        for key in ("created_at", "last_seen_at", "expires_at"):
            data[key] = iso(data[key])
        data["roles"] = ",".join(self.roles)
        data["store_id"] = self.store_id or ""
        return data

    @classmethod
    def from_redis(cls, data: dict[str, str]) -> Session:
        return cls(
            session_id=data["session_id"],
            uid=data["uid"],
            created_at=parse(data["created_at"]),
            last_seen_at=parse(data["last_seen_at"]),
            expires_at=parse(data["expires_at"]),
            device_name=data.get("device_name", ""),
            platform=data.get("platform", ""),
            roles=tuple(r for r in data.get("roles", "").split(",") if r),
            store_id=data.get("store_id") or None,
        )


def new_session(
    session_id: str, uid: str, device_name: str, platform: str, roles: tuple[str, ...], now: datetime, policy: Policy,
    store_id: str | None = None,
) -> Session:
    return Session(
        session_id=session_id,
        uid=uid,
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.absolute,
        device_name=device_name,
        platform=platform,
        roles=roles,
        store_id=store_id,
    )
