"""Drill: DynamoDB throttles a step of the order saga, first briefly, then for good.

The fault answers matching DynamoDB calls with `ProvisionedThroughputExceededException`, the error
DynamoDB returns, below botocore's retry handler (tests/drills/conftest.py `dynamo_faults`), so every
layer of retries runs as it would in AWS:

1. the SDK: PynamoDB's botocore client, standard mode, 4 attempts with backoff (slept 100x shorter here);
2. the job: ReserveStock and ReleaseStock retry a failed transaction 5 times with jitter (products/jobs.py);
3. the state machine (statemachine/order_saga.asl.json, run by moto's ASL interpreter, which honours
   Retry with its intervals, backoff and jitter): the forward steps retry only `Lambda.*` service errors
   (and LoadCart/PriceOrder their "upstream unavailable" errors), so a step that still fails after the
   SDK's and the job's retries is caught and compensated; ReleaseStock (the compensation) retries
   `States.ALL` 6 times.

What must hold: a brief throttle is absorbed inside the step (the order is PLACED, stock taken once); a
throttle that outlasts the retries ends the order FAILED (reason INTERNAL, the error kept) with the stock
exactly as before and the cart kept; a throttled compensation is retried by the state machine until the
stock is back, exactly once.
"""

from __future__ import annotations

import json
from typing import Any

from tests.drills.conftest import table_items
from tests.integration.orders.conftest import (
    add_address,
    checkout,
    drain_notifications,
    execution_arn,
    fill_cart,
    order,
    stock,
    wait_done,
)

SDK_ATTEMPTS = 4  # PynamoDB: 1 + max_retry_attempts (3), botocore standard retry mode
JOB_ATTEMPTS = 5  # products.jobs.MAX_ATTEMPTS


def _is_reservation(body: dict[str, Any]) -> bool:
    """ReserveStock's transaction: it puts the RESERVATION#<order> record."""
    return any("Put" in item and item["Put"]["Item"]["pk"]["S"].startswith("RESERVATION#")
               for item in body.get("TransactItems", []))


def _is_release(body: dict[str, Any]) -> bool:
    """ReleaseStock's transaction: it flips the reservation to RELEASED."""
    return "RELEASED" in json.dumps(body) and "TransactItems" in body


def _places_order(orders_table: str) -> Any:
    """CreateOrder's conditional update of the order to PLACED."""
    return lambda body: body.get("TableName") == orders_table and '"PLACED"' in json.dumps(
        body.get("ExpressionAttributeValues", {}))


def reservation(stack: Any, order_id: str) -> dict[str, Any] | None:
    return next((item for item in table_items("StockTable", stack)
                 if item["pk"]["S"] == f"RESERVATION#{order_id}"), None)


def task_failures(stack: Any, order_id: str) -> list[tuple[str, str]]:
    """(state, errorType) of every failed task attempt of the execution, in order."""
    history = stack.executor.history(execution_arn(order_id))
    by_id = {e["id"]: e for e in history}
    failures = []
    for event in history:
        if event["type"] != "TaskFailed":
            continue
        state = event["previousEventId"]
        while by_id[state]["type"] != "TaskStateEntered":
            state = by_id[state]["previousEventId"]
        failures.append((by_id[state]["stateEnteredEventDetails"]["name"],
                         json.loads(event["taskFailedEventDetails"]["cause"])["errorType"]))
    return failures


def test_a_brief_throttle_on_reserve_stock_is_absorbed_inside_the_step(
        api: Any, project_stack: Any, customer: Any, shop: Any, dynamo_faults: Any, sdk_sleeps: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3, 1: 1})
    # Six throttles: the SDK's four attempts of the first transaction, then two of the job's second try.
    fault = dynamo_faults("TransactWriteItems", _is_reservation, times=SDK_ATTEMPTS + 2)

    order_id = checkout(api, customer, address_id).json()["order_id"]
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"

    assert order(api, customer, order_id)["status"] == "PLACED"
    assert (fault.throttled, fault.passed) == (SDK_ATTEMPTS + 2, 1)
    assert len(sdk_sleeps.asked) >= SDK_ATTEMPTS + 1  # the SDK backed off before each of its retries
    assert task_failures(project_stack, order_id) == []  # nothing reached the state machine
    assert [stock(api, shop, i) for i in range(2)] == [17, 19]  # taken exactly once
    assert reservation(project_stack, order_id)["status"]["S"] == "RESERVED"
    assert api.get("/cart", token=customer.session_token).json()["items"] == []


