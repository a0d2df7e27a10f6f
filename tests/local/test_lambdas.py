"""Functions run in-process as Lambda runs them: environment, layers, context, errors, one event per instance."""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from local.lambdas import EnvironmentConflict, LambdaError, LocalFunctions
from local.stack import LocalStack
from local.template import Template
from tests.local.conftest import FIXTURES, OVERRIDES


def test_handler_sees_the_template_environment_resolved_locally(stack: LocalStack) -> None:
    assert stack.functions is not None
    result = stack.functions.invoke("EchoFunction", {"hello": "world"})
    assert result["event"] == {"hello": "world"}
    assert result["env"] == {
        "STAGE": "test",
        "LOG_LEVEL": "INFO",
        "LEDGER_TABLE": "LedgerTable",
        "WORK_QUEUE_URL": stack.resources.queues["WorkQueue"]["url"] if stack.resources else None,
        "GREETING": "hello from ap-south-1/123456789012 test-subnet-b",
        "MODE": "development",
        "REDIS_URL": OVERRIDES["REDIS_URL"],  # unresolvable in the template, supplied by the override
        "OPTIONAL": None,  # !Ref AWS::NoValue: not set at all
    }
    assert os.environ["AWS_REGION"] == "ap-south-1"
    assert os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"  # every fixture function has 256


def test_code_uri_and_layer_folders_are_on_sys_path(stack: LocalStack) -> None:
    assert str(FIXTURES / "src") in sys.path  # /var/task
    assert str(FIXTURES / "layer") in sys.path  # /opt/python


def test_context_looks_like_lambdas(stack: LocalStack) -> None:
    assert stack.functions is not None
    result = stack.functions.invoke("EchoFunction", {})
    assert result["function_name"] == "EchoFunction"
    assert result["memory_limit_in_mb"] == 256
    assert 9_000 < result["remaining_ms"] <= 10_000  # Timeout: 10 from Globals


def test_handler_exception_is_a_lambda_error_named_after_its_class(stack: LocalStack) -> None:
    assert stack.functions is not None
    with pytest.raises(LambdaError) as caught:
        stack.functions.invoke("EchoFunction", {"fail": "no milk"})
    assert caught.value.error_type == "OutOfStock"
    assert caught.value.payload()["errorMessage"] == "no milk"
    assert caught.value.payload()["stackTrace"]


def test_functions_are_found_by_name_and_by_arn(stack: LocalStack) -> None:
    assert stack.functions is not None
    arn = "arn:aws:lambda:ap-south-1:123456789012:function:ReserveFunction"
    assert stack.functions.function_for_arn(arn).logical_id == "ReserveFunction"
    assert stack.functions.function_for_arn(arn + ":$LATEST").logical_id == "ReserveFunction"
    assert stack.functions.function_for_name("ReserveFunction").handler == "fixture_app.handlers.reserve"
    assert not stack.functions.knows("NoSuchFunction")


def test_import_handlers_loads_every_handler_before_any_event(stack: LocalStack) -> None:
    functions = stack.functions
    assert functions is not None
    functions.import_handlers()  # what `make run` does before it serves
    for function_id in functions.names:
        handler = functions._lookup(function_id).handler
        module, _, name = functions.function_for_name(function_id).handler.rpartition(".")
        assert handler is getattr(sys.modules[module], name), function_id


