"""Every Lambda entry point is built here: HTTP routes (`make_handler`), jobs and queue consumers (`make_job`)
and the request authorizer (`make_authorizer`).

Each invocation starts with clean log keys (Powertools' `inject_lambda_context(clear_state=True)`: keys a
previous invocation appended never leak into this one) and then carries, on every line, the function's name,
its cold start flag, the domain (`service`) and the id of the request being served (`request_id` and
`correlation_id`). Metrics go to a metric set of the invocation's own, with its `service` dimension, flushed
when it ends (`blinkit.observability.invocation_metrics`).

Why the per-invocation keys live in Powertools' *thread-safe* (context-local) keys: locally every function of
every domain shares one process and one Logger, and invocations run at once on different threads; keys
appended to the shared formatter would be overwritten by whichever invocation started last. Context-local keys
win over the shared ones when a line is formatted, so each thread's lines name its own invocation. In AWS a
process serves one invocation at a time, where both kinds agree.

Every built entry point carries `ENTRY_POINT` (its kind), so a test can check that no function of
template.yaml skips these wrappers.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from blinkit import snapstart  # noqa: F401  (registers the SnapStart after-restore hook, in Lambda only)
from blinkit.context import REQUEST_ID_HEADER, request_id_from_event, request_id_var
from blinkit.observability import invocation_metrics, logger, metrics

if TYPE_CHECKING:  # FastAPI is imported by the apps themselves, never by jobs (cold starts)
    from fastapi import FastAPI

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
Job = Callable[..., Any]

ENTRY_POINT = "__blinkit_entry_point__"  # attribute naming the wrapper that built an entry point
SERVICE = "__blinkit_service__"  # attribute naming the domain an entry point logs and measures as
HTTP, JOB, AUTHORIZER = "http", "job", "authorizer"

# What a direct call (a test, a benchmark) passes instead of Lambda's context object.
_NO_CONTEXT = SimpleNamespace(function_name="UNDEFINED", memory_limit_in_mb=None, invoked_function_arn=None,
                              aws_request_id=None)


@contextlib.contextmanager
def correlated(correlation_id: str | None) -> Iterator[None]:
    """Within the block, log lines and outgoing calls carry this correlation id (e.g. one SQS record's)."""
    token = request_id_var.set(correlation_id or None)
    previous = {key: logger.thread_safe_get_current_keys().get(key) for key in ("request_id", "correlation_id")}
    logger.thread_safe_append_keys(request_id=correlation_id or None, correlation_id=correlation_id or None)
    try:
        yield
    finally:
        logger.thread_safe_append_keys(**previous)
        request_id_var.reset(token)


def _entry_point(run: Callable[[Any, Any], Any], *, service: str, kind: str,
                 correlation_of: Callable[[Any], str | None]) -> Callable[..., Any]:
    warm = False

    @logger.inject_lambda_context(clear_state=True)
    def invocation(event: Any, context: Any) -> Any:
        nonlocal warm
        cold_start, warm = not warm, True
        # What inject_lambda_context put in the shared keys, again context-locally (see the module docstring).
        logger.thread_safe_append_keys(service=service, cold_start=cold_start, function_name=context.function_name,
                                       function_memory_size=context.memory_limit_in_mb,
                                       function_arn=context.invoked_function_arn,
                                       function_request_id=context.aws_request_id)
        with correlated(correlation_of(event)):
            return run(event, context)

    def entry(event: Any, context: Any = None) -> Any:
        # Flushed when this invocation ends, not once 100 values pile up in a container.
        with invocation_metrics(service, flush=_flush_metrics):
            return invocation(event, context if context is not None else _NO_CONTEXT)

    setattr(entry, ENTRY_POINT, kind)
    setattr(entry, SERVICE, service)
    entry.__doc__ = getattr(run, "__doc__", None)
    return entry


def _flush_metrics() -> None:
    """Publish the invocation's metrics. A metric that Powertools refuses (a programming error: too many
    dimensions, a bad unit) is logged, never raised: telemetry must not replace the function's own answer."""
    try:
        metrics.flush_metrics()
    except Exception:
        logger.exception("metrics could not be published")


def _ensure_event_loop() -> None:
    # Mangum calls asyncio.get_event_loop() on every event; on Python 3.12 that fails in a thread
    # without a loop and after any asyncio.run() has closed the previous one.
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
        if not loop.is_closed():
            return
    except RuntimeError:
        pass
    asyncio.set_event_loop(asyncio.new_event_loop())


def make_handler(app: FastAPI, *, service: str) -> LambdaHandler:
    """A domain's FastAPI app behind API Gateway (HTTP API, payload 2.0), one request per invocation."""
    from mangum import Mangum

    # problem+json is text: without it Mangum would base64 every error body.
    text_types = ["application/json", "application/problem+json", "text/plain", "text/html"]
    adapter = Mangum(app, lifespan="off", api_gateway_base_path="/", text_mime_types=text_types)

    def serve(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request_id = request_id_var.get() or request_id_from_event(event)
        http = (event.get("requestContext") or {}).get("http") or {}
        _ensure_event_loop()
        response = adapter(event, context)
        response.setdefault("headers", {})[REQUEST_ID_HEADER] = request_id
        logger.info("request", method=http.get("method"), path=http.get("path"), status=response.get("statusCode"))
        return response

    return _entry_point(serve, service=service, kind=HTTP, correlation_of=request_id_from_event)


def routes_on_demand(app_module: str, *, service: str) -> Callable[[str], Any]:
    """A domain's `handlers` module `__getattr__` (PEP 562): its route `handler` (`make_handler` over
    `<app_module>.app`), and `app` itself, built the first time something looks either up, which only then imports
    the app.

    Lambda resolves a function's handler during its init (import the module, then look the name up), so a route
    function still imports its app at init, and SnapStart still snapshots it; a job of the same module (a saga
    step, a queue consumer) never looks `handler` up, so its init skips FastAPI and every route and schema of
    the domain: most of an API function's cold start (docs/benchmarks.md, "Cold start")."""
    module = app_module.rsplit(".", 1)[0] + ".handlers"
    built: dict[str, Any] = {}

    def __getattr__(name: str) -> Any:
        if name not in ("handler", "app"):
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        if not built:
            app = importlib.import_module(app_module).app
            built.update(app=app, handler=make_handler(app, service=service))
        return built[name]

    return __getattr__


def make_job(job: Job, *, service: str) -> Job:
    """A saga step, queue consumer or stream job: its logs keyed by the `correlation_id` its input carries
    (a batch has none of its own: its record handlers use `correlated` per record)."""

    def correlation_of(event: Any) -> str | None:
        value = event.get("correlation_id") if isinstance(event, dict) else None
        return value if isinstance(value, str) and value else None

    return _entry_point(job, service=service, kind=JOB, correlation_of=correlation_of)


def make_authorizer(authorize: Callable[[dict[str, Any], Any], dict[str, Any]], *, service: str) -> LambdaHandler:
    """An HTTP API REQUEST authorizer: its lines carry the id of the request it is deciding on, by the same
    rule as the route that runs next (the caller's sane `x-request-id`, else API Gateway's request id)."""
    return _entry_point(authorize, service=service, kind=AUTHORIZER, correlation_of=request_id_from_event)
