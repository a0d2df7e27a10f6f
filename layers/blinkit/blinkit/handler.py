"""The Lambda entry point for a domain's FastAPI app: Mangum plus correlation ids, logs and metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from blinkit.context import REQUEST_ID_HEADER, request_id_from_event, request_id_var
from blinkit.observability import logger, metrics

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
Job = Callable[..., Any]


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
    from mangum import Mangum

    # problem+json is text: without it Mangum would base64 every error body.
    text_types = ["application/json", "application/problem+json", "text/plain", "text/html"]
    adapter = Mangum(app, lifespan="off", api_gateway_base_path="/", text_mime_types=text_types)
    # Once per process: a Lambda runs one domain. (Locally all domains share one process and one
    # Metrics, so local EMF lines carry whichever domain loaded last; AWS is unaffected.)
    metrics.set_default_dimensions(service=service)

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request_id = request_id_from_event(event)
        token = request_id_var.set(request_id)
        logger.append_keys(service=service, request_id=request_id)
        logger.set_correlation_id(request_id)
        http = (event.get("requestContext") or {}).get("http") or {}
        try:
            _ensure_event_loop()
            response = adapter(event, context)
        finally:
            request_id_var.reset(token)
        response.setdefault("headers", {})[REQUEST_ID_HEADER] = request_id
        logger.info(
            "request",
            method=http.get("method"),
            path=http.get("path"),
            status=response.get("statusCode"),
        )
        return response

    return handler


def make_job(job: Job, *, service: str) -> Job:
    """A saga step or stream job as a Lambda entry point: its metrics flushed on every invocation (not
    only once 100 pile up in a container) and its logs keyed by the correlation id its input carries."""

    @metrics.log_metrics
    def handler(event: Any, context: Any = None) -> Any:
        correlation = event.get("correlation_id") if isinstance(event, dict) else None
        token = request_id_var.set(correlation or None)
        logger.append_keys(service=service)
        if correlation:
            logger.set_correlation_id(correlation)
        try:
            return job(event, context)
        finally:
            request_id_var.reset(token)

    handler.__doc__ = job.__doc__
    return handler
