"""The order lifecycle: the status graph and who may move an order along it. Pure: no HTTP, no AWS.

    PENDING → PLACED | FAILED                     (the saga only; an online order stays PENDING while it waits
                                                   for its payment, carrying Checkout's `payment` object)
    PLACED → CONFIRMED → PACKED → OUT_FOR_DELIVERY → ARRIVED → DELIVERED
    PLACED | CONFIRMED | PACKED → CANCELLED

Who (the flags are computed by the caller from the order and the principal):
- the saga (roles containing `SYSTEM`): PENDING → PLACED or FAILED, and nothing else;
- store staff of the order's store: CONFIRMED and PACKED, and cancel up to PACKED;
- the assigned delivery partner: OUT_FOR_DELIVERY, ARRIVED and DELIVERED;
- admin: any legal transition except those out of PENDING, which only the saga makes (an admin
  placing an order by hand would skip stock reservation and pricing) — so admin may not skip steps,
  cannot cancel after PACKED, and cannot revive a terminal order;
- the customer who owns the order: cancel while PLACED or CONFIRMED.

Decisions at the edges:
- Staff and partner powers need both the role and the flag (a stale `store_id` on a customer session
  must not make its holder staff); the owner's cancel needs only `is_owner`, since ownership is the
  authority there, whatever other roles the caller holds. Powers of several hats add up.
- Setting the current status again is never a transition (409): the saga's own retries must treat
  "already PLACED" as done in the store's conditional write, not here.
- Refusals are always 409 `illegal-transition` with the caller's allowed targets (possibly none).
  Whether the caller may see the order at all (404 for others) is the API's check, made before this.
- `SYSTEM` is not a `Role`: sessions never carry it, and the API must never build it from a request.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from blinkit.errors import Conflict
from blinkit.principal import Role


class Status(StrEnum):
    PENDING = "PENDING"
    PLACED = "PLACED"
    CONFIRMED = "CONFIRMED"
    PACKED = "PACKED"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    ARRIVED = "ARRIVED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


SYSTEM = "system"  # the saga's actor name, passed in `roles`

# The legal graph, whoever asks. Read-only so that no caller can widen it at run time.
TRANSITIONS: MappingProxyType[Status, frozenset[Status]] = MappingProxyType({
    Status.PENDING: frozenset({Status.PLACED, Status.FAILED}),
    Status.PLACED: frozenset({Status.CONFIRMED, Status.CANCELLED}),
    Status.CONFIRMED: frozenset({Status.PACKED, Status.CANCELLED}),
    Status.PACKED: frozenset({Status.OUT_FOR_DELIVERY, Status.CANCELLED}),
    Status.OUT_FOR_DELIVERY: frozenset({Status.ARRIVED}),
    Status.ARRIVED: frozenset({Status.DELIVERED}),
    Status.DELIVERED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.FAILED: frozenset(),
})
TERMINAL: frozenset[Status] = frozenset(status for status, targets in TRANSITIONS.items() if not targets)

STAFF_TARGETS = frozenset({Status.CONFIRMED, Status.PACKED})
PARTNER_TARGETS = frozenset({Status.OUT_FOR_DELIVERY, Status.ARRIVED, Status.DELIVERED})
CUSTOMER_CANCELLABLE = frozenset({Status.PLACED, Status.CONFIRMED})
STAFF_CANCELLABLE = frozenset({Status.PLACED, Status.CONFIRMED, Status.PACKED})  # store staff and admin


def in_lifecycle_order(statuses: Iterable[Status]) -> list[Status]:
    """Statuses in the order the lifecycle lists them (stable output for clients and tests)."""
    wanted = set(statuses)
    return [status for status in Status if status in wanted]


class IllegalTransition(Conflict):
    """409: this caller may not move the order from `current` to `target`; `allowed` says what they may."""

    code = "illegal-transition"

    def __init__(self, current: Status, target: Any, allowed: Iterable[Status]) -> None:
        self.current = current
        self.target = target
        self.allowed = in_lifecycle_order(allowed)
        names = ", ".join(self.allowed) or "none"
        super().__init__(
            f"An order that is {current} cannot be set to {target} by this caller; allowed: {names}",
            extra={"current": str(current), "target": str(target), "allowed": [str(s) for s in self.allowed]},
        )


def allowed_transitions(
    roles: Set[str],
    current: Status | str,
    *,
    is_owner: bool,
    is_store_staff_of_order: bool,
    is_assigned_partner: bool,
) -> set[Status]:
    """The statuses this caller may move an order from `current` to (CANCELLED included where allowed)."""
    current = Status(current)
    legal = TRANSITIONS[current]
    if current is Status.PENDING:
        return set(legal) if SYSTEM in roles else set()  # only the saga moves a PENDING order

    allowed: set[Status] = set()
    if Role.ADMIN in roles:
        allowed |= legal
    if Role.STORE_STAFF in roles and is_store_staff_of_order:
        allowed |= legal & STAFF_TARGETS
        if current in STAFF_CANCELLABLE:
            allowed.add(Status.CANCELLED)
    if Role.DELIVERY_PARTNER in roles and is_assigned_partner:
        allowed |= legal & PARTNER_TARGETS
    if is_owner and current in CUSTOMER_CANCELLABLE:
        allowed.add(Status.CANCELLED)
    return allowed & legal  # belt and braces: no actor rule may step outside the graph


def check_transition(
    roles: Set[str],
    current: Status | str,
    target: Status | str,
    *,
    is_owner: bool,
    is_store_staff_of_order: bool,
    is_assigned_partner: bool,
) -> Status:
    """Return `target` as a `Status` when this caller may make the move; raise `IllegalTransition` if not."""
    current = Status(current)
    allowed = allowed_transitions(
        roles,
        current,
        is_owner=is_owner,
        is_store_staff_of_order=is_store_staff_of_order,
        is_assigned_partner=is_assigned_partner,
    )
    try:
        wanted = Status(target)
    except ValueError:  # an unknown status name is as illegal as a known one out of turn
        raise IllegalTransition(current, target, allowed) from None
    if wanted not in allowed:
        raise IllegalTransition(current, wanted, allowed)
    return wanted
