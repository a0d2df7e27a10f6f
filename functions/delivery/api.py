"""HTTP shapes of the delivery domain. Each route is deployed as its own Lambda function (template.yaml)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query

from blinkit.errors import PROBLEM_JSON
from blinkit.security import Principal, Role, StoreAccess, current_user, require_role, store_access
from delivery import schemas, service

router = APIRouter()

PROBLEM = {"model": None, "content": {PROBLEM_JSON: {}}, "description": "Problem details (RFC 9457)"}
COMMON = {400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 413: PROBLEM, 422: PROBLEM, 503: PROBLEM}
OrderIdPath = Path(pattern=schemas.ORDER_ID)
partner_only = require_role(Role.DELIVERY_PARTNER)
store_staff = store_access(Query(None, pattern=schemas.STORE_ID),
                           refused="This action needs one of the roles: admin, store_staff",
                           other_store="Store staff see their own store's partners only")


@router.post("/delivery/partners", tags=["delivery"], status_code=201, response_model=schemas.PartnerOut,
             responses={**COMMON, 409: PROBLEM})
async def create_partner(body: schemas.PartnerIn, _: Principal = Depends(require_role(Role.ADMIN))):
    """Register a user as a delivery partner of a store (admin); they get the delivery_partner role."""
    return service.create_partner(body)


@router.get("/delivery/partners/me", tags=["delivery"], response_model=schemas.PartnerOut, responses=COMMON)
async def get_me(principal: Principal = Depends(partner_only)):
    return service.get_me(principal)


@router.patch("/delivery/partners/me/status", tags=["delivery"], response_model=schemas.PartnerOut,
              responses={**COMMON, 409: PROBLEM})
async def set_status(body: schemas.StatusIn, principal: Principal = Depends(partner_only)):
    """Go available or offline (busy is set by assignment; a busy partner cannot change it)."""
    return service.set_status(principal, body.status)


@router.get("/admin/delivery/partners", tags=["admin"], response_model=schemas.PartnerPage, responses=COMMON)
async def admin_partners(access: StoreAccess = Depends(store_staff),
                         status: str | None = Query(None, pattern=r"^(available|busy|offline)$"),
                         limit: int = Query(20, ge=1, le=100), cursor: str | None = Query(None, max_length=2000)):
    """A store's partners, optionally by status: admin, or store staff for their own store (the default for them)."""
    return service.admin_list(access.store_id, status, limit, cursor)


@router.get("/delivery/partners/me/assignment", tags=["delivery"], response_model=schemas.AssignmentOut,
            responses=COMMON)
async def my_assignment(principal: Principal = Depends(partner_only)):
    """The partner's current order: the pickup store and the drop address."""
    return service.assignment(principal)


@router.post("/delivery/orders/{order_id}/pickup", tags=["delivery"], responses={**COMMON, 409: PROBLEM})
async def pickup(order_id: str = OrderIdPath, principal: Principal = Depends(partner_only)):
    """The assigned partner picked the order up: OUT_FOR_DELIVERY."""
    return service.pickup(principal, order_id)


@router.post("/delivery/orders/{order_id}/deliver", tags=["delivery"], responses={**COMMON, 409: PROBLEM, 429: PROBLEM})
async def deliver(body: schemas.DeliverIn, order_id: str = OrderIdPath, principal: Principal = Depends(partner_only)):
    """Handed over, with the customer's 4-digit OTP: DELIVERED, and the partner is available again."""
    return service.deliver(principal, order_id, body.otp)


@router.post("/delivery/partners/me/location", tags=["delivery"], response_model=schemas.LocationOut,
             responses={**COMMON, 429: PROBLEM})
async def location(body: schemas.LocationIn, principal: Principal = Depends(partner_only)):
    """The partner's GPS fix (every few seconds, at most one a second); older fixes are ignored."""
    return service.record_location(principal, body)


@router.get("/delivery/orders/{order_id}/tracking", tags=["delivery"], response_model=schemas.TrackingOut,
            responses=COMMON)
async def tracking(order_id: str = OrderIdPath, principal: Principal = Depends(current_user)):
    """Where the rider is, the ETA and the OTP, for the order's customer (and admin); live updates arrive on
    the Supabase Realtime topic it names."""
    return service.tracking(principal, order_id)


@router.get("/delivery/orders/{order_id}/route", tags=["delivery"], response_model=schemas.RouteOut,
            responses=COMMON)
async def route(order_id: str = OrderIdPath, limit: int = Query(100, ge=1, le=1000),
                cursor: str | None = Query(None, max_length=2000), principal: Principal = Depends(current_user)):
    """The rider's path for this order, oldest first (kept 30 days)."""
    return service.route(principal, order_id, limit, cursor)
