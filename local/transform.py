"""template.yaml as CloudFormation deploys it: the SAM transform, run here without calling AWS.

What deploys is the transformed template: SAM's generated roles and policies, Lambda permissions, the API
stage, event source mappings. The template budget test counts its resources and `make lint` scans it with
checkov (scripts/checkov_scan.py). samtranslator needs a region for the pseudo parameters (AWS_REGION or
AWS_DEFAULT_REGION); it makes no AWS call for this template.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from local.template import load_yaml

LOCAL_URIS = ("CodeUri", "ContentUri", "DefinitionUri")


class _NoManagedPolicies:
    """samtranslator asks IAM for managed policy ARNs only for policies named without an ARN; we name none."""

    def load(self) -> dict[str, str]:
        return {}


def as_packaged(template: dict[str, Any]) -> dict[str, Any]:
    """What `sam package` uploads: local folders replaced by S3 locations (the transform insists on them)."""
    packaged = copy.deepcopy(template)
    sections = [packaged.get("Globals", {}).get(kind, {}) for kind in ("Function", "StateMachine", "LayerVersion")]
    sections += [resource.get("Properties", {}) for resource in packaged["Resources"].values()]
    for properties in sections:
        for key in LOCAL_URIS:
            if isinstance(properties.get(key), str):
                properties[key] = f"s3://deployment-bucket/{key}"
    return packaged


def transformed(path: Path) -> dict[str, Any]:
    """The whole CloudFormation template SAM makes of the template at `path`."""
    from samtranslator.translator.transform import transform

    return dict(transform(as_packaged(load_yaml(path.read_text())), {}, _NoManagedPolicies()))
