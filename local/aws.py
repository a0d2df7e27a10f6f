"""Create, inside an active in-process `moto.mock_aws()`, every table, queue and state machine the template declares.

Resources without a local meaning (IAM, log groups, ElastiCache, alarms, the API itself) are skipped:
their intrinsics resolve to None and local overrides stand in for them.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto.core.config import default_user_config

from local.template import (
    BUCKET_TYPE,
    QUEUE_TYPE,
    STATE_MACHINE_TYPES,
    TABLE_TYPES,
    Resolver,
    Template,
    TemplateError,
    bucket_name,
    load_yaml,
)

log = logging.getLogger("local.aws")

# moto keeps state machines in one of two backends and picks by this flag *per request*: a state
# machine created while it is off cannot be executed later. So it is switched on before creating them.
STEPFUNCTIONS_CONFIG: dict[str, Any] = {"stepfunctions": {"execute_state_machine": True}}

_TABLE_KEYS = (
    "KeySchema",
    "AttributeDefinitions",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
)
_QUEUE_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)
_SUBSTITUTION = re.compile(r"\$\{([A-Za-z0-9_.:-]+)\}")


@dataclass
class LocalResources:
    """Physical identifiers of what was created, by logical id (also written into `resolver.physical`)."""

    tables: dict[str, str] = field(default_factory=dict)  # logical id -> table name
    queues: dict[str, dict[str, str]] = field(default_factory=dict)  # logical id -> {url, arn, name}
    state_machines: dict[str, str] = field(default_factory=dict)  # logical id -> ARN
    buckets: dict[str, str] = field(default_factory=dict)  # logical id -> bucket name


def enable_state_machine_execution() -> None:
    """Make moto run state machines with its ASL interpreter (see STEPFUNCTIONS_CONFIG)."""
    # Replace the nested dict rather than mutate it: mock_aws's patch.dict only restores top-level
    # keys, so an in-place change would outlive the mock and leak into unrelated tests.
    current = default_user_config.get("stepfunctions", {})
    default_user_config["stepfunctions"] = {**current, "execute_state_machine": True}


def create_resources(template: Template, resolver: Resolver, region: str | None = None) -> LocalResources:
    """Create tables, queues (DLQs first) and state machines; must run inside an active mock_aws()."""
    region = region or resolver.region
    created = LocalResources()
    dynamodb = boto3.client("dynamodb", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    for logical_id, resource in template.resources_of_type(*TABLE_TYPES).items():
        if resolver.resource_enabled(logical_id):
            created.tables[logical_id] = _create_table(dynamodb, resolver, logical_id, resource)
    if template.resources_of_type(BUCKET_TYPE):
        s3 = boto3.client("s3", region_name=region)
        for logical_id, resource in template.resources_of_type(BUCKET_TYPE).items():
            if resolver.resource_enabled(logical_id):
                created.buckets[logical_id] = _create_bucket(s3, resolver, logical_id, resource)
    for logical_id in _queues_in_dependency_order(template):
        if resolver.resource_enabled(logical_id):
            created.queues[logical_id] = _create_queue(sqs, resolver, logical_id, template.resources[logical_id])
    machines = {
        lid: res
        for lid, res in template.resources_of_type(*STATE_MACHINE_TYPES).items()
        if resolver.resource_enabled(lid)
    }
    if machines:
        enable_state_machine_execution()
        sfn = boto3.client("stepfunctions", region_name=region)
        for logical_id, resource in machines.items():
            created.state_machines[logical_id] = _create_state_machine(
                sfn, template, resolver, logical_id, resource
            )
    return created


# ---- DynamoDB ---------------------------------------------------------------------------------


def _create_table(client: Any, resolver: Resolver, logical_id: str, resource: dict[str, Any]) -> str:
    props = resolver.resolve(resource["Properties"]) or {}
    name = logical_id  # local names are logical ids; the template's TableName is for AWS
    if resource["Type"] == "AWS::Serverless::SimpleTable":
        pk = props.get("PrimaryKey") or {"Name": "id", "Type": "String"}
        attr_type = {"String": "S", "Number": "N", "Binary": "B"}[pk.get("Type", "String")]
        kwargs: dict[str, Any] = {
            "KeySchema": [{"AttributeName": pk["Name"], "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": pk["Name"], "AttributeType": attr_type}],
            "BillingMode": "PAY_PER_REQUEST",
        }
    else:
        kwargs = {k: props[k] for k in _TABLE_KEYS if k in props}
        kwargs.setdefault("BillingMode", "PROVISIONED" if "ProvisionedThroughput" in kwargs else "PAY_PER_REQUEST")
        # CloudFormation allows StreamSpecification without StreamEnabled; the API does not.
        if "StreamSpecification" in kwargs:
            kwargs["StreamSpecification"] = {"StreamEnabled": True, **kwargs["StreamSpecification"]}
    client.create_table(TableName=name, **kwargs)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and str(ttl.get("Enabled", "false")).lower() == "true":
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    described = client.describe_table(TableName=name)["Table"]
    resolver.physical[logical_id] = {"Ref": name, "Arn": described["TableArn"]}
    if described.get("LatestStreamArn"):
        resolver.physical[logical_id]["StreamArn"] = described["LatestStreamArn"]
    log.debug("table %s created", name)
    return name


# ---- S3 ---------------------------------------------------------------------------------------


def _create_bucket(client: Any, resolver: Resolver, logical_id: str, resource: dict[str, Any]) -> str:
    """A bucket named after its logical id (kebab case), versioned if the template says so."""
    props = resolver.resolve(resource.get("Properties") or {}) or {}
    name = bucket_name(logical_id)  # the template's BucketName is for AWS, as with tables
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": resolver.region})
    if (props.get("VersioningConfiguration") or {}).get("Status") == "Enabled":
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    resolver.physical[logical_id] = {"Ref": name, "Arn": f"arn:aws:s3:::{name}",
                                     "DomainName": f"{name}.s3.amazonaws.com"}
    log.debug("bucket %s created", name)
    return name


# ---- SQS --------------------------------------------------------------------------------------


def _queues_in_dependency_order(template: Template) -> list[str]:
    """Dead-letter queues before the queues that redrive into them."""
    queues = template.resources_of_type(QUEUE_TYPE)
    ordered: list[str] = []

    def visit(logical_id: str, trail: tuple[str, ...]) -> None:
        if logical_id in ordered:
            return
        if logical_id in trail:
            raise TemplateError(f"queue redrive cycle: {' -> '.join((*trail, logical_id))}")
        for dep in _referenced_ids(queues[logical_id]["Properties"].get("RedrivePolicy")):
            if dep in queues:
                visit(dep, (*trail, logical_id))
        ordered.append(logical_id)

    for logical_id in queues:
        visit(logical_id, ())
    return ordered


def _referenced_ids(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            found.add(att[0] if isinstance(att, list) else str(att).split(".")[0])
        for item in value.values():
            found |= _referenced_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _referenced_ids(item)
    elif isinstance(value, str):
        found |= {m.split(".")[0] for m in _SUBSTITUTION.findall(value)}
    return found


def _create_queue(client: Any, resolver: Resolver, logical_id: str, resource: dict[str, Any]) -> dict[str, str]:
    props = resolver.resolve(resource["Properties"]) or {}
    name = resolver.queue_name(logical_id)
    attributes = {k: _attr(props[k]) for k in _QUEUE_ATTRIBUTES if k in props}
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if key in props:
            policy = props[key]
            attributes[key] = policy if isinstance(policy, str) else json.dumps(policy)
    url = client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    info = {"url": url, "arn": arn, "name": name}
    resolver.physical[logical_id] = {"Ref": url, "QueueUrl": url, "Arn": arn, "QueueName": name}
    log.debug("queue %s created (%s)", name, attributes)
    return info


def _attr(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---- Step Functions ---------------------------------------------------------------------------


def state_machine_definition(template: Template, resolver: Resolver, logical_id: str) -> dict[str, Any]:
    """The ASL document with DefinitionSubstitutions applied, as SAM deploys it."""
    resource = template.resources[logical_id]
    props = resource["Properties"]
    if "DefinitionUri" in props:
        uri = props["DefinitionUri"]
        if not isinstance(uri, str):
            raise TemplateError(f"{logical_id}: only a local DefinitionUri file can run locally")
        definition = load_yaml(template.resolve_path(uri).read_text())  # YAML is a superset of JSON
    elif "Definition" in props:
        definition = resolver.resolve(props["Definition"])
    elif "DefinitionString" in props:
        definition = json.loads(resolver.resolve(props["DefinitionString"]))
    else:
        raise TemplateError(f"{logical_id}: no DefinitionUri, Definition or DefinitionString")
    raw_subs = props.get("DefinitionSubstitutions") or {}
    substitutions = {name: resolver.resolve(value) for name, value in raw_subs.items()}
    missing = sorted(name for name, value in substitutions.items() if value is None)
    if missing:
        raise TemplateError(f"{logical_id}: substitutions with no local value: {', '.join(missing)}")
    return _substitute(definition, substitutions, logical_id)


def _substitute(value: Any, subs: dict[str, Any], logical_id: str) -> Any:
    if isinstance(value, dict):
        return {_substitute(k, subs, logical_id): _substitute(v, subs, logical_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, subs, logical_id) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in subs:
            # AWS would deploy the literal text and fail at run time; fail now, with a name.
            raise TemplateError(f"{logical_id}: ${{{name}}} has no DefinitionSubstitutions entry")
        return str(subs[name])

    return _SUBSTITUTION.sub(replace, value)


def _create_state_machine(
    client: Any, template: Template, resolver: Resolver, logical_id: str, resource: dict[str, Any]
) -> str:
    definition = state_machine_definition(template, resolver, logical_id)
    props = resource["Properties"]
    kwargs: dict[str, Any] = {}
    sm_type = resolver.resolve(props.get("Type")) or resolver.resolve(props.get("StateMachineType"))
    if sm_type:
        kwargs["type"] = sm_type
    arn = client.create_state_machine(
        name=logical_id,
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{resolver.account_id}:role/{logical_id}Role",
        **kwargs,
    )["stateMachineArn"]
    resolver.physical[logical_id] = {"Ref": arn, "Arn": arn, "Name": logical_id}
    log.debug("state machine %s created", arn)
    return arn
