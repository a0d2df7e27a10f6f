"""Run the template's functions in this process, the way Lambda runs them.

Each function gets the environment the template gives it (Globals + its own variables, resolved to
local values, then local overrides), its CodeUri folder and layers on sys.path (/var/task and
/opt/python in Lambda), a Lambda-shaped context, and N instances that each handle one event at a time.
"""

from __future__ import annotations

import contextvars
import dataclasses
import decimal
import importlib
import json
import logging
import os
import queue
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.template import LAYER_TYPES, FunctionSpec, Resolver, Template, TemplateError

log = logging.getLogger("local.lambdas")

DEFAULT_INSTANCES = 4


class LambdaError(Exception):
    """The function raised (or returned something Lambda could not serialise): a Lambda *function error*."""

    def __init__(self, function_name: str, error_type: str, message: str, stack_trace: list[str] | None = None):
        super().__init__(f"{function_name}: {error_type}: {message}")
        self.function_name = function_name
        self.error_type = error_type
        self.error_message = message
        self.stack_trace = stack_trace or []

    def payload(self) -> dict[str, Any]:
        """The JSON body Lambda returns with `FunctionError: Unhandled`; Step Functions reads errorType."""
        return {"errorMessage": self.error_message, "errorType": self.error_type, "stackTrace": self.stack_trace}


class EnvironmentConflict(TemplateError):
    """Two functions need different values for one variable, which one process cannot give them."""


class LambdaContext:
    """The attributes and method of the `context` object Lambda's Python runtime passes to handlers."""

    def __init__(self, spec: FunctionSpec, arn: str, memory_size: int, timeout: int, log_group: str) -> None:
        self.function_name = spec.logical_id
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = memory_size
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = log_group
        # A custom (shared) log group's streams carry the function's name, as Lambda names them.
        day = time.strftime("%Y/%m/%d", time.gmtime())
        self.log_stream_name = f"{day}/{spec.logical_id}[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class _Function:
    spec: FunctionSpec
    arn: str
    environment: dict[str, str]
    instances: queue.Queue[int]
    warm: set[int] = field(default_factory=set)
    handler: Any = None


def _env_text(value: Any) -> str:
    # CloudFormation turns every environment value into a string; booleans as true/false.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _some_of(names: list[str], shown: int = 3) -> str:
    """`A`, `A, B and C`, or `A, B, C and 81 more functions`: a list that stays one short line."""
    if len(names) <= shown:
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{', '.join(names[:shown])} and {len(names) - shown} more functions"


