"""CKV_BLINKIT_1: every SQS queue states its server-side encryption, SQS-managed or with a KMS key.

It stands in for checkov's CKV_AWS_27, whose CloudFormation version accepts only `KmsMasterKeyId` and reports
a queue with `SqsManagedSseEnabled: true` (SSE-SQS, this template's choice) as unencrypted
(bridgecrewio/checkov#7381); `.checkov.yaml` skips CKV_AWS_27 for that reason. Loaded by checkov from this
folder (`external-checks-dir`), never imported by the project.
"""

from __future__ import annotations

from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult


def _is_true(value: Any) -> bool:
    # CloudFormation takes booleans as true/false or as the strings "true"/"false".
    return value is True or (isinstance(value, str) and value.lower() == "true")


class SqsQueueStatesEncryption(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure the SQS queue states server-side encryption (SqsManagedSseEnabled: true or KmsMasterKeyId)",
            id="CKV_BLINKIT_1",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["AWS::SQS::Queue"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        properties = conf.get("Properties")
        if not isinstance(properties, dict):
            return CheckResult.FAILED
        if properties.get("KmsMasterKeyId") or _is_true(properties.get("SqsManagedSseEnabled")):
            return CheckResult.PASSED
        return CheckResult.FAILED

    def get_evaluated_keys(self) -> list[str]:
        return ["Properties/SqsManagedSseEnabled", "Properties/KmsMasterKeyId"]


check = SqsQueueStatesEncryption()
