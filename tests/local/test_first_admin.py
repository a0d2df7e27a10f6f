"""`python -m local admin`: the first admin of a deployed stack, on moto's CloudFormation and DynamoDB.

The stack is made by moto's CloudFormation from template.yaml's own `UsersTable` resource, so the command finds
the table exactly as it would in AWS (`describe_stack_resource`), under a name CloudFormation chose.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.__main__ import main
from local.admin import AdminError, make_first_admin
from local.config import TEMPLATE
from local.template import load_template

REGION = "ap-south-1"
STACK = "blinkit-dev"
PHONE = "+919812345678"


@pytest.fixture
def users_table() -> Iterator[str]:
    users = load_template(TEMPLATE).resources["UsersTable"]
    with mock_aws():
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName=STACK, TemplateBody=json.dumps({"Resources": {"UsersTable": users}}))
        (table,) = boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"]
        yield table


def _profile(table: str, uid: str, phone: str, roles: list[str] | None = None) -> None:
    """The profile item sign-in writes (auth.store.UserRecord), as DynamoDB holds it."""
    item: dict[str, Any] = {"pk": {"S": f"USER#{uid}"}, "sk": {"S": "PROFILE"}, "uid": {"S": uid},
                            "phone_number": {"S": phone}, "created_at": {"S": "2026-12-05T05:16:30.123Z"},
                            "updated_at": {"S": "2026-12-05T05:16:30.123Z"}}
    if roles is not None:
        item["roles"] = {"L": [{"S": r} for r in roles]}
    boto3.client("dynamodb", region_name=REGION).put_item(TableName=table, Item=item)
    # An address item of the same user: only the profile may be changed.
    boto3.client("dynamodb", region_name=REGION).put_item(TableName=table, Item={
        "pk": {"S": f"USER#{uid}"}, "sk": {"S": "ADDRESS#adr_1"}, "phone_number": {"S": phone}, "uid": {"S": uid}})


def _item(table: str, uid: str) -> dict[str, Any]:
    got = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=table, Key={"pk": {"S": f"USER#{uid}"}, "sk": {"S": "PROFILE"}})
    return dict(got["Item"])


def test_the_command_finds_the_user_by_phone_and_adds_admin_to_their_roles(users_table, capsys) -> None:
    _profile(users_table, "uid-other", "+919800000000", ["customer"])
    _profile(users_table, "uid-first", PHONE, ["customer"])
    code = main(["admin", "--stack", STACK, "--region", REGION, "--phone", PHONE])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert json.loads(out.out) == {"uid": "uid-first", "table": users_table, "roles": ["customer", "admin"]}
    assert "Sign in again" in out.err
    item = _item(users_table, "uid-first")
    assert item["roles"] == {"L": [{"S": "customer"}, {"S": "admin"}]}
    assert item["updated_at"]["S"] != "2026-12-05T05:16:30.123Z" and item["updated_at"]["S"].endswith("Z")
    assert _item(users_table, "uid-other")["roles"] == {"L": [{"S": "customer"}]}


def test_the_record_loads_through_the_auth_domain_model_with_the_new_roles(users_table, monkeypatch) -> None:
    _profile(users_table, "uid-first", PHONE)  # an older profile without roles
    assert make_first_admin(boto3.Session(region_name=REGION), STACK, uid="uid-first")["roles"] == ["admin",
                                                                                                     "customer"]
    monkeypatch.setenv("USERS_TABLE", users_table)
    from local.config import use_functions

    use_functions()
    from auth import store
    from blinkit.settings import get_settings

    get_settings.cache_clear()
    # The model read the table name from the settings when it was first imported: point it here for this test.
    monkeypatch.setattr(store.UserRecord.Meta, "table_name", users_table)
    monkeypatch.setattr(store.UserRecord, "_connection", None)
    record = store.get_user("uid-first")
    assert record is not None and record.roles == ["admin", "customer"]
    get_settings.cache_clear()


def test_running_it_twice_changes_nothing_more(users_table) -> None:
    _profile(users_table, "uid-first", PHONE, ["admin", "customer"])
    assert make_first_admin(boto3.Session(region_name=REGION), STACK, uid="uid-first")["roles"] == ["admin",
                                                                                                     "customer"]


def test_a_user_who_never_signed_in_or_a_wrong_stack_is_one_clear_line(users_table, capsys) -> None:
    with pytest.raises(AdminError, match=r"no user with phone \+919812345678 in .*: sign in once"):
        make_first_admin(boto3.Session(region_name=REGION), STACK, phone=PHONE)
    with pytest.raises(AdminError, match=r"no user uid-x in .*: sign in once first"):
        make_first_admin(boto3.Session(region_name=REGION), STACK, uid="uid-x")
    assert main(["admin", "--stack", "blinkit-nope", "--region", REGION, "--uid", "u"]) == 1
    assert "cannot read UsersTable of stack 'blinkit-nope'" in capsys.readouterr().err


def test_two_profiles_with_one_phone_ask_for_the_uid(users_table) -> None:
    _profile(users_table, "uid-a", PHONE, ["customer"])
    _profile(users_table, "uid-b", PHONE, ["customer"])
    with pytest.raises(AdminError, match=r"2 users have phone .*: pass --uid"):
        make_first_admin(boto3.Session(region_name=REGION), STACK, phone=PHONE)
