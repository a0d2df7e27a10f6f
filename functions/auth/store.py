"""The users table: one partition per user (`USER#<uid>`) holding the profile, addresses and devices.

Counts on the profile (addresses, devices) are changed in the same transaction as the item they count,
so the per-user limits hold under concurrent requests without a read-then-write race.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

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
    providers = ListAttribute(of=UnicodeAttribute, default=list)
    address_count = NumberAttribute(default=0)
    device_count = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


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
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class DeviceRecord(Model):
    class Meta(_Table):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    token = UnicodeAttribute()
    platform = UnicodeAttribute()
    registered_at = UTCDateTimeAttribute()


def _connection() -> Connection:
    return Connection(region=get_settings().aws_region)


# pynamodb sends a transaction's items grouped by kind, whatever order they were added in:
# condition checks, then deletes, then puts, then updates. Positions below follow that order.
def _failed(error: TransactWriteError, position: int) -> bool:
    reasons = error.cancellation_reasons
    reason = reasons[position] if position < len(reasons) else None
    return reason is not None and reason.code == "ConditionalCheckFailed"


# Users ---------------------------------------------------------------------------------------------


def get_user(uid: str) -> UserRecord | None:
    try:
        return UserRecord.get(user_pk(uid), PROFILE, consistent_read=True)
    except DoesNotExist:
        return None


def create_user_if_absent(record: UserRecord) -> tuple[UserRecord, bool]:
    """Insert the profile unless it exists; a concurrent first login of the same user creates one."""
    try:
        record.save(condition=UserRecord.pk.does_not_exist())
        return record, True
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    existing = get_user(record.uid)
    assert existing is not None  # the condition failed because it exists
    return existing, False


def update_user(uid: str, now: datetime, **changes: object) -> UserRecord:
    record = UserRecord(pk=user_pk(uid), sk=PROFILE)
    actions = [getattr(UserRecord, k).set(v) if v is not None else getattr(UserRecord, k).remove()
               for k, v in changes.items()]
    actions.append(UserRecord.updated_at.set(now))
    try:
        record.update(actions=actions, condition=UserRecord.pk.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound("No such user") from exc
        raise
    return record


# Addresses -----------------------------------------------------------------------------------------


def list_addresses(uid: str) -> list[AddressRecord]:
    return list(AddressRecord.query(user_pk(uid), AddressRecord.sk.startswith(ADDRESS), consistent_read=True))


def add_address(address: AddressRecord, *, limit: int) -> None:
    profile = UserRecord(pk=address.pk, sk=PROFILE)
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.update(
                profile,
                actions=[UserRecord.address_count.add(1)],
                condition=UserRecord.pk.exists() & (UserRecord.address_count < limit),
            )
            tx.save(address, condition=AddressRecord.sk.does_not_exist())
    except TransactWriteError as exc:
        if _failed(exc, 1):  # the profile's condition (the put is item 0): no profile, or the limit
            _raise_limit_or_missing(address.pk, f"At most {limit} addresses are allowed; delete one first", exc)
        raise


def update_address(uid: str, address_id: str, now: datetime, changes: dict[str, object]) -> AddressRecord:
    record = AddressRecord(pk=user_pk(uid), sk=ADDRESS + address_id)
    actions = [getattr(AddressRecord, k).set(v) if v is not None else getattr(AddressRecord, k).remove()
               for k, v in changes.items()]
    actions.append(AddressRecord.updated_at.set(now))
    try:
        record.update(actions=actions, condition=AddressRecord.sk.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound("No such address") from exc
        raise
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
    profile = UserRecord(pk=device.pk, sk=PROFILE)
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.update(
                profile,
                actions=[UserRecord.device_count.add(1)],
                condition=UserRecord.pk.exists() & (UserRecord.device_count < limit),
            )
            tx.save(device, condition=DeviceRecord.sk.does_not_exist())
        return device
    except TransactWriteError as exc:
        if _failed(exc, 0):  # already registered (perhaps by a concurrent request): refresh it
            device.update(actions=[DeviceRecord.platform.set(device.platform),
                                   DeviceRecord.registered_at.set(device.registered_at)])
            return device
        if _failed(exc, 1):
            _raise_limit_or_missing(device.pk, f"At most {limit} devices are allowed; remove one first", exc)
        raise


def delete_device(uid: str, token: str) -> None:
    _delete_counted(DeviceRecord(pk=user_pk(uid), sk=device_sk(token)), UserRecord.device_count, "device")


def _raise_limit_or_missing(pk: str, limit_detail: str, cause: Exception) -> None:
    if get_user(pk.removeprefix("USER#")) is None:
        raise NotFound("No such user") from cause
    raise Conflict(limit_detail, code="limit-reached") from cause


def _delete_counted(item: Model, counter: NumberAttribute, what: str) -> None:
    profile = UserRecord(pk=item.pk, sk=PROFILE)
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.delete(item, condition=type(item).sk.exists())
            tx.update(profile, actions=[counter.add(-1)], condition=UserRecord.pk.exists())
    except TransactWriteError as exc:
        if _failed(exc, 0):
            raise NotFound(f"No such {what}") from exc
        raise
