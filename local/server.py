"""`make run`: the whole system on one machine, no Docker, no AWS account.

Starts (or reuses) Redis, the Firebase Auth emulator, the template's resources on in-process moto,
the queue pump, the HTTP gateway with /docs, and seeds demo users. Ports and demo users are written
to .local/stack.json so `python -m local token` can find them.

"Blinkit Clone is running" is printed only once `/health` answers 200 (Redis, the catalog table and a
published search index), so a client that starts on that line gets search results at once. If it does
not within the ready timeout, the command says which component is not ready and exits non-zero.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.config import PARAMETERS, STATE_DIR, TEMPLATE, local_environment

log = logging.getLogger("local.server")
# Where a running stack tells other commands its ports; tests point it elsewhere to run beside `make run`.
STATE_FILE = Path(os.environ.get("BLINKIT_LOCAL_STATE", STATE_DIR / "stack.json"))
READY_TIMEOUT_SECONDS = 180.0  # seeding and the first search index take seconds; a slow CI machine, a minute
BANNER = "Blinkit Clone is running on"
# How many clients' requests run their functions at once (local/gateway.py asgi_app says why there is a bound);
# service-to-service calls are not counted. 0 lifts the bound. Measured in docs/benchmarks.md (load).
PUBLIC_CONCURRENCY = 2


@contextlib.contextmanager
def redis_server(*, use_env: bool = True) -> Iterator[str]:
    """REDIS_URL when set (and `use_env`); otherwise an embedded Redis (fakeredis with Lua) on a free port."""
    if use_env and os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    from local.embedded_redis import embedded_redis

    server = embedded_redis()
    thread = threading.Thread(target=server.serve_forever, name="embedded-redis", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    # Information, not a problem: the embedded Redis is the default for a machine without one.
    log.info("REDIS_URL is not set: using an embedded Redis on %s:%s (data is lost on exit)", host, port)
    try:
        yield f"redis://{host}:{port}/0"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Running:
    api_url: str
    emulator: Any
    stack: Any
    users: dict[str, str]


@contextlib.contextmanager
def local_system(port: int, *, emulator_port: int | None = None, seed: bool = True,
                 state_file: Path | None = STATE_FILE, env_overrides: dict[str, str] | None = None,
                 outbox: Path | None = None, shared_redis: bool = True) -> Iterator[Running]:
    """The whole stack in this process, its services calling each other at `port` (the caller serves the gateway
    there). `state_file=None` writes no state (an isolated `invoke`: other commands must not find it);
    `shared_redis=False` ignores REDIS_URL and embeds a Redis of its own; `env_overrides` win over the local
    environment (`invoke --env-vars`)."""
    from local.firebase_emulator import FirebaseAuthEmulator
    from local.stack import LocalStack

    with contextlib.ExitStack() as stack_of:
        redis_url = stack_of.enter_context(redis_server(use_env=shared_redis))
        emulator = stack_of.enter_context(FirebaseAuthEmulator(port=emulator_port, project_id="demo-blinkit"))
        env = local_environment(redis_url=redis_url, firebase_emulator_host=emulator.host,
                                api_url=f"http://127.0.0.1:{port}")
        env.update(env_overrides or {})
        if outbox is None:  # beside its state
            outbox = (state_file or STATE_FILE).parent / "outbox"
        stack = stack_of.enter_context(LocalStack(TEMPLATE, env_overrides=env, parameter_overrides=PARAMETERS,
                                                  outbox=outbox))
        # Importable only now: the stack put the layer and the functions on sys.path, as Lambda does.
        from blinkit.redis_client import reset_redis
        from blinkit.settings import get_settings

        get_settings.cache_clear()
        reset_redis()
        users: dict[str, str] = {}
        if seed:
            from local.seed import seed_users

            users = seed_users(emulator)
            from local.catalog.data import catalog
            from local.seed import seed_catalog

            seeded = seed_catalog(catalog())
            log.info("seeded the demo catalog: %s", seeded)
            from local.seed import seed_partners

            seed_partners(users)  # the demo partner: available at the first store
            from local.seed import seed_coupons

            log.info("seeded %d demo offers", seed_coupons())  # WELCOME75, SAVE10, FREEDEL, DAIRY20
            # The seed reaches the search index (through the stream, as any catalog write) before the server
            # says it is running; a /health check before that would ask for a rebuild of its own.
            assert stack.streams is not None
            stack.streams.drain()
        assert stack.pump is not None and stack.streams is not None
        stack.pump.start()
        stack_of.callback(stack.pump.stop)
        stack.streams.start()
        stack_of.callback(stack.streams.stop)
        running = Running(f"http://127.0.0.1:{port}", emulator, stack, users)
        if state_file is not None:
            state_file.parent.mkdir(parents=True, exist_ok=True)
            state_file.write_text(json.dumps({
                "api_url": running.api_url,
                "emulator_host": emulator.host,
                "project_id": emulator.project_id,
                "redis_url": redis_url,
                "razorpay_url": stack.razorpay.url,  # the Razorpay stand-in: `python -m local pay` plays Checkout
                "users": users,
            }, indent=2))
            stack_of.callback(state_file.unlink, missing_ok=True)
        yield running


def wait_until_ready(health_url: str, timeout: float, *, interval: float = 0.5,
                     stopped: Callable[[], bool] = lambda: False) -> str | None:
    """Poll /health until it answers 200: None then; else (timeout, or `stopped`) what was not ready last."""
    import httpx

    deadline = time.monotonic() + timeout
    why = "the API did not answer"
    while True:
        try:
            reply = httpx.get(health_url, timeout=max(1.0, interval * 4))
            if reply.status_code == 200:
                return None
            why = _not_ready(reply)
        except httpx.HTTPError as exc:
            why = f"the API did not answer ({type(exc).__name__})"
        if stopped() or time.monotonic() >= deadline:
            return why
        time.sleep(interval)


def _not_ready(reply: Any) -> str:
    try:
        dependencies = reply.json()["dependencies"]
        parts = [f"{name} is {dep['status']}" + (f" ({dep['detail']})" if dep.get("detail") else "")
                 for name, dep in dependencies.items() if dep["status"] != "ok"]
    except (ValueError, KeyError, TypeError, AttributeError):
        parts = []
    return "; ".join(parts) or f"/health answered {reply.status_code}"


def serve(port: int, host: str = "127.0.0.1", emulator_port: int | None = None,
          ready_timeout: float = READY_TIMEOUT_SECONDS, public_concurrency: int = PUBLIC_CONCURRENCY) -> int:
    """Serve until Ctrl-C (0), or exit 1 if /health does not answer 200 within `ready_timeout` seconds.
    At most `public_concurrency` clients' requests run at once (0: no bound); calls between services always run."""
    import uvicorn

    from local.checkout_page import checkout_routes
    from local.gateway import Gateway, asgi_app, server_config
    from local.invoke import invoke_route, invoker_of
    from local.web import app_config, web_routes

    with local_system(port, emulator_port=emulator_port) as running:
        assert running.stack.functions is not None
        running.stack.functions.import_handlers()
        gateway = Gateway(running.stack.template, running.stack.functions)
        app = asgi_app(gateway, extra_routes=[outbox_route(running.stack.receivers),
                                              realtime_route(running.stack.supabase),
                                              invoke_route(invoker_of(running, gateway)),
                                              *web_routes(app_config(emulator_host=running.emulator.host)),
                                              *checkout_routes(running.stack.razorpay.url)],
                      public_concurrency=public_concurrency or None)
        server = uvicorn.Server(server_config(app, host=host, port=port, log_level="warning"))
        not_ready: list[str] = []

        def announce_when_ready() -> None:
            problem = wait_until_ready(f"{running.api_url}/health", ready_timeout, stopped=lambda: server.should_exit)
            if problem is None:
                _print_banner(running, routes=len(gateway.routes))
            elif not server.should_exit:  # not Ctrl-C meanwhile: the stack did not become ready
                not_ready.append(problem)
                print(f"\nBlinkit Clone did not become ready within {ready_timeout:.0f}s: {problem}",
                      file=sys.stderr, flush=True)
                server.should_exit = True

        threading.Thread(target=announce_when_ready, name="ready-check", daemon=True).start()
        # uvicorn shuts down on SIGINT and SIGTERM, then raises the signal again under the handler it found.
        # Python's default for SIGTERM ends the process on the spot, leaving the emulator (its own process
        # group) and the receivers running: exit through the `with` instead, which stops them.
        signal.signal(signal.SIGTERM, _exit_through_cleanup)
        server.run()  # in this thread: it handles Ctrl-C
        return 1 if not_ready else 0


