"""Every Lambda entry point goes through blinkit.handler's wrappers, and their log keys belong to one invocation.

The template walk makes a new function that skips the wrappers fail here the day it is added; the thread test
shows why the per-invocation keys are context-local: locally one process runs invocations of every domain at
once, and each line must still name its own.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from blinkit.handler import AUTHORIZER, ENTRY_POINT, HTTP, JOB, SERVICE, correlated, make_job
from blinkit.observability import logger
from local.template import Template
from tests.plugins.output import LinesPerThread

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Template.load(ROOT / "template.yaml")


def _handler(function_id: str) -> Any:
    module, _, attr = TEMPLATE.functions[function_id].handler.rpartition(".")
    return getattr(importlib.import_module(module), attr)


@pytest.mark.parametrize("function_id", sorted(TEMPLATE.functions))
def test_every_function_of_the_template_is_built_by_a_blinkit_wrapper(function_id: str) -> None:
    kind = getattr(_handler(function_id), ENTRY_POINT, None)
    assert kind in (HTTP, JOB, AUTHORIZER), f"{function_id}: its Handler skips blinkit.handler (make_handler/make_job)"
    routed = any(route.function_id == function_id for route in TEMPLATE.http_routes())
    assert (kind == HTTP) == routed, f"{function_id}: an HTTP route's function is built by make_handler, and only it"


@pytest.mark.parametrize("function_id", sorted(TEMPLATE.functions))
def test_every_function_logs_and_measures_as_the_domain_its_handler_lives_in(function_id: str) -> None:
    domain = TEMPLATE.functions[function_id].handler.split(".")[0]  # functions/<domain>/handlers.py
    service = getattr(_handler(function_id), SERVICE, None)
    assert service == domain, f"{function_id}: its handler is in {domain} but passes service={service!r}"


def test_the_authorizer_is_built_by_make_authorizer() -> None:
    # Its own module (auth.authorizer), so that its cold start imports no FastAPI app.
    assert TEMPLATE.functions["AuthorizerFunction"].handler == "auth.authorizer.handler"
    authorizers = {fid for fid in TEMPLATE.functions if getattr(_handler(fid), ENTRY_POINT, None) == AUTHORIZER}
    assert authorizers == {"AuthorizerFunction"}


def _in_a_fresh_interpreter(code: str) -> str:
    """What `code` prints in a new Python with only the function code and the layer on its path (a cold start)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                          env={"PYTHONPATH": "functions:layers/blinkit", "AWS_REGION": "ap-south-1",
                               "PATH": "/usr/bin:/bin"})
    return done.stdout


def test_the_authorizer_imports_no_web_framework_and_no_tables() -> None:
    """It runs before every protected request: its init loads Redis, the settings and Powertools, not the app.
    (Powertools imports botocore's package itself for its user agent, not a session or a client.)"""
    code = ("import sys, auth.authorizer; heavy = ('fastapi', 'starlette', 'mangum', 'pynamodb', 'botocore.session', "
            "'httpx', 'auth.app', 'auth.service'); print(sorted(m for m in heavy if m in sys.modules))")
    assert _in_a_fresh_interpreter(code).strip() == "[]"


JOBS = sorted(fid for fid in TEMPLATE.functions
              if fid != "AuthorizerFunction" and not any(r.function_id == fid for r in TEMPLATE.http_routes()))
WEB_FRAMEWORK = ("fastapi", "starlette", "mangum")


def _loaded_at_init(function_id: str) -> list[str]:
    """What a fresh interpreter holds of the web framework after Lambda's init of this function: import the
    Handler's module, then look its name up."""
    module, _, attr = TEMPLATE.functions[function_id].handler.rpartition(".")
    code = (f"import importlib, sys; getattr(importlib.import_module({module!r}), {attr!r}); "
            f"print(' '.join(sorted(m for m in {WEB_FRAMEWORK!r} if m in sys.modules)))")
    return _in_a_fresh_interpreter(code).split()


@pytest.mark.parametrize("function_id", JOBS)
def test_a_jobs_init_imports_no_web_framework(function_id: str) -> None:
    """Saga steps and consumers share their domain's handlers module with its routes; the route `handler` is built
    only when looked up (blinkit.handler.routes_on_demand), so a job's cold start skips FastAPI and the routes."""
    assert _loaded_at_init(function_id) == []


def test_a_route_functions_init_still_builds_its_app() -> None:
    # Looked up during init, so the app is imported there (and SnapStart snapshots it), not on the first request.
    assert _loaded_at_init("CartAddItemFunction") == sorted(WEB_FRAMEWORK)
    assert len(JOBS) >= 17  # the saga's steps, the queue consumers, the scheduled and stream jobs


def test_a_handlers_module_answers_only_handler_and_app() -> None:
    import cart.handlers

    assert cart.handlers.app is importlib.import_module("cart.app").app
    with pytest.raises(AttributeError, match=r"module 'cart\.handlers' has no attribute 'nothing'"):
        cart.handlers.nothing  # noqa: B018


