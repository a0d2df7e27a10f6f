"""Request and response shapes of the products routes and jobs. Requests are strict (no coercion, no
unknown fields), like the auth domain's. Money is integer paise."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from blinkit.fees import FeeSettings
from blinkit.forms import BlankIsAbsent, MultiLine, Request

STORE_ID = r"^sto_[0-9A-HJKMNP-TV-Z]{26}$"
CATEGORY_ID = r"^cat_[0-9A-HJKMNP-TV-Z]{26}$"
PRODUCT_ID = r"^prd_[0-9A-HJKMNP-TV-Z]{26}$"

StoreId = Annotated[str, StringConstraints(pattern=STORE_ID)]
CategoryId = Annotated[str, StringConstraints(pattern=CATEGORY_ID)]
ProductId = Annotated[str, StringConstraints(pattern=PRODUCT_ID)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=300)]
HhMm = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
# No whitespace and no control characters (\S alone lets NUL and the C1 range through).
Url = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"^(https?://|/)[^\s\x00-\x1f\x7f-\x9f]+$")]
# Rounded to 7 places (~1 cm): DynamoDB refuses numbers smaller than 1e-130 (a fuzzer's 5e-324 was a 500).
Latitude = Annotated[float, Field(ge=-90, le=90), AfterValidator(lambda v: round(v, 7))]
Longitude = Annotated[float, Field(ge=-180, le=180), AfterValidator(lambda v: round(v, 7))]
Paise = Annotated[int, Field(ge=0, le=10_000_000)]
PositivePaise = Annotated[int, Field(ge=1, le=10_000_000)]
RadiusKm = Annotated[float, Field(ge=0.01, le=50)]  # not gt=0: DynamoDB refuses numbers under 1e-130
Tag = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Quantity = Annotated[int, Field(ge=1, le=1000)]


def _valid_timezone(value: str | None) -> str | None:
    if value is not None and value not in available_timezones():
        raise ValueError("must be an IANA timezone such as Asia/Kolkata")
    return value


# Stores ---------------------------------------------------------------------------------------------


class OpeningHours(Request):
    open: HhMm = Field(description='Opens at, store-local "HH:MM"')
    close: HhMm = Field(description='Closes at; earlier than `open` means after midnight')


class StoreIn(Request):
    store_id: StoreId | None = Field(None, description="Optional fixed id (seeding); generated when absent")
    name: Name
    address: Text
    city: Name
    lat: Latitude
    lng: Longitude
    radius_km: RadiusKm = 3.0
    opening_hours: OpeningHours = OpeningHours(open="06:00", close="01:00")
    timezone: BlankIsAbsent[str] = "Asia/Kolkata"
    is_active: bool = True
    fees: FeeSettings = Field(FeeSettings(), description="Settings left out take the defaults")

    _tz = field_validator("timezone")(_valid_timezone)


class StorePatch(Request):
    name: Name | None = None
    address: Text | None = None
    city: Name | None = None
    lat: Latitude | None = None
    lng: Longitude | None = None
    radius_km: RadiusKm | None = None
    opening_hours: OpeningHours | None = None
    timezone: BlankIsAbsent[str | None] = None
    is_active: bool | None = None
    fees: FeeSettings | None = Field(None, description="Replaces the store's fees; settings left out take "
                                                        "the defaults")

    _tz = field_validator("timezone")(_valid_timezone)


class SurgeIn(Request):
    fee: int = Field(ge=100, le=10_000, description="Paise added to every order's bill (₹1 to ₹100)")
    reason: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description='Shown on the bill line: "Surge fee (<reason>)", e.g. "Rain", "High demand"')
    minutes: int = Field(ge=1, le=1440, description="How long from now it lasts (up to a day); it ends by itself")


class SurgeOut(BaseModel):
    fee: int = Field(description="Paise charged on every order while it lasts")
    reason: str
    expires_at: str = Field(description="It is charged while this instant is in the future (UTC)")


class HoursOut(BaseModel):
    open: str
    close: str


class StoreOut(BaseModel):
    store_id: str
    name: str
    address: str
    city: str
    lat: float
    lng: float
    radius_km: float
    opening_hours: HoursOut
    timezone: str
    is_active: bool
    fees: FeeSettings
    surge: SurgeOut | None = Field(None, description="The surge fee while it lasts (admin `PUT "
                                                     "/admin/stores/{store_id}/surge`); null when none is set or "
                                                     "it has expired")
    created_at: str
    updated_at: str


class StoreList(BaseModel):
    stores: list[StoreOut]


class EtaOut(BaseModel):
    min: int
    max: int


class ServiceableOut(BaseModel):
    store: StoreOut
    distance_km: float
    eta_minutes: EtaOut


# Categories -----------------------------------------------------------------------------------------


class CategoryIn(Request):
    category_id: CategoryId | None = Field(None, description="Optional fixed id (seeding); generated when absent")
    name: Name
    slug: Slug
    parent_id: CategoryId | None = None
    image: BlankIsAbsent[Url | None] = None
    sort_order: Annotated[int, Field(ge=0, le=100_000)] = 0


class CategoryPatch(Request):
    name: Name | None = None
    slug: Slug | None = None
    parent_id: CategoryId | None = None
    image: BlankIsAbsent[Url | None] = None
    sort_order: Annotated[int, Field(ge=0, le=100_000)] | None = None


class CategoryOut(BaseModel):
    category_id: str
    name: str
    slug: str
    parent_id: str | None
    image: str | None
    sort_order: int
    created_at: str
    updated_at: str


class CategoryNode(CategoryOut):
    children: list[CategoryOut] = []


class CategoryTree(BaseModel):
    categories: list[CategoryNode]


# Products -------------------------------------------------------------------------------------------


class ProductIn(Request):
    product_id: ProductId | None = Field(None, description="Optional fixed id (seeding); generated when absent")
    name: Name
    brand: Name
    category_id: CategoryId
    unit: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(examples=["500 g", "1 L", "6 pcs"])
    mrp: PositivePaise
    price: PositivePaise
    images: Annotated[list[Url], Field(max_length=10)] = []
    tags: Annotated[list[Tag], Field(max_length=20)] = []
    description: MultiLine[BlankIsAbsent[Annotated[str, StringConstraints(max_length=2000)] | None]] = None
    max_per_order: Annotated[int, Field(ge=1, le=100)] = 10
    is_active: bool = True

    @model_validator(mode="after")
    def _price_within_mrp(self) -> ProductIn:
        if self.price > self.mrp:
            raise ValueError("price must not exceed mrp")
        return self


class ProductPatch(Request):
    name: Name | None = None
    brand: Name | None = None
    category_id: CategoryId | None = None
    unit: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    mrp: PositivePaise | None = None
    price: PositivePaise | None = None
    images: Annotated[list[Url], Field(max_length=10)] | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] | None = None
    description: MultiLine[BlankIsAbsent[Annotated[str, StringConstraints(max_length=2000)] | None]] = None
    max_per_order: Annotated[int, Field(ge=1, le=100)] | None = None
    is_active: bool | None = None

    @model_validator(mode="after")
    def _price_within_mrp(self) -> ProductPatch:
        if self.price is not None and self.mrp is not None and self.price > self.mrp:
            raise ValueError("price must not exceed mrp")
        return self


class ProductSummary(BaseModel):
    product_id: str
    name: str
    brand: str
    category_id: str
    unit: str
    mrp: int
    price: int
    discount_percent: int
    image: str | None
    max_per_order: int
    available: int | None = Field(None, description="Only with store_id")
    in_stock: bool | None = Field(None, description="Only with store_id")


class ProductOut(ProductSummary):
    images: list[str]
    tags: list[str]
    description: str | None
    is_active: bool
    created_at: str
    updated_at: str


class ProductPage(BaseModel):
    products: list[ProductSummary]
    next_cursor: str | None


# Stock ----------------------------------------------------------------------------------------------


class StockIn(Request):
    available: Annotated[int, Field(ge=0, le=1_000_000)]


class StockOut(BaseModel):
    store_id: str
    product_id: str
    available: int
    updated_at: str


class LowStockItem(StockOut):
    name: str | None


class LowStockPage(BaseModel):
    items: list[LowStockItem]
    next_cursor: str | None


# Internal batch -------------------------------------------------------------------------------------


class BatchIn(Request):
    store_id: StoreId
    product_ids: Annotated[list[ProductId], Field(min_length=1, max_length=100)]

    @field_validator("product_ids")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("product_ids must not repeat")
        return v


class BatchProduct(BaseModel):
    product_id: str
    category_id: str = Field(description="For checkout: a coupon may be scoped to categories")
    name: str
    brand: str
    unit: str
    image: str | None
    mrp: int
    price: int
    discount_percent: int
    max_per_order: int
    is_active: bool
    available: int
    in_stock: bool


class BatchOut(BaseModel):
    store_id: str
    store_is_active: bool = Field(description="False: the store takes no orders (its carts refuse additions)")
    products: list[BatchProduct]
    unknown: list[str]


# Jobs (saga steps) ----------------------------------------------------------------------------------


class ReserveItem(BaseModel):
    # extra="ignore": the order saga passes LoadCart's lines as they are (with price, name, ...).
    model_config = ConfigDict(strict=True, extra="ignore")

    product_id: ProductId
    quantity: Quantity


class ReserveInput(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    order_id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    store_id: StoreId
    # One transaction holds at most 100 items: the reservation itself plus one per product.
    items: Annotated[list[ReserveItem], Field(min_length=1, max_length=99)]

    @field_validator("items")
    @classmethod
    def _unique(cls, v: list[ReserveItem]) -> list[ReserveItem]:
        if len({i.product_id for i in v}) != len(v):
            raise ValueError("each product may appear once")
        return v


class ReleaseInput(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    order_id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class DependencyStatus(BaseModel):
    status: Literal["ok", "building", "unavailable"]
    detail: str | None = None


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    dependencies: dict[str, DependencyStatus]
