"""DynamoDB's write atomicity for in-process moto.

DynamoDB checks a write's condition and applies it atomically, and a transaction's conditions and writes
all at once. moto does neither under threads: two concurrent `attribute_not_exists` puts can both pass
their check, and the second silently overwrites the first. The local stack runs functions in threads (as
Lambda runs instances in parallel), so concurrency tests (20 adds of one cart line, 20 reservations of one
product) would see lost updates AWS never produces. One lock around moto's write paths restores the
guarantee. Reads take the same lock (see `_WRITES`): not for isolation, but because moto's reads can
mutate its item dicts.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_lock = threading.RLock()
_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item",
           # Reads too: moto's Table.items is a defaultdict, so a GetItem of a missing key inserts an empty
           # partition, and a transaction running at that moment fails deep-copying the table for its rollback
           # ("dictionary changed size during iteration"): seen with 20 concurrent ReserveStock calls.
           "get_item", "query", "scan", "batch_get_item", "transact_get_items")
_patched = False


def serialize_dynamodb_writes() -> None:
    """Idempotent: patch moto's DynamoDB backend and its response handler once per process."""
    global _patched
    if _patched:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    # The response layer too: its update_item serialises the item the backend handed back (`item.to_json()`)
    # after the backend call returned, while another thread's update may be changing that same item in place
    # ("dictionary changed size during iteration": seen with a payment webhook racing the saga). The lock is
    # re-entrant, so the backend call inside a locked handler call takes it again freely.
    for cls in (DynamoDBBackend, DynamoHandler):
        for name in _WRITES:
            original = getattr(cls, name, None)
            if original is None:
                continue

            def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
                with _lock:
                    return __original(self, *args, **kwargs)

            setattr(cls, name, functools.wraps(original)(locked))
    _patched = True
