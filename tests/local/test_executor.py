"""State machines run on moto's ASL interpreter, with Lambda tasks calling the local handlers in-process."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.stack import LocalStack

REGION = "ap-south-1"
SAGA = "SagaStateMachine"


def _executor(stack: LocalStack) -> Any:
    assert stack.executor is not None
    return stack.executor


def test_happy_path_runs_every_task_and_returns_the_last_output(stack: LocalStack) -> None:
    order = {"order_id": "o-1", "items": [{"sku": "milk", "qty": 2}]}
    result = _executor(stack).run(SAGA, "order-o-1", order, timeout=20)
    assert result["status"] == "SUCCEEDED", result
    assert result["output"] == {"order_id": "o-1", "status": "CONFIRMED", "items": [{"sku": "milk", "qty": 2}]}
    # The sqs:sendMessage task reached moto's SQS in-process.
    assert stack.resources is not None
    sqs = boto3.client("sqs", region_name=REGION)
    sent = sqs.receive_message(QueueUrl=stack.resources.queues["NotifyQueue"]["url"])["Messages"]
    assert [json.loads(m["Body"]) for m in sent] == [{"order_id": "o-1", "items": [{"sku": "milk", "qty": 2}]}]


def test_catch_by_exception_class_name_runs_the_compensation(stack: LocalStack) -> None:
    executor = _executor(stack)
    order = {"order_id": "o-2", "items": [{"sku": "bread", "qty": 1}]}
    arn = executor.start(SAGA, "order-o-2", order)
    result = executor.wait(arn, timeout=20)
    assert result["status"] == "FAILED"
    assert (result["error"], result["cause"]) == ("OrderFailed", "out of stock; reservation released")

    ledger = boto3.resource("dynamodb", region_name=REGION).Table("LedgerTable")
    item = ledger.get_item(Key={"pk": "order#o-2", "sk": "released"})["Item"]
    assert item["error"] == "OutOfStock"  # the compensation saw the caught error's name

    failed = [e for e in executor.history(arn) if e["type"] == "TaskFailed"]
    assert failed[0]["taskFailedEventDetails"]["error"] == "OutOfStock"
    assert json.loads(failed[0]["taskFailedEventDetails"]["cause"])["errorMessage"] == "only 0 of bread left"


def test_an_uncaught_exception_fails_the_execution_with_its_class_name(stack: LocalStack) -> None:
    order = {"order_id": "o-3", "items": [{"sku": "milk", "qty": 0}]}
    result = _executor(stack).run(SAGA, "order-o-3", order, timeout=20)
    assert result["status"] == "FAILED"
    assert result["error"] == "ValueError"
    assert json.loads(result["cause"])["errorType"] == "ValueError"


def test_an_execution_name_is_required(stack: LocalStack) -> None:
    with pytest.raises(ValueError, match="name"):
        _executor(stack).start(SAGA, "", {"order_id": "x", "items": []})


def test_a_used_name_is_refused(stack: LocalStack) -> None:
    executor = _executor(stack)
    order = {"order_id": "o-4", "items": [{"sku": "milk", "qty": 1}]}
    assert executor.run(SAGA, "order-o-4", order, timeout=20)["status"] == "SUCCEEDED"
    with pytest.raises(ClientError) as refused:
        executor.start(SAGA, "order-o-4", order)
    assert refused.value.response["Error"]["Code"] == "ExecutionAlreadyExists"


def test_stopping_the_stack_leaves_moto_and_lambda_as_they_were() -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.core.config import default_user_config

    from local.executor import _original_invoke
    from tests.local.conftest import FIXTURE_TEMPLATE, OVERRIDES

    with LocalStack(FIXTURE_TEMPLATE, env_overrides=OVERRIDES):
        assert default_user_config["stepfunctions"]["execute_state_machine"] is True
        assert LambdaBackend.invoke is not _original_invoke
    assert default_user_config["stepfunctions"]["execute_state_machine"] is False
    assert LambdaBackend.invoke is _original_invoke


# ---- a function's own boto3 lambda.invoke -------------------------------------------------------------


def test_a_function_invoked_synchronously_answers_with_its_result(stack: LocalStack) -> None:
    reply = boto3.client("lambda", region_name=REGION).invoke(FunctionName="SlowFunction",
                                                              Payload=json.dumps({"seconds": 0}).encode())
    assert reply["StatusCode"] == 200 and "request_id" in json.loads(reply["Payload"].read())


def test_an_event_invocation_answers_202_at_once_and_runs_on_its_own_thread(stack: LocalStack, handlers: Any) -> None:
    from local.executor import wait_for_event_invocations

    client = boto3.client("lambda", region_name=REGION)
    started = time.monotonic()
    reply = client.invoke(FunctionName="SlowFunction", InvocationType="Event",
                          Payload=json.dumps({"seconds": 1.0}).encode())
    assert reply["StatusCode"] == 202 and reply["Payload"].read() == b""
    assert time.monotonic() - started < 0.9  # did not wait for the handler's second
    deadline = time.monotonic() + 5
    while handlers.in_flight == 0:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "the event was never run"
        time.sleep(0.01)
    assert wait_for_event_invocations(10)
    assert handlers.in_flight == 0  # type: ignore[attr-defined]


def test_a_failing_event_invocation_is_not_the_callers_error(stack: LocalStack) -> None:
    from local.executor import wait_for_event_invocations

    reply = boto3.client("lambda", region_name=REGION).invoke(
        FunctionName="EchoFunction", InvocationType="Event", Payload=json.dumps({"fail": "no milk"}).encode())
    assert reply["StatusCode"] == 202 and "FunctionError" not in reply
    assert wait_for_event_invocations(10)
