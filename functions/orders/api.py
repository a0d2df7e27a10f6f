"""HTTP shapes of the orders domain. Each route is deployed as its own Lambda function (template.yaml)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import JSONResponse

from blinkit.errors import PROBLEM_JSON, BadRequest
from blinkit.idempotency import HEADER, REPLAYED, REPLAYED_DOC, Idempotency, idempotency
from blinkit.security import Principal, Role, StoreAccess, current_user, require_role, store_access
from orders import offers, schemas, service

router = APIRouter()

PROBLEM = {"model": None, "content": {PROBLEM_JSON: {}}, "description": "Problem details (RFC 9457)"}
COMMON = {400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 413: PROBLEM, 422: PROBLEM, 503: PROBLEM}
OrderIdPath = Path(pattern=schemas.ORDER_ID)
Limit = Query(20, ge=1, le=100)
StatusName = r"^(PENDING|PLACED|CONFIRMED|PACKED|OUT_FOR_DELIVERY|ARRIVED|DELIVERED|CANCELLED|FAILED)$"
CodePath = Path(pattern=schemas.COUPON_CODE, description="A coupon's code, in any case")
admin_only = require_role(Role.ADMIN)
store_staff = store_access(Query(None, pattern=schemas.STORE_ID),
                           refused="This action needs one of the roles: admin, store_staff",
                           other_store="Store staff see their own store's orders only")


@router.post("/orders/quote", tags=["orders"], response_model=schemas.QuoteOut, responses={**COMMON, 409: PROBLEM})
async def quote(body: schemas.QuoteIn, principal: Principal = Depends(current_user)):
    """The bill and ETA of the caller's cart delivered to one of their addresses; changes nothing.

    It refuses what the checkout would: 422 `cart-empty`, `below-minimum`, `invalid-tip`, and
    `product-unavailable` / `above-max-per-order` naming the cart's lines in `errors[]` (`product_id`, `name`,
    `requested`, `allowed`); 409 `store-inactive` when the cart's store takes no orders.

    With `coupon_code`, the bill carries a negative `coupon_discount` line right after the item total (free
    delivery: minus the delivery fee) and `coupon` says what it takes off; a coupon that does not apply is 422
    with its reason code as the problem type (`coupon-not-found`, `coupon-expired`, `coupon-minimum-not-met`,
    `coupon-limit-reached`, `coupon-not-applicable`, `coupon-first-order-only`) and `words` to show as is
    ("Add ₹62 more"). The checkout with the same cart, coupon and time is billed exactly so."""
    return service.quote(principal, body.address_id, body.tip, body.coupon_code)


@router.post("/orders", tags=["orders"], status_code=202, response_model=schemas.OrderAccepted,
             responses={**COMMON, 409: PROBLEM, 202: {"description": "The checkout, started or replayed",
                                                      "headers": REPLAYED_DOC}})
async def create_order(body: schemas.OrderIn, principal: Principal = Depends(current_user),
                       key: str | None = Header(None, alias=HEADER, min_length=1, max_length=255,
                                                pattern=r"^[\x21-\x7e]+$",
                                                description="Required: makes retries of the checkout safe")):
    """Start a checkout of the caller's cart: 202 with the PENDING order; the saga places or fails it.

    A retry with the same `Idempotency-Key` and body starts nothing new: it answers 202 again, with
    `Idempotent-Replayed: true` and the order as it is now (`PLACED`, or `FAILED` with its `reason`, once the
    saga has run). The same key with another body is 409 `idempotency-key-reused`.

    `payment_method` `online`: the order stays PENDING until it is paid, and carries a `payment` object (here in
    a replay, and in `GET /orders/{id}`) once the saga has priced it: open Razorpay Checkout with it, then send
    Checkout's answer to `POST /payments/verify`. Unpaid by `payment.expires_at`, the order is FAILED
    `PAYMENT_TIMEOUT` (`PAYMENT_FAILED` after a declined attempt, or when Razorpay could not take the
    payment).

    `coupon_code`: an unknown, inactive, expired or not-yet-valid code is refused at once (422, as the quote
    refuses it); a coupon the cart or the user does not qualify for fails the order `COUPON_NOT_APPLICABLE`
    (`reason_detail` `{code, words}`), and one whose last use went to another order since `COUPON_UNAVAILABLE`.
    A placed order's bill and `coupon` carry the discount; cancelling it gives the use back."""
    if key is None:
        raise BadRequest(f"The {HEADER} header is required", code="idempotency-key-required")
    answer, replayed = service.create_order(principal, body, key)
    return JSONResponse(answer, status_code=202, headers=REPLAYED if replayed else None)


@router.get("/orders", tags=["orders"], response_model=schemas.OrderPage, responses=COMMON)
async def list_orders(limit: int = Limit, cursor: str | None = Query(None, max_length=2000),
                      principal: Principal = Depends(current_user)):
    return service.list_mine(principal, limit, cursor)


@router.get("/orders/{order_id}", tags=["orders"], response_model=schemas.OrderOut,
            responses={**COMMON, 404: PROBLEM})
async def get_order(order_id: str = OrderIdPath, principal: Principal = Depends(current_user)):
    return service.get_order(principal, order_id)


@router.post("/orders/{order_id}/cancel", tags=["orders"], response_model=schemas.OrderOut,
             responses={**COMMON, 404: PROBLEM, 409: PROBLEM})
