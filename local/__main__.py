"""`python -m local <command>`: the docker-free stand-in for `sam local`.

Add a command by writing `add_arguments(parser)` and `run(args) -> exit code`, then registering
them with `@command(name, help)`; `build_parser()` turns the registry into subcommands.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_TEMPLATE = "template.yaml"


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {}


def command(
    name: str, help: str, add_arguments: Callable[[argparse.ArgumentParser], None]
) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    def register(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = Command(name, help, add_arguments, run)
        return run

    return register


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """Options every stack-starting command shares (template, overrides)."""
    parser.add_argument("--template", "-t", default=DEFAULT_TEMPLATE, help="SAM template (default: %(default)s)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="environment override for the functions (repeatable); wins over the template",
    )
    parser.add_argument(
        "--env-vars",
        type=Path,
        help='JSON file as for `sam local invoke --env-vars`: {"Parameters": {...}, "<FunctionId>": {...}}',
    )
    parser.add_argument(
        "--parameter-overrides",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="template parameter values (defaults come from the template)",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="debug logs on stderr")


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"{what} must look like NAME=VALUE, got {item!r}")
        out[name] = value
    return out


def env_overrides(args: argparse.Namespace, function_id: str | None = None) -> dict[str, str]:
    overrides: dict[str, str] = {}
    if args.env_vars:
        doc = json.loads(args.env_vars.read_text())
        overrides.update({k: str(v) for k, v in (doc.get("Parameters") or {}).items()})
        if function_id:
            overrides.update({k: str(v) for k, v in (doc.get(function_id) or {}).items()})
    overrides.update(_pairs(args.env, "--env"))
    return overrides


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:  # chatty at INFO: every emulator call of the seeding, moto's passthrough, pynamodb's settings
        for name in ("botocore", "boto3", "moto", "urllib3", "httpx", "responses", "pynamodb"):
            logging.getLogger(name).setLevel(logging.WARNING)


# ---- invoke -----------------------------------------------------------------------------------


def _invoke_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("function", help="logical id of the function in the template")
    parser.add_argument("--event", "-e", help="event JSON file ('-' for stdin); default: {}")
    parser.add_argument("--isolated", action="store_true",
                        help="start an isolated stack with the demo data even when `make run` is up")
    add_stack_arguments(parser)
    parser.epilog = (
        "With the project's template, invoke runs against the stack `make run` started (.local/stack.json) when "
        "it answers, else it starts an isolated one with the demo data. Placeholders such as {{customer.uid}} "
        "in the event are filled from that stack (events/README.md). --env and "
        "--env-vars apply to an isolated stack only (the running stack's functions share one process and one "
        "environment): they imply --isolated.")


def _read_event(source: str | None) -> Any:
    if source == "-":
        return json.load(sys.stdin)
    return json.loads(Path(source).read_text()) if source else {}


@command("invoke", "invoke one function once with an event (twin of `sam local invoke`)", _invoke_arguments)
def run_invoke(args: argparse.Namespace) -> int:
    from local.config import TEMPLATE

    _configure_logging(args.verbose)
    event = _read_event(args.event)
    if Path(args.template).resolve() != TEMPLATE:
        return _invoke_alone(args, event)  # another template: just that function, on empty resources
    from local.template import Template

    if args.function not in Template.load(TEMPLATE).functions:
        raise KeyError(f"no function {args.function!r} in {args.template}")
    if args.parameter_overrides:
        print("error: --parameter-overrides applies to other templates; the project's stack uses "
              "local/config.py's parameters", file=sys.stderr)
        return 2
    overrides = env_overrides(args, args.function)
    if overrides:
        args.isolated = True  # a running stack's environment is shared by all its functions: not per invoke
    running_api = None if args.isolated else _running_stack()
    if running_api:
        print(f"invoke: using the running stack at {running_api}", file=sys.stderr, flush=True)
        return _invoke_attached(running_api, args.function, event)
    why = ("--isolated (or --env/--env-vars)" if args.isolated else "no running stack (.local/stack.json)")
    print(f"invoke: {why}; started an isolated one with the demo data", file=sys.stderr, flush=True)
    return _invoke_isolated(args.function, event, overrides)


def _running_stack() -> str | None:
    """The API of the `make run` stack named by its state file, if it answers /health (any status)."""
    import httpx

    from local.server import STATE_FILE

    try:
        api_url = str(json.loads(STATE_FILE.read_text())["api_url"])
        httpx.get(f"{api_url}/health", timeout=3)
    except (OSError, ValueError, KeyError, httpx.HTTPError):
        return None
    return api_url


def _print_outcome(payload: Any, error: bool) -> int:
    print(json.dumps(payload))
    return 1 if error else 0


def _invoke_attached(api_url: str, function_id: str, event: Any) -> int:
    import httpx

    from local.invoke import FUNCTION_ERROR_HEADER, ROUTE

    reply = httpx.post(api_url + ROUTE.format(function_id=function_id), json=event, timeout=300)
    if reply.status_code != 200:
        detail = reply.json().get("detail") if "json" in reply.headers.get("content-type", "") else reply.text
        print(f"error: {detail or reply.status_code}", file=sys.stderr)
        return 2
    return _print_outcome(reply.json(), FUNCTION_ERROR_HEADER in reply.headers)


def _invoke_isolated(function_id: str, event: Any, overrides: dict[str, str]) -> int:
    import time

    from local.invoke import PlaceholderError, isolated_stack

    started = time.monotonic()
    # Like `sam local invoke`: prints of the stack and the function are logs (stderr); stdout is the result.
    with contextlib.redirect_stdout(sys.stderr), isolated_stack(overrides) as invoker:
        print(f"invoke: the isolated stack was ready in {time.monotonic() - started:.1f}s", flush=True)
        try:
            outcome = invoker.invoke(function_id, event)
        except PlaceholderError as exc:
            print(f"error: {exc}", flush=True)
            return 2
    return _print_outcome(outcome.payload, outcome.error)


def _invoke_alone(args: argparse.Namespace, event: Any) -> int:
    """Any other template: the one function on the template's resources (empty), no demo data."""
    from local.lambdas import LambdaError
    from local.stack import LocalStack

    env = env_overrides(args, args.function)
    parameters = _pairs(args.parameter_overrides, "--parameter-overrides")
    stack = LocalStack(args.template, env_overrides=env, parameter_overrides=parameters, only_functions=[args.function])
    with stack, contextlib.redirect_stdout(sys.stderr):
        assert stack.functions is not None
        try:
            result, error = stack.functions.invoke(args.function, event), False
        except LambdaError as exc:
            result, error = exc.payload(), True
    return _print_outcome(result, error)


