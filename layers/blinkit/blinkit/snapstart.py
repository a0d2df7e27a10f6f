"""Lambda SnapStart: what an execution environment must renew when it resumes from a snapshot.

With SnapStart (template parameter `SnapStart`), Lambda runs a function's init once, when a version is
published, snapshots the memory, and resumes every new execution environment from that one snapshot. Whatever
the init left in memory is then shared by every clone, possibly for hours. Nothing here opens a connection or
reads a secret at import (the layer's rule), so a snapshot holds no socket; still, `after_restore` drops every
process-wide client, cached connection and breaker state, so that nothing made before the snapshot (by an
init that changed, or by a warm-up) is reused by several clones:

- Redis clients (their pools' sockets and the AUTH token read through them): `blinkit.redis_client`;
- boto3 clients and the pynamodb connections (their credentials are the init's, their HTTP pools too);
- the pooled httpx client and the upstream clients (keep-alive sockets) with their in-process breaker states
  (monotonic deadlines, which mean nothing after a restore);
- Powertools' parameter providers (their boto3 clients and cached values);
- `random`: every clone would otherwise draw the same sequence (the upstream clients' retry jitter, any
  random choice). `secrets`, `uuid.uuid4` and `blinkit.ids` read the OS's entropy on every call: nothing to do.

`register()` runs at import of `blinkit.handler` (every entry point imports it). It registers the hook only
where Lambda's runtime ships `snapshot_restore_py` (the python3.12 managed runtime does); elsewhere, locally
and in tests, it does nothing, and `after_restore()` can be called directly.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from typing import Any


def after_restore() -> None:
    """Renew everything unsafe to share between execution environments resumed from one snapshot."""
    random.seed()  # from os.urandom: each clone its own sequence

    from blinkit import aws, breaker, dynamodb, redis_client, service_client, upstreams

    redis_client.reset_redis()
    aws.reset()
    dynamodb.reset()
    upstreams.reset()
    with breaker._memory_lock:
        breaker._memory_states.clear()
    with service_client._http_lock:
        service_client._http = None  # dropped, not closed: its sockets, if any, belong to the snapshot
    if "pynamodb.models" in sys.modules:  # only a function that uses tables has imported it
        for model in _subclasses(sys.modules["pynamodb.models"].Model):
            model._connection = None
    if "aws_lambda_powertools.utilities.parameters" in sys.modules:
        from aws_lambda_powertools.utilities.parameters import base

        base.clear_caches()  # the providers (their boto3 clients) and their cached values


def _subclasses(cls: type) -> Iterator[Any]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def register() -> bool:
    """Register `after_restore` with Lambda's runtime hooks; False where the runtime has none (not Lambda)."""
    try:
        from snapshot_restore_py import register_after_restore  # type: ignore[import-not-found]
    except ImportError:
        return False
    register_after_restore(after_restore)
    return True


REGISTERED = register()
