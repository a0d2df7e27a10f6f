"""Response shapes of GET /products/search."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SearchItem(BaseModel):
    product_id: str
    name: str
    brand: str
    unit: str
    image: str | None = None
    mrp: int = Field(description="paise")
    price: int = Field(description="paise")
    discount_percent: int
    category_id: str
    score: int | None = Field(None, description="relevance (sort=relevance only)")
    available: int | None = Field(None, description="units at store_id (with store_id only)")
    in_stock: bool | None = None


class SearchResponse(BaseModel):
    items: list[SearchItem]
    next_cursor: str | None = None
    total: int = Field(description="matches of q and the index filters; with in_stock, an upper bound")
