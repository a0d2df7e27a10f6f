"""Notifications benchmark: 1,000 messages x 3 channels (in-app, Resend email, FCM push) through the queue
consumer, with the loopback Resend and FCM receivers adding a delay to every answer (50 ms by default).

    PYTHONPATH=.:functions:layers/blinkit .venv/bin/python -m tests.load.bench_notifications [--messages 1000]

The messages are put on the real (moto) queue; the stack's pump delivers batches of 10 to the consumer, as
Lambda's event source mapping does, and each batch is timed. The warm-up (one message per user: templates
compiled, the firebase-admin app and its OAuth token, the SDK connection pools, every user's contact read
from auth's internal route over loopback HTTP) is not counted, and contacts stay cached for the run: the
figures are the steady state of a warm consumer, not the first lookup of each user. Redis database 10.

Prints messages per second, the time per batch of 10 (median and p95), what a batch would cost if the
channels and records ran one after another (for comparison), and the DynamoDB calls per message on the
notifications table by operation (exact; issue 17's goal: at most 6 for 3 channels). Writes them to
`.bench/notifications.json` (tests/load/common.py `save_results`).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from tests.load.common import Goal, loopback_stack, percentile, save_results, table

USERS = 100
CALLS_GOAL = 6  # DynamoDB calls per message for 3 channels (issue 17)
CALLS_BEFORE = "22 calls"  # the figure (12 UpdateItem, 4 PutItem, 3 Query, 3 GetItem)


def count_notification_calls(table_name: str) -> Counter[str]:
    """Count DynamoDB operations on the notifications table, from every thread (the consumer's records and
    channels run on worker threads), for the rest of the process; auth's contact reads are other tables."""
    import botocore.client

    calls: Counter[str] = Counter()
    lock = threading.Lock()
    real = botocore.client.BaseClient._make_api_call

    def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            names = {params.get("TableName")} | set(params.get("RequestItems") or {})
            for item in params.get("TransactItems") or []:
                names |= {op.get("TableName") for op in item.values()}
            if table_name in names:
                with lock:
                    calls[operation] += 1
        return real(client, operation, params)

    botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]
    return calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=int(os.environ.get("BENCH_NOTIFICATIONS", "1000")))
    parser.add_argument("--delay-ms", type=float, default=50.0)
    args = parser.parse_args()
    # The warm-up's 100 contact lookups run 10 at a time through auth in this one process: on a loaded machine
    # they can outlast the production 3 s timeout and open auth's breaker, which is not what is measured here.
    # Likewise a send: one that outlasts its 5 s timeout after the stand-in took it is sent again on the retry
    # (the stand-ins keep no Idempotency-Key, Resend does; FCM has none), and the run counts it twice.
    env = {"CONTACT_CACHE_SECONDS": "3600", "CONTACT_TIMEOUT_SECONDS": "30", "AUTH_BREAKER_FAILURES": "1000",
           "NOTIFICATION_SEND_TIMEOUT_SECONDS": "30"}
    with loopback_stack(10, env=env) as lb:
        stack = lb.stack
        import boto3

        from auth import store as auth_store

        now = datetime.now(UTC)
        for n in range(USERS):
            uid = f"bench-user-{n}"
            auth_store.UserRecord(pk=auth_store.user_pk(uid), uid=uid, roles=["customer"], email=f"user{n}@example.com",
                                  email_verified=True, device_count=1, created_at=now, updated_at=now).save()
            token = f"fcm-bench-token-{n:04d}-aaaaaaaaaaaa"
            auth_store.DeviceRecord(pk=auth_store.user_pk(uid), sk=auth_store.device_sk(token), token=token,
                                    platform="android", registered_at=now).save()

        sqs = boto3.client("sqs")
        url = stack.resources.queues["NotificationsQueue"]["url"]

        def enqueue(count: int, prefix: str) -> None:
            for start in range(0, count, 10):
                entries = []
                for i in range(start, min(count, start + 10)):
                    message = {"type": "order.confirmed", "user_id": f"bench-user-{i % USERS}",
                               "idempotency_key": f"{prefix}-{i}", "correlation_id": f"bench-{i}",
                               "data": {"order_id": f"ord_BENCH{i:021d}", "status": "CONFIRMED",
                                        "store_id": "sto_bench", "total": 43950,
                                        "items": [{"product_id": "prd_1", "name": "Amul Gold Milk 1 L", "quantity": 3,
                                                   "unit_price": 6800, "line_total": 20400}],
                                        "bill": [{"code": "item_total", "label": "Item total", "amount": 20400}]}}
                    entries.append({"Id": str(i - start), "MessageBody": json.dumps(message)})
                sqs.send_message_batch(QueueUrl=url, Entries=entries)

        receivers = stack.receivers
        receivers.delay = args.delay_ms / 1000
        enqueue(USERS, "warmup")
        warmed = stack.pump.drain(max_passes=10 * USERS)
        assert warmed.deleted == USERS, f"the warm-up must go through: {warmed}"
        receivers.reset()
        receivers.delay = args.delay_ms / 1000

        from blinkit.settings import get_settings

        calls = count_notification_calls(get_settings().notifications_table)
        warm_lookups = lb.counters.internal
        enqueue(args.messages, "bench")
        calls.clear()
        batches: list[float] = []
        done = failed = 0
        started = time.perf_counter()
        while done < args.messages:
            t0 = time.perf_counter()
            stats = stack.pump.run_once()
            if stats.received == 0:
                break
            batches.append((time.perf_counter() - t0) * 1000)
            done += stats.deleted
            failed += stats.failed
        elapsed = time.perf_counter() - started

        measured = Counter(calls)
        emails, pushes = len(receivers.emails), len(receivers.pushes)
        # Every message delivered, each email and push exactly once. A record may fail and come back when a send
        # outlasts its timeout on a loaded machine: counted and shown (its retry's calls are in the figures).
        assert done == args.messages, (done, failed)
        assert emails == pushes == args.messages, (emails, pushes)
        per_message = {op: n / args.messages for op, n in sorted(measured.items())}
        total = sum(per_message.values())
        serial = 10 * 3 * args.delay_ms
        lookups = lb.counters.internal - warm_lookups
        rate = args.messages / elapsed
        print(f"\nNotifications: {args.messages} messages x 3 channels (in_app, email, push), batches of 10, "
              f"receivers +{args.delay_ms:.0f} ms per call")
        print(table(["figure", "value"], [
            ["messages per second", f"{rate:.1f}"],
            ["time per batch of 10, median (ms)", f"{percentile(batches, 50):.0f}"],
            ["time per batch of 10, p95 (ms)", f"{percentile(batches, 95):.0f}"],
            ["batches", str(len(batches))],
            ["emails / pushes received", f"{emails} / {pushes}"],
            ["records retried (a channel failed transiently)", str(failed)],
            ["auth contact lookups during the run (warm cache)", str(lookups)],
            ["a batch with channels and records in series (ms)", f"{serial:.0f}"],
        ]))
        print(f"\nDynamoDB calls per message on the notifications table (goal: at most {CALLS_GOAL}; "
              f"before: {CALLS_BEFORE})")
        print(table(["operation", "calls per message"],
                    [[op, f"{n:.2f}"] for op, n in per_message.items()] + [["total", f"{total:.2f}"]]))
        path = save_results("notifications", {
            "messages": args.messages, "receiver_delay_ms": args.delay_ms, "messages_per_second": rate,
            "batch_ms_p50": percentile(batches, 50), "batch_ms_p95": percentile(batches, 95),
            "dynamodb_calls_per_message": total, "dynamodb_calls_per_message_by_operation": per_message,
            "auth_contact_lookups": lookups, "records_retried": failed,
        }, goals=[Goal("DynamoDB calls per message, 3 channels", CALLS_BEFORE, total, CALLS_GOAL, "calls")])
        print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
