"""`blinkit.dynamodb` against moto's DynamoDB: "did the condition fail?" for single writes and for transactions
(by the position pynamodb sends each item at), the conditional update and put, and the one transaction
connection a process shares across threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from blinkit import dynamodb
from local.atomic import serialize_dynamodb_writes

REGION = "ap-south-1"


class Item(Model):
    class Meta:
        table_name = "dynamodb-helpers-test"
        region = REGION

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    count = NumberAttribute(default=0)
    label = UnicodeAttribute(null=True)


class MissingTableItem(Item):
    """The same item in a table that does not exist: every write fails, never because of a condition."""

    class Meta:
        table_name = "no-such-table"
        region = REGION


@pytest.fixture(autouse=True)
def table() -> Iterator[None]:
    with mock_aws():
        # DynamoDB applies each write atomically; moto under threads does not (and its transactions can fail
        # copying a table another thread is changing): the local stack's lock gives these tests DynamoDB's behaviour.
        serialize_dynamodb_writes()
        dynamodb.reset()  # a connection built outside this mock must not be reused
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=Item.Meta.table_name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        )
        yield
    dynamodb.reset()


def stored(pk: str, sk: str = "A") -> Item | None:
    try:
        return Item.get(pk, sk, consistent_read=True)
    except Item.DoesNotExist:
        return None


# Single writes ----------------------------------------------------------------------------------------------


def test_a_false_condition_is_told_apart_from_other_failures() -> None:
    Item(pk="p", sk="A").save()
    with pytest.raises(PutError) as refused:
        Item(pk="p", sk="A").save(condition=Item.pk.does_not_exist())
    assert dynamodb.condition_failed(refused.value)

    with pytest.raises(PutError) as missing:
        MissingTableItem(pk="p", sk="A").save(condition=Item.pk.does_not_exist())
    assert missing.value.cause_response_code == "ResourceNotFoundException"
    assert not dynamodb.condition_failed(missing.value)


def test_save_if_writes_once_then_answers_false_and_writes_nothing() -> None:
    assert dynamodb.save_if(Item(pk="p", sk="A", label="first"), Item.pk.does_not_exist()) is True
    assert dynamodb.save_if(Item(pk="p", sk="A", label="second"), Item.pk.does_not_exist()) is False
    found = stored("p")
    assert found is not None and found.label == "first"


def test_save_if_raises_what_is_not_a_condition() -> None:
    with pytest.raises(PutError) as raised:
        dynamodb.save_if(MissingTableItem(pk="p", sk="A"), Item.pk.does_not_exist())
    assert raised.value.cause_response_code == "ResourceNotFoundException"


def test_update_if_answers_false_and_writes_nothing_when_the_condition_is_false() -> None:
    Item(pk="p", sk="A", count=1).save()
    record = Item(pk="p", sk="A")
    assert dynamodb.update_if(record, [Item.count.add(5)], Item.count > 1) is False
    found = stored("p")
    assert found is not None and found.count == 1


def test_update_if_writes_and_refreshes_the_record_when_the_condition_holds() -> None:
    Item(pk="p", sk="A", count=1).save()
    record = Item(pk="p", sk="A")
    assert dynamodb.update_if(record, [Item.count.add(5), Item.label.set("five more")], Item.count == 1) is True
    assert (record.count, record.label) == (6, "five more")  # refreshed in place from ALL_NEW
    found = stored("p")
    assert found is not None and found.count == 6


def test_update_if_on_a_missing_item_with_an_exists_condition_is_false_and_creates_nothing() -> None:
    assert dynamodb.update_if(Item(pk="ghost", sk="A"), [Item.count.add(1)], Item.pk.exists()) is False
    assert stored("ghost") is None


def test_update_if_raises_what_is_not_a_condition() -> None:
    with pytest.raises(UpdateError) as missing:
        dynamodb.update_if(MissingTableItem(pk="p", sk="A"), [Item.count.add(1)], Item.pk.exists())
    assert missing.value.cause_response_code == "ResourceNotFoundException"

    # A count stored as a string (another writer's bug): DynamoDB refuses the ADD itself, whatever the condition.
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=Item.Meta.table_name, Item={"pk": {"S": "p"}, "sk": {"S": "A"}, "count": {"S": "one"}})
    with pytest.raises(UpdateError) as invalid:
        dynamodb.update_if(Item(pk="p", sk="A"), [Item.count.add(1)], Item.pk.exists())
    assert invalid.value.cause_response_code == "ValidationException"


def test_page_reads_a_query_page_by_page_and_ends_with_no_key() -> None:
    for n in range(5):
        Item(pk="p", sk=f"S{n}").save()
    pages, key = [], None
    for _ in range(5):  # bounded: a key that never runs out fails below instead of looping
        items, key = dynamodb.page(Item.query("p", limit=2, last_evaluated_key=key))
        pages.append([item.sk for item in items])
        if key is None:
            break
    assert pages == [["S0", "S1"], ["S2", "S3"], ["S4"]] and key is None


# Transactions -----------------------------------------------------------------------------------------------


def cancelled(*, check_ok: bool, delete_ok: bool, put_ok: bool, update_ok: bool) -> TransactWriteError:
    """A transaction with one item of each kind, added in the reverse of the order pynamodb sends them, each
    with a condition that fails or holds as asked; the error it was cancelled with."""
    Item(pk="check", sk="A").save()
    Item(pk="delete", sk="A").save()
    Item(pk="put", sk="A").save()
    Item(pk="update", sk="A", count=1).save()
    with pytest.raises(TransactWriteError) as raised, TransactWrite(connection=dynamodb.connection()) as tx:
        tx.update(Item(pk="update", sk="A"), actions=[Item.count.add(1)],
                  condition=Item.count == (1 if update_ok else 2))
        tx.save(Item(pk="put", sk="A", label="new"),
                condition=Item.pk.exists() if put_ok else Item.pk.does_not_exist())
        tx.delete(Item(pk="delete", sk="A"), condition=Item.pk.exists() if delete_ok else Item.pk.does_not_exist())
        tx.condition_check(Item, "check", "A", condition=Item.pk.exists() if check_ok else Item.pk.does_not_exist())
    return raised.value


# pynamodb's sending order: condition checks, deletes, puts, updates.
@pytest.mark.parametrize(("failing", "position"), [("check", 0), ("delete", 1), ("put", 2), ("update", 3)])
def test_a_transaction_cancelled_by_one_condition_names_that_items_position(failing: str, position: int) -> None:
    error = cancelled(**{f"{kind}_ok": kind != failing for kind in ("check", "delete", "put", "update")})
    assert dynamodb.failed_conditions(error) == [position]
    assert dynamodb.condition_failed_at(error, position)
    assert not any(dynamodb.condition_failed_at(error, other) for other in range(4) if other != position)
    codes = dynamodb.cancellation_codes(error)
    assert len(codes) == 4 and codes[position] == "ConditionalCheckFailed"
    # Nothing was written: all or nothing.
    assert stored("delete") is not None
    put, updated = stored("put"), stored("update")
    assert put is not None and put.label is None
    assert updated is not None and updated.count == 1


def test_every_failed_condition_is_named_and_a_position_past_the_end_is_not() -> None:
    error = cancelled(check_ok=True, delete_ok=False, put_ok=True, update_ok=False)
    assert dynamodb.failed_conditions(error) == [1, 3]
    assert not dynamodb.condition_failed_at(error, 4)


def test_a_transaction_that_fails_without_being_cancelled_names_no_condition() -> None:
    with pytest.raises(TransactWriteError) as raised, TransactWrite(connection=dynamodb.connection()) as tx:
        tx.save(MissingTableItem(pk="p", sk="A"), condition=Item.pk.does_not_exist())
    assert raised.value.cause_response_code != "TransactionCanceledException"
    assert dynamodb.cancellation_codes(raised.value) == []
    assert dynamodb.failed_conditions(raised.value) == []
    assert not dynamodb.condition_failed_at(raised.value, 0)


def test_a_transaction_whose_conditions_hold_writes_everything() -> None:
    Item(pk="update", sk="A", count=1).save()
    with TransactWrite(connection=dynamodb.connection()) as tx:
        tx.update(Item(pk="update", sk="A"), actions=[Item.count.add(1)], condition=Item.count == 1)
        tx.save(Item(pk="put", sk="A"), condition=Item.pk.does_not_exist())
    updated = stored("update")
    assert updated is not None and updated.count == 2 and stored("put") is not None


# The shared connection ---------------------------------------------------------------------------------------


class SlowCountingConnection(Connection):
    """Counts how many are built and takes its time building the botocore client, so that threads racing for
    the first connection would each build one if nothing kept them apart."""

    built = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).built += 1
        super().__init__(*args, **kwargs)

    @property
    def client(self) -> Any:
        time.sleep(0.05)
        return super().client


def test_threads_racing_for_the_first_connection_share_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dynamodb, "Connection", SlowCountingConnection)
    dynamodb.reset()
    threads, start = 8, threading.Barrier(8)
    got: list[Connection] = []

    def take() -> None:
        start.wait()
        got.append(dynamodb.connection())

    workers = [threading.Thread(target=take) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(got) == threads
    assert SlowCountingConnection.built == 1
    assert all(connection is got[0] for connection in got)
    assert dynamodb.connection() is got[0]  # and it stays the process's one


def test_transactions_from_many_threads_all_go_through_the_one_connection() -> None:
    shared = dynamodb.connection()
    errors: list[BaseException] = []
    used: set[int] = set()

    def write(n: int) -> None:
        try:
            connection = dynamodb.connection()
            used.add(id(connection))
            with TransactWrite(connection=connection) as tx:
                tx.save(Item(pk=f"thread-{n}", sk="A", count=n), condition=Item.pk.does_not_exist())
                tx.save(Item(pk=f"thread-{n}", sk="B", count=n), condition=Item.pk.does_not_exist())
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert used == {id(shared)}
    for n in range(8):
        for sk in ("A", "B"):
            found = stored(f"thread-{n}", sk)
            assert found is not None and found.count == n


def test_reset_forgets_the_connection() -> None:
    first = dynamodb.connection()
    dynamodb.reset()
    assert dynamodb.connection() is not first
