"""The order lifecycle (orders.lifecycle): the full (actor, from, to) matrix against a table written here."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from blinkit.errors import Conflict
from blinkit.security import Principal
from orders.lifecycle import TERMINAL, IllegalTransition, Status, allowed_transitions, check_transition

# Written out from issue 5 by hand, independently of the module's graph: never derived from it.
ORDER = ["PENDING", "PLACED", "CONFIRMED", "PACKED", "OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED", "CANCELLED",
         "FAILED"]


@dataclass(frozen=True)
class Actor:
    roles: frozenset[str]
    is_owner: bool = False
    is_store_staff_of_order: bool = False
    is_assigned_partner: bool = False

    @property
    def flags(self) -> dict[str, bool]:
        return {"is_owner": self.is_owner, "is_store_staff_of_order": self.is_store_staff_of_order,
                "is_assigned_partner": self.is_assigned_partner}


ACTORS: dict[str, Actor] = {
    "customer-owner": Actor(frozenset({"customer"}), is_owner=True),
    "other-customer": Actor(frozenset({"customer"})),
    "staff-of-store": Actor(frozenset({"store_staff"}), is_store_staff_of_order=True),
    "staff-of-other-store": Actor(frozenset({"store_staff"})),
    "assigned-partner": Actor(frozenset({"delivery_partner"}), is_assigned_partner=True),
    "other-partner": Actor(frozenset({"delivery_partner"})),
    "admin": Actor(frozenset({"admin"})),
    "system": Actor(frozenset({"system"})),  # the saga
}

# actor → every (from, to) it may make; everything else in the 9 x 9 grid is refused.
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "customer-owner": {("PLACED", "CANCELLED"), ("CONFIRMED", "CANCELLED")},
    "other-customer": set(),
    "staff-of-store": {
        ("PLACED", "CONFIRMED"), ("CONFIRMED", "PACKED"),
        ("PLACED", "CANCELLED"), ("CONFIRMED", "CANCELLED"), ("PACKED", "CANCELLED"),
    },
    "staff-of-other-store": set(),
    "assigned-partner": {("PACKED", "OUT_FOR_DELIVERY"), ("OUT_FOR_DELIVERY", "ARRIVED"), ("ARRIVED", "DELIVERED")},
    "other-partner": set(),
    "admin": {
        ("PLACED", "CONFIRMED"), ("CONFIRMED", "PACKED"), ("PACKED", "OUT_FOR_DELIVERY"),
        ("OUT_FOR_DELIVERY", "ARRIVED"), ("ARRIVED", "DELIVERED"),
        ("PLACED", "CANCELLED"), ("CONFIRMED", "CANCELLED"), ("PACKED", "CANCELLED"),
    },
    "system": {("PENDING", "PLACED"), ("PENDING", "FAILED")},
}


def expected_allowed(actor: str, current: str) -> list[str]:
    return [target for target in ORDER if (current, target) in EXPECTED[actor]]


MATRIX = list(itertools.product(ACTORS, ORDER, ORDER))


def test_the_matrix_is_complete():
    assert len(MATRIX) == 8 * 9 * 9
    assert {status.value for status in Status} == set(ORDER)
    assert [status.value for status in Status] == ORDER


@pytest.mark.parametrize(("actor", "current", "target"), MATRIX)
def test_transition_matrix(actor: str, current: str, target: str):
    who = ACTORS[actor]
    if (current, target) in EXPECTED[actor]:
        assert check_transition(who.roles, current, target, **who.flags) == Status(target)
        return
    with pytest.raises(IllegalTransition) as caught:
        check_transition(who.roles, current, target, **who.flags)
    problem = caught.value
    assert isinstance(problem, Conflict)
    body = problem.body()
    assert body["status"] == 409 and body["type"].endswith("/illegal-transition")
    assert body["allowed"] == expected_allowed(actor, current)
    assert (body["current"], body["target"]) == (current, target)


@pytest.mark.parametrize(("actor", "current"), list(itertools.product(ACTORS, ORDER)))
def test_allowed_transitions(actor: str, current: str):
    who = ACTORS[actor]
    expected = {Status(target) for target in expected_allowed(actor, current)}
    assert allowed_transitions(who.roles, Status(current), **who.flags) == expected


def test_the_detail_names_the_allowed_targets():
    who = ACTORS["admin"]
    with pytest.raises(IllegalTransition) as caught:
        check_transition(who.roles, Status.PLACED, Status.DELIVERED, **who.flags)
    assert caught.value.detail.endswith("allowed: CONFIRMED, CANCELLED")
    assert caught.value.allowed == [Status.CONFIRMED, Status.CANCELLED]
    who = ACTORS["other-customer"]
    with pytest.raises(IllegalTransition) as caught:
        check_transition(who.roles, Status.PLACED, Status.CANCELLED, **who.flags)
    assert caught.value.detail.endswith("allowed: none")
    assert caught.value.body()["allowed"] == []


def test_terminal_statuses():
    assert {"DELIVERED", "CANCELLED", "FAILED"} == TERMINAL
    for status in TERMINAL:
        for actor in ACTORS.values():
            assert allowed_transitions(actor.roles, status, **actor.flags) == set()


@pytest.mark.parametrize("status", ORDER)
def test_setting_the_same_status_again_is_refused(status: str):
    for actor in ACTORS.values():
        with pytest.raises(IllegalTransition):
            check_transition(actor.roles, status, status, **actor.flags)


@pytest.mark.parametrize(("roles", "flags"), [
    # A flag without its role grants nothing: a stale store_id on a customer session is not staff.
    ({"customer"}, {"is_store_staff_of_order": True}),
    ({"customer"}, {"is_assigned_partner": True}),
    ({"store_staff"}, {"is_assigned_partner": True}),
    ({"delivery_partner"}, {"is_store_staff_of_order": True}),
    (set(), {"is_store_staff_of_order": True, "is_assigned_partner": True}),
])
def test_a_flag_without_its_role_grants_nothing(roles: set[str], flags: dict[str, bool]):
    full = {"is_owner": False, "is_store_staff_of_order": False, "is_assigned_partner": False, **flags}
    for current in Status:
        assert allowed_transitions(roles, current, **full) == set()


def test_the_owners_cancel_needs_no_customer_role():
    flags = {"is_owner": True, "is_store_staff_of_order": False, "is_assigned_partner": False}
    assert allowed_transitions({"store_staff"}, Status.CONFIRMED, **flags) == {Status.CANCELLED}
    assert allowed_transitions(set(), Status.PLACED, **flags) == {Status.CANCELLED}
    assert allowed_transitions(set(), Status.PACKED, **flags) == set()


def test_several_hats_add_up():
    # An admin who also owns the order, or staff who is also the partner: the union, never more than the graph.
    flags = {"is_owner": True, "is_store_staff_of_order": True, "is_assigned_partner": True}
    both = {"store_staff", "delivery_partner", "customer"}
    assert allowed_transitions(both, Status.PACKED, **flags) == {Status.OUT_FOR_DELIVERY, Status.CANCELLED}
    assert allowed_transitions({"admin"}, Status.PACKED, **flags) == {Status.OUT_FOR_DELIVERY, Status.CANCELLED}
    # Even every role at once never touches a PENDING order; only the saga does.
    everyone = {"customer", "store_staff", "delivery_partner", "admin"}
    assert allowed_transitions(everyone, Status.PENDING, **flags) == set()
    assert allowed_transitions(everyone | {"system"}, Status.PENDING, **flags) == {Status.PLACED, Status.FAILED}


def test_the_system_actor_has_no_power_after_pending():
    flags = {"is_owner": False, "is_store_staff_of_order": False, "is_assigned_partner": False}
    for current in Status:
        if current is not Status.PENDING:
            assert allowed_transitions({"system"}, current, **flags) == set()


def test_an_unknown_target_is_an_illegal_transition():
    who = ACTORS["admin"]
    with pytest.raises(IllegalTransition) as caught:
        check_transition(who.roles, "PLACED", "SHIPPED", **who.flags)
    assert caught.value.body()["target"] == "SHIPPED"
    assert caught.value.body()["allowed"] == ["CONFIRMED", "CANCELLED"]


def test_an_unknown_current_status_is_a_data_error():
    who = ACTORS["admin"]
    with pytest.raises(ValueError):
        allowed_transitions(who.roles, "LOST", **who.flags)


def test_a_principals_roles_work_as_they_are():
    principal = Principal(uid="u1", session_id="s1", roles=frozenset({"store_staff"}), store_id="sto_1")
    order_store = "sto_1"
    assert check_transition(principal.roles, Status.PLACED, Status.CONFIRMED, is_owner=False,
                            is_store_staff_of_order=principal.store_id == order_store,
                            is_assigned_partner=False) is Status.CONFIRMED