# ---- run, token -------------------------------------------------------------------------------


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")), help="default: %(default)s")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--emulator-port", type=int, default=None, help="Firebase Auth emulator (default: free port)")
    parser.add_argument("--ready-timeout", type=float, default=None, metavar="SECONDS",
                        help="how long /health may take to answer 200 before giving up (default: 180)")
    parser.add_argument("--concurrency", type=int, default=None, metavar="N",
                        help="clients' requests whose functions run at once; the others wait their turn, calls "
                        "between services never do (default: $BLINKIT_CONCURRENCY or 2; 0: no bound)")
    parser.add_argument("--verbose", "-v", action="store_true")


@command("run", "start the whole system locally: API on --port, /docs, emulator, seeded demo users", _run_arguments)
def run_server(args: argparse.Namespace) -> int:
    from local.server import PUBLIC_CONCURRENCY, READY_TIMEOUT_SECONDS, serve

    _configure_logging(args.verbose)
    timeout = args.ready_timeout if args.ready_timeout is not None else READY_TIMEOUT_SECONDS
    given = str(args.concurrency) if args.concurrency is not None else os.environ.get("BLINKIT_CONCURRENCY")
    if given is not None and not given.isdigit():
        print(f"error: --concurrency (or BLINKIT_CONCURRENCY) must be 0 (no bound) or more, got {given!r}",
              file=sys.stderr)
        return 2
    concurrency = int(given) if given is not None else PUBLIC_CONCURRENCY
    return serve(args.port, args.host, args.emulator_port, ready_timeout=timeout, public_concurrency=concurrency)


def _token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", default="customer", help="customer, admin, staff or partner")
    parser.add_argument("--id-token", action="store_true", help="print the Firebase ID token instead")


@command("token", "print a fresh session token for a demo user of the running stack", _token_arguments)
def run_token(args: argparse.Namespace) -> int:
    from local.server import session_token

    try:
        print(session_token(args.user, id_token_only=args.id_token))
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


# ---- seed -------------------------------------------------------------------------------------


def _seed_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", default="admin", help="demo user whose session creates the catalog (admin)")
    parser.add_argument("--url", default=None, help="API to load (default: the running `make run` stack), e.g. a "
                        "deployed stack's ApiUrl output")
    parser.add_argument("--token", default=None, help="an admin's session token (default: the demo admin's; "
                        "required with --url)")
    parser.add_argument("--csv", type=Path, default=None, metavar="FILE",
                        help="load this CSV catalog instead of the demo one (columns: local/catalog/csv_catalog.py)")


