"""Opening hours in a store's own timezone, including hours that run past midnight (pure)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def is_open(open_at: str, close_at: str, timezone: str, now: datetime) -> bool:
    """Whether a store with these "HH:MM" hours is open at the aware instant `now`.

    `close_at` earlier than `open_at` means the store closes after midnight (06:00-01:00 is open at 00:30);
    equal times mean open around the clock.
    """
    start, end = parse_hhmm(open_at), parse_hhmm(close_at)
    local = now.astimezone(ZoneInfo(timezone)).time().replace(second=0, microsecond=0)
    if start == end:
        return True
    if start < end:
        return start <= local < end
    return local >= start or local < end
