"""HTTP shapes of the auth domain. Each route is deployed as its own Lambda function (template.yaml)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from auth import schemas, service
from blinkit.context import source_ip
from blinkit.errors import PROBLEM_JSON
from blinkit.security import Principal, Role, current_user, require_role

router = APIRouter()

PROBLEM = {"model": None, "content": {PROBLEM_JSON: {}}, "description": "Problem details (RFC 9457)"}
COMMON = {400: PROBLEM, 401: PROBLEM, 413: PROBLEM, 422: PROBLEM, 503: PROBLEM}
SessionId = Path(pattern=r"^ses_[0-9A-Z]{26}$", description="From GET /auth/sessions")
AddressId = Path(pattern=r"^adr_[0-9A-Z]{26}$")


def _ip(request: Request) -> str:
    return source_ip(request.scope.get("aws.event"))


@router.post("/auth/login", tags=["auth"], status_code=201, response_model=schemas.LoginResponse,
             responses={**COMMON, 429: PROBLEM})
async def login(body: schemas.LoginRequest, request: Request):
    """Exchange a Firebase ID token (phone OTP or any Firebase sign-in) for a session token."""
    return service.login_with_id_token(body.id_token, body.device.name, body.device.platform, _ip(request),
                                       guest_cart_id=body.guest_cart_id)


@router.post("/auth/google", tags=["auth"], status_code=201, response_model=schemas.LoginResponse,
             responses={**COMMON, 429: PROBLEM})
async def google(body: schemas.GoogleLoginRequest, request: Request):
    """Sign in with a Google ID token (Firebase signInWithIdp), then as login."""
    return service.login_with_google(body.google_id_token, body.device.name, body.device.platform, _ip(request),
                                     guest_cart_id=body.guest_cart_id)


@router.post("/auth/validate-token", tags=["auth"], response_model=schemas.ValidateTokenResponse,
             responses={**COMMON, 429: PROBLEM})
async def validate_token(body: schemas.ValidateTokenRequest, request: Request):
    """Check a Firebase ID token (signature, expiry, audience, revocation) without signing in (per-address limit
    as sign-in's: 429 beyond it)."""
    return service.validate_id_token(body.id_token, _ip(request))


@router.post("/auth/refresh-session", tags=["auth"], response_model=schemas.RefreshResponse,
             responses={**COMMON, 404: PROBLEM})
async def refresh_session(request: Request, principal: Principal = Depends(current_user)):
    """Rotate the session token; the one sent stops working immediately."""
    return service.refresh_session(principal, service.bearer_token(dict(request.headers)))


@router.get("/auth/sessions", tags=["auth"], response_model=schemas.SessionList, responses=COMMON)
async def list_sessions(principal: Principal = Depends(current_user)):
    return {"sessions": service.list_sessions(principal)}


@router.delete("/auth/sessions/{session_id}", tags=["auth"], status_code=204, responses={**COMMON, 404: PROBLEM})
async def delete_session(session_id: str = SessionId, principal: Principal = Depends(current_user)):
    service.end_session(principal, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/logout", tags=["auth"], status_code=204, responses=COMMON)
async def logout(principal: Principal = Depends(current_user)):
    service.end_session(principal, principal.session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/logout-all", tags=["auth"], status_code=204, responses=COMMON)
async def logout_all(principal: Principal = Depends(current_user)):
    """End every session of the caller and revoke their Firebase refresh tokens."""
    service.end_all_sessions(principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/me", tags=["users"], response_model=schemas.UserOut, responses=COMMON)
async def get_me(principal: Principal = Depends(current_user)):
    return service.get_me(principal)


@router.patch("/users/me", tags=["users"], response_model=schemas.UserOut, responses={**COMMON, 429: PROBLEM})
async def update_me(body: schemas.UserPatch, principal: Principal = Depends(current_user)):
    """Change name and/or email; `null` removes a field.

    A new email becomes `pending_email` and a confirmation link is sent to it (the same address again sends a
    new link; at most 5 an hour, then 429). Until it is confirmed (`POST /users/me/email/verify`) nothing but
    that link goes there; the confirmed `email`, if any, stays in use."""
    return service.update_me(principal, body.model_dump(exclude_unset=True))


@router.post("/users/me/email/verify", tags=["users"], response_model=schemas.UserOut,
             responses={**COMMON, 404: PROBLEM})
async def verify_email(body: schemas.EmailVerifyIn, principal: Principal = Depends(current_user)):
    """Confirm the pending email with the token of the link sent to it (single use, valid 24 hours). A wrong,
    spent or replaced token is 422 `invalid-email-token`, an old one 422 `expired-email-token`."""
    return service.verify_email(principal, body.token)


@router.get("/users/me/addresses", tags=["users"], response_model=schemas.AddressList, responses=COMMON)
async def list_addresses(principal: Principal = Depends(current_user)):
    return {"addresses": service.list_addresses(principal)}


@router.post("/users/me/addresses", tags=["users"], status_code=201, response_model=schemas.AddressOut,
             responses={**COMMON, 409: PROBLEM})
async def add_address(body: schemas.AddressIn, principal: Principal = Depends(current_user)):
    """Save a delivery address (at most 10 per user: 409 `limit-reached` beyond)."""
    return service.add_address(principal, body.model_dump())


@router.patch("/users/me/addresses/{address_id}", tags=["users"], response_model=schemas.AddressOut,
              responses={**COMMON, 404: PROBLEM})
async def update_address(body: schemas.AddressPatch, address_id: str = AddressId,
                         principal: Principal = Depends(current_user)):
    return service.update_address(principal, address_id, body.model_dump(exclude_unset=True))


@router.get("/internal/users/{uid}/addresses/{address_id}", tags=["internal"], response_model=schemas.AddressOut,
            responses={404: PROBLEM, 422: PROBLEM})
async def internal_get_address(address_id: str = AddressId,
                               uid: str = Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")):
    """One address of a user, for the orders domain's checkout snapshot (IAM-authorised)."""
    return service.get_address(uid, address_id)


@router.get("/internal/users/{uid}/contact", tags=["internal"], response_model=schemas.ContactOut,
            responses={404: PROBLEM, 422: PROBLEM})
async def internal_contact(uid: str = Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")):
    """A user's email and push tokens, for the notifications consumer (IAM-authorised)."""
    return service.contact(uid)


@router.delete("/internal/users/{uid}/devices/{token}", tags=["internal"], status_code=204,
               responses={404: PROBLEM, 422: PROBLEM})
async def internal_remove_device(uid: str = Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$"),
                                 token: str = Path(min_length=20, max_length=1024)):
    """Remove a push token FCM reported unregistered (IAM-authorised; the notifications consumer)."""
    service.remove_device_of(uid, token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/internal/users", tags=["internal"], response_model=schemas.UserIdPage,
            responses={400: PROBLEM, 422: PROBLEM})
async def internal_user_ids(limit: int = Query(100, ge=1, le=1000), cursor: str | None = Query(None, max_length=2000)):
    """Every user id, a page at a time, for admin broadcasts (IAM-authorised; a Scan, never on a hot path)."""
    return service.user_ids(limit, cursor)


@router.delete("/users/me/addresses/{address_id}", tags=["users"], status_code=204,
               responses={**COMMON, 404: PROBLEM})
async def delete_address(address_id: str = AddressId, principal: Principal = Depends(current_user)):
    service.delete_address(principal, address_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/users/me/devices", tags=["users"], status_code=201, response_model=schemas.DeviceOut,
             responses={**COMMON, 409: PROBLEM})
async def register_device(body: schemas.DeviceIn, principal: Principal = Depends(current_user)):
    """Register an FCM registration token for push (at most 10; registering one again refreshes it)."""
    return service.register_device(principal, body.token, body.platform)


@router.delete("/users/me/devices/{token}", tags=["users"], status_code=204, responses={**COMMON, 404: PROBLEM})
async def remove_device(token: str = Path(min_length=20, max_length=1024),
                        principal: Principal = Depends(current_user)):
    service.remove_device(principal, token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/admin/users/{uid}/roles", tags=["admin"], response_model=schemas.RolesOut,
            responses={**COMMON, 403: PROBLEM, 404: PROBLEM})
async def set_roles(body: schemas.RolesIn, uid: str = Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$"),
                    _: Principal = Depends(require_role(Role.ADMIN))):
    """Replace a user's roles (admin only): Firebase custom claims, the user record and live sessions.

    `store_staff` needs the `store_id` of an active store (422 `unknown-store`; 503 if products cannot say).
    A change that fails half-way (503) never leaves a session with more than the record; send it again."""
    return service.set_roles(uid, [r.value for r in body.roles], body.store_id)


@router.post("/internal/users/{uid}/roles/delivery-partner", tags=["internal"], response_model=schemas.RolesOut,
             responses={404: PROBLEM, 422: PROBLEM})
async def internal_grant_delivery_partner(uid: str = Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")):
    """Add the delivery_partner role to a user, keeping their other roles (the delivery domain, IAM-authorised)."""
    return service.grant_role(uid, Role.DELIVERY_PARTNER.value)
