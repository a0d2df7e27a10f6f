"""The admin dashboard's day (pure: no I/O): which instants "today" spans, and the figures from the orders read.

- Today is the calendar day in India (`DAY_ZONE`, the demo stores' zone and the business's), from its local
  midnight (inclusive) to the next (exclusive); the orders counted are those *created* in it, by the status
  they are in now.
- Revenue: the totals (paise) of today's orders that were placed and not cancelled (PLACED through
  DELIVERED): money the business keeps. PENDING orders have not been placed, FAILED never were.
- Refunds, as far as orders knows: today's CANCELLED orders paid online, which payments refunds in full on
  cancel, with their totals. Partial refunds an admin or store makes (payments' `POST
  /admin/orders/{id}/refunds`) are payments' records and are left out here.
- Failure reasons: today's FAILED orders by their `reason` code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

STATUSES = ("PENDING", "PLACED", "CONFIRMED", "PACKED", "OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED", "CANCELLED",
            "FAILED")
EARNING = frozenset({"PLACED", "CONFIRMED", "PACKED", "OUT_FOR_DELIVERY", "ARRIVED", "DELIVERED"})
DAY_ZONE = "Asia/Kolkata"
REFUNDS_NOTE = ("Refunds: cancelled orders paid online (refunded in full on cancel). Partial refunds are kept by "
                "payments and not counted here.")


def day_bounds(now: datetime, zone: str = DAY_ZONE) -> tuple[str, datetime, datetime]:
    """The local date of `now` (aware) in `zone`, and that day's start and the next day's start (aware)."""
    local = now.astimezone(ZoneInfo(zone))
    start = datetime.combine(local.date(), time(0), tzinfo=ZoneInfo(zone))
    return local.date().isoformat(), start, start + timedelta(days=1)


def summarise(orders_by_status: Mapping[str, Iterable[Mapping[str, Any]]]) -> dict[str, Any]:
    """The figures from each status's orders of the day (`status`, `total`, `reason`, `payment_method`)."""
    by_status = {status: 0 for status in STATUSES}
    reasons: Counter[str] = Counter()
    revenue = cancelled_online = cancelled_online_total = 0
    for status, orders in orders_by_status.items():
        for order in orders:
            by_status[status] += 1
            total = int(order.get("total") or 0)
            if status in EARNING:
                revenue += total
            elif status == "FAILED":
                reasons[str(order.get("reason") or "UNKNOWN")] += 1
            elif status == "CANCELLED" and order.get("payment_method") == "online":
                cancelled_online += 1
                cancelled_online_total += total
    return {
        "by_status": by_status,
        "total_orders": sum(by_status.values()),
        "failure_reasons": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        "revenue": revenue,
        "refunds": {"cancelled_online_orders": cancelled_online, "cancelled_online_total": cancelled_online_total,
                    "note": REFUNDS_NOTE},
    }
