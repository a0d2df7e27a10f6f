"""The delivery domain's FastAPI app."""

from __future__ import annotations

from blinkit.app import create_app
from delivery.api import router

app = create_app(title="Blinkit delivery", routers=[router])
