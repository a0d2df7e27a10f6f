"""The stack's size after the SAM transform, against CloudFormation's limit of 500 resources per stack.

Every route costs about three resources (function, role, permission), so the count is the room left for
new routes. `make test` prints it (tests/plugins/budget.py) on every run; this test fails well before
CloudFormation would refuse a deploy.
"""

from __future__ import annotations

import collections
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from local.transform import transformed

ROOT = Path(__file__).resolve().parents[2]
CLOUDFORMATION_LIMIT = 500
BUDGET = 450  # fail here, leaving room for a release's worth of routes before the hard limit


@cache
def transformed_resources() -> dict[str, Any]:
    return dict(transformed(ROOT / "template.yaml")["Resources"])


def test_the_transformed_stack_stays_within_budget(record_property: pytest.RecordProperty) -> None:
    resources = transformed_resources()
    by_type = collections.Counter(resource["Type"] for resource in resources.values())
    record_property("template_resources", len(resources))
    record_property("template_resources_by_type", dict(by_type.most_common()))
    print(f"template.yaml after the SAM transform: {len(resources)} resources "
          f"(budget {BUDGET}, CloudFormation's limit {CLOUDFORMATION_LIMIT}): {dict(by_type.most_common(6))}")
    assert len(resources) <= BUDGET, (
        f"{len(resources)} resources after the SAM transform, over the budget of {BUDGET} "
        f"(CloudFormation refuses {CLOUDFORMATION_LIMIT + 1}): {dict(by_type.most_common())}")


def test_every_function_costs_no_log_group_of_its_own() -> None:
    """The budget depends on it: a log group per function was a quarter of the stack."""
    resources = transformed_resources()
    functions = sum(1 for r in resources.values() if r["Type"] == "AWS::Lambda::Function")
    log_groups = sum(1 for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup")
    assert functions > 50
    assert log_groups <= 10, f"{log_groups} log groups for {functions} functions"
