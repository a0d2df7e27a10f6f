"""The users table: one partition per user (`USER#<uid>`) holding the profile, addresses and devices.

Counts on the profile (addresses, devices) are changed in the same transaction as the item they count,
so the per-user limits hold under concurrent requests without a read-then-write race.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from blinkit.attributes import TimestampAttribute
from blinkit.dynamodb import condition_failed_at, connection, page, save_if, update_if
from blinkit.errors import Conflict, NotFound
from blinkit.settings import get_settings

PROFILE = "PROFILE"
ADDRESS = "ADDRESS#"
DEVICE = "DEVICE#"


def user_pk(uid: str) -> str:
    return f"USER#{uid}"


def device_sk(token: str) -> str:
    # FCM tokens can outgrow a sort key's comfort zone; their hash is short, stable and unique.
    return DEVICE + hashlib.sha256(token.encode()).hexdigest()[:40]


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


def add_device(device: DeviceRecord, *, limit: int) -> DeviceRecord:
    """Register a push token once; registering it again only refreshes its platform and time."""
    detail = f"At most {limit} devices are allowed; remove one first"
    if not _insert_counted(device, UserRecord.device_count, limit, detail):
        # Already registered (perhaps by a concurrent request): refresh it, the count stays.
        device.update(actions=[DeviceRecord.platform.set(device.platform),
                               DeviceRecord.registered_at.set(device.registered_at)])
    return device


def delete_device(uid: str, token: str) -> None:
    _delete_counted(DeviceRecord(pk=user_pk(uid), sk=device_sk(token)), UserRecord.device_count, "device")


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