def test_a_throttle_that_outlasts_every_retry_of_reserve_stock_fails_the_order_with_nothing_reserved(
        api: Any, project_stack: Any, customer: Any, shop: Any, dynamo_faults: Any, sdk_sleeps: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3, 1: 1})
    drain_notifications(project_stack)
    fault = dynamo_faults("TransactWriteItems", _is_reservation)

    order_id = checkout(api, customer, address_id).json()["order_id"]
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"  # compensated: no failed-execution alarm

    failed = order(api, customer, order_id)
    assert (failed["status"], failed["reason"]) == ("FAILED", "INTERNAL"), failed
    assert failed["reason_detail"] == {"error": "RuntimeError"}  # the job's "could not reserve after 5 attempts"
    assert fault.throttled == SDK_ATTEMPTS * JOB_ATTEMPTS
    # The forward step is not retried by the state machine (its Retry names only Lambda.* errors).
    assert task_failures(project_stack, order_id) == [("ReserveStock", "RuntimeError")]
    assert [stock(api, shop, i) for i in range(2)] == [20, 20]  # nothing leaked
    assert reservation(project_stack, order_id) is None
    assert {i["product_id"]: i["quantity"] for i in api.get("/cart", token=customer.session_token).json()["items"]} \
        == {shop.pid(0): 3, shop.pid(1): 1}  # kept for another try
    assert [(m["type"], m["data"]["reason"]) for m in drain_notifications(project_stack)] == [
        ("order.failed", "INTERNAL")]


def test_create_order_throttled_for_good_is_compensated_and_a_throttled_compensation_is_retried(
        api: Any, project_stack: Any, customer: Any, shop: Any, dynamo_faults: Any, sdk_sleeps: Any) -> None:
    address_id = add_address(api, customer)
    fill_cart(api, customer, shop, {0: 3, 1: 1})
    drain_notifications(project_stack)
    placing = dynamo_faults("UpdateItem", _places_order(project_stack.resources.tables["OrdersTable"]))
    # The compensation is throttled too, for longer than one ReleaseStock invocation can absorb (its SDK's
    # 4 attempts x the job's 5 tries), then a little more: only the state machine's Retry gets it through.
    releasing = dynamo_faults("TransactWriteItems", _is_release, times=SDK_ATTEMPTS * JOB_ATTEMPTS + 2)

    order_id = checkout(api, customer, address_id).json()["order_id"]
    assert wait_done(project_stack, order_id)["status"] == "SUCCEEDED"

    failed = order(api, customer, order_id)
    assert (failed["status"], failed["reason"]) == ("FAILED", "INTERNAL"), failed
    assert failed["reason_detail"] == {"error": "UpdateError"}
    assert [h["status"] for h in failed["status_history"]] == ["PENDING", "FAILED"]
    assert placing.throttled == SDK_ATTEMPTS  # one CreateOrder invocation: the state machine did not retry it
    assert (releasing.throttled, releasing.passed) == (SDK_ATTEMPTS * JOB_ATTEMPTS + 2, 1)
    assert task_failures(project_stack, order_id) == [("CreateOrder", "UpdateError"),
                                                     ("ReleaseStock", "RuntimeError")]
    # Reserved, then given back exactly once.
    assert reservation(project_stack, order_id)["status"]["S"] == "RELEASED"
    assert [stock(api, shop, i) for i in range(2)] == [20, 20]
    assert len(api.get("/cart", token=customer.session_token).json()["items"]) == 2
    assert [m["type"] for m in drain_notifications(project_stack)] == ["order.failed"]
