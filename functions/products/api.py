"""HTTP shapes of the products domain. Each route is deployed as its own Lambda function (template.yaml).

Search (`GET /products/search`) lives in `products.search.api`; the app includes that router first so the
literal path wins over `/products/{product_id}`.

The public GETs (no authorizer: their answer is the same for everyone) are `@cacheable`: `Cache-Control:
public`, a strong ETag, 304 to `If-None-Match` (blinkit.httpcache), for browsers and the CDN in front of them
(template.yaml's CatalogDistribution). A successful write here forgets this process's in-memory catalog
(products.cache); other containers' copies expire by themselves within its TTL.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from blinkit.errors import PROBLEM_JSON
from blinkit.httpcache import Freshness, cacheable, caching_route
from blinkit.idempotency import Idempotency, idempotency
from blinkit.security import Principal, Role, StoreAccess, require_role, store_access
from products import cache, schemas, service
from products.health import report as health_report
from products.schemas import CATEGORY_ID, PRODUCT_ID, STORE_ID


def _forget_after_edit(request: Request) -> None:
    if not request.url.path.startswith("/internal/"):  # the cart's batch is a POST that reads
        cache.forget()


router = APIRouter(route_class=caching_route(after_write=_forget_after_edit))

# How long browsers and the CDN may keep each public answer (then revalidate: a 304 when it has not changed).
# The catalog (names, prices, categories) changes by an admin's hand: an edit shows within 30 s (+30 s served
# stale once while a cache asks again). Stock changes with every order: answers that carry it (`store_id`)
# keep 10 s, which the cart's own stock check and the reservation at checkout make safe (docs/decisions.md).
# Stores change rarely and serviceability already reads them through a 60 s cache (service.cached_stores).
CATALOG = Freshness(max_age=30, stale_while_revalidate=30)
WITH_STOCK = Freshness(max_age=10, stale_while_revalidate=10)
STORES = Freshness(max_age=60, stale_while_revalidate=60)

PROBLEM = {"model": None, "content": {PROBLEM_JSON: {}}, "description": "Problem details (RFC 9457)"}
COMMON = {400: PROBLEM, 413: PROBLEM, 422: PROBLEM, 503: PROBLEM}
AUTHED = {**COMMON, 401: PROBLEM, 403: PROBLEM}
StoreIdPath = Path(pattern=STORE_ID, description="A dark store (sto_...)")
CategoryIdPath = Path(pattern=CATEGORY_ID)
ProductIdPath = Path(pattern=PRODUCT_ID)
StoreIdQuery = Query(None, pattern=STORE_ID, description="Adds that store's `available` and `in_stock`")
Limit = Query(20, ge=1, le=100)
Cursor = Query(None, min_length=1, max_length=2048, description="`next_cursor` of the previous page")
admin_only = require_role(Role.ADMIN)
store_staff = store_access(StoreIdPath, refused="Only an admin or the staff of this store may do this")


# Stores ---------------------------------------------------------------------------------------------


@router.get("/stores", tags=["stores"], response_model=schemas.StoreList, responses=COMMON)
@cacheable(STORES)
async def list_stores():
    """Active dark stores."""
    return {"stores": service.list_stores()}


@router.get("/stores/serviceable", tags=["stores"], response_model=schemas.ServiceableOut,
            responses={**COMMON, 404: PROBLEM})
@cacheable(CATALOG)
async def serviceable(lat: float = Query(ge=-90, le=90), lng: float = Query(ge=-180, le=180)):
    """The nearest open store that delivers to the point, its distance and an ETA (404 `not-serviceable`)."""
    return service.serviceable(lat, lng)


@router.post("/stores", tags=["stores"], status_code=201, response_model=schemas.StoreOut,
             responses={**AUTHED, 409: PROBLEM})
async def create_store(body: schemas.StoreIn, _: Principal = Depends(admin_only),
                       idem: Idempotency = Depends(idempotency("POST /stores"))):
    return idem.run(body, lambda: service.create_store(body.model_dump()), model=schemas.StoreOut)


@router.patch("/stores/{store_id}", tags=["stores"], response_model=schemas.StoreOut,
              responses={**AUTHED, 404: PROBLEM})
async def update_store(body: schemas.StorePatch, store_id: str = StoreIdPath, _: Principal = Depends(admin_only)):
    return service.update_store(store_id, body.model_dump(exclude_unset=True))


@router.put("/admin/stores/{store_id}/surge", tags=["admin"], response_model=schemas.StoreOut,
            responses={**AUTHED, 404: PROBLEM})
async def set_surge(body: schemas.SurgeIn, store_id: str = StoreIdPath, _: Principal = Depends(admin_only)):
    """Add a surge fee to every order at this store for `minutes` from now (admin), replacing one already set.
    Quotes and bills show it as its own line, "Surge fee (<reason>)", until `expires_at`; then it ends by itself."""
    return service.set_surge(store_id, body.fee, body.reason, body.minutes)


@router.delete("/admin/stores/{store_id}/surge", tags=["admin"], response_model=schemas.StoreOut,
               responses={**AUTHED, 404: PROBLEM})
async def end_surge(store_id: str = StoreIdPath, _: Principal = Depends(admin_only)):
    """End the store's surge now (admin); the store either way, with `surge: null`."""
    return service.end_surge(store_id)


# Categories -----------------------------------------------------------------------------------------


@router.get("/categories", tags=["categories"], response_model=schemas.CategoryTree, responses=COMMON)
@cacheable(CATALOG)
async def category_tree():
    """Top-level categories with their subcategories, by sort order."""
    return {"categories": service.category_tree()}


