"""What the infrastructure scan (checkov, `make lint`) asked for and template.yaml now states.

- The cache takes AUTH: a generated token, set on the replication group by a dynamic reference, read by the
  functions at run time (blinkit.redis_client) and never resolved into their environment; every function
  that can reach Redis may read that one secret.
- Queues and the alarm topic are encrypted at rest, the topic with a key CloudWatch alarms may use.
- The authorizer and checkout reserve a share of the account's concurrency, set by parameters.
The throttle alarms of the reserving functions are checked in test_operations.py.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from local.template import Template

ROOT = Path(__file__).resolve().parents[2]
SECRET = "CacheAuthTokenSecret"
READ_POLICY = "CacheAuthTokenReadPolicy"
SHARED_ROLE = "RedisOnlyFunctionRole"
# Characters ElastiCache refuses in an AUTH token.
AUTH_REFUSES = set('/"@%')
ACCOUNT_CONCURRENCY = 1000  # Lambda's default per region
UNRESERVED_MINIMUM = 100  # Lambda refuses reservations that leave less than this unreserved


@cache
def template() -> Template:
    return Template.load(ROOT / "template.yaml")


def props(logical_id: str) -> dict[str, Any]:
    return template().resources[logical_id]["Properties"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ---- the cache's AUTH token -----------------------------------------------------------------------


def test_the_cache_requires_tls_and_auth_with_the_generated_token() -> None:
    cache_props = props("Cache")
    assert cache_props["TransitEncryptionEnabled"] is True, "AUTH needs TLS"
    assert cache_props["AuthToken"] == {"Fn::Sub": f"{{{{resolve:secretsmanager:${{{SECRET}}}:SecretString}}}}"}


def test_the_token_is_generated_long_and_without_characters_auth_refuses() -> None:
    secret = template().resources[SECRET]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    generate = secret["Properties"]["GenerateSecretString"]
    assert 32 <= generate["PasswordLength"] <= 128, "ElastiCache takes 16 to 128 characters"
    excluded = set(generate.get("ExcludeCharacters", ""))
    assert generate.get("ExcludePunctuation") is True or excluded >= AUTH_REFUSES, (
        f"the generated token could contain {AUTH_REFUSES - excluded}, which AUTH refuses")
    assert "SecretString" not in secret["Properties"], "generated, never written in the template"


def test_functions_are_told_the_secret_never_given_its_value() -> None:
    assert template().globals["Function"]["Environment"]["Variables"]["REDIS_AUTH_SECRET_ARN"] == {"Ref": SECRET}
    for fid, spec in template().functions.items():
        for name, value in spec.environment.items():
            assert f"${{{SECRET}}}" not in str(value) and f"{SECRET}:" not in str(value), (
                f"{fid}: {name} resolves the cache's AUTH token into the environment")


def test_the_read_policy_grants_reading_that_one_secret_only() -> None:
    policy = template().resources[READ_POLICY]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert as_list(statement["Action"]) == ["secretsmanager:GetSecretValue"]
    assert as_list(statement["Resource"]) == [{"Ref": SECRET}]


def redis_functions() -> list[str]:
    return sorted(fid for fid, spec in template().functions.items() if "REDIS_URL" in spec.environment)


def test_every_function_reaches_redis() -> None:
    # Globals gives every function REDIS_URL (and the VPC): guards the parametrized test below.
    assert redis_functions() == sorted(template().functions)


@pytest.mark.parametrize("function_id", redis_functions())
def test_every_function_that_uses_redis_may_read_the_token(function_id: str) -> None:
    fn = template().functions[function_id].properties
    if fn.get("Role") == {"Fn::GetAtt": [SHARED_ROLE, "Arn"]}:
        granted = props(SHARED_ROLE)["ManagedPolicyArns"]
    else:
        assert "Role" not in fn, f"{function_id}: only {SHARED_ROLE} is shared"
        granted = fn.get("Policies") or []
    assert {"Ref": READ_POLICY} in granted, (
        f"{function_id} cannot read the cache's AUTH token: add `- !Ref {READ_POLICY}` to its Policies "
        "(or run the infra apply script)")


# ---- encryption at rest ------------------------------------------------------------------------------


@pytest.mark.parametrize("queue_id", sorted(template().resources_of_type("AWS::SQS::Queue")))
def test_every_queue_and_dead_letter_queue_is_encrypted(queue_id: str) -> None:
    queue = props(queue_id)
    assert queue.get("SqsManagedSseEnabled") is True or queue.get("KmsMasterKeyId"), (
        f"{queue_id}: state SqsManagedSseEnabled: true")


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_alarms_may_use() -> None:
    topics = template().resources_of_type("AWS::SNS::Topic")
    assert topics, "guards the loop below"
    for topic_id in topics:
        key_id = props(topic_id).get("KmsMasterKeyId")
        assert isinstance(key_id, dict) and set(key_id) == {"Ref"}, f"{topic_id}: encrypt it with a key of the stack"
        key = template().resources[key_id["Ref"]]
        assert key["Type"] == "AWS::KMS::Key"
        assert key["Properties"]["EnableKeyRotation"] is True
        statements = key["Properties"]["KeyPolicy"]["Statement"]
        # The AWS-managed aws/sns key cannot grant this: alarms publishing through it fail.
        (cloudwatch,) = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
        assert cloudwatch["Effect"] == "Allow"
        assert set(as_list(cloudwatch["Action"])) == {"kms:Decrypt", "kms:GenerateDataKey*"}
        # The account keeps administering the key (a key nobody may manage cannot be fixed or deleted).
        (account,) = [s for s in statements if "AWS" in s["Principal"]]
        assert account["Principal"]["AWS"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
        assert all(s["Principal"] != "*" and s["Principal"].get("AWS") != "*" for s in statements)


# ---- reserved concurrency --------------------------------------------------------------------------


RESERVED = {"AuthorizerFunction": ("AuthorizerReservedConcurrency", "ReservesAuthorizerConcurrency"),
            "OrdersCreateFunction": ("CheckoutReservedConcurrency", "ReservesCheckoutConcurrency")}


def test_checkout_is_the_orders_create_function() -> None:
    # Guards RESERVED against a rename: the share must stay on the function behind POST /orders.
    (route,) = [r for r in template().http_routes() if r.route_key == "POST /orders"]
    assert route.function_id == "OrdersCreateFunction"


@pytest.mark.parametrize("function_id", sorted(RESERVED))
def test_the_authorizer_and_checkout_reserve_a_share_set_by_a_parameter(function_id: str) -> None:
    parameter, condition = RESERVED[function_id]
    value = template().functions[function_id].properties["ReservedConcurrentExecutions"]
    # 0 would throttle every invocation, so 0 in the parameter means "reserve none", not "reserve zero".
    assert value == {"Fn::If": [condition, {"Ref": parameter}, {"Ref": "AWS::NoValue"}]}
    assert template().conditions[condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, 0]}]}
    spec = template().document["Parameters"][parameter]
    assert spec["Type"] == "Number" and spec["MinValue"] == 0
    assert spec["MaxValue"] <= ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM
    assert spec["Default"] > 0


def test_the_default_reservations_leave_the_shared_pool_most_of_the_account() -> None:
    reserved = sum(template().document["Parameters"][parameter]["Default"] for parameter, _ in RESERVED.values())
    assert reserved <= ACCOUNT_CONCURRENCY // 5, f"{reserved} of {ACCOUNT_CONCURRENCY} reserved by default"
    others = [fid for fid, spec in template().functions.items()
              if "ReservedConcurrentExecutions" in spec.properties and fid not in RESERVED]
    assert not others, f"reserving concurrency is a decision per function (docs/decisions.md): {others}"
