"""Who is calling, as the rules see it: a `Principal` and its `Role`s.

Here, not in blinkit.security (FastAPI's dependencies that produce them), so that services and the jobs that call
them import no FastAPI: a saga step or a queue consumer has no route, and FastAPI is most of an API function's
init (docs/benchmarks.md, "Cold start").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"
    STORE_STAFF = "store_staff"
    DELIVERY_PARTNER = "delivery_partner"


@dataclass(frozen=True, slots=True)
class Principal:
    uid: str
    session_id: str
    roles: frozenset[str]
    store_id: str | None = None

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))
