"""Time in one form: UTC, and every timestamp written or answered as ISO-8601 with milliseconds and `Z`
(`2026-12-05T05:16:30.123Z`).

One fixed width matters beyond looks: these strings are sort keys (orders by user and by store, in GSIs),
and fixed-width UTC strings sort as the instants they name. Reading is tolerant: `parse` takes any ISO-8601
form with an offset (`+00:00`, `+0000`, `Z`, micro- or no fraction), so records an older version wrote
(sessions in Redis with `+00:00`, pynamodb's `+0000`) still load.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

EXAMPLE = "2026-12-05T05:16:30.123Z"


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """`moment` in UTC as `YYYY-MM-DDTHH:MM:SS.mmmZ` (truncated to the millisecond); naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    """The current instant as `iso` writes it."""
    return iso(now())


def from_ms(ms: int) -> str:
    """Unix milliseconds as `iso` writes them (exact: no float on the way)."""
    seconds, millis = divmod(ms, 1000)
    return iso(datetime.fromtimestamp(seconds, UTC).replace(microsecond=millis * 1000))


def parse(text: str) -> datetime:
    """Any ISO-8601 timestamp as an aware UTC datetime; one without an offset is taken as UTC.

    Raises `ValueError` for text that is not one.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# A datetime field of a response model, answered as `iso` writes it (pydantic's own form has microseconds).
Timestamp = Annotated[
    datetime,
    PlainSerializer(iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": [EXAMPLE]}),
]
