"""The admin dashboard's day and figures (orders/dashboard.py, pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orders.dashboard import STATUSES, day_bounds, summarise


@pytest.mark.parametrize(("now", "date", "start"), [
    (datetime(2026, 12, 5, 6, 0, tzinfo=UTC), "2026-12-05", datetime(2026, 12, 4, 18, 30, tzinfo=UTC)),
    # 18:29:59 UTC is 23:59:59 in India: still the 5th; 18:30 is the 6th's midnight
    (datetime(2026, 12, 5, 18, 29, 59, tzinfo=UTC), "2026-12-05", datetime(2026, 12, 4, 18, 30, tzinfo=UTC)),
    (datetime(2026, 12, 5, 18, 30, tzinfo=UTC), "2026-12-06", datetime(2026, 12, 5, 18, 30, tzinfo=UTC)),
])
def test_today_is_indias_calendar_day(now: datetime, date: str, start: datetime) -> None:
    day, since, until = day_bounds(now)
    assert day == date and since == start and (until - since).days == 1


def test_the_figures_count_statuses_revenue_reasons_and_cancelled_online_orders() -> None:
    figures = summarise({
        "PLACED": [{"total": 41400, "payment_method": "cod"}],
        "DELIVERED": [{"total": 10050, "payment_method": "online"}],
        "PENDING": [{"total": None, "payment_method": "online"}],
        "CANCELLED": [{"total": 20000, "payment_method": "online"}, {"total": 9900, "payment_method": "cod"}],
        "FAILED": [{"reason": "PAYMENT_TIMEOUT", "total": 30000}, {"reason": "OUT_OF_STOCK"},
                   {"reason": "PAYMENT_TIMEOUT"}, {"reason": None}],
    })
    assert list(figures["by_status"]) == list(STATUSES)
    assert figures["by_status"]["CANCELLED"] == 2 and figures["by_status"]["FAILED"] == 4
    assert figures["total_orders"] == 9
    assert figures["revenue"] == 41400 + 10050  # pending, cancelled and failed orders earn nothing
    assert list(figures["failure_reasons"].items()) == [("PAYMENT_TIMEOUT", 2), ("OUT_OF_STOCK", 1), ("UNKNOWN", 1)]
    assert figures["refunds"]["cancelled_online_orders"] == 1
    assert figures["refunds"]["cancelled_online_total"] == 20000  # a cancelled COD order had nothing to refund
