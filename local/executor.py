"""Run the template's state machines on moto's ASL interpreter, with Lambda tasks calling local handlers.

moto's interpreter invokes Lambda through a boto3 client that, under in-process `mock_aws()`, lands in
moto's Lambda backend. We patch `LambdaBackend.invoke` so that calls naming one of our functions (by
name or ARN, `lambda:invoke` integration or plain function ARN) run `LocalFunctions.invoke` instead;
the functions need not exist in moto's Lambda backend. A handler exception becomes the payload Lambda
returns with `FunctionError: Unhandled` (`errorType` = exception class name), which the interpreter
turns into the state's error, so `Catch: ErrorEquals: ["OutOfStock"]` works as in AWS.

The same patch serves the functions' own boto3 `lambda.invoke` calls (orders runs ReleaseStock; a search
with no index asks the indexer for a rebuild). `InvocationType="Event"` is asynchronous as in AWS: the
call answers 202 at once and the function runs on a thread of its own (`wait_for_event_invocations`
waits for them; a function error is logged, where AWS would retry twice).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import boto3
from moto.awslambda.models import LambdaBackend

from local.aws import enable_state_machine_execution
from local.lambdas import LambdaError, LocalFunctions
from local.template import STATE_MACHINE_TYPES, Resolver, Template

log = logging.getLogger("local.executor")

_patch_lock = threading.Lock()
_targets: list[LocalFunctions] = []  # every LocalFunctions whose handlers moto's Lambda should run
_original_invoke = LambdaBackend.invoke
_event_invocations: set[threading.Thread] = set()  # asynchronous invocations still running
_event_lock = threading.Lock()


def _invocation_type(headers: Any) -> str:
    for name, value in (headers or {}).items():
        if name.lower() == "x-amz-invocation-type":
            return str(value)
    return "RequestResponse"


def _run_event(target: LocalFunctions, function_name: str, event: Any) -> None:
    try:
        target.invoke(function_name, event)
    except LambdaError as exc:
        log.warning("asynchronous invocation of %s failed: %s", function_name, exc)
    except Exception:  # the stack may be stopping under it; nobody waits for this thread's result
        log.exception("asynchronous invocation of %s could not run", function_name)
    finally:
        with _event_lock:
            _event_invocations.discard(threading.current_thread())


def _start_event(target: LocalFunctions, function_name: str, event: Any) -> None:
    thread = threading.Thread(target=_run_event, args=(target, function_name, event), daemon=True,
                              name=f"lambda-event-{function_name.rsplit(':', 1)[-1]}")
    with _event_lock:
        _event_invocations.add(thread)
    thread.start()


def wait_for_event_invocations(timeout: float = 30.0) -> bool:
    """Wait until every asynchronous (`InvocationType="Event"`) invocation has ended; False on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        with _event_lock:
            running = list(_event_invocations)
        if not running:
            return True
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            with _event_lock:
                return not _event_invocations


def _local_invoke(
    self: LambdaBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> str | bytes | None:
    target = next((t for t in reversed(_targets) if t.knows(function_name)), None)
    if target is None:  # a function really created in moto: leave it to moto
        return _original_invoke(self, function_name, qualifier, body, headers, response_headers)
    event = json.loads(body) if body else {}
    if _invocation_type(headers) == "Event":  # queued and answered 202 at once; the function runs meanwhile
        _start_event(target, function_name, event)
        response_headers["Content-Length"] = "0"
        return b""
    try:
        result: Any = target.invoke(function_name, event)
    except LambdaError as exc:
        response_headers["x-amz-function-error"] = "Unhandled"
        result = exc.payload()
    payload = json.dumps(result).encode()
    response_headers["Content-Length"] = str(len(payload))
    return payload


def route_lambda_to(functions: LocalFunctions) -> None:
    """Send moto Lambda invocations of these functions to their local handlers."""
    with _patch_lock:
        _targets.append(functions)
        LambdaBackend.invoke = _local_invoke  # type: ignore[method-assign]


def unroute_lambda(functions: LocalFunctions) -> None:
    with _patch_lock:
        if functions in _targets:
            _targets.remove(functions)
        if not _targets:
            LambdaBackend.invoke = _original_invoke  # type: ignore[method-assign]


class Executor:
    """Start, wait for and inspect executions of the template's state machines."""

    def __init__(
        self,
        template: Template,
        functions: LocalFunctions,
        resolver: Resolver | None = None,
        *,
        region: str | None = None,
    ) -> None:
        self.template = template
        self.functions = functions
        self.resolver = resolver or functions.resolver
        enable_state_machine_execution()
        self._sfn = boto3.client("stepfunctions", region_name=region or self.resolver.region)
        self._started: list[str] = []
        route_lambda_to(functions)

    def state_machine_arn(self, state_machine: str) -> str:
        if state_machine.startswith("arn:"):
            return state_machine
        if self.template.resource_type(state_machine) not in STATE_MACHINE_TYPES:
            raise KeyError(f"{state_machine!r} is not a state machine in the template")
        return str(self.resolver.get_att(state_machine, "Arn"))

    def start(self, state_machine: str, name: str, input: dict[str, Any] | None = None) -> str:
        """Start an execution; `name` is required (named executions are idempotent and traceable).

        Re-using a name raises botocore's ClientError `ExecutionAlreadyExists` unless the earlier
        execution is still running with the same input (then its ARN is returned), as in AWS.
        """
        if not name:
            raise ValueError("an execution name is required")
        response = self._sfn.start_execution(
            stateMachineArn=self.state_machine_arn(state_machine),
            name=name,
            input=json.dumps(input if input is not None else {}),
        )
        arn = str(response["executionArn"])
        self._started.append(arn)
        return arn

    def describe(self, execution_arn: str) -> dict[str, Any]:
        desc = self._sfn.describe_execution(executionArn=execution_arn)
        output = desc.get("output")
        return {
            "status": desc["status"],
            "output": json.loads(output) if output else None,
            "error": desc.get("error"),
            "cause": desc.get("cause"),
            "name": desc.get("name"),
            "execution_arn": execution_arn,
        }

    def wait(self, execution_arn: str, timeout: float = 30.0) -> dict[str, Any]:
        """Poll until the execution leaves RUNNING; TimeoutError if it does not within `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.describe(execution_arn)
            if result["status"] != "RUNNING":
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{execution_arn} still RUNNING after {timeout}s")
            time.sleep(0.02)

    def run(
        self, state_machine: str, name: str, input: dict[str, Any] | None = None, timeout: float = 30.0
    ) -> dict[str, Any]:
        return self.wait(self.start(state_machine, name, input), timeout)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn}
        while True:
            page = self._sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def close(self, timeout: float = 5.0) -> None:
        """Stop executions still running (their threads would outlive mock_aws), let asynchronous invocations
        end and unpatch Lambda."""
        if not wait_for_event_invocations(timeout):
            log.warning("asynchronous Lambda invocations still running after %.0fs", timeout)
        for arn in self._started:
            try:
                if self.describe(arn)["status"] == "RUNNING":
                    self._sfn.stop_execution(executionArn=arn)
            except Exception:  # closing must not hide the test's real failure
                log.debug("could not stop %s", arn, exc_info=True)
        unroute_lambda(self.functions)

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
