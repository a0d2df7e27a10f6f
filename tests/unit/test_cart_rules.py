"""cart.rules: which cart lines cannot be ordered as they stand, and which refusal a cart reports first; and
the saga's catch names, each a class a step raises and a reason code MarkOrderFailed knows."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from cart import rules

ROOT = Path(__file__).resolve().parents[2]


def product(pid: str = "p1", *, active: bool = True, max_per_order: int = 3) -> dict[str, Any]:
    return {"product_id": pid, "name": f"Product {pid}", "is_active": active, "max_per_order": max_per_order,
            "available": 50, "price": 100, "mrp": 120}


@pytest.mark.parametrize(("found", "quantity", "expected"), [
    (product(), 1, None),
    (product(), 3, None),  # the limit itself is fine
    (product(), 4, rules.ABOVE_MAX_PER_ORDER),
    (product(active=False), 1, rules.UNAVAILABLE),
    (product(active=False), 9, rules.UNAVAILABLE),  # unavailable says more than "too many"
    (None, 1, rules.UNAVAILABLE),  # not in the catalog at all
])
def test_line_refusal(found: dict[str, Any] | None, quantity: int, expected: str | None) -> None:
    assert rules.line_refusal(found, quantity) == expected


def test_a_cart_with_nothing_refused() -> None:
    assert rules.refused_lines({"p1": 3, "p2": 1}, {"p1": product("p1"), "p2": product("p2")}) is None


def test_refused_lines_name_product_quantity_and_what_one_order_may_hold() -> None:
    found = {"p1": product("p1", max_per_order=2), "p2": product("p2"), "p3": product("p3", max_per_order=1)}
    assert rules.refused_lines({"p1": 5, "p2": 3, "p3": 2}, found) == (rules.ABOVE_MAX_PER_ORDER, [
        {"product_id": "p1", "name": "Product p1", "requested": 5, "allowed": 2},
        {"product_id": "p3", "name": "Product p3", "requested": 2, "allowed": 1}])


def test_unavailable_lines_are_reported_before_lines_above_their_limit() -> None:
    found = {"p1": product("p1", max_per_order=2), "p2": product("p2", active=False)}
    assert rules.refused_lines({"p1": 5, "p2": 1, "p9": 2}, found) == (rules.UNAVAILABLE, [
        {"product_id": "p2", "name": "Product p2", "requested": 1, "allowed": 0},
        {"product_id": "p9", "name": None, "requested": 2, "allowed": 0}])


def test_every_name_the_saga_catches_is_raised_by_a_step_and_has_a_reason_code() -> None:
    from cart import jobs as cart_jobs
    from orders import bill
    from orders import jobs as orders_jobs
    from products import jobs as products_jobs

    raised = {name for module in (cart_jobs, products_jobs, orders_jobs, bill)
              for name, value in vars(module).items() if inspect.isclass(value) and issubclass(value, Exception)}
    states = json.loads((ROOT / "statemachine" / "order_saga.asl.json").read_text())["States"]
    caught = {name for state in states.values() for catch in state.get("Catch", []) for name in catch["ErrorEquals"]
              if not name.startswith("States.")}
    assert {"StoreInactive", "ProductNotSold", "AboveMaxPerOrder"} <= caught
    assert caught <= raised, caught - raised
    assert caught <= set(orders_jobs.REASONS), caught - set(orders_jobs.REASONS)
    assert {orders_jobs.REASONS[n] for n in ("StoreInactive", "ProductNotSold", "AboveMaxPerOrder")} == {
        "STORE_INACTIVE", "PRODUCT_UNAVAILABLE", "ABOVE_MAX_PER_ORDER"}
