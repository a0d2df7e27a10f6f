"""Notifications benchmark: 1,000 messages x 3 channels (in-app, Resend email, FCM push) through the queue
consumer, with the loopback Resend and FCM receivers adding a delay to every answer (50 ms by default).

    PYTHONPATH=.:functions:layers/blinkit .venv/bin/python -m tests.load.bench_notifications [--messages 1000]

The messages are put on the real (moto) queue; the stack's pump delivers batches of 10 to the consumer, as
Lambda's event source mapping does, and each batch is timed. The warm-up (one message per user: templates
compiled, the firebase-admin app and its OAuth token, the SDK connection pools, every user's contact read
from auth's internal route over loopback HTTP) is not counted, and contacts stay cached for the run: the
figures are the steady state of a warm consumer, not the first lookup of each user. Redis database 10.

Prints messages per second, the time per batch of 10 (median and p95), and what a batch would cost if the
channels and records ran one after another (for comparison).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime

from tests.load.common import loopback_stack, percentile, table

USERS = 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=int(os.environ.get("BENCH_NOTIFICATIONS", "1000")))
    parser.add_argument("--delay-ms", type=float, default=50.0)
    args = parser.parse_args()
    with loopback_stack(10, env={"CONTACT_CACHE_SECONDS": "3600"}) as lb:
        stack = lb.stack
        import boto3

        from auth import store as auth_store

        now = datetime.now(UTC)
        for n in range(USERS):
            uid = f"bench-user-{n}"
            auth_store.UserRecord(pk=auth_store.user_pk(uid), uid=uid, roles=["customer"], email=f"user{n}@example.com",
                                  device_count=1, created_at=now, updated_at=now).save()
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

        warm_lookups = lb.counters.internal
        enqueue(args.messages, "bench")
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

        emails, pushes = len(receivers.emails), len(receivers.pushes)
        assert done == args.messages and failed == 0, (done, failed)
        assert emails == pushes == args.messages, (emails, pushes)
        serial = 10 * 3 * args.delay_ms
        print(f"\nNotifications: {args.messages} messages x 3 channels (in_app, email, push), batches of 10, "
              f"receivers +{args.delay_ms:.0f} ms per call")
        print(table(["figure", "value"], [
            ["messages per second", f"{args.messages / elapsed:.1f}"],
            ["time per batch of 10, median (ms)", f"{percentile(batches, 50):.0f}"],
            ["time per batch of 10, p95 (ms)", f"{percentile(batches, 95):.0f}"],
            ["batches", str(len(batches))],
            ["emails / pushes received", f"{emails} / {pushes}"],
            ["auth contact lookups during the run (warm cache)", str(lb.counters.internal - warm_lookups)],
            ["a batch with channels and records in series (ms)", f"{serial:.0f}"],
        ]))


if __name__ == "__main__":
    main()
