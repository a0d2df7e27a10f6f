"""The auth domain's FastAPI app (the Lambda authorizer is `auth.authorizer`)."""

from __future__ import annotations

from auth.api import router
from blinkit.app import create_app

app = create_app(title="Blinkit auth", routers=[router])

