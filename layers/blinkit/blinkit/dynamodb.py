"""DynamoDB mechanics every domain's `store.py` shares: the transaction connection, "did the condition fail?"
for single writes and for transactions, the conditional update and put that answer it with a bool, and one
page of a Query or Scan with the key to go on from.

Only `store` modules (and this one) touch pynamodb: the rest of a domain sees records and plain answers.
"""

from __future__ import annotations

import threading
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator

from blinkit.settings import get_settings

# A single write's error code when its condition is false, and a transaction item's cancellation reason.
CONDITION_FAILED = "ConditionalCheckFailedException"
ITEM_CONDITION_FAILED = "ConditionalCheckFailed"

_lock = threading.Lock()
_connection: Connection | None = None


def connection() -> Connection:
    """One connection (one botocore client) per process for transactions (`TransactWrite(connection=...)`):
    creating botocore clients concurrently from several threads is not thread-safe, and a client per call is
    wasted work anyway. Built on first use (no I/O at import)."""
    global _connection
    if _connection is None:
        with _lock:
            if _connection is None:
                built = Connection(region=get_settings().aws_region)
                _ = built.client  # build the botocore client now, under the lock
                _connection = built
    return _connection


def reset() -> None:
    """Forget the connection (tests that change the region, or want to watch it being built)."""
    global _connection
    with _lock:
        _connection = None


def condition_failed(exc: PynamoDBException) -> bool:
    """A Put, Update or Delete failed because its condition was false (not throttling, not a bad request)."""
    return exc.cause_response_code == CONDITION_FAILED


# pynamodb sends a transaction's items grouped by kind, whatever order they were added in: condition checks,
# then deletes, then puts, then updates (in the order added within each kind). DynamoDB answers one
# cancellation reason per item in the order sent, so a store names an item by its position in that order.
def cancellation_codes(error: TransactWriteError) -> list[str | None]:
    """Each item's cancellation reason code in sending order (None for an item that was not a reason); empty
    when the transaction failed without being cancelled (throttled, a validation error...)."""
    return [reason.code if reason is not None else None for reason in error.cancellation_reasons]


def failed_conditions(error: TransactWriteError) -> list[int]:
    """The positions (in sending order) of the items whose condition cancelled the transaction."""
    return [position for position, code in enumerate(cancellation_codes(error)) if code == ITEM_CONDITION_FAILED]


def condition_failed_at(error: TransactWriteError, position: int) -> bool:
    """The transaction was cancelled because the condition of the item at `position` was false."""
    return position in failed_conditions(error)


def page[T](results: ResultIterator[T]) -> tuple[list[T], dict[str, Any] | None]:
    """One page of a Query or Scan (made with `limit=`): its items and DynamoDB's key to go on from, None at
    the end. The key is known only once the page is read, hence both at once."""
    items = list(results)
    return items, results.last_evaluated_key


def update_if(record: Model, actions: list[Any], condition: Any) -> bool:
    """One conditional UpdateItem (the record is refreshed in place); False, nothing written, if the condition
    is false. Any other failure is raised as pynamodb raised it."""
    try:
        record.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def save_if(record: Model, condition: Any) -> bool:
    """One conditional PutItem; False, nothing written, if the condition is false (typically "no item with this
    key yet": `Model.pk.does_not_exist()`). Any other failure is raised as pynamodb raised it."""
    try:
        record.save(condition=condition)
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True
