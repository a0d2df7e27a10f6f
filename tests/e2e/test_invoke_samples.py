"""Every sample event in events/ answers what it is meant to, invoked both ways `python -m local invoke` runs it:
against a running `make run` stack (through its `POST /local/invoke/{id}` route) and in an isolated stack with the
demo data. The samples' placeholders are filled from the stack they run on (events/README.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.config import ROOT, TEMPLATE
from local.invoke import FUNCTION_ERROR_HEADER, ROUTE, Invoker, Outcome, answer_of, isolated_stack
from local.template import Template

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
    ("OrdersQuoteFunction", 200),
    ("PriceOrderFunction", "ok"),
    ("OrdersCreateFunction", 202),
    ("CartClearFunction", 204),
    ("CartMergeFunction", 200),
    ("ClearCartFunction", "ok"),
    ("OrdersGetFunction", 200),
    ("OrdersListFunction", 200),
    ("AdminOrdersListFunction", 200),
    ("ReserveStockFunction", "ok"),
    ("ReleaseStockFunction", "ok"),
    ("CreateOrderFunction", "ok"),
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
    ("ProductsDeleteFunction", 204),
    ("SearchIndexerFunction", "ok"),
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


def run_all(invoke: Any) -> list[tuple[str, int | str, str]]:
    """Each sample in order: (function, what it answered, a short excerpt of the answer)."""
    answers = []
    for function_id, _ in SAMPLES:
        outcome = invoke(function_id, event_of(function_id))
        answers.append((function_id, answer_of(outcome), json.dumps(outcome.payload)[:300]))
    return answers


def check(answers: list[tuple[str, int | str, str]]) -> None:
    wrong = [f"{fid}: {got} (expected {want}) {excerpt}"
             for (fid, want), (_, got, excerpt) in zip(SAMPLES, answers, strict=True) if got != want]
    assert not wrong, "\n".join(wrong)
