"""Lambda entry points of the notifications domain: every route function shares `handler`, the consumer has its own.

`handler` is built when Lambda looks it up (`routes_on_demand`), so the consumer's cold start imports no FastAPI
and none of the inbox routes. The consumer imports its senders (jinja2, resend, firebase_admin) on its first batch,
so the inbox routes, which run without those layers, never load them.
"""

from typing import Any

from blinkit.handler import make_job, routes_on_demand

__getattr__ = routes_on_demand("notifications.app", service="notifications")


def _consume(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The notifications queue consumer (notifications.jobs.consume), imported on its first batch."""
    from notifications import jobs

    return jobs.consume(event, context)


consume = make_job(_consume, service="notifications")
