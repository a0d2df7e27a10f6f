"""Demo data for the local stack: one user per role, signed up in the Firebase emulator.

Each demo user signs in with a fixed phone number through the emulator's OTP flow, so
`python -m local token --user NAME` can always get them a fresh session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoUser:
    key: str
    phone: str
    name: str
    email: str
    roles: tuple[str, ...]


DEMO_USERS = (
    DemoUser("customer", "+919000000001", "Priya Sharma", "priya@example.com", ("customer",)),
    DemoUser("admin", "+919000000002", "Arjun Mehta", "arjun@example.com", ("admin", "customer")),
    DemoUser("staff", "+919000000003", "Kavita Nair", "kavita@example.com", ("store_staff",)),
    DemoUser("partner", "+919000000004", "Imran Khan", "imran@example.com", ("delivery_partner",)),
)


def seed_users(emulator: Any) -> dict[str, str]:
    """Create (or refresh) every demo user in the emulator, the users table and their custom claims.

    Runs inside the local stack's process, after its environment is applied. Returns key → uid.
    """
    from auth import firebase, store
    from auth.sessions import utcnow

    uids = {}
    for user in DEMO_USERS:
        uid, _ = emulator.sign_in_with_phone(user.phone)  # creates the account on first sign-in
        now = utcnow()
        record = store.UserRecord(
            pk=store.user_pk(uid), uid=uid, phone_number=user.phone, name=user.name, email=user.email,
            roles=list(user.roles), providers=["phone"], created_at=now, updated_at=now,
        )
        record.save()
        firebase.set_custom_claims(uid, {"roles": list(user.roles)})
        uids[user.key] = uid
    return uids


def demo_user(key: str) -> DemoUser:
    for user in DEMO_USERS:
        if user.key == key:
            return user
    raise KeyError(f"no demo user {key!r}; choose one of: {', '.join(u.key for u in DEMO_USERS)}")
