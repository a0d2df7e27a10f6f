"""The users table: one partition per user (`USER#<uid>`) holding the profile, addresses and devices, and one
item per push token (`PUSHTOKEN#<sha256>` / `OWNER`) naming the one user who holds it.

Counts on the profile (addresses, devices) are changed in the same transaction as the item they count,
so the per-user limits hold under concurrent requests without a read-then-write race. A device item and its
token's owner item are written in one transaction too, conditioned on the owner item being as it was read, so
a token moves from one account to another whole and two accounts never both hold it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from blinkit.attributes import TimestampAttribute
from blinkit.dynamodb import condition_failed_at, connection, failed_conditions, page, save_if, update_if
from blinkit.errors import Conflict, NotFound, ServiceUnavailable
from blinkit.settings import get_settings

PROFILE = "PROFILE"
ADDRESS = "ADDRESS#"
DEVICE = "DEVICE#"
PUSH_TOKEN = "PUSHTOKEN#"
OWNER = "OWNER"
CLAIM_ATTEMPTS = 5  # a token that keeps moving between accounts while we claim it is read and tried again


def user_pk(uid: str) -> str:
    return f"USER#{uid}"


def device_sk(token: str) -> str:
    # FCM tokens can outgrow a sort key's comfort zone; their hash is short, stable and unique.
    return DEVICE + hashlib.sha256(token.encode()).hexdigest()[:40]


def token_owner_pk(token: str) -> str:
    return PUSH_TOKEN + hashlib.sha256(token.encode()).hexdigest()


class _Table:
    table_name = get_settings().users_table
    region = get_settings().aws_region


class UserRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=PROFILE)
    uid = UnicodeAttribute()
    phone_number = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    # Only a confirmed address gets anything but its confirmation; profiles from before verification have no flag
    # and count as unconfirmed.
    email_verified = BooleanAttribute(null=True)
    pending_email = UnicodeAttribute(null=True)  # asked for, its confirmation link sent, not confirmed yet
    email_token_hash = UnicodeAttribute(null=True)  # SHA-256 of the link's single-use token
    email_token_expires_at = TimestampAttribute(null=True)
    name = UnicodeAttribute(null=True)
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    store_id = UnicodeAttribute(null=True)  # the dark store a store_staff member works at
    providers = ListAttribute(of=UnicodeAttribute, default=list)
    address_count = NumberAttribute(default=0)
    device_count = NumberAttribute(default=0)
    created_at = TimestampAttribute()
    updated_at = TimestampAttribute()


class AddressRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    address_id = UnicodeAttribute()
    label = UnicodeAttribute()
    line1 = UnicodeAttribute()
    line2 = UnicodeAttribute(null=True)
    landmark = UnicodeAttribute(null=True)
    city = UnicodeAttribute()
    pincode = UnicodeAttribute()
    lat = NumberAttribute()
    lng = NumberAttribute()
    created_at = TimestampAttribute()
    updated_at = TimestampAttribute()


class DeviceRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    token = UnicodeAttribute()
    platform = UnicodeAttribute()
    registered_at = TimestampAttribute()
    session_id = UnicodeAttribute(null=True)  # the session that registered it: its logout removes the device


class TokenOwnerRecord(Model):
    """Who holds a push token: the one user its pushes may go to (devices registered before it existed have none)."""

    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=OWNER)
    uid = UnicodeAttribute()
    session_id = UnicodeAttribute(null=True)
    claimed_at = TimestampAttribute()


# Users ---------------------------------------------------------------------------------------------


def get_user(uid: str) -> UserRecord | None:
    try:
        return UserRecord.get(user_pk(uid), PROFILE, consistent_read=True)
    except DoesNotExist:
        return None


def create_user_if_absent(record: UserRecord) -> tuple[UserRecord, bool]:
    """Insert the profile unless it exists; a concurrent first login of the same user creates one."""
    if save_if(record, UserRecord.pk.does_not_exist()):
        return record, True
    existing = get_user(record.uid)
    assert existing is not None  # the condition failed because it exists
    return existing, False


def _update_existing(record: Model, changes: dict[str, object], now: datetime, what: str) -> None:
    """Set the given fields (None removes one) and `updated_at`, only if the item exists (else 404)."""
    model = type(record)
    actions = [getattr(model, k).set(v) if v is not None else getattr(model, k).remove() for k, v in changes.items()]
    actions.append(model.updated_at.set(now))
    if not update_if(record, actions, model.sk.exists()):
        raise NotFound(f"No such {what}")


def update_user(uid: str, now: datetime, **changes: object) -> UserRecord:
    record = UserRecord(pk=user_pk(uid), sk=PROFILE)
    _update_existing(record, changes, now, "user")
    return record


def confirm_email(uid: str, token_hash: str, address: str, now: datetime) -> bool:
    """Make the pending `address` the user's confirmed email and spend the token, if the token is still the one
    sent for that address and unexpired (False, nothing written, otherwise: used, replaced or expired meanwhile)."""
    record = UserRecord(pk=user_pk(uid), sk=PROFILE)
    condition = ((UserRecord.email_token_hash == token_hash) & (UserRecord.pending_email == address)
                 & (UserRecord.email_token_expires_at > now))
    return update_if(record, [UserRecord.email.set(address), UserRecord.email_verified.set(True),
                              UserRecord.pending_email.remove(), UserRecord.email_token_hash.remove(),
                              UserRecord.email_token_expires_at.remove(), UserRecord.updated_at.set(now)], condition)


# Addresses -----------------------------------------------------------------------------------------


def list_addresses(uid: str) -> list[AddressRecord]:
    return list(AddressRecord.query(user_pk(uid), AddressRecord.sk.startswith(ADDRESS), consistent_read=True))


def get_address(uid: str, address_id: str) -> AddressRecord | None:
    try:
        return AddressRecord.get(user_pk(uid), ADDRESS + address_id)
    except AddressRecord.DoesNotExist:
        return None


def add_address(address: AddressRecord, *, limit: int) -> None:
    detail = f"At most {limit} addresses are allowed; delete one first"
    _insert_counted(address, UserRecord.address_count, limit, detail)


def update_address(uid: str, address_id: str, now: datetime, changes: dict[str, object]) -> AddressRecord:
    record = AddressRecord(pk=user_pk(uid), sk=ADDRESS + address_id)
    _update_existing(record, changes, now, "address")
    return record


def delete_address(uid: str, address_id: str) -> None:
    _delete_counted(AddressRecord(pk=user_pk(uid), sk=ADDRESS + address_id), UserRecord.address_count, "address")


# Devices -------------------------------------------------------------------------------------------


def get_device(uid: str, token: str) -> DeviceRecord | None:
    try:
        return DeviceRecord.get(user_pk(uid), device_sk(token), consistent_read=True)
    except DoesNotExist:
        return None


def list_devices(uid: str) -> list[DeviceRecord]:
    return list(DeviceRecord.query(user_pk(uid), DeviceRecord.sk.startswith(DEVICE), consistent_read=True))


def get_token_owner(token: str) -> TokenOwnerRecord | None:
    try:
        return TokenOwnerRecord.get(token_owner_pk(token), OWNER, consistent_read=True)
    except DoesNotExist:
        return None


def token_owners(tokens: list[str]) -> dict[str, str]:
    """token → the uid holding it, for the tokens that have an owner item (one BatchGetItem per 100)."""
    by_pk = {token_owner_pk(t): t for t in tokens}
    found = TokenOwnerRecord.batch_get([(pk, OWNER) for pk in by_pk], consistent_read=True,
                                       attributes_to_get=["pk", "sk", "uid"])
    return {by_pk[owner.pk]: owner.uid for owner in found}


def _owner_as_read(owner: TokenOwnerRecord | None) -> Any:
    if owner is None:
        return TokenOwnerRecord.pk.does_not_exist()
    return TokenOwnerRecord.uid == owner.uid


def claim_device(uid: str, device: DeviceRecord, *, limit: int) -> DeviceRecord:
    """Register `device` for `uid` and make its token theirs alone, in one transaction: the token's owner item
    names `uid`, the previous holder's device item is deleted (and their count lowered), the caller's is put
    (counted against `limit`, or refreshed if they had it). The owner item must still be as read, so a token
    claimed by two accounts at once ends with exactly one of them; the loser reads again and takes it over."""
    detail = f"At most {limit} devices are allowed; remove one first"
    token = device.token
    for _ in range(CLAIM_ATTEMPTS):
        owner = get_token_owner(token)
        previous = owner.uid if owner is not None and owner.uid != uid else None
        mine = get_device(uid, token) is not None
        theirs = previous is not None and get_device(previous, token) is not None
        counted = theirs and get_user(previous) is not None  # a profile deleted by hand has no count to lower
        claim = TokenOwnerRecord(pk=token_owner_pk(token), sk=OWNER, uid=uid, session_id=device.session_id,
                                 claimed_at=device.registered_at)
        # Sent as (blinkit.dynamodb): the previous holder's device (if any), the owner item, our device, our
        # count (if new to us), their count (if any).
        deletes = 1 if theirs else 0
        try:
            with TransactWrite(connection=connection()) as tx:
                if theirs:
                    tx.delete(DeviceRecord(pk=user_pk(previous), sk=device_sk(token)),
                              condition=DeviceRecord.sk.exists())
                tx.save(claim, condition=_owner_as_read(owner))
                tx.save(device, condition=DeviceRecord.sk.exists() if mine else DeviceRecord.sk.does_not_exist())
                if not mine:
                    tx.update(UserRecord(pk=user_pk(uid), sk=PROFILE), actions=[UserRecord.device_count.add(1)],
                              condition=UserRecord.pk.exists() & (UserRecord.device_count < limit))
                if counted:
                    tx.update(UserRecord(pk=user_pk(previous), sk=PROFILE),
                              actions=[UserRecord.device_count.add(-1)], condition=UserRecord.pk.exists())
            return device
        except TransactWriteError as exc:
            failed = failed_conditions(exc)
            if not failed:
                raise
            if not mine and deletes + 2 in failed:  # our profile: none, or the limit is reached
                if get_user(uid) is None:
                    raise NotFound("No such user") from exc
                raise Conflict(detail, code="limit-reached") from exc
            # The token or a device moved between our reads and the write: read again.
    raise ServiceUnavailable("The device is being registered elsewhere at this moment; try again")


def remove_device(uid: str, token: str) -> None:
    """Delete the user's device (404 if they have none for this token) and, if they hold the token, its owner
    item, in one transaction."""
    for _ in range(CLAIM_ATTEMPTS):
        owner = get_token_owner(token)
        held = owner is not None and owner.uid == uid
        profile = UserRecord(pk=user_pk(uid), sk=PROFILE)
        try:
            with TransactWrite(connection=connection()) as tx:  # deletes (device, owner), then the update
                tx.delete(DeviceRecord(pk=user_pk(uid), sk=device_sk(token)), condition=DeviceRecord.sk.exists())
                if held:
                    tx.delete(TokenOwnerRecord(pk=token_owner_pk(token), sk=OWNER),
                              condition=TokenOwnerRecord.uid == uid)
                tx.update(profile, actions=[UserRecord.device_count.add(-1)], condition=UserRecord.pk.exists())
            return
        except TransactWriteError as exc:
            if condition_failed_at(exc, 0):
                raise NotFound("No such device") from exc
            if not (held and condition_failed_at(exc, 1)):
                raise
            # The token was claimed by someone else meanwhile: delete our device alone.
    raise ServiceUnavailable("The device is being registered elsewhere at this moment; try again")


def _insert_counted(item: Model, counter: NumberAttribute, limit: int, limit_detail: str) -> bool:
    """Put `item` and bump the profile's `counter` in one transaction; False if the item already existed."""
    try:
        # Sent as: the put (position 0), then the profile's update (position 1): see blinkit.dynamodb.
        with TransactWrite(connection=connection()) as tx:
            tx.update(UserRecord(pk=item.pk, sk=PROFILE), actions=[counter.add(1)],
                      condition=UserRecord.pk.exists() & (counter < limit))
            tx.save(item, condition=type(item).sk.does_not_exist())
        return True
    except TransactWriteError as exc:
        if condition_failed_at(exc, 0):  # the put: it exists already
            return False
        if condition_failed_at(exc, 1):  # the profile: no profile, or the limit is reached
            if get_user(item.pk.removeprefix("USER#")) is None:
                raise NotFound("No such user") from exc
            raise Conflict(limit_detail, code="limit-reached") from exc
        raise


def _delete_counted(item: Model, counter: NumberAttribute, what: str) -> None:
    profile = UserRecord(pk=item.pk, sk=PROFILE)
    try:
        with TransactWrite(connection=connection()) as tx:  # the delete is position 0, the update 1
            tx.delete(item, condition=type(item).sk.exists())
            tx.update(profile, actions=[counter.add(-1)], condition=UserRecord.pk.exists())
    except TransactWriteError as exc:
        if condition_failed_at(exc, 0):
            raise NotFound(f"No such {what}") from exc
        raise


# Every user (admin broadcasts) ---------------------------------------------------------------------


def user_ids_page(limit: int, start: dict[str, object] | None) -> tuple[list[str], dict[str, object] | None]:
    """One page of user ids. A Scan: only the notifications fan-out job (an admin broadcast) calls it, never
    a request path; profiles are one item of several per user, so a page may hold fewer than `limit` ids."""
    users, last_key = page(UserRecord.scan(UserRecord.sk == PROFILE, limit=limit, last_evaluated_key=start,
                                           attributes_to_get=["pk", "sk", "uid"]))
    return [user.uid for user in users], last_key
