"""Scan template.yaml with checkov as the field does; `make lint` runs it.

1. SAM-transform template.yaml (local.transform): checkov then sees what CloudFormation deploys, with SAM's
   generated roles, policies, permissions and API stage, not only the resources written by hand.
2. Run checkov (its own venv, requirements-checkov.txt) with `.checkov.yaml` on that template and, in the
   same run, on a canary: a small template of mistakes the scan must catch (a queue without encryption, a
   topic without a key, a cache without AUTH).
3. Exit 1 when template.yaml fails a check `.checkov.yaml` does not skip, when the canary passes a check it
   must fail (the scan could not catch the same mistake in template.yaml either: a check dropped, a skip too
   wide, an external check that did not load), or when a skip in `.checkov.yaml` gives no reason.

Usage: .venv/bin/python scripts/checkov_scan.py [--checkov .venv/checkov/bin/checkov] [--template FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from local.transform import transformed  # noqa: E402  (after the sys.path line above)

CONFIG = ROOT / ".checkov.yaml"
DEFAULT_CHECKOV = ROOT / ".venv" / "checkov" / "bin" / "checkov"

# Never deployed: each resource is one mistake, and the check that must catch it.
CANARY: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "Mistakes the checkov scan must catch (scripts/checkov_scan.py); never deployed",
    "Resources": {
        "QueueWithoutEncryption": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30}},
        "TopicWithoutKey": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "canary"}},
        "CacheWithoutAuth": {"Type": "AWS::ElastiCache::ReplicationGroup", "Properties": {
            "ReplicationGroupDescription": "canary", "Engine": "valkey", "CacheNodeType": "cache.t4g.micro",
            "NumCacheClusters": 1, "TransitEncryptionEnabled": True, "AtRestEncryptionEnabled": True}},
    },
}
CANARY_MUST_FAIL = {
    ("CKV_BLINKIT_1", "AWS::SQS::Queue.QueueWithoutEncryption"),
    ("CKV_AWS_26", "AWS::SNS::Topic.TopicWithoutKey"),
    ("CKV_AWS_31", "AWS::ElastiCache::ReplicationGroup.CacheWithoutAuth"),
}


def skips_without_reason(config_text: str) -> list[str]:
    """Entries of `skip-check` with no comment line right above them."""
    lines = config_text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("skip-check:")), None)
    if start is None:
        return []
    missing = []
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line and not line.startswith(" "):
            break  # the next top-level key
        entry = re.match(r"\s+-\s+(\S+)", line)
        if entry and not lines[i - 1].lstrip().startswith("#"):
            missing.append(entry.group(1))
    return missing


def run_checkov(checkov: Path, files: list[Path]) -> dict[str, Any]:
    command = [str(checkov), "--config-file", str(CONFIG), "--output", "json"]
    for file in files:
        command += ["--file", str(file)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):  # 1: some check failed; anything else: checkov itself did
        raise SystemExit(f"checkov exited {done.returncode}:\n{done.stderr or done.stdout}")
    report = json.loads(done.stdout)
    reports = report if isinstance(report, list) else [report]
    (cloudformation,) = [r for r in reports if r.get("check_type") == "cloudformation"]
    return dict(cloudformation)


def failures_by_file(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for failed in report["results"].get("failed_checks", []):
        found.setdefault(Path(failed["file_path"]).name, []).append(failed)
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--checkov", type=Path, default=DEFAULT_CHECKOV, help="the checkov executable")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_DEFAULT_REGION", "ap-south-1")  # the transform's pseudo parameters only

    problems = [f".checkov.yaml: skip-check {check_id} has no reason (a comment line above it)"
                for check_id in skips_without_reason(CONFIG.read_text())]
    with tempfile.TemporaryDirectory(prefix="checkov-") as folder:
        stack = Path(folder) / "template.transformed.json"
        canary = Path(folder) / "canary.json"
        stack.write_text(json.dumps(transformed(args.template), indent=1))
        canary.write_text(json.dumps(CANARY, indent=1))
        report = run_checkov(args.checkov, [stack, canary])

    failures = failures_by_file(report)
    for failed in sorted(failures.get(stack.name, []), key=lambda f: (f["check_id"], f["resource"])):
        problems.append(f"{args.template.name}: {failed['resource']} fails {failed['check_id']} "
                        f"({failed['check_name']})")
    caught = {(f["check_id"], f["resource"]) for f in failures.get(canary.name, [])}
    for check_id, resource in sorted(CANARY_MUST_FAIL - caught):
        problems.append(f"the canary's {resource} passed {check_id}: the scan can no longer catch that mistake")

    summary = report["summary"]
    skipped = len(re.findall(r"^\s+-\s+CKV", CONFIG.read_text().split("skip-check:", 1)[-1], re.MULTILINE))
    print(f"checkov {summary.get('checkov_version')} on {args.template.name} after the SAM transform and on the "
          f"canary: {summary['passed']} checks passed, {summary['failed']} failed ({len(caught)} of them the "
          f"canary's, as they must); {skipped} check ids skipped by .checkov.yaml, each with its reason")
    if problems:
        print("\n".join(["checkov scan failed:", *(f"  {p}" for p in problems),
                         "Fix the template, or skip the check in .checkov.yaml with a reason if it is a design "
                         "choice for the whole stack."]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