def _invoke_concurrently(functions: LocalFunctions, count: int) -> None:
    threads = [
        threading.Thread(target=functions.invoke, args=("SlowFunction", {"seconds": 0.05})) for _ in range(count)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@pytest.mark.parametrize("instances", [1, 3])
def test_each_instance_handles_one_event_at_a_time(instances: int) -> None:
    with LocalStack(Path(FIXTURES / "template.yaml"), env_overrides=OVERRIDES, instances=instances) as stack:
        assert stack.functions is not None
        stack.functions.handler_of("SlowFunction")
        probe: Any = sys.modules["fixture_app.handlers"]
        probe.peak = 0
        _invoke_concurrently(stack.functions, 8)
        assert probe.peak == instances
        assert probe.in_flight == 0


def _one_function_template(tmp_path: Path, variables: dict[str, Any], name: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {"CodeUri": ".", "Handler": f"{name}.handler", "Environment": {"Variables": variables}},
    }


def test_two_functions_wanting_different_values_for_one_variable_is_an_error(tmp_path: Path) -> None:
    doc = {
        "Resources": {
            "First": _one_function_template(tmp_path, {"LOG_LEVEL": "INFO"}, "first"),
            "Second": _one_function_template(tmp_path, {"LOG_LEVEL": "DEBUG"}, "second"),
        }
    }
    template = Template(doc, tmp_path)
    with pytest.raises(EnvironmentConflict, match=r"LOG_LEVEL.*First.*Second"):
        LocalFunctions(template)
    # An override gives both one value, and a single function never conflicts with itself.
    LocalFunctions(template, {"LOG_LEVEL": "WARNING"}).close()
    LocalFunctions(template, only=["Second"]).close()


def test_close_restores_environment_and_sys_path(tmp_path: Path) -> None:
    doc = {"Resources": {"Only": _one_function_template(tmp_path, {"SOME_FLAG": "on"}, "only")}}
    before_env, before_path = dict(os.environ), list(sys.path)
    with LocalFunctions(Template(doc, tmp_path)):
        assert os.environ["SOME_FLAG"] == "on"
        assert os.environ["AWS_LAMBDA_FUNCTION_NAME"] == "Only"
        assert str(tmp_path.resolve()) in sys.path
    assert dict(os.environ) == before_env
    assert sys.path == before_path


def _needs_the_cache(name: str) -> dict[str, Any]:
    endpoint = {"Fn::GetAtt": ["Cache", "PrimaryEndPoint.Address"]}  # ElastiCache: no local value
    return {"Type": "AWS::Serverless::Function",
            "Properties": {"CodeUri": ".", "Handler": f"{name}.handler",
                           "Environment": {"Variables": {"CACHE_HOST": endpoint, "CACHE_PORT": endpoint}}}}


def _cache_template(tmp_path: Path, functions: int) -> Template:
    resources: dict[str, Any] = {"Cache": {"Type": "AWS::ElastiCache::ReplicationGroup", "Properties": {}}}
    resources.update({f"Fn{i}Function": _needs_the_cache(f"fn{i}") for i in range(functions)})
    return Template({"Resources": resources}, tmp_path)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and r.name == "local.lambdas"]


def test_a_value_nothing_supplies_is_one_actionable_line_per_variable(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="local.lambdas"):
        LocalFunctions(_cache_template(tmp_path, 5), {"CACHE_PORT": "6379"}).close()
    assert _warnings(caplog) == [
        "Fn0Function, Fn1Function, Fn2Function and 2 more functions need CACHE_HOST, which has no local value: "
        "add --env CACHE_HOST=... or set it in local/config.py"]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="local.lambdas"):
        LocalFunctions(_cache_template(tmp_path, 1)).close()
    assert _warnings(caplog) == [
        f"Fn0Function needs {name}, which has no local value: add --env {name}=... or set it in local/config.py"
        for name in ("CACHE_HOST", "CACHE_PORT")]


def test_values_the_local_stack_supplies_on_purpose_warn_nothing(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="local.lambdas"):
        functions = LocalFunctions(_cache_template(tmp_path, 3), {"CACHE_HOST": "127.0.0.1", "CACHE_PORT": "6379"})
        functions.close()
    assert _warnings(caplog) == [] and functions.unresolved == {}


def test_the_project_template_has_a_local_value_for_every_variable(caplog: pytest.LogCaptureFixture) -> None:
    """What `make run` gives the functions (local/config.py) covers every variable the template leaves without a
    local value (the cache endpoint, the secrets' ARNs): its start names no missing value."""
    from local.config import PARAMETERS, TEMPLATE, local_environment
    from local.template import Resolver

    template = Template.load(TEMPLATE)
    env = local_environment(redis_url="redis://127.0.0.1:6379/15", firebase_emulator_host="127.0.0.1:9099",
                            api_url="http://127.0.0.1:3000")
    with caplog.at_level(logging.INFO, logger="local.lambdas"):
        functions = LocalFunctions(template, env, resolver=Resolver(template, PARAMETERS))
        functions.close()
    assert len(functions.names) == len(template.functions)
    assert functions.unresolved == {} and _warnings(caplog) == []
