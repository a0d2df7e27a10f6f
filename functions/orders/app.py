"""The orders domain's FastAPI app."""

from __future__ import annotations

from blinkit.app import create_app
from orders.api import router

app = create_app(title="Blinkit orders", routers=[router])