def _exit_through_cleanup(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _print_banner(running: Running, *, routes: int) -> None:
    from blinkit import clock
    from local.catalog.data import STORES
    from local.seed import DEMO_USERS, demo_coupons

    receivers = running.stack.receivers
    print(f"\n{BANNER} {running.api_url} ({routes} routes; docs: {running.api_url}/docs)")
    print(f"The web app: {running.api_url}/ (sign in with a demo user's phone; the code is in the emulator)")
    print(f"Firebase Auth emulator: http://{running.emulator.host}")
    print("Demo users (phone sign-in through the emulator):")
    for user in DEMO_USERS:
        where = f"  (works at {STORES[0]['name']}, {STORES[0]['store_id']})" if user.works_at_first_store else ""
        print(f"  {user.key:<9} {user.phone}  roles={','.join(user.roles)}{where}")
    offers = ", ".join(f"{c['code']} ({c['title']})" for c in demo_coupons(clock.now()))
    print(f"Offers (GET /offers?store_id=..., `coupon_code` on quote and checkout): {offers}")
    print("Get a session token:   .venv/bin/python -m local token --user customer")
    print("Then:  curl -H \"Authorization: Bearer $TOKEN\" " + running.api_url + "/users/me")
    print(f"Emails and pushes sent (Resend and FCM stand-ins): {running.api_url}/local/outbox; "
          f"each email as HTML in {receivers.outbox}\n", flush=True)


def outbox_route(receivers: Any) -> Any:
    """`GET /local/outbox`: what the local Resend and FCM receivers were sent (local stack only, never deployed)."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def outbox(request: Request) -> JSONResponse:
        return JSONResponse(receivers.outbox_listing())

    return Route("/local/outbox", outbox, methods=["GET"])


def realtime_route(supabase: Any) -> Any:
    """`GET /local/realtime[?topic=]`: what the local Supabase Realtime stand-in was asked to broadcast (live rider
    locations), oldest first (local stack only, never deployed)."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def realtime(request: Request) -> JSONResponse:
        topic = request.query_params.get("topic")
        return JSONResponse({"broadcasts": [b for b in supabase.broadcasts if topic in (None, b["topic"])]})

    return Route("/local/realtime", realtime, methods=["GET"])


def session_token(user_key: str, *, id_token_only: bool = False) -> str:
    """A fresh session token (or the Firebase ID token) for a demo user of a running `make run`."""
    import httpx

    from local.firebase_emulator import FirebaseAuthEmulator
    from local.seed import demo_user

    if not STATE_FILE.exists():
        raise RuntimeError("the local stack is not running: start it with `make run` first")
    state = json.loads(STATE_FILE.read_text())
    emulator = FirebaseAuthEmulator.attach(state["emulator_host"], state["project_id"])
    _, id_token = emulator.sign_in_with_phone(demo_user(user_key).phone)
    if id_token_only:
        return id_token
    reply = httpx.post(f"{state['api_url']}/auth/login", timeout=30,
                       json={"id_token": id_token, "device": {"name": "local token command", "platform": "web"}})
    reply.raise_for_status()
    return str(reply.json()["session_token"])