def _json_default(value: Any) -> Any:
    # Lambda's runtime serialises Decimal (what boto3's DynamoDB returns) as a number.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class LocalFunctions:
    """All (or `only` some) functions of a template, runnable in-process.

    Use as a context manager, or call `close()`, to restore os.environ and sys.path.
    """

    def __init__(
        self,
        template: Template,
        env_overrides: Mapping[str, str] | None = None,
        *,
        resolver: Resolver | None = None,
        instances: int = DEFAULT_INSTANCES,
        only: Iterable[str] | None = None,
    ) -> None:
        self.template = template
        self.resolver = resolver or Resolver(template)
        self.env_overrides = {k: str(v) for k, v in (env_overrides or {}).items()}
        wanted = set(only) if only is not None else None
        unknown = (wanted or set()) - set(template.functions)
        if unknown:
            raise KeyError(f"no such function(s) in the template: {', '.join(sorted(unknown))}")
        self.unresolved: dict[str, list[str]] = {}  # function -> variables with no local value
        self._functions: dict[str, _Function] = {}
        for logical_id, spec in template.functions.items():
            if wanted is not None and logical_id not in wanted:
                continue
            if spec.condition and not self.resolver.condition(spec.condition):
                continue
            props = spec.properties
            spec = dataclasses.replace(
                spec,
                timeout=int(self.resolver.resolve(props.get("Timeout", spec.timeout))),
                memory_size=int(self.resolver.resolve(props.get("MemorySize", spec.memory_size))),
            )
            # LIFO: the most recently freed (warm) instance takes the next event, as Lambda prefers.
            pool: queue.Queue[int] = queue.LifoQueue()
            for i in reversed(range(max(1, instances))):  # instance 0 is handed out first
                pool.put(i)
            self._functions[logical_id] = _Function(
                spec=spec,
                arn=self.resolver.function_arn(logical_id),
                environment=self.function_environment(spec),
                instances=pool,
            )
        self._report_unresolved()
        self._import_lock = threading.Lock()
        self._saved_environ = dict(os.environ)
        self._saved_path = list(sys.path)
        self._apply_process_environment()
        self._extend_sys_path()

    # ---- environment -------------------------------------------------------------------------

    def function_environment(self, spec: FunctionSpec) -> dict[str, str]:
        """Globals + the function's variables, resolved locally; overrides win; None means 'not set'."""
        # Resolve the map as a whole so AWS::NoValue drops a variable (deliberately unset) while
        # None marks one with no local value (an ElastiCache endpoint) that an override must supply.
        resolved = self.resolver.resolve(spec.environment) or {}
        env = {name: _env_text(value) for name, value in resolved.items() if value is not None}
        missing = [name for name, value in resolved.items() if value is None and name not in self.env_overrides]
        env.update({k: v for k, v in self.env_overrides.items() if k in spec.environment})
        if missing:  # reported once per variable for all functions (_report_unresolved)
            self.unresolved[spec.logical_id] = missing
        return env

    def _report_unresolved(self) -> None:
        """One warning per variable that some function needs and nothing gives a local value, saying what to do.

        A value the local stack supplies on purpose (an override, e.g. REDIS_URL from local/config.py) is not a
        problem and is not reported."""
        needed_by: dict[str, list[str]] = {}
        for function_id, names in self.unresolved.items():
            for name in names:
                needed_by.setdefault(name, []).append(function_id)
        for name, function_ids in sorted(needed_by.items()):
            log.warning("%s %s %s, which has no local value: add --env %s=... or set it in local/config.py",
                        _some_of(function_ids), "needs" if len(function_ids) == 1 else "need", name, name)

    def _apply_process_environment(self) -> None:
        """One process hosts every function, so they must agree on each variable they share."""
        union: dict[str, tuple[str, str]] = {}  # variable -> (value, first function that set it)
        for fid, fn in self._functions.items():
            for name, value in fn.environment.items():
                if name in union and union[name][0] != value:
                    other, other_value = union[name][1], union[name][0]
                    raise EnvironmentConflict(
                        f"{name} is {other_value!r} in {other} but {value!r} in {fid}; functions share one "
                        "process locally, so give them one value (or an env override)"
                    )
                union.setdefault(name, (value, fid))
        region = self.resolver.region
        standard = {
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
        }
        # Per-function variables can only be set when every hosted function has the same value
        # (e.g. `invoke` of one function); handlers should use the context object for these anyway.
        per_function = {
            "AWS_LAMBDA_FUNCTION_NAME": {fid for fid in self._functions},
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": {str(f.spec.memory_size) for f in self._functions.values()},
            "AWS_LAMBDA_LOG_GROUP_NAME": {self.log_group_of(f.spec) for f in self._functions.values()},
            "LAMBDA_TASK_ROOT": {str(f.spec.code_uri) for f in self._functions.values()},
            "_HANDLER": {f.spec.handler for f in self._functions.values()},
        }
        for name, values in per_function.items():
            if len(values) == 1:
                standard[name] = next(iter(values))
        os.environ.update(standard)
        os.environ.update({name: value for name, (value, _) in union.items()})
        os.environ.update(self.env_overrides)

    def log_group_of(self, spec: FunctionSpec) -> str:
        """The function's `LoggingConfig.LogGroup` (its domain's group), or Lambda's default `/aws/lambda/<name>`."""
        group = self.resolver.resolve((spec.properties.get("LoggingConfig") or {}).get("LogGroup"))
        return str(group) if group else f"/aws/lambda/{spec.logical_id}"

    def _extend_sys_path(self) -> None:
        folders: list[str] = []
        for fn in self._functions.values():
            folders.append(str(fn.spec.code_uri))
            folders.extend(str(p) for p in self.layer_dirs(fn.spec))
        for folder in dict.fromkeys(folders):
            if folder not in sys.path:
                sys.path.insert(0, folder)

    def layer_dirs(self, spec: FunctionSpec) -> list[Path]:
        """Each layer's ContentUri; its python/ subfolder if it has one (what /opt/python would hold)."""
        dirs: list[Path] = []
        for layer in spec.layers:
            logical_id = layer.get("Ref") if isinstance(layer, dict) else None
            resource = self.template.resources.get(logical_id or "")
            if not resource or resource["Type"] not in LAYER_TYPES:
                log.warning("%s: layer %r is not a local layer; skipped", spec.logical_id, layer)
                continue
            props = resource["Properties"]
            content = props.get("ContentUri") or (props.get("Content") or {})
            if not isinstance(content, str):
                log.warning("%s: layer %s has no local ContentUri; skipped", spec.logical_id, logical_id)
                continue
            folder = self.template.resolve_path(content)
            dirs.append(folder / "python" if (folder / "python").is_dir() else folder)
        return dirs

    def close(self) -> None:
        """Put os.environ and sys.path back as they were (imported modules stay imported)."""
        os.environ.clear()
        os.environ.update(self._saved_environ)
        sys.path[:] = self._saved_path

    def __enter__(self) -> LocalFunctions:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- lookup ------------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(self._functions)

    def function_for_name(self, name_or_arn: str) -> FunctionSpec:
        return self._lookup(name_or_arn).spec

    def function_for_arn(self, arn: str) -> FunctionSpec:
        return self._lookup(arn).spec

    def knows(self, name_or_arn: str) -> bool:
        try:
            self._lookup(name_or_arn)
        except KeyError:
            return False
        return True

    def arn_of(self, function_id: str) -> str:
        return self._lookup(function_id).arn

    def _lookup(self, name_or_arn: str) -> _Function:
        name = name_or_arn
        if name.startswith("arn:"):
            # arn:aws:lambda:region:account:function:Name[:qualifier]
            parts = name.split(":")
            if len(parts) < 7 or parts[5] != "function":
                raise KeyError(f"not a Lambda function ARN: {name_or_arn}")
            name = parts[6]
        elif ":" in name:  # Name:qualifier
            name = name.split(":", 1)[0]
        try:
            return self._functions[name]
        except KeyError:
            raise KeyError(f"no local function {name_or_arn!r}; known: {', '.join(self._functions)}") from None

    # ---- invocation --------------------------------------------------------------------------

    def handler_of(self, function_id: str) -> Any:
        fn = self._lookup(function_id)
        if fn.handler is None:
            with self._import_lock:
                if fn.handler is None:
                    fn.handler = self._import_handler(fn.spec)
        return fn.handler

    def import_handlers(self) -> None:
        """Import every function's handler now, as each Lambda instance does in its init phase before its first
        event. A long-running stack (`make run`) does this before it serves: imported on a first request instead,
        a domain's modules take the shared interpreter for a second or more, which under load pushes the calls
        other services are waiting on past their timeouts."""
        for function_id in self._functions:
            self.handler_of(function_id)

    def _import_handler(self, spec: FunctionSpec) -> Any:
        module_name, _, attr = spec.handler.rpartition(".")
        if not module_name:
            raise TemplateError(f"{spec.logical_id}: Handler {spec.handler!r} is not module.function")
        top = module_name.split(".")[0]
        loaded = sys.modules.get(top)
        origin = getattr(loaded, "__file__", None) or next(iter(getattr(loaded, "__path__", [])), None)
        if origin and not Path(origin).resolve().is_relative_to(spec.code_uri) and not any(
            Path(origin).resolve().is_relative_to(d) for d in self.layer_dirs(spec)
        ):
            # Two CodeUri folders with the same top-level module cannot share one interpreter.
            log.warning("%s: module %s is already imported from %s", spec.logical_id, top, origin)
        module = importlib.import_module(module_name)
        try:
            return getattr(module, attr)
        except AttributeError:
            raise TemplateError(f"{spec.logical_id}: {module_name} has no {attr}") from None

    def invoke(self, function_id: str, event: Any) -> Any:
        """Run the handler on one free instance (waiting for one if all are busy), as Lambda would.

        The event and result go through JSON, as they do in Lambda, so neither side can share
        mutable objects or return something Lambda could not send. Raises LambdaError on a
        function error.
        """
        fn = self._lookup(function_id)
        handler = self.handler_of(fn.spec.logical_id)
        payload = json.loads(json.dumps(event))
        instance = fn.instances.get()  # blocks while every instance is busy: one event per instance
        try:
            context = LambdaContext(fn.spec, fn.arn, fn.spec.memory_size, fn.spec.timeout, self.log_group_of(fn.spec))
            cold = instance not in fn.warm
            fn.warm.add(instance)
            log.info(
                "START %s RequestId: %s Instance: %d%s",
                fn.spec.logical_id, context.aws_request_id, instance, " (cold)" if cold else "",
            )
            started = time.monotonic()
            try:
                # In an empty context, as a Lambda invocation starts: nothing context-local of the caller (a
                # gateway thread, another invocation on this thread) reaches the function's log keys or metrics.
                result = contextvars.Context().run(handler, payload, context)
            except Exception as exc:
                log.info("%s raised %s: %s", fn.spec.logical_id, type(exc).__name__, exc)
                raise LambdaError(
                    fn.spec.logical_id,
                    type(exc).__name__,
                    str(exc),
                    traceback.format_exception(exc)[1:],
                ) from exc
            finally:
                elapsed = time.monotonic() - started
                log.info("END %s RequestId: %s Duration: %.1f ms", fn.spec.logical_id, context.aws_request_id,
                         elapsed * 1000)
                if elapsed > fn.spec.timeout:
                    # A thread cannot be killed; say loudly that AWS would have timed this out.
                    log.warning("%s ran %.1fs, over its %ss Timeout: AWS would have stopped it",
                                fn.spec.logical_id, elapsed, fn.spec.timeout)
        finally:
            fn.instances.put(instance)
        try:
            return json.loads(json.dumps(result, default=_json_default))
        except (TypeError, ValueError) as exc:
            raise LambdaError(fn.spec.logical_id, "Runtime.MarshalError", f"Unable to marshal response: {exc}") from exc
