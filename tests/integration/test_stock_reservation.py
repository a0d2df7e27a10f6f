"""ReserveStock and ReleaseStock, invoked as Lambda functions of the local stack (saga steps)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from local.lambdas import LambdaError

STORE = "sto_01JSTQRE5T0RE0000000000000"
MILK, BREAD, EGGS = ("prd_01JMXKK0000000000000000000", "prd_01JBREAD000000000000000000",
                     "prd_01JEGGS0000000000000000000")


@pytest.fixture
def stock(api):
    """Stock rows written straight to the table: MILK 5, BREAD 2, EGGS 0."""
    from products import store

    store.write_all([store.new_stock(STORE, MILK, 5, "t"), store.new_stock(STORE, BREAD, 2, "t"),
                     store.new_stock(STORE, EGGS, 0, "t")])
    return store


@pytest.fixture
def invoke(project_stack):
    def call(function_id: str, event: dict) -> dict:
        return project_stack.functions.invoke(function_id, event)

    return call


def available(store, *ids):
    found = store.get_stock_many(STORE, list(ids), consistent=True)
    return [found.get(i) for i in ids]


def reserve_event(order_id, items):
    return {"order_id": order_id, "store_id": STORE,
            "items": [{"product_id": p, "quantity": q} for p, q in items]}


def test_reserve_takes_every_item_in_one_go(invoke, stock):
    result = invoke("ReserveStockFunction", reserve_event("ord_1", [(MILK, 2), (BREAD, 2)]))
    assert result["status"] == "RESERVED" and result["reserved_now"] is True
    assert result["items"] == [{"product_id": MILK, "quantity": 2}, {"product_id": BREAD, "quantity": 2}]
    assert available(stock, MILK, BREAD) == [3, 0]


def test_one_short_item_reserves_nothing_and_names_every_short_item(invoke, stock):
    event = reserve_event("ord_2", [(MILK, 2), (BREAD, 3), (EGGS, 1)])
    with pytest.raises(LambdaError) as caught:
        invoke("ReserveStockFunction", event)
    assert caught.value.error_type == "OutOfStock"
    detail = json.loads(caught.value.error_message)
    assert detail["store_id"] == STORE and detail["order_id"] == "ord_2"
    assert detail["items"] == [{"product_id": BREAD, "requested": 3, "available": 2},
                               {"product_id": EGGS, "requested": 1, "available": 0}]
    assert available(stock, MILK, BREAD, EGGS) == [5, 2, 0]
    assert stock.get_reservation("ord_2") is None


def test_a_product_without_a_stock_row_is_out_of_stock(invoke, stock):
    ghost = "prd_01JGH0ST000000000000000000"
    with pytest.raises(LambdaError) as caught:
        invoke("ReserveStockFunction", reserve_event("ord_3", [(ghost, 1)]))
    assert json.loads(caught.value.error_message)["items"] == [{"product_id": ghost, "requested": 1, "available": 0}]
    assert available(stock, ghost) == [None]  # the failed update did not create a row


def test_reserving_again_for_the_same_order_reserves_nothing_more(invoke, stock):
    first = invoke("ReserveStockFunction", reserve_event("ord_4", [(MILK, 2)]))
    again = invoke("ReserveStockFunction", reserve_event("ord_4", [(MILK, 2)]))
    assert again["reserved_now"] is False and again["items"] == first["items"]
    assert again["created_at"] == first["created_at"]
    assert available(stock, MILK) == [3]


def test_release_gives_back_exactly_once(invoke, stock):
    invoke("ReserveStockFunction", reserve_event("ord_5", [(MILK, 4), (BREAD, 1)]))
    assert available(stock, MILK, BREAD) == [1, 1]
    first = invoke("ReleaseStockFunction", {"order_id": "ord_5"})
    second = invoke("ReleaseStockFunction", {"order_id": "ord_5"})
    assert first["released"] is True and first["status"] == "RELEASED" and first["released_at"]
    assert second["released"] is False and second["reason"] == "already-released"
    assert available(stock, MILK, BREAD) == [5, 2]
    # A released order stays released: reserving it again takes nothing.
    assert invoke("ReserveStockFunction", reserve_event("ord_5", [(MILK, 1)]))["status"] == "RELEASED"
    assert available(stock, MILK) == [5]


def test_concurrent_releases_give_back_once(invoke, stock):
    invoke("ReserveStockFunction", reserve_event("ord_6", [(MILK, 5)]))
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: invoke("ReleaseStockFunction", {"order_id": "ord_6"}), range(8)))
    assert sum(r["released"] for r in results) == 1
    assert available(stock, MILK) == [5]


def test_releasing_an_order_that_never_reserved_is_a_no_op(invoke, stock):
    assert invoke("ReleaseStockFunction", {"order_id": "ord_none"}) == {
        "order_id": "ord_none", "released": False, "reason": "no-reservation"}


def test_twenty_concurrent_orders_for_five_units_sell_exactly_five(invoke, stock, project_stack):
    quantities = [1, 2, 1, 1, 3, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1, 2, 1, 1, 1, 1]

    def attempt(n: int) -> int:
        try:
            invoke("ReserveStockFunction", reserve_event(f"ord_race_{n}", [(MILK, quantities[n])]))
            return quantities[n]
        except LambdaError as exc:
            assert exc.error_type == "OutOfStock", exc
            return 0

    with ThreadPoolExecutor(max_workers=20) as pool:
        reserved = list(pool.map(attempt, range(20)))
    assert sum(reserved) == 5
    assert available(stock, MILK) == [0]
    held = [stock.get_reservation(f"ord_race_{n}") for n in range(20)]
    assert sum(int(r.items[0].quantity) for r in held if r is not None) == 5


@pytest.mark.parametrize("event", [
    {}, {"order_id": "o", "store_id": STORE, "items": []},
    {"order_id": "o", "store_id": STORE, "items": [{"product_id": MILK, "quantity": 0}]},
    {"order_id": "o", "store_id": STORE, "items": [{"product_id": MILK, "quantity": 1}] * 2},
    {"order_id": "o", "store_id": "nope", "items": [{"product_id": MILK, "quantity": 1}]},
])
def test_reserve_refuses_malformed_input(invoke, stock, event):
    with pytest.raises(LambdaError) as caught:
        invoke("ReserveStockFunction", event)
    assert caught.value.error_type == "InvalidJobInput"
    assert available(stock, MILK) == [5]
