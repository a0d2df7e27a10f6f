"""pynamodb attributes the domains' tables share."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import Attribute
from pynamodb.constants import STRING

from blinkit.clock import iso, parse


class TimestampAttribute(Attribute[datetime]):
    """A UTC instant, stored as every timestamp is written (`blinkit.clock.iso`: milliseconds and `Z`).

    Reads any ISO-8601 form, so items written by pynamodb's `UTCDateTimeAttribute` (microseconds and
    `+0000`) before it replaced it still load.
    """

    attr_type = STRING

    def serialize(self, value: datetime) -> str:
        return iso(value)

    def deserialize(self, value: str) -> datetime:
        return parse(value)
