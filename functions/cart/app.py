"""The cart domain's FastAPI app."""

from __future__ import annotations

from blinkit.app import create_app
from cart.api import router

app = create_app(title="Blinkit cart", routers=[router])