@router.post("/categories", tags=["categories"], status_code=201, response_model=schemas.CategoryOut,
             responses={**AUTHED, 409: PROBLEM})
async def create_category(body: schemas.CategoryIn, _: Principal = Depends(admin_only),
                          idem: Idempotency = Depends(idempotency("POST /categories"))):
    return idem.run(body, lambda: service.create_category(body.model_dump()), model=schemas.CategoryOut)


@router.patch("/categories/{category_id}", tags=["categories"], response_model=schemas.CategoryOut,
              responses={**AUTHED, 404: PROBLEM, 409: PROBLEM})
async def update_category(body: schemas.CategoryPatch, category_id: str = CategoryIdPath,
                          _: Principal = Depends(admin_only)):
    return service.update_category(category_id, body.model_dump(exclude_unset=True))


@router.delete("/categories/{category_id}", tags=["categories"], status_code=204,
               responses={**AUTHED, 404: PROBLEM, 409: PROBLEM})
async def delete_category(category_id: str = CategoryIdPath, _: Principal = Depends(admin_only)):
    """Delete an empty category (409 `category-not-empty` while it has products or subcategories)."""
    service.delete_category(category_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Products -------------------------------------------------------------------------------------------


@router.get("/products", tags=["products"], response_model=schemas.ProductPage, responses={**COMMON, 404: PROBLEM})
@cacheable(CATALOG, store_id=WITH_STOCK)
async def list_products(store_id: str | None = StoreIdQuery,
                        category_id: str | None = Query(None, pattern=CATEGORY_ID),
                        limit: int = Limit, cursor: str | None = Cursor):
    """Active products, by name within a category, else in creation order."""
    return service.list_products(category_id=category_id, store_id=store_id, limit=limit, cursor=cursor)


@router.get("/products/category/{category_id}", tags=["products"], response_model=schemas.ProductPage,
            responses={**COMMON, 404: PROBLEM})
@cacheable(CATALOG, store_id=WITH_STOCK)
async def list_category_products(category_id: str = CategoryIdPath, store_id: str | None = StoreIdQuery,
                                 limit: int = Limit, cursor: str | None = Cursor):
    return service.list_products(category_id=category_id, store_id=store_id, limit=limit, cursor=cursor)


@router.get("/products/{product_id}", tags=["products"], response_model=schemas.ProductOut,
            response_model_exclude_none=False, responses={**COMMON, 404: PROBLEM})
@cacheable(CATALOG, store_id=WITH_STOCK)
async def get_product(product_id: str = ProductIdPath, store_id: str | None = StoreIdQuery):
    return service.get_product(product_id, store_id)


@router.post("/products", tags=["products"], status_code=201, response_model=schemas.ProductOut,
             responses={**AUTHED, 409: PROBLEM})
async def create_product(body: schemas.ProductIn, _: Principal = Depends(admin_only),
                         idem: Idempotency = Depends(idempotency("POST /products"))):
    return idem.run(body, lambda: service.create_product(body.model_dump()), model=schemas.ProductOut)


@router.patch("/products/{product_id}", tags=["products"], response_model=schemas.ProductOut,
              responses={**AUTHED, 404: PROBLEM, 409: PROBLEM})
async def update_product(body: schemas.ProductPatch, product_id: str = ProductIdPath,
                         _: Principal = Depends(admin_only)):
    return service.update_product(product_id, body.model_dump(exclude_unset=True))


@router.delete("/products/{product_id}", tags=["products"], status_code=204, responses={**AUTHED, 404: PROBLEM})
async def delete_product(product_id: str = ProductIdPath, _: Principal = Depends(admin_only)):
    """Soft delete: the product is deactivated and disappears from listings and public reads."""
    service.deactivate_product(product_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Stock ----------------------------------------------------------------------------------------------


@router.put("/stores/{store_id}/stock/{product_id}", tags=["stock"], response_model=schemas.StockOut,
            responses={**AUTHED, 404: PROBLEM})
async def set_stock(body: schemas.StockIn, access: StoreAccess = Depends(store_staff), product_id: str = ProductIdPath):
    """Set the units on the shelf (admin, or staff of this store)."""
    return service.set_stock(access.store_id, product_id, body.available)


@router.get("/stores/{store_id}/stock/low", tags=["stock"], response_model=schemas.LowStockPage,
            responses={**AUTHED, 404: PROBLEM})
async def low_stock(threshold: int = Query(5, ge=0, le=100_000), limit: int = Limit, cursor: str | None = Cursor,
                    access: StoreAccess = Depends(store_staff)):
    """Products with at most `threshold` units at this store, fewest first (admin, or staff of this store)."""
    return service.low_stock(access.store_id, threshold, limit, cursor)


# Health ---------------------------------------------------------------------------------------------


@router.get("/health", tags=["ops"], response_model=schemas.HealthOut, responses={503: {"model": schemas.HealthOut}})
async def health():
    """Dependency status: 200 when Redis and the catalog table answer and a search index is published, else 503
    naming the component (the search index is `building` on a fresh stack; the check has it built)."""
    result = health_report()
    return JSONResponse(schemas.HealthOut.model_validate(result).model_dump(),
                        status_code=200 if result["status"] == "ok" else 503)


# Internal -------------------------------------------------------------------------------------------


@router.post("/internal/products/batch", tags=["internal"], response_model=schemas.BatchOut,
             responses={**COMMON, 404: PROBLEM})
async def batch(body: schemas.BatchIn):
    """Details, price and stock of up to 100 products at one store, for the cart (IAM-authorised)."""
    return service.batch_products(body.store_id, body.product_ids)
