"""What the infrastructure scan (checkov, `make lint`) asked for and template.yaml now states.

- The cache takes AUTH: a generated token, set on the replication group by a dynamic reference, read by the
  functions at run time (blinkit.redis_client) and never resolved into their environment; every function
  that can reach Redis may read that one secret.
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