@command("seed", "load the demo catalog (or a CSV one) into a running stack through its admin API", _seed_arguments)
def run_seed(args: argparse.Namespace) -> int:
    from local.catalog.csv_catalog import CatalogFileError, read_catalog_csv
    from local.catalog.data import catalog
    from local.seed import seed_catalog_over_http
    from local.server import STATE_FILE, session_token

    if args.url and not args.token:
        print("error: --url needs --token, an admin's session token (from POST /auth/login)", file=sys.stderr)
        return 2
    try:
        data = read_catalog_csv(args.csv) if args.csv else catalog()  # a bad file stops before any request
        token = args.token or session_token(args.user)
        api_url = args.url or json.loads(STATE_FILE.read_text())["api_url"]
        counts = seed_catalog_over_http(api_url.rstrip("/"), token, data)
    except CatalogFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(counts))
    return 0


# ---- admin ------------------------------------------------------------------------------------


def _admin_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="the deployed stack's name, e.g. blinkit-dev")
    parser.add_argument("--region", required=True, help="its region, e.g. ap-south-1")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--uid", help="the user's uid (GET /users/me answers it)")
    who.add_argument("--phone", help="the phone number the user signed in with, e.g. +919812345678")


@command("admin", "make the first admin of a deployed stack (adds admin to a signed-in user's roles)",
         _admin_arguments)
def run_admin(args: argparse.Namespace) -> int:
    import boto3

    from local.admin import AdminError, make_first_admin

    try:
        done = make_first_admin(boto3.Session(region_name=args.region), args.stack, uid=args.uid, phone=args.phone)
    except AdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(done))
    print("Sign in again: new sessions carry the admin role.", file=sys.stderr)
    return 0


# ---- demo -------------------------------------------------------------------------------------


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", default=None, help="API of the running stack (default: the one `make run` wrote)")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE",
                        help="also write the timeline and the journey's results (ids, bodies) to FILE as JSON")


@command("demo", "drive the whole customer journey over HTTP against a running `make run`, printing a timeline",
         _demo_arguments)
def run_demo(args: argparse.Namespace) -> int:
    from local.demo import main as demo_main
    from local.server import STATE_FILE

    try:
        return demo_main(args.url, STATE_FILE, lambda line: print(line, flush=True), args.json)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


# ---- ride -------------------------------------------------------------------------------------


def _ride_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("order_id", help="an order assigned to the demo partner (pack it as staff first)")
    parser.add_argument("--url", default=None, help="API of the running stack (default: the one `make run` wrote)")
    parser.add_argument("--steps", type=int, default=20, help="GPS fixes from the store to the door")
    parser.add_argument("--interval-ms", type=int, default=1100, help="between fixes (the API takes one a second)")
    parser.add_argument("--otp", default=None, help="deliver at the end with the customer's OTP")


@command("ride", "the demo partner rides an assigned order from the store to the door, posting GPS fixes",
         _ride_arguments)
def run_ride(args: argparse.Namespace) -> int:
    from local.ride import ride
    from local.server import STATE_FILE

    try:
        return ride(args.order_id, url=args.url, state_file=STATE_FILE, steps=max(1, args.steps),
                    interval_ms=max(0, args.interval_ms), otp=args.otp, say=lambda line: print(line, flush=True))
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


# ---- pay --------------------------------------------------------------------------------------


def _pay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("order_id", help="an online order of the demo customer (payment_method online)")
    roads = parser.add_mutually_exclusive_group()
    roads.add_argument("--fail", dest="mode", action="store_const", const="fail",
                       help="a declined attempt (the order fails PAYMENT_FAILED when its Checkout expires)")
    roads.add_argument("--late", dest="mode", action="store_const", const="late",
                       help="pay only after the order failed unpaid (the money is flagged for an automatic refund)")
    roads.add_argument("--webhook-only", dest="mode", action="store_const", const="webhook-only",
                       help="complete the payment by Razorpay's signed webhook alone")
    roads.add_argument("--verify-only", dest="mode", action="store_const", const="verify-only",
                       help="complete the payment by POST /payments/verify alone")
    parser.set_defaults(mode="both")


@command("pay", "play Razorpay Checkout for an online order of the demo customer (verify and/or webhook)",
         _pay_arguments)
def run_pay(args: argparse.Namespace) -> int:
    import httpx

    from local.pay import PayFailed, play
    from local.server import STATE_FILE, session_token

    try:
        if not STATE_FILE.exists():
            raise RuntimeError("the local stack is not running: start it with `make run` first")
        state = json.loads(STATE_FILE.read_text())
        play(state["api_url"], state["razorpay_url"], session_token("customer"), args.order_id, args.mode,
             say=lambda line: print(line, flush=True))
    except (RuntimeError, PayFailed, httpx.HTTPError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


# ---- entry point ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for cmd in COMMANDS.values():
        cmd.add_arguments(sub.add_parser(cmd.name, help=cmd.help, description=cmd.help))
    return parser


def main(argv: list[str] | None = None) -> int:
    from local.template import TemplateError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except (KeyError, TemplateError, FileNotFoundError) as exc:
        # A wrong name or path is the caller's mistake: one line, not a traceback.
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
