"""HTTP shapes of the cart domain. Each route is deployed as its own Lambda function (template.yaml).

The cart routes sit behind `OptionalSessionAuthorizer`: with a session token they serve the caller's cart;
without an Authorization header at all they serve the guest cart named by `X-Cart-Id` (a token that is
present but invalid is still 401). The first guest write issues the id, in the body (`cart_id`) and in the
`X-Cart-Id` response header; so does a write with an `X-Cart-Id` that names no cart (only this service
issues guest cart ids: a client cannot choose one).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, Path, Response, status

from blinkit.errors import PROBLEM_JSON
from blinkit.security import Principal, optional_user
from cart import schemas, service
from cart.store import Owner

router = APIRouter()

PROBLEM = {"model": None, "content": {PROBLEM_JSON: {}}, "description": "Problem details (RFC 9457)"}
COMMON = {400: PROBLEM, 401: PROBLEM, 413: PROBLEM, 422: PROBLEM, 503: PROBLEM}
CART_ID_HEADER = "X-Cart-Id"
ProductIdPath = Path(pattern=schemas.PRODUCT_ID)


async def cart_owner(
    principal: Principal | None = Depends(optional_user),
    cart_id: str | None = Header(None, alias=CART_ID_HEADER, pattern=schemas.CART_ID,
                                 description="Guests only (ignored with a session): the guest cart's id, as a write "
                                             "answered it; an id that names no cart reads as an empty cart "
                                             "and a write with it starts a new one under a new id"),
) -> Owner | None:
    return service.owner_of(principal, cart_id)


def _guest_header(response: Response, cart_id: str | None) -> None:
    if cart_id:
        response.headers[CART_ID_HEADER] = cart_id


@router.get("/cart", tags=["cart"], response_model=schemas.CartOut, responses=COMMON)
async def get_cart(response: Response, owner: Owner | None = Depends(cart_owner)):
    """The cart with live details and prices; `degraded: true` when the products service is unreachable."""
    view = service.get_cart(owner)
    _guest_header(response, view.get("cart_id"))
    return view


@router.post("/cart/items", tags=["cart"], response_model=schemas.LineOut,
             responses={**COMMON, 404: PROBLEM, 409: PROBLEM})
async def add_item(body: schemas.AddItemIn, response: Response, owner: Owner | None = Depends(cart_owner)):
    """Add to a line's quantity (creating the line, and for a guest the cart).

    422 `quantity-limit` / `insufficient-stock` name the limit; 409 `different-store` unless `replace_cart`;
    409 `limit-reached` beyond 50 lines; 409 `store-inactive` for a store that takes no orders; 503 with
    Retry-After when the products service is unavailable.
    """
    line = service.add_item(owner, body.store_id, body.product_id, body.quantity, body.replace_cart)
    _guest_header(response, line["cart_id"])
    return line


@router.put("/cart/items/{product_id}", tags=["cart"], response_model=schemas.LineOut,
            responses={**COMMON, 204: {"description": "quantity 0: the line was removed"}, 404: PROBLEM,
                       409: PROBLEM})
async def set_quantity(body: schemas.SetQuantityIn, response: Response, product_id: str = ProductIdPath,
                       owner: Owner | None = Depends(cart_owner)):
    """Set a line's quantity (0 removes it: 204). Lowering works even while the products service is down, or
    the store is inactive; raising a line of an inactive store's cart is 409 `store-inactive`."""
    line = service.set_quantity(owner, product_id, body.quantity)
    if line is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    _guest_header(response, line["cart_id"])
    return line


@router.delete("/cart/items/{product_id}", tags=["cart"], status_code=204, responses={**COMMON, 404: PROBLEM})
async def remove_item(product_id: str = ProductIdPath, owner: Owner | None = Depends(cart_owner)):
    service.remove_item(owner, product_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/cart", tags=["cart"], status_code=204, responses=COMMON)
async def clear_cart(owner: Owner | None = Depends(cart_owner)):
    """Empty the cart (204 also when there was nothing to clear)."""
    service.clear_cart(owner)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/internal/cart/merge", tags=["internal"], response_model=schemas.MergeOut,
             responses={400: PROBLEM, 413: PROBLEM, 422: PROBLEM, 503: PROBLEM})
async def merge(body: schemas.MergeIn):
    """Merge a guest cart into a user's at sign-in (called by auth; IAM-authorised)."""
    return service.merge(body.user_id, body.guest_cart_id)
