"""GET /products/search. The products app includes this router first, so the literal path wins over
/products/{product_id}. Public: no authorizer (template.yaml). Until a search index is published it answers
503 `search-index-building` with Retry-After, and has one built (products.search.readiness)."""

from __future__ import annotations

import threading
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from blinkit.cursor import decode_cursor, encode_cursor
from blinkit.errors import PROBLEM_JSON, BadRequest, NotFound, Unprocessable
from blinkit.forms import SINGLE_LINE, single_line
from blinkit.httpcache import CachingRoute, Freshness, cacheable
from products.search import query as search_query
from products.search import readiness, snapshot
from products.search.schemas import SearchResponse

router = APIRouter(route_class=CachingRoute)
# Public (the same answer for everyone): browsers and the CDN keep it as long as products.api's catalog and
# stock answers, the index itself following an edit within the indexer's batching window.
SEARCH = Freshness(max_age=30, stale_while_revalidate=30)
WITH_STOCK = Freshness(max_age=10, stale_while_revalidate=10)

PROBLEM = {"model": None, "content": {PROBLEM_JSON: {}}, "description": "Problem details (RFC 9457)"}
STORE_TTL_SECONDS = 60.0  # a known store id is not looked up again for this long (stores are few and stable)

_known_stores: dict[str, float] = {}
_stores_lock = threading.Lock()


def _stock(store_id: str, product_ids: list[str]) -> dict[str, int]:
    """Units at the store, through the stock cache product lists use (products.service.cached_stock)."""
    from products import service

    return service.cached_stock(store_id, product_ids)


def _require_store(store_id: str) -> None:
    now = time.monotonic()
    with _stores_lock:
        if _known_stores.get(store_id, 0.0) > now:
            return
    from products import store

    if store.get_store(store_id) is None:
        raise NotFound(f"No store {store_id}", code="store-not-found")
    with _stores_lock:
        _known_stores[store_id] = now + STORE_TTL_SECONDS


def _invalid(field: str, message: str) -> Unprocessable:
    return Unprocessable("The request has invalid or missing fields",
                         errors=[{"field": f"query.{field}", "message": message, "code": "value_error"}])


@router.get("/products/search", tags=["products"], response_model=SearchResponse, response_model_exclude_unset=True,
            responses={400: PROBLEM, 404: PROBLEM, 422: PROBLEM, 503: PROBLEM})
@cacheable(SEARCH, store_id=WITH_STOCK)
async def search_products(
    q: Annotated[str, Query(min_length=1, max_length=100, pattern=SINGLE_LINE,
                            description="words, typos and prefixes welcome"), single_line],
    store_id: Annotated[str | None, Query(max_length=64, description="adds available/in_stock")] = None,
    category_id: Annotated[str | None, Query(max_length=64, description="includes subcategories")] = None,
    brand: Annotated[str | None, Query(max_length=100, pattern=SINGLE_LINE), single_line] = None,
    min_price: Annotated[int | None, Query(ge=0, description="paise")] = None,
    max_price: Annotated[int | None, Query(ge=0, description="paise")] = None,
    in_stock: Annotated[bool | None, Query(description="only products available at store_id")] = None,
    sort: Literal["relevance", "price_asc", "price_desc", "discount"] = "relevance",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
):
    """Typo-tolerant product search over names, brands, categories and tags."""
    if not q.strip():
        raise _invalid("q", "must contain a letter or digit")
    if min_price is not None and max_price is not None and min_price > max_price:
        raise _invalid("min_price", "must not exceed max_price")
    if in_stock is not None and not store_id:
        raise _invalid("in_stock", "needs store_id")
    wanted = search_query.Query(q=q.strip(), category_id=category_id, brand=brand, min_price=min_price,
                                max_price=max_price, sort=sort, store_id=store_id, in_stock=in_stock)
    scope = f"search:{wanted.fingerprint()}"
    position = decode_cursor(cursor, scope=scope)
    offset = 0
    if position is not None:
        if not isinstance(position.get("o"), int) or position["o"] < 0:
            raise BadRequest("The cursor is not valid", code="invalid-cursor")
        offset = position["o"]
    if store_id:
        _require_store(store_id)
    try:
        index = snapshot.CACHE.current()
    except snapshot.NoIndexPublished:
        raise readiness.unavailable_until_built() from None  # 503 search-index-building, Retry-After
    page = search_query.search(index, wanted, limit=limit, offset=offset,
                               stock_lookup=_stock if store_id else None)
    items = [search_query.item(index, hit, with_score=sort == "relevance", with_stock=bool(store_id))
             for hit in page.hits]
    next_cursor = encode_cursor({"o": page.next_offset}, scope=scope) if page.next_offset is not None else None
    return {"items": items, "next_cursor": next_cursor, "total": page.total}
