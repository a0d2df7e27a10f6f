"""Lambda entry points of the notifications domain (every route function shares `handler`).

The consumer imports its senders (jinja2, resend, firebase_admin) on first use, so the inbox routes,
which run without those layers, never load them.
"""

from typing import Any

from blinkit.handler import make_handler
from notifications.app import app

handler = make_handler(app, service="notifications")


def consume(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from notifications import jobs

    return jobs.consume(event, context)
