"""SnapStart: the after-restore hook renews what clones of one snapshot must not share, it is registered
only where Lambda's runtime ships `snapshot_restore_py`, and the template publishes the hot path's versions
behind an alias that API Gateway invokes, within the resource budget whether SnapStart is on or off."""

from __future__ import annotations

import random
import sys
import types
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from blinkit import aws, breaker, dynamodb, redis_client, service_client, snapstart, upstreams
from tests.unit.test_template_budget import BUDGET, transformed_resources

ROOT = Path(__file__).resolve().parents[2]
HOT_PATH = ("Authorizer", "StoresList", "StoresServiceable", "CategoriesList", "ProductsList",
            "ProductsListByCategory", "ProductsGet", "ProductsSearch", "CartGet", "CartAddItem", "CartSetQuantity",
            "CartRemoveItem", "OrdersQuote", "OrdersCreate")


class _Snapshotted(Model):
    class Meta:
        table_name = "snapstart-test"
        region = "ap-south-1"

    pk = UnicodeAttribute(hash_key=True)


# ---- the hook ----------------------------------------------------------------------------------------------


def test_after_restore_renews_clients_connections_and_breaker_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODUCTS_SERVICE_URL", "http://127.0.0.1:9")
    redis_before = redis_client.get_redis()
    sqs_before = aws.client("sqs")
    transactions_before = dynamodb.connection()
    table_before = _Snapshotted._get_connection()
    products_before = upstreams.upstream("products")
    http_before = service_client._pooled_client()
    breaker._memory_state("products").failures.append(1.0)

    snapstart.after_restore()

    assert redis_client.get_redis() is not redis_before  # a new client: a new, empty connection pool
    assert aws.client("sqs") is not sqs_before
    assert dynamodb.connection() is not transactions_before
    assert _Snapshotted._connection is None
    assert _Snapshotted._get_connection() is not table_before
    assert upstreams.upstream("products") is not products_before
    assert service_client._pooled_client() is not http_before
    assert not breaker._memory_state("products").failures  # no deadline or failure from before the snapshot
    http_before.close()
    service_client._pooled_client().close()


def test_after_restore_reseeds_random() -> None:
    random.seed(17)  # the state every clone of one snapshot would share
    shared = random.getstate()
    what_every_clone_would_draw = [random.random() for _ in range(4)]
    random.setstate(shared)

    snapstart.after_restore()

    assert [random.random() for _ in range(4)] != what_every_clone_would_draw


def test_after_restore_clears_cached_parameters() -> None:
    from aws_lambda_powertools.utilities.parameters import base

    base.DEFAULT_PROVIDERS["ssm"] = object()  # type: ignore[assignment]
    snapstart.after_restore()
    assert "ssm" not in base.DEFAULT_PROVIDERS


def test_the_hook_is_registered_only_where_the_runtime_has_runtime_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "snapshot_restore_py" not in sys.modules
    assert snapstart.register() is False  # not Lambda: nothing to register with
    registered: list[Any] = []
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_after_restore = registered.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    assert snapstart.register() is True
    assert registered == [snapstart.after_restore]


def test_every_entry_point_registers_the_hook() -> None:
    import blinkit.handler

    assert blinkit.handler.snapstart is snapstart


# ---- the template --------------------------------------------------------------------------------------------


def test_the_hot_path_publishes_a_live_alias_and_snapstart_follows_the_parameter() -> None:
    resources = transformed_resources()
    for name in HOT_PATH:
        function = resources[f"{name}Function"]["Properties"]
        assert function["SnapStart"] == {"ApplyOn": {"Fn::If": ["UsesSnapStart", "PublishedVersions", "None"]}}
        alias = resources[f"{name}FunctionAliaslive"]
        assert alias["Type"] == "AWS::Lambda::Alias" and alias["Properties"]["Name"] == "live"
        version = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        assert resources[version]["Type"] == "AWS::Lambda::Version"
    versions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Version"]
    assert len(versions) == len(HOT_PATH), "only the hot path pays two resources per function"
    snapstarted = {lid for lid, r in resources.items() if r["Type"] == "AWS::Lambda::Function"
                   and "SnapStart" in r["Properties"]}
    assert snapstarted == {f"{name}Function" for name in HOT_PATH}, "SnapStart applies to published versions only"


def test_api_gateway_invokes_the_aliases() -> None:
    resources = transformed_resources()
    alias = {"Ref": "AuthorizerFunctionAliaslive"}
    authorizers = resources["HttpApi"]["Properties"]["Body"]["components"]["securitySchemes"]
    for name in ("SessionAuthorizer", "OptionalSessionAuthorizer"):
        uri = authorizers[name]["x-amazon-apigateway-authorizer"]["authorizerUri"]
        assert uri["Fn::Sub"][1]["__FunctionArn__"] == alias, f"{name} invokes {uri}"
    assert resources["AuthorizerInvokePermission"]["Properties"]["FunctionName"] == alias
    for name in HOT_PATH[1:]:
        permissions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"
                       and r["Properties"]["FunctionName"] == {"Ref": f"{name}FunctionAliaslive"}]
        assert permissions, f"API Gateway may not invoke {name}'s alias"


@cache
def _transformed_with(snapstart_value: str) -> dict[str, Any]:
    from local.transform import transformed

    text = (ROOT / "template.yaml").read_text()
    marker = "  SnapStart:\n    Type: String\n    AllowedValues: [Disabled, Enabled]\n    Default: Disabled\n"
    assert marker in text
    copy = ROOT / ".local" / f"template-snapstart-{snapstart_value}.yaml"
    copy.parent.mkdir(exist_ok=True)
    copy.write_text(text.replace(marker, marker.replace("Default: Disabled", f"Default: {snapstart_value}")))
    return dict(transformed(copy)["Resources"])


def test_the_stack_stays_within_budget_with_snapstart_enabled() -> None:
    enabled = _transformed_with("Enabled")
    print(f"template.yaml after the SAM transform with SnapStart=Enabled: {len(enabled)} resources (budget {BUDGET})")
    assert len(enabled) <= BUDGET
    assert set(enabled) == set(transformed_resources()), "the parameter switches snapshots, not resources"


def test_prod_enables_snapstart() -> None:
    from tests.unit.test_operations import overrides

    assert overrides("prod")["SnapStart"] == "Enabled"
    assert "SnapStart" not in overrides("dev")  # dev keeps the default: Disabled
