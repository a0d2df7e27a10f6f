"""Request and response shapes of the cart routes and jobs. Requests are strict: wrong types and unknown
fields are refused (422) rather than coerced."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from blinkit.forms import Request

CROCKFORD = "[0-9A-HJKMNP-TV-Z]{26}"
STORE_ID = rf"^sto_{CROCKFORD}$"
PRODUCT_ID = rf"^prd_{CROCKFORD}$"
CART_ID = rf"^gc_{CROCKFORD}$"
MAX_QUANTITY = 100  # the products domain caps max_per_order at 100; the real limit is checked per product

StoreId = Annotated[str, StringConstraints(pattern=STORE_ID)]
ProductId = Annotated[str, StringConstraints(pattern=PRODUCT_ID)]
CartId = Annotated[str, StringConstraints(pattern=CART_ID)]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class AddItemIn(Request):
    store_id: StoreId
    product_id: ProductId
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY)] = 1
    replace_cart: bool = Field(False, description="Empty a cart holding another store's items first")


class SetQuantityIn(Request):
    quantity: Annotated[int, Field(ge=0, le=MAX_QUANTITY, description="0 removes the line")]


Warning = Literal["price_changed", "out_of_stock", "quantity_above_available", "unavailable", "above_max_per_order"]


class CartItemOut(BaseModel):
    product_id: str
    name: str | None
    brand: str | None
    unit: str | None
    image: str | None
    mrp: int | None
    price: int = Field(description="Current price in paise (the price at add time when degraded)")
    price_at_add: int
    quantity: int
    line_total: int
    available: int | None
    max_per_order: int | None
    warnings: list[Warning]


class CartOut(BaseModel):
    cart_id: str | None = Field(None, description="Guest carts only: send it back as X-Cart-Id")
    store_id: str | None
    items: list[CartItemOut]
    item_count: int = Field(description="Sum of quantities")
    subtotal: int = Field(description="Paise; lines that cannot be ordered (out of stock, unavailable) excluded")
    degraded: bool = Field(description="Products service unreachable: details from snapshots, prices at add time")


class LineOut(BaseModel):
    cart_id: str | None = Field(None, description="Guest carts only: send it back as X-Cart-Id")
    store_id: str
    product_id: str
    quantity: int
    price: int
    max_quantity: int = Field(description="min(max_per_order, available) when this write was checked")


class MergeIn(Request):
    user_id: UserId
    guest_cart_id: CartId


class MergeOut(BaseModel):
    merged: list[str]
    skipped: list[str]
    store_id: str | None


class LoadCartIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    user_id: UserId


class ClearCartIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    user_id: UserId
    order_id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
