"""Lambda entry points of the notifications domain (every route function shares `handler`; the consumer its own).

The consumer imports its senders (jinja2, resend, firebase_admin) on first use, so the inbox routes,
which run without those layers, never load them.
"""

from typing import Any

from blinkit.handler import make_handler, make_job
from notifications.app import app

handler = make_handler(app, service="notifications")


def _consume(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The notifications queue consumer (notifications.jobs.consume), imported on its first batch."""
    from notifications import jobs

    return jobs.consume(event, context)


consume = make_job(_consume, service="notifications")