async def cancel_order(body: schemas.CancelIn, order_id: str = OrderIdPath,
                       principal: Principal = Depends(current_user)):
    """Cancel an order (the customer while PLACED or CONFIRMED; its store's staff or an admin up to PACKED): its
    stock comes back, a payment made online is refunded, and a coupon's use is given back, each exactly once."""
    return service.cancel(principal, order_id, body.reason)


@router.patch("/orders/{order_id}/status", tags=["orders"], response_model=schemas.OrderOut,
              responses={**COMMON, 404: PROBLEM, 409: PROBLEM})
async def set_status(body: schemas.StatusIn, order_id: str = OrderIdPath,
                     principal: Principal = Depends(current_user)):
    return service.change_status(principal, order_id, body.status, version=body.version)


@router.get("/admin/orders", tags=["admin"], response_model=schemas.OrderPage, responses=COMMON)
async def admin_orders(status: str | None = Query(None, pattern=StatusName), access: StoreAccess = Depends(store_staff),
                       limit: int = Limit, cursor: str | None = Query(None, max_length=2000)):
    """Orders by store and/or status: admin, or store staff for their own store (the default for them)."""
    return service.admin_list(status, access.store_id, limit, cursor)


@router.get("/admin/dashboard", tags=["admin"], response_model=schemas.DashboardOut, responses=COMMON)
async def admin_dashboard(_: Principal = Depends(require_role(Role.ADMIN))):
    """Today's orders (India's calendar day, by creation) by status, failure reasons, revenue (placed, not
    cancelled) and the refunds orders knows of (cancelled online orders); admin only. At most `cap` orders
    are read per status (`truncated` says when a status had more)."""
    return service.admin_dashboard()


# Offers and coupons -----------------------------------------------------------------------------------


@router.get("/offers", tags=["offers"], response_model=schemas.OffersOut, responses={**COMMON, 404: PROBLEM})
async def list_offers(store_id: str = Query(pattern=schemas.STORE_ID, description="The dark store the cart is at"),
                      principal: Principal = Depends(current_user)):
    """The coupons the caller can use at this store now, each checked against their current cart as the quote
    checks it: `qualifies`, and if not, why (`reason`, and `words` to show as is: "Add ₹62 more", "For your first
    order only", "Already used"; "Add items to your cart" for an empty cart). Those that qualify come first, the
    biggest discount first. A cart the quote would refuse as it stands is refused here the same way."""
    return offers.offers_for(principal, store_id)


@router.post("/admin/coupons", tags=["admin"], status_code=201, response_model=schemas.CouponOut,
             responses={**COMMON, 409: PROBLEM})
async def create_coupon(body: schemas.CouponIn, _: Principal = Depends(admin_only),
                        idem: Idempotency = Depends(idempotency("POST /admin/coupons"))):
    """A new coupon (admin). 422 naming the field for fields that do not fit together (a percent coupon without
    `max_discount`, `amount` on anything but a flat one, `valid_until` not after `valid_from`, ...); 409
    `coupon-exists` when the code (in any case) is taken."""
    return idem.run(body, lambda: offers.create_coupon(body), model=schemas.CouponOut)


@router.get("/admin/coupons", tags=["admin"], response_model=schemas.CouponPage, responses=COMMON)
async def list_coupons(active: bool | None = Query(None, description="Only active (true) or inactive (false) ones"),
                       limit: int = Limit, cursor: str | None = Query(None, max_length=2000),
                       _: Principal = Depends(admin_only)):
    """Every coupon by code (admin), with how often each was used."""
    return offers.list_coupons(active, limit, cursor)


@router.get("/admin/coupons/{code}", tags=["admin"], response_model=schemas.CouponOut,
            responses={**COMMON, 404: PROBLEM})
async def get_coupon(code: str = CodePath, _: Principal = Depends(admin_only)):
    return offers.get_coupon(code)


@router.patch("/admin/coupons/{code}", tags=["admin"], response_model=schemas.CouponOut,
              responses={**COMMON, 404: PROBLEM, 409: PROBLEM})
async def update_coupon(body: schemas.CouponPatch, code: str = CodePath, _: Principal = Depends(admin_only)):
    """Change a coupon (admin) at the `version` you read: 409 `version-conflict` if someone changed it since."""
    return offers.update_coupon(code, body)


@router.post("/admin/coupons/{code}/deactivate", tags=["admin"], response_model=schemas.CouponOut,
             responses={**COMMON, 404: PROBLEM})
async def deactivate_coupon(code: str = CodePath, _: Principal = Depends(admin_only)):
    """Stop a coupon now (admin): checkouts that have not redeemed it yet are refused it; uses already counted
    stay. Repeating it changes nothing."""
    return offers.deactivate_coupon(code)


@router.get("/internal/orders/{order_id}", tags=["internal"], response_model=schemas.OrderOut,
            responses={404: PROBLEM, 422: PROBLEM})
async def internal_order(order_id: str = OrderIdPath):
    """An order as other domains need it (IAM-authorised): payments reads its user, store and lines."""
    return service.internal_order(order_id)


@router.post("/internal/orders/{order_id}/delivery", tags=["internal"], response_model=schemas.OrderOut,
             responses={404: PROBLEM, 409: PROBLEM, 422: PROBLEM})
async def delivery_action(body: schemas.DeliveryActionIn, order_id: str = OrderIdPath):
    """The delivery domain's commands (IAM-authorised): assign a partner, pickup, arrive, deliver (OTP checked)."""
    return service.delivery_action(order_id, body.action, body.partner_id, body.otp)
