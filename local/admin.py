"""`python -m local admin`: make the first admin of a DEPLOYED stack.

`PUT /admin/users/{uid}/roles` needs an admin, so the first one cannot come from the API. The user signs in
once (the app, or `POST /auth/login`), which creates their profile item `USER#<uid>` / `PROFILE` in the users
table; this command then adds `admin` to that item's `roles`, the attribute `auth.store.UserRecord.roles` that
sign-in copies into every new session. It finds the table through the stack (`UsersTable`'s physical id) and
the user by uid or by phone number (a scan: run once, on a table that is still small).

It writes one UpdateItem, conditioned on the item existing and on `roles` being what it read, and nothing
else: the session authorizer reads roles from the session, which sign-in fills from this item, so the new
admin signs in again; Firebase custom claims (which only clients read) follow the first
`PUT /admin/users/{uid}/roles` made for them.
"""

from __future__ import annotations

from typing import Any

from local.config import use_shared_layer

use_shared_layer()
from blinkit.clock import now_iso  # noqa: E402  (the layer is on the path only now)

USERS_TABLE_ID = "UsersTable"  # the logical id in template.yaml
PROFILE = "PROFILE"  # auth.store.PROFILE: the profile item's sort key
ADMIN_ROLES = ("admin", "customer")  # an admin also shops, as the demo admin does


class AdminError(RuntimeError):
    """What went wrong, in one line for the operator."""


def users_table_name(cloudformation: Any, stack: str) -> str:
    """The physical name of the stack's users table."""
    try:
        found = cloudformation.describe_stack_resource(StackName=stack, LogicalResourceId=USERS_TABLE_ID)
    except Exception as exc:  # botocore's ClientError, or no credentials: say which stack was asked
        raise AdminError(f"cannot read {USERS_TABLE_ID} of stack {stack!r}: {exc}") from exc
    return str(found["StackResourceDetail"]["PhysicalResourceId"])


def find_uid(dynamodb: Any, table: str, phone: str) -> str:
    """The uid of the one profile with this phone number (E.164, e.g. +919812345678)."""
    paginator = dynamodb.get_paginator("scan")
    uids: list[str] = []
    for page in paginator.paginate(TableName=table, FilterExpression="sk = :profile AND phone_number = :phone",
                                   ExpressionAttributeValues={":profile": {"S": PROFILE}, ":phone": {"S": phone}},
                                   ProjectionExpression="uid"):
        uids.extend(item["uid"]["S"] for item in page["Items"])
    if not uids:
        raise AdminError(f"no user with phone {phone} in {table}: sign in once with it (the app or POST /auth/login)")
    if len(uids) > 1:
        raise AdminError(f"{len(uids)} users have phone {phone} ({', '.join(uids)}): pass --uid")
    return uids[0]


def grant_admin(dynamodb: Any, table: str, uid: str) -> list[str]:
    """Add ADMIN_ROLES to the user's profile roles (kept in order, no duplicates); returns the new roles."""
    key = {"pk": {"S": f"USER#{uid}"}, "sk": {"S": PROFILE}}
    item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    if item is None:
        raise AdminError(f"no user {uid} in {table}: sign in once first (the app or POST /auth/login)")
    before = [r["S"] for r in item.get("roles", {}).get("L", [])]
    roles = before + [r for r in ADMIN_ROLES if r not in before]
    values: dict[str, Any] = {":roles": {"L": [{"S": r} for r in roles]}, ":now": {"S": now_iso()}}
    # The condition: nobody changed the roles since they were read (else run it again).
    condition = "attribute_exists(pk)"
    if "roles" in item:
        condition += " AND #roles = :before"
        values[":before"] = item["roles"]
    else:
        condition += " AND attribute_not_exists(#roles)"
    try:
        dynamodb.update_item(TableName=table, Key=key, UpdateExpression="SET #roles = :roles, updated_at = :now",
                             ConditionExpression=condition, ExpressionAttributeNames={"#roles": "roles"},
                             ExpressionAttributeValues=values)
    except dynamodb.exceptions.ConditionalCheckFailedException as exc:
        raise AdminError(f"the roles of {uid} changed meanwhile: run the command again") from exc
    return roles


def make_first_admin(session: Any, stack: str, *, uid: str | None = None, phone: str | None = None) -> dict[str, Any]:
    """Find the users table of `stack` and make `uid` (or the user with `phone`) an admin, through `session`
    (a boto3 Session in the stack's region)."""
    table = users_table_name(session.client("cloudformation"), stack)
    dynamodb = session.client("dynamodb")
    if uid is None:
        if phone is None:
            raise AdminError("say who: --uid UID or --phone +91...")
        uid = find_uid(dynamodb, table, phone)
    return {"uid": uid, "table": table, "roles": grant_admin(dynamodb, table, uid)}
