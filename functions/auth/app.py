"""The auth domain's FastAPI app and its Lambda authorizer."""

from __future__ import annotations

from typing import Any

from auth import service
from auth.api import router
from blinkit.app import create_app
from blinkit.observability import logger

app = create_app(title="Blinkit auth", routers=[router])


def authorize_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """HTTP API REQUEST authorizer (payload 2.0, simple responses). Always answers with a verdict."""
    verdict = service.authorize(event.get("headers"))
    logger.debug("authorizer verdict", auth_state=verdict["auth_state"], uid=verdict.get("uid"))
    return {"isAuthorized": True, "context": verdict}
