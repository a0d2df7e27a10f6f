"""The notifications domain's FastAPI app."""

from __future__ import annotations

from blinkit.app import create_app
from notifications.api import router

app = create_app(title="Blinkit notifications", routers=[router])