def _context(name: str) -> Any:
    return SimpleNamespace(function_name=name, memory_limit_in_mb=512, aws_request_id=f"lambda-{name}",
                           invoked_function_arn=f"arn:aws:lambda:ap-south-1:123456789012:function:{name}")


def test_invocations_running_at_once_on_threads_each_log_their_own_keys() -> None:
    both_started = threading.Barrier(2, timeout=10)

    def work(event: dict[str, Any], context: Any) -> None:
        logger.info("before the other starts")
        both_started.wait()  # the other invocation has set its keys by now
        logger.info("after the other started")
        with correlated(event["record_id"]):
            logger.info("one record")
        logger.info("after the record")

    jobs = {"JobA": make_job(work, service="orders"), "JobB": make_job(work, service="delivery")}
    buffer = io.StringIO()
    previous = logger.registered_handler.setStream(buffer)
    try:
        threads = [threading.Thread(target=jobs[name], args=({"correlation_id": f"corr-{name}",
                                                               "record_id": f"rec-{name}"}, _context(name)))
                   for name in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    finally:
        logger.registered_handler.setStream(previous)
    lines = [json.loads(raw) for raw in buffer.getvalue().splitlines()]

    assert len(lines) == 8
    for name, service in (("JobA", "orders"), ("JobB", "delivery")):
        mine = [line for line in lines if line["function_name"] == name]
        assert [line["message"] for line in mine] == ["before the other starts", "after the other started",
                                                      "one record", "after the record"]
        assert {line["service"] for line in mine} == {service}
        assert {(line["function_arn"].rsplit(":", 1)[1], line["function_request_id"]) for line in mine} == {
            (name, f"lambda-{name}")}
        ids = [line["correlation_id"] for line in mine]
        assert ids == [f"corr-{name}", f"corr-{name}", f"rec-{name}", f"corr-{name}"]
        assert all(line["request_id"] == line["correlation_id"] for line in mine)


class _Refused(Exception):
    """A business refusal a job raises (as ReserveStock raises OutOfStock) after recording a metric."""


def test_jobs_running_at_once_each_end_with_their_own_outcome_never_a_metrics_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Locally invocations share one process and Powertools' one metric set: a flush must never serialize a set
    another invocation just flushed (SchemaValidationError in place of the job's own exception or answer)."""
    from blinkit.observability import metrics

    def job(event: dict[str, Any], context: Any) -> dict[str, Any]:
        metrics.add_metric(name="RaceProbe", unit="Count", value=1)
        if event["n"] % 2:
            raise _Refused(str(event["n"]))
        return {"n": event["n"]}

    entry = make_job(job, service="probe")
    outcomes: dict[int, str] = {}

    def run(start: int) -> None:
        for n in range(start, start + 150):
            try:
                outcomes[n] = "ok" if entry({"n": n}) == {"n": n} else "wrong answer"
            except _Refused as exc:
                outcomes[n] = "refused" if exc.args == (str(n),) else "wrong refusal"
            except Exception as exc:  # what the race produced: the flush's error instead of the job's outcome
                outcomes[n] = type(exc).__name__

    threads = [threading.Thread(target=run, args=(i * 150,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wrong = {n: o for n, o in outcomes.items() if o != ("refused" if n % 2 else "ok")}
    assert len(outcomes) == 1200, len(outcomes)
    assert not wrong, f"{len(wrong)} invocations ended otherwise: {dict(list(wrong.items())[:5])}"
    published = sum(line.count('"RaceProbe"') for line in capsys.readouterr().out.splitlines()
                    if '"_aws"' in line)
    assert published >= 1, "the metrics were flushed (EMF lines on stdout)"


def test_worker_threads_in_a_copy_of_the_invocation_context_add_to_its_own_metric_set() -> None:
    """The notifications consumer runs records and channels on pool threads in copies of the invocation's context:
    their metrics belong to that invocation (its service, one blob flushed at its end), whatever runs beside it."""
    import concurrent.futures
    import contextvars

    from blinkit.observability import metrics

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=8)

    def fan_out(event: dict[str, Any], context: Any) -> None:
        futures = [pool.submit(contextvars.copy_context().run, metrics.add_metric, name=event["metric"],
                               unit="Count", value=1) for _ in range(20)]
        for future in futures:
            future.result()

    jobs = [(make_job(fan_out, service="notifications"), "Fanned"), (make_job(fan_out, service="delivery"), "Other")]
    threads = [threading.Thread(target=lambda job=job, name=name: [job({"metric": name}) for _ in range(10)])
               for job, name in jobs]
    out = LinesPerThread()
    try:
        with contextlib.redirect_stdout(out):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
    finally:
        pool.shutdown()
    blobs = [json.loads(line) for line in out.lines if '"_aws"' in line]
    assert sorted((b["service"], name, len(b[name])) for b in blobs for name in ("Fanned", "Other") if name in b) == \
        [("delivery", "Other", 20)] * 10 + [("notifications", "Fanned", 20)] * 10
    assert all(len(b["_aws"]["CloudWatchMetrics"][0]["Metrics"]) == 1 for b in blobs)
