"""The payments domain's FastAPI app."""

from __future__ import annotations

from blinkit.app import create_app
from payments.api import router

app = create_app(title="Blinkit payments", routers=[router])
