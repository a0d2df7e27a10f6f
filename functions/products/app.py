"""The products domain's FastAPI app. Search's router comes first: `/products/search` must win over
`/products/{product_id}`."""

from __future__ import annotations

from blinkit.app import create_app
from products.api import router
from products.search.api import router as search_router

app = create_app(title="Blinkit products", routers=[search_router, router])
