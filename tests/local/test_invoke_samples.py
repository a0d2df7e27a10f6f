"""Every sample event in events/ answers what it is meant to, invoked both ways `python -m local invoke` runs it:
against a running `make run` stack (through its `POST /local/invoke/{id}` route) and in an isolated stack with the
demo data. The samples' placeholders are filled from the stack they run on (events/README.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.config import ROOT, TEMPLATE
from local.invoke import FUNCTION_ERROR_HEADER, ROUTE, Invoker, Outcome, answer_of, isolated_stack
from local.template import Template
from tests.plugins.local_server import local_server
from tests.plugins.stack import flush_keeping_claim

# In this order (samples change the data the next ones see: the cart is filled before it is read, the order is
# packed before the rider picks it up), each sample and what it answers: an HTTP status, `ok` for a job, or
# `error:<Type>` for a job's documented business error. A sample meant to show an error says why.
SAMPLES: list[tuple[str, int | str]] = [
    ("HealthFunction", 200),
    ("StoresListFunction", 200),
    ("StoresServiceableFunction", 200),
    ("CategoriesListFunction", 200),
    ("ProductsListFunction", 200),
    ("ProductsListByCategoryFunction", 200),
    ("ProductsGetFunction", 200),
    ("ProductsSearchFunction", 200),
    ("ProductsBatchFunction", 200),
    ("AuthLoginFunction", 201),
    ("AuthValidateTokenFunction", 200),
    ("AuthGoogleFunction", 201),
    ("AuthorizerFunction", "ok"),
    ("UsersGetMeFunction", 200),
    ("UsersUpdateMeFunction", 200),
    ("UsersVerifyEmailFunction", 422),  # the link's token is only in the email: a made-up one is refused
    ("AddressesCreateFunction", 201),
    ("AddressesListFunction", 200),
    ("AddressesUpdateFunction", 200),
    ("AddressesGetInternalFunction", 200),
    ("UsersContactInternalFunction", 200),
    ("UsersListInternalFunction", 200),
    ("DevicesRegisterFunction", 201),
    ("DevicesDeleteFunction", 204),
    ("DevicesDeleteInternalFunction", 404),  # a token the customer never registered: "No such device"
    ("AuthListSessionsFunction", 200),
    ("AuthRefreshSessionFunction", 200),
    ("CartAddItemFunction", 200),
    ("CartGetFunction", 200),
    ("CartSetQuantityFunction", 200),
    ("CartRemoveItemFunction", 204),
    ("LoadCartFunction", "error:CartEmpty"),  # the saga's first step refuses an empty cart
    ("CartAddItemFunction", 200),
    ("LoadCartFunction", "ok"),
    ("OffersListFunction", 200),  # the seeded coupons against the customer's cart
    ("OrdersQuoteFunction", 200),
    ("PriceOrderFunction", "ok"),
    ("OrdersCreateFunction", 202),
    ("CreatePaymentFunction", "ok"),  # a Razorpay order (at the stand-in) for the customer's order
    ("AwaitPaymentFunction", "ok"),  # the demo order is past PENDING already: nothing to write
    ("WaitForPaymentFunction", "ok"),  # the token kept on the payment; nothing captured yet, so no saga is told
    ("ClosePaymentFunction", "ok"),  # as after the wait's timeout: the payment closed, PaymentTimedOut
    ("PaymentsVerifyFunction", 400),  # only Checkout can sign a payment: the sample's signature is refused
    ("PaymentsWebhookFunction", 200),  # signed with the local webhook secret; a Razorpay order we do not know
    ("PaymentsRefundFunction", 409),  # the demo order is cash on delivery: nothing paid online to refund
    ("RefundWorkerFunction", "ok"),  # the cancel of an order without a captured payment refunds nothing
    ("ReconcilePaymentsFunction", "ok"),  # the stand-in's Razorpay order for the demo order is still unpaid
    ("CartClearFunction", 204),
    ("CartMergeFunction", 200),
    ("ClearCartFunction", "ok"),
    ("OrdersGetFunction", 200),
    ("OrdersInternalGetFunction", 200),
    ("OrdersListFunction", 200),
    ("AdminOrdersListFunction", 200),
    ("AdminDashboardFunction", 200),
    ("AdminCouponsCreateFunction", 201),  # a fresh code every run ({{coupon.new_code}})
    ("AdminCouponsListFunction", 200),
    ("AdminCouponsGetFunction", 200),
    ("AdminCouponsUpdateFunction", 200),
    ("AdminCouponsDeactivateFunction", 200),
    ("ReserveStockFunction", "ok"),
    ("ReleaseStockFunction", "ok"),
    ("CreateOrderFunction", "ok"),
    ("RedeemCouponFunction", "error:CouponUnavailable"),  # a code no coupon has: nothing is counted
    ("ReleaseCouponFunction", "ok"),  # the demo order redeemed no coupon: nothing to give back
    ("OrdersCancelFunction", 200),
    ("MarkOrderFailedFunction", "ok"),
    ("OrdersSetStatusFunction", 200),
    ("PartnersGetMeFunction", 200),
    ("PartnersSetStatusFunction", 200),
    ("AdminPartnersListFunction", 200),
    ("PartnersCreateFunction", 409),  # the demo partner is already a partner
    ("DeliveryTrackingFunction", 200),
    ("PartnerAssignmentGetFunction", 200),
    ("OrdersDeliveryInternalFunction", 200),
    ("DeliveryPickupFunction", 200),
    ("PartnerLocationFunction", 200),
    ("DeliveryRouteFunction", 200),
    ("DeliveryDeliverFunction", 200),
    ("AssignPartnerFunction", "ok"),  # its second record (DELIVERED) frees the partner again
    ("NotificationsConsumerFunction", "ok"),
    ("NotificationsListFunction", 200),
    ("NotificationsUnreadCountFunction", 200),
    ("NotificationsMarkReadFunction", 200),
    ("NotificationsReadAllFunction", 200),
    ("NotificationsGetPreferencesFunction", 200),
    ("NotificationsSetPreferencesFunction", 200),
    ("NotificationsCustomFunction", 202),
    ("StockLowFunction", 200),
    ("StockSetFunction", 200),
    ("ProductsUpdateFunction", 200),
    ("ProductsCreateFunction", 201),
    ("CategoriesCreateFunction", 201),
    ("CategoriesUpdateFunction", 200),
    ("CategoriesDeleteFunction", 409),  # the demo category still has products
    ("StoresCreateFunction", 201),
    ("StoresUpdateFunction", 200),
    ("StoresSetSurgeFunction", 200),  # ended by the next sample: the orders after it are priced without it
    ("StoresEndSurgeFunction", 200),
    ("ProductsDeleteFunction", 204),
    ("SearchIndexerFunction", "ok"),
    ("AddressesDeleteFunction", 204),
    ("AdminSetRolesFunction", 200),
    ("AuthGrantPartnerRoleFunction", 200),
    ("AuthDeleteSessionFunction", 204),
    ("AuthLogoutFunction", 204),
    ("AuthLogoutAllFunction", 204),
]


def event_of(function_id: str) -> Any:
    from tests.unit.test_template import event_path

    return json.loads(event_path(function_id).read_text())


def test_the_table_covers_every_function_of_the_template() -> None:
    assert {fid for fid, _ in SAMPLES} == set(Template.load(TEMPLATE).functions)


def open_every_store_around_the_clock(invoke: Any) -> None:
    """The demo stores keep real hours (06:00 to 01:00 IST), and outside them the serviceability sample answers 404
    `not-serviceable` (events/README.md). The admin opens each one around the clock first, with the store update
    sample's own event, as `make demo` does when it finds the customer's store closed, so the table holds at any
    hour."""
    from local.catalog.data import STORES

    template = json.dumps(event_of("StoresUpdateFunction"))
    for store in STORES:
        event = json.loads(template.replace("{{store.id}}", store["store_id"]))
        event["body"] = json.dumps({"opening_hours": {"open": "00:00", "close": "00:00"}})
        outcome = invoke("StoresUpdateFunction", event)
        assert answer_of(outcome) == 200, outcome.payload


def run_all(invoke: Any) -> list[tuple[str, int | str, str]]:
    """Each sample in order: (function, what it answered, a short excerpt of the answer)."""
    open_every_store_around_the_clock(invoke)
    answers = []
    for function_id, _ in SAMPLES:
        outcome = invoke(function_id, event_of(function_id))
        if answer_of(outcome) == "partial":
            # As SQS would: the failed records come back once. The consumer's sample replays the `order.placed`
            # message of the order `{{order.id}}` just placed, and the stack's own delivery of it may still hold
            # the email and push channels (events/README.md); by the second delivery it has finished.
            time.sleep(1)
            outcome = invoke(function_id, event_of(function_id))
        answers.append((function_id, answer_of(outcome), json.dumps(outcome.payload)[:300]))
    return answers


def check(answers: list[tuple[str, int | str, str]]) -> None:
    wrong = [f"{fid}: {got} (expected {want}) {excerpt}"
             for (fid, want), (_, got, excerpt) in zip(SAMPLES, answers, strict=True) if got != want]
    assert not wrong, "\n".join(wrong)


# ---- against a running stack (`make run` as a subprocess) -------------------------------------------------


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[dict[str, Any]]:
    flush_keeping_claim(redis_url)
    with local_server(tmp_path_factory.mktemp("invoke-stack"), redis_url) as info:
        yield info


def invoke_over_http(api: str) -> Any:
    def invoke(function_id: str, event: Any) -> Outcome:
        reply = httpx.post(api + ROUTE.format(function_id=function_id), json=event, timeout=120)
        assert reply.status_code == 200, reply.text
        return Outcome(reply.json(), error=FUNCTION_ERROR_HEADER in reply.headers)

    return invoke


def test_every_sample_answers_as_documented_against_a_running_stack(running: dict[str, Any]) -> None:
    check(run_all(invoke_over_http(running["api"])))


def test_the_invoke_route_refuses_a_function_the_template_does_not_have(running: dict[str, Any]) -> None:
    reply = httpx.post(running["api"] + ROUTE.format(function_id="NoSuchFunction"), json={}, timeout=30)
    assert reply.status_code == 404
    assert reply.json()["type"] == "unknown-function"


def cli(*args: str, state_file: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # an isolated stack embeds its own
    return subprocess.run([sys.executable, "-m", "local", "invoke", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, timeout=300, check=False, env={**env, "BLINKIT_LOCAL_STATE": str(state_file)})


def test_the_cli_uses_the_running_stack_and_its_demo_customer(running: dict[str, Any]) -> None:
    done = cli("UsersGetMeFunction", "-e", "events/auth/users-get-me.json", state_file=Path(running["state_file"]))
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"invoke: using the running stack at {running['api']}" in done.stderr.splitlines()
    result = json.loads(done.stdout)  # stdout is the result alone
    assert result["statusCode"] == 200, result
    assert json.loads(result["body"])["uid"] == running["users"]["customer"]


def test_the_cli_refuses_an_unknown_function_with_exit_2(tmp_path: Path) -> None:
    done = cli("NoSuchFunction", state_file=tmp_path / "absent.json")
    assert done.returncode == 2
    assert "no function 'NoSuchFunction'" in done.stderr and done.stdout == ""


# ---- isolated ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def isolated() -> Iterator[Invoker]:
    from blinkit.redis_client import reset_redis
    from tests.plugins.firebase import reset_firebase_state

    # An earlier module of this worker may have a firebase_admin app bound to another emulator: the isolated stack
    # seeds its demo users in its own. The next module's stack reads its own settings, Redis and emulator again.
    reset_firebase_state()
    with isolated_stack() as invoker:
        yield invoker
    reset_firebase_state()
    reset_redis()


def test_every_sample_answers_as_documented_in_an_isolated_stack(isolated: Invoker) -> None:
    check(run_all(isolated.invoke))


def test_the_cli_starts_an_isolated_stack_when_none_runs_and_reads_stdin(tmp_path: Path) -> None:
    # The README's first invoke, on a machine where nothing runs: search finds the demo catalog at once.
    event = (ROOT / "events/products/products-search.json").read_text()
    done = cli("ProductsSearchFunction", "--event", "-", state_file=tmp_path / "absent.json", stdin=event)
    assert done.returncode == 0, done.stderr[-3000:]
    assert ("invoke: no running stack (.local/stack.json); started an isolated one with the demo data"
            in done.stderr.splitlines())
    result = json.loads(done.stdout)
    assert result["statusCode"] == 200, result
    assert any("Paneer" in item["name"] for item in json.loads(result["body"])["items"])  # "paneeer", typo and all
    assert not (tmp_path / "absent.json").exists()  # an isolated stack tells no other command about itself
    assert '"message":"request"' in done.stderr  # the function's logs go to stderr


def test_env_vars_run_isolated_even_beside_a_running_stack(running: dict[str, Any], tmp_path: Path) -> None:
    # A running stack's functions share one process and environment, so per-invoke variables need a stack of their
    # own: SAM's file format, the function's section winning over Parameters.
    env_vars = tmp_path / "env.json"
    env_vars.write_text(json.dumps({"Parameters": {"POWERTOOLS_LOG_LEVEL": "DEBUG"},
                                    "HealthFunction": {"POWERTOOLS_LOG_LEVEL": "WARNING"}}))
    done = cli("HealthFunction", "-e", "events/products/health.json", "--env-vars", str(env_vars),
               state_file=Path(running["state_file"]))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "invoke: --isolated (or --env/--env-vars); started an isolated one with the demo data" in done.stderr
    assert json.loads(done.stdout)["statusCode"] == 200
    assert '"message":"request"' not in done.stderr  # the function's section won: no INFO request log line
