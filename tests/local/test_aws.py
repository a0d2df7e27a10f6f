"""Resources created in moto from the template: tables, queues with redrive, state machines."""

from __future__ import annotations

import json

import boto3

from local.stack import LocalStack


def test_table_has_keys_gsi_stream_and_ttl(stack: LocalStack) -> None:
    ddb = boto3.client("dynamodb", region_name="ap-south-1")
    table = ddb.describe_table(TableName="LedgerTable")["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "byKind"
    assert [k["AttributeName"] for k in gsi["KeySchema"]] == ["kind", "sk"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    ttl = ddb.describe_time_to_live(TableName="LedgerTable")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_queue_redrives_into_its_dlq(stack: LocalStack) -> None:
    assert stack.resources is not None
    sqs = boto3.client("sqs", region_name="ap-south-1")
    work = stack.resources.queues["WorkQueue"]
    attrs = sqs.get_queue_attributes(QueueUrl=work["url"], AttributeNames=["All"])["Attributes"]
    assert json.loads(attrs["RedrivePolicy"]) == {
        "deadLetterTargetArn": stack.resources.queues["WorkDLQ"]["arn"],
        "maxReceiveCount": 2,
    }
    assert attrs["VisibilityTimeout"] == "60"
    dlq = sqs.get_queue_attributes(QueueUrl=stack.resources.queues["WorkDLQ"]["url"], AttributeNames=["All"])
    assert dlq["Attributes"]["MessageRetentionPeriod"] == "1209600"


def test_state_machine_definition_has_every_substitution_resolved(stack: LocalStack) -> None:
    assert stack.resources is not None
    sfn = boto3.client("stepfunctions", region_name="ap-south-1")
    arn = stack.resources.state_machines["SagaStateMachine"]
    definition = sfn.describe_state_machine(stateMachineArn=arn)["definition"]
    assert "${" not in definition
    states = json.loads(definition)["States"]
    assert states["Reserve"]["Parameters"]["FunctionName"] == (
        "arn:aws:lambda:ap-south-1:123456789012:function:ReserveFunction"
    )
    assert states["Confirm"]["Resource"] == "arn:aws:lambda:ap-south-1:123456789012:function:ConfirmFunction"
    assert states["Notify"]["Parameters"]["QueueUrl"] == stack.resources.queues["NotifyQueue"]["url"]


def test_resources_without_local_meaning_are_skipped(stack: LocalStack) -> None:
    assert stack.resources is not None
    created = set(stack.resources.tables) | set(stack.resources.queues) | set(stack.resources.state_machines)
    assert created == {"LedgerTable", "WorkQueue", "WorkDLQ", "NotifyQueue", "SagaStateMachine"}
