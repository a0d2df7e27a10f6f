"""Drill: every message and saga command arrives twice (or five times, at once).

SQS delivers at least once and Step Functions may re-run a task whose answer was lost, so each consumer
must make a repeat a no-op. Expected: stock reserved once and released once whatever the number and
timing of the copies; a cart cleared once per order (a late copy never empties the cart the customer
filled again); an order placed once, failed once; an order given to one rider, whatever the number of
copies of its assignment message racing each other. (Copies of a notification message: see
test_notification_outages.py.)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.drills.conftest import table_items
from tests.integration.delivery.conftest import (
    STORE_AT,
    _delivery_clients,  # noqa: F401
    assignment_message,
    packed_order,
    register_partner,
    run_assignment,
    store_id,  # noqa: F401
)
from tests.integration.orders.conftest import add_address, checkout, fill_cart, order, stock, wait_done


def all_at_once(fn: Any, copies: int) -> list[Any]:
    with ThreadPoolExecutor(max_workers=copies) as pool:
        return list(pool.map(lambda _: fn(), range(copies)))


def test_reserve_and_release_stock_delivered_five_times_at_once_take_and_give_back_once(
        api: Any, project_stack: Any, shop: Any) -> None:
    invoke = project_stack.functions.invoke
    reserve = {"order_id": "ord_drill_dup", "store_id": shop.store_id,
               "items": [{"product_id": shop.pid(0), "quantity": 4}, {"product_id": shop.pid(1), "quantity": 1}]}

    reserved = all_at_once(lambda: invoke("ReserveStockFunction", reserve), 5)
    assert sorted(r["reserved_now"] for r in reserved) == [False] * 4 + [True]
    assert {r["status"] for r in reserved} == {"RESERVED"}
    assert [stock(api, shop, i) for i in range(2)] == [16, 19]
    late = invoke("ReserveStockFunction", reserve)  # a copy after the others: still nothing more
    assert late["reserved_now"] is False and [stock(api, shop, i) for i in range(2)] == [16, 19]

    released = all_at_once(lambda: invoke("ReleaseStockFunction", {"order_id": "ord_drill_dup"}), 5)
    assert sorted(r["released"] for r in released) == [False] * 4 + [True]
    assert [stock(api, shop, i) for i in range(2)] == [20, 20]
    late = invoke("ReleaseStockFunction", {"order_id": "ord_drill_dup"})
    assert (late["released"], late["reason"]) == (False, "already-released")
    # A reserve copy arriving after the release (a very late redelivery) must not take the stock again.
    assert invoke("ReserveStockFunction", reserve)["reserved_now"] is False
    assert [stock(api, shop, i) for i in range(2)] == [20, 20]
    records = [i for i in table_items("StockTable", project_stack) if i["pk"]["S"] == "RESERVATION#ord_drill_dup"]
    assert [r["status"]["S"] for r in records] == ["RELEASED"]


def test_clear_cart_copies_clear_once_and_a_late_copy_spares_the_new_cart(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    invoke = project_stack.functions.invoke
    fill_cart(api, customer, shop, {0: 2, 1: 1})
    event = {"user_id": customer.uid, "order_id": "ord_drill_clear"}

    copies = all_at_once(lambda: invoke("ClearCartFunction", event), 3)
    # The deletes and the order's marker are one conditional transaction: exactly one copy clears.
    assert sorted(c["cleared"] for c in copies) == [0, 0, 2]
    assert sorted(c["already_cleared"] for c in copies) == [False, True, True]
    assert api.get("/cart", token=customer.session_token).json()["items"] == []
    markers = [i["sk"]["S"] for i in table_items("CartsTable", project_stack) if i["pk"]["S"] == f"USER#{customer.uid}"]
    assert markers == ["CLEARED#ord_drill_clear"]  # the header and lines are gone; one marker

    fill_cart(api, customer, shop, {2: 1})  # the customer starts a new cart
    late = invoke("ClearCartFunction", event)
    assert late["already_cleared"] is True and late["cleared"] == 0
    assert [(i["product_id"], i["quantity"]) for i in api.get("/cart", token=customer.session_token).json()["items"]
            ] == [(shop.pid(2), 1)]


def test_order_steps_repeated_after_the_saga_place_and_fail_exactly_once(
        api: Any, project_stack: Any, customer: Any, shop: Any) -> None:
    """A CreateOrder or MarkOrderFailed whose answer was lost runs again: same answer, no second change."""
    invoke = project_stack.functions.invoke
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3})
    order_id = checkout(api, customer, address_id).json()["order_id"]
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"
    placed = order(api, customer, order_id)
    assert placed["status"] == "PLACED"

    # CreateOrder again, with a price that differs (a re-run must not re-price a placed order).
    replay = invoke("CreateOrderFunction", {"order_id": order_id, "priced": {
        "store_id": shop.store_id, "lines": [], "bill": [], "item_total": 1, "total": 1, "eta": 99}})
    assert replay["message"]["type"] == "order.placed"
    again = order(api, customer, order_id)
    assert (again["total"], again["status_history"]) == (placed["total"], placed["status_history"])
    assert [stock(api, shop, 0)] == [17]

    # A failed order: MarkOrderFailed twice keeps one FAILED entry and its first reason.
    fill_cart(api, customer, shop, {0: 1})  # 2000 paise: below the store's ₹49 minimum
    failed_id = checkout(api, customer, address_id).json()["order_id"]
    assert wait_done(project_stack, failed_id)["status"] == "SUCCEEDED"
    first = order(api, customer, failed_id)
    assert (first["status"], first["reason"]) == ("FAILED", "BELOW_MINIMUM")
    repeat = invoke("MarkOrderFailedFunction", {"order_id": failed_id,
                                                "error": {"Error": "OutOfStock", "Cause": "{}"}})
    assert (repeat["status"], repeat["reason"]) == ("FAILED", "BELOW_MINIMUM")
    assert order(api, customer, failed_id)["status_history"] == first["status_history"]
    assert stock(api, shop, 0) == 17  # its reservation was released once; the placed order's stays taken


def test_an_assignment_message_delivered_four_times_at_once_gives_the_order_to_one_rider(
        api: Any, firebase: Any, project_stack: Any, admin: Any, customer: Any, store_id: str) -> None:  # noqa: F811
    from delivery import store as delivery_store
    from orders.store import get_order

    riders = [register_partner(api, firebase, admin, store_id, name=f"Rider {i}",
                               at=(STORE_AT[0] + 0.001 * (i + 1), STORE_AT[1])) for i in range(3)]
    order_id = packed_order(customer, store_id)
    message = assignment_message(order_id)

    results = all_at_once(lambda: run_assignment(project_stack, message), 4)
    assert results == [{"batchItemFailures": []}] * 4
    late = run_assignment(project_stack, message)
    assert late == {"batchItemFailures": []}

    delivery = delivery_store.get_delivery(order_id)
    assert delivery is not None and delivery.partner_id in {r.uid for r in riders}
    assert get_order(order_id).partner_id == delivery.partner_id  # type: ignore[union-attr]
    statuses = {r.uid: api.get("/delivery/partners/me", token=r.token).json()["status"] for r in riders}
    assert sorted(statuses.values()) == ["available", "available", "busy"], statuses
    assert statuses[delivery.partner_id] == "busy"
