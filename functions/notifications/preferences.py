"""Channel preferences per category. Pure: no I/O.

Categories: order_updates (order.*), delivery_updates (delivery.*), marketing and custom (admin broadcasts
choose one). Everything is on by default. Order and delivery updates always stay in the in-app inbox: a
customer may silence their email or push, never lose track of an order.
"""

from __future__ import annotations

from typing import Any

CHANNELS = ("in_app", "email", "push")
CATEGORIES = ("order_updates", "delivery_updates", "marketing", "custom")
LOCKED_ON = frozenset({("order_updates", "in_app"), ("delivery_updates", "in_app")})


class LockedChannel(ValueError):
    """An attempt to turn off a channel that stays on."""

    def __init__(self, category: str, channel: str) -> None:
        super().__init__(f"{category}.{channel} cannot be turned off")
        self.category, self.channel = category, channel


def defaults() -> dict[str, dict[str, bool]]:
    return {category: dict.fromkeys(CHANNELS, True) for category in CATEGORIES}


def effective(stored: dict[str, Any] | None) -> dict[str, dict[str, bool]]:
    """Defaults overlaid with what the user saved (unknown keys in old records are ignored)."""
    merged = defaults()
    for category, channels in (stored or {}).items():
        if category in merged and isinstance(channels, dict):
            for channel, on in channels.items():
                if channel in CHANNELS and isinstance(on, bool):
                    merged[category][channel] = on
    for category, channel in LOCKED_ON:
        merged[category][channel] = True
    return merged


def apply(stored: dict[str, Any] | None, changes: dict[str, dict[str, bool]]) -> dict[str, dict[str, bool]]:
    """The preferences after `changes` (only the categories and channels given change)."""
    for category, channels in changes.items():
        for channel, on in channels.items():
            if not on and (category, channel) in LOCKED_ON:
                raise LockedChannel(category, channel)
    merged = effective(stored)
    for category, channels in changes.items():
        merged[category].update(channels)
    return merged


def allowed(prefs: dict[str, dict[str, bool]], category: str, requested: list[str] | None) -> list[str]:
    """The channels to use: those requested (all by default) that the user's preferences allow."""
    wanted = [c for c in CHANNELS if requested is None or c in requested]
    row = prefs.get(category) or dict.fromkeys(CHANNELS, True)
    return [c for c in wanted if row.get(c, True) or (category, c) in LOCKED_ON]
