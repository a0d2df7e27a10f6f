"""HTTP shapes of the notifications domain. Each route is deployed as its own Lambda function (template.yaml)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query

from blinkit.errors import PROBLEM_JSON
from blinkit.idempotency import Idempotency, idempotency
from blinkit.security import Principal, Role, current_user, require_role
from notifications import schemas, service

router = APIRouter()

PROBLEM = {"model": None, "content": {PROBLEM_JSON: {}}, "description": "Problem details (RFC 9457)"}
COMMON = {400: PROBLEM, 401: PROBLEM, 413: PROBLEM, 422: PROBLEM, 503: PROBLEM}
NotificationId = Path(pattern=schemas.NOTIFICATION_ID)


@router.get("/notifications", tags=["notifications"], response_model=schemas.NotificationPage, responses=COMMON)
async def list_notifications(unread_only: bool = Query(False), limit: int = Query(20, ge=1, le=100),
                             cursor: str | None = Query(None, max_length=2000),
                             principal: Principal = Depends(current_user)):
    """The caller's in-app notifications, newest first (kept 90 days)."""
    return service.list_mine(principal, unread_only=unread_only, limit=limit, cursor=cursor)


@router.get("/notifications/unread-count", tags=["notifications"], response_model=schemas.UnreadCount,
            responses=COMMON)
async def unread_count(principal: Principal = Depends(current_user)):
    return service.unread_count(principal)


@router.post("/notifications/read-all", tags=["notifications"], response_model=schemas.ReadAll, responses=COMMON)
async def read_all(principal: Principal = Depends(current_user)):
    return service.mark_all_read(principal)


@router.post("/notifications/{notification_id}/read", tags=["notifications"],
             response_model=schemas.NotificationOut, responses={**COMMON, 404: PROBLEM})
async def mark_read(notification_id: str = NotificationId, principal: Principal = Depends(current_user)):
    """Mark one notification read (reading it again keeps the first read time)."""
    return service.mark_read(principal, notification_id)


@router.get("/notifications/preferences", tags=["notifications"], response_model=schemas.PreferencesOut,
            responses=COMMON)
async def get_preferences(principal: Principal = Depends(current_user)):
    return service.get_preferences(principal)


@router.put("/notifications/preferences", tags=["notifications"], response_model=schemas.PreferencesOut,
            responses=COMMON)
async def put_preferences(body: schemas.PreferencesIn, principal: Principal = Depends(current_user)):
    """Turn channels on or off per category; categories and channels left out keep their setting.
    Order and delivery updates always reach the in-app inbox (422 `channel-locked`)."""
    return service.set_preferences(principal, body.changes())


@router.post("/notifications/custom", tags=["admin"], status_code=202, response_model=schemas.CustomAccepted,
             responses={**COMMON, 403: PROBLEM, 409: PROBLEM})
async def custom(body: schemas.CustomIn, _: Principal = Depends(require_role(Role.ADMIN)),
                 idem: Idempotency = Depends(idempotency("POST /notifications/custom"))):
    """Broadcast to some users or to everyone (admin): 202, fanned out through the queue in batches."""
    return idem.run(body, lambda: service.queue_custom(body), status_code=202, model=schemas.CustomAccepted)
