"""Every log line and every metric blob of an invocation names its own function's domain (`service`), also
locally, where every function shares one process, one Logger and one Metrics and invocations run at once on
threads."""

from __future__ import annotations

import contextlib
import json
import threading
from collections import Counter
from typing import Any

from blinkit.observability import logger
from local.lambdas import LambdaError
from local.stack import LocalStack
from tests.plugins.output import LinesPerThread

ROUNDS = 40
# Each function records one business metric per invocation, whose name says which domain recorded it.
CART = ("CartGetFunction", "cart", {"CartCacheHits", "CartCacheMisses"})
PRODUCTS = ("ReserveStockFunction", "products", {"StockReservationsShort"})
HEALTH = ("HealthFunction", "products")  # ReserveStock logs nothing on this path; /health logs its request


def _event(function_id: str) -> dict[str, Any]:
    """The function's sample, its placeholders ({{customer.uid}}, ...) filled with example values."""
    from tests.unit.test_template import load_event

    return load_event(function_id)


def test_two_domains_invoked_at_once_on_threads_each_log_and_measure_as_their_own(
        project_stack: LocalStack) -> None:
    functions = project_stack.functions
    assert functions is not None
    cart_event = _event(CART[0])
    reserve_event = _event(PRODUCTS[0])
    health_event = _event(HEALTH[0])
    answers: Counter[str] = Counter()

    def get_carts() -> None:
        for _ in range(ROUNDS):
            reply = functions.invoke(CART[0], cart_event)
            answers[f"cart {reply['statusCode']}"] += 1

    def reserve_stock() -> None:
        for n in range(ROUNDS):
            try:  # nothing is stocked: every reservation is short (a metric, then OutOfStock)
                functions.invoke(PRODUCTS[0], {**reserve_event, "order_id": f"ord_SERVICEPROBE{n:013d}"})
            except LambdaError as exc:
                answers[f"reserve {exc.error_type}"] += 1
            functions.invoke(HEALTH[0], health_event)  # 200 or 503 (no catalog here): either logs its request
            answers["health"] += 1

    out = LinesPerThread()
    previous = logger.registered_handler.setStream(out)
    try:
        with contextlib.redirect_stdout(out):
            threads = [threading.Thread(target=get_carts), threading.Thread(target=reserve_stock)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
    finally:
        logger.registered_handler.setStream(previous)

    assert answers == {"cart 200": ROUNDS, "reserve OutOfStock": ROUNDS, "health": ROUNDS}
    records = [json.loads(line) for line in out.lines if line.startswith("{")]
    blobs = [r for r in records if "_aws" in r]
    lines = [r for r in records if "_aws" not in r]
    # The domain of a function is its handler's package (a /health call may also start a search index rebuild,
    # whose SearchIndexerFunction lines say products as well).
    domain = {fid: spec.handler.split(".")[0] for fid, spec in project_stack.template.functions.items()}
    assert {CART[0], HEALTH[0]} <= {line.get("function_name") for line in lines}, lines[:3]
    assert domain[CART[0]] == CART[1] and domain[HEALTH[0]] == HEALTH[1]
    wrong_lines = [line for line in lines if line.get("service") != domain[line["function_name"]]]
    assert not wrong_lines, wrong_lines[:3]

    for _, service, names in (CART, PRODUCTS):
        mine = [b for b in blobs if names & set(b)]
        # One blob per invocation (its own set, flushed when it ends), each with its one value, its service.
        assert len(mine) == ROUNDS, [b for b in blobs if b not in mine][:3]
        for blob in mine:
            recorded = {m["Name"] for directive in blob["_aws"]["CloudWatchMetrics"] for m in directive["Metrics"]}
            assert len(recorded) == 1 and recorded <= names, blob
            assert blob["service"] == service and blob[recorded.pop()] == [1.0], blob
            assert blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]], blob
    others = [b for b in blobs if not (CART[2] | PRODUCTS[2]) & set(b)]
    assert all(b["service"] == "products" and "SearchIndexPublished" in b for b in others), others[:3]
