"""`.checkov.yaml`, read by `make lint`'s checkov scan (scripts/checkov_scan.py): every skip says why, and the
scan's own canary is a mistake each must-fail check would catch. The scan itself runs in `make lint`
(checkov lives in its own venv), where the canary proves it can fail."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from local.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]


@cache
def scan() -> ModuleType:
    spec = importlib.util.spec_from_file_location("blinkit_checkov_scan", ROOT / "scripts" / "checkov_scan.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_skip_in_the_config_gives_its_reason() -> None:
    text = (ROOT / ".checkov.yaml").read_text()
    skips = load_yaml(text)["skip-check"]
    assert skips, "guards the check below"
    assert scan().skips_without_reason(text) == []
    assert len(skips) == len(set(skips))


def test_a_skip_without_a_comment_above_it_is_reported() -> None:
    text = "framework:\n  - cloudformation\nskip-check:\n  # why\n  - CKV_AWS_1\n  - CKV_AWS_2\ncompact: true\n"
    assert scan().skips_without_reason(text) == ["CKV_AWS_2"]


def test_the_scan_never_skips_what_its_canary_must_catch() -> None:
    skips = set(load_yaml((ROOT / ".checkov.yaml").read_text())["skip-check"])
    must_fail = {check_id for check_id, _ in scan().CANARY_MUST_FAIL}
    assert not must_fail & skips
    canary = scan().CANARY["Resources"]
    assert {resource.split(".", 1)[1] for _, resource in scan().CANARY_MUST_FAIL} == set(canary)


def test_the_scan_reads_the_sam_transform_of_the_template() -> None:
    # What deploys: SAM's generated roles and permissions are scanned too, not only what is written by hand.
    resources = scan().transformed(ROOT / "template.yaml")["Resources"]
    types = {r["Type"] for r in resources.values()}
    assert "AWS::Serverless::Function" not in types
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Lambda::Permission"} <= types
