"""Read a SAM template the way SAM does, so the local stack is built from the same file AWS deploys.

`load_template` understands CloudFormation's short tags (`!Ref`, `!GetAtt`, `!Sub`...), applies SAM's
`Globals` to every function, and exposes functions, HTTP routes and parameters. `Resolver` turns
intrinsic functions into the values they have on this machine (table names, queue URLs, ARNs); what
has no local meaning (an ElastiCache endpoint) resolves to `None` so local overrides can supply it.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

REGION = "ap-south-1"
ACCOUNT_ID = "123456789012"  # moto's default account, so ARNs we compute match the ones moto builds
STACK_NAME = "blinkit-local"
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
STATE_MACHINE_TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable")
QUEUE_TYPE = "AWS::SQS::Queue"
BUCKET_TYPE = "AWS::S3::Bucket"
LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
HTTP_API_TYPE = "AWS::Serverless::HttpApi"

# Lambda's documented defaults, used when neither the function nor Globals set a value.
DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY_SIZE = 128


class TemplateError(ValueError):
    """The template is malformed or uses something the local stack cannot stand in for."""


# --------------------------------------------------------------------------------------------
# YAML: CloudFormation short tags become their long-form dicts, exactly as CloudFormation reads them.
# --------------------------------------------------------------------------------------------

_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "Sub": "Fn::Sub",
    "GetAtt": "Fn::GetAtt",
    "Join": "Fn::Join",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "FindInMap": "Fn::FindInMap",
    "ImportValue": "Fn::ImportValue",
    "Base64": "Fn::Base64",
    "GetAZs": "Fn::GetAZs",
    "Cidr": "Fn::Cidr",
    "Transform": "Fn::Transform",
    "ToJsonString": "Fn::ToJsonString",
    "Length": "Fn::Length",
}


class CfnLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation tags; dates stay strings (`AWSTemplateFormatVersion`)."""


def _construct_tag(loader: CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = _SHORT_TAGS.get(tag_suffix)
    if key is None:
        raise TemplateError(f"unknown CloudFormation tag !{tag_suffix} at {node.start_mark}")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        # !GetAtt A.B is shorthand for [A, B]; the attribute itself may contain dots (Endpoint.Address).
        if key == "Fn::GetAtt":
            resource, _, attribute = str(value).partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {key: value}


CfnLoader.add_multi_constructor("!", _construct_tag)
# Keep YAML timestamps as text: CloudFormation treats `2010-09-09` as a string.
CfnLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=CfnLoader)  # CfnLoader is a SafeLoader subclass


# --------------------------------------------------------------------------------------------
# Template model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any
    allowed_values: list[Any] | None = None
    description: str | None = None


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    runtime: str | None
    timeout: int
    memory_size: int
    environment: dict[str, Any]  # Environment.Variables after Globals, still with intrinsics
    events: dict[str, Any]  # raw Events, still with intrinsics
    layers: list[Any]  # raw Layers (usually {"Ref": LayerLogicalId}), Globals first as SAM does
    properties: dict[str, Any]  # every property after Globals, for anything not modelled above
    condition: str | None = None


@dataclass(frozen=True)
class Authorizer:
    name: str
    function_id: str | None  # logical id of the Lambda authorizer; None for JWT authorizers
    identity_headers: list[str] = field(default_factory=list)
    enable_simple_responses: bool = False
    payload_format_version: str = "2.0"
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpRoute:
    method: str  # upper case, "ANY" allowed
    path: str  # as declared: /users/me/addresses/{address_id}, /{proxy+} or $default
    function_id: str
    event_name: str
    api_id: str | None  # logical id of the AWS::Serverless::HttpApi, None for SAM's implicit API
    authorizer: Authorizer | None
    payload_format_version: str = "2.0"

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


def _merge_globals(global_props: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's rules: maps merge (resource wins), lists concatenate (globals first), scalars: resource wins."""
    merged: dict[str, Any] = copy.deepcopy(dict(global_props))
    for key, value in props.items():
        base = merged.get(key)
        if isinstance(base, dict) and isinstance(value, dict) and not _is_intrinsic(value):
            merged[key] = _merge_globals(base, value)
        elif isinstance(base, list) and isinstance(value, list):
            merged[key] = base + copy.deepcopy(value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and (
        next(iter(value)) in ("Ref", "Condition") or next(iter(value)).startswith("Fn::")
    )


_GLOBALS_SECTION = {
    "AWS::Serverless::Function": "Function",
    "AWS::Serverless::HttpApi": "HttpApi",
    "AWS::Serverless::Api": "Api",
    "AWS::Serverless::SimpleTable": "SimpleTable",
    "AWS::Serverless::StateMachine": "StateMachine",
    "AWS::Serverless::LayerVersion": "LayerVersion",
}


class Template:
    """A SAM template with Globals applied. Build it with `Template.load(path)`."""

    def __init__(self, document: Mapping[str, Any], base_dir: Path, path: Path | None = None) -> None:
        self.path = path
        self.base_dir = base_dir.resolve()
        self.document = dict(document)
        self.globals: dict[str, Any] = dict(document.get("Globals") or {})
        self.conditions: dict[str, Any] = dict(document.get("Conditions") or {})
        self.mappings: dict[str, Any] = dict(document.get("Mappings") or {})
        self.outputs: dict[str, Any] = dict(document.get("Outputs") or {})
        self.parameters: dict[str, Parameter] = {
            name: Parameter(
                name=name,
                type=str(spec.get("Type", "String")),
                default=spec.get("Default"),
                allowed_values=spec.get("AllowedValues"),
                description=spec.get("Description"),
            )
            for name, spec in (document.get("Parameters") or {}).items()
        }
        self.resources: dict[str, dict[str, Any]] = {}
        for logical_id, resource in (document.get("Resources") or {}).items():
            resource = copy.deepcopy(resource)
            section = _GLOBALS_SECTION.get(resource.get("Type", ""))
            if section and section in self.globals:
                resource["Properties"] = _merge_globals(self.globals[section], resource.get("Properties") or {})
            resource.setdefault("Properties", {})
            self.resources[logical_id] = resource
        self.functions: dict[str, FunctionSpec] = {
            logical_id: self._function_spec(logical_id, res)
            for logical_id, res in self.resources.items()
            if res["Type"] == "AWS::Serverless::Function"
        }

    @classmethod
    def load(cls, path: str | Path) -> Template:
        path = Path(path).resolve()
        document = load_yaml(path.read_text())
        if not isinstance(document, dict) or "Resources" not in document:
            raise TemplateError(f"{path} is not a CloudFormation/SAM template (no Resources)")
        return cls(document, path.parent, path)

    # ---- lookups -----------------------------------------------------------------------------

    def resources_of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {lid: res for lid, res in self.resources.items() if res.get("Type") in types}

    def resource_type(self, logical_id: str) -> str | None:
        res = self.resources.get(logical_id)
        return res.get("Type") if res else None

    def resolve_path(self, relative: str) -> Path:
        """Paths in a template (CodeUri, ContentUri, DefinitionUri) are relative to its folder."""
        return (self.base_dir / relative).resolve()

    def parameter_defaults(self) -> dict[str, Any]:
        return {name: p.default for name, p in self.parameters.items()}

    def _function_spec(self, logical_id: str, resource: Mapping[str, Any]) -> FunctionSpec:
        props = resource["Properties"]
        code_uri = props.get("CodeUri", ".")
        if not isinstance(code_uri, str):
            raise TemplateError(f"{logical_id}: CodeUri must be a local folder to run locally, got {code_uri!r}")
        handler = props.get("Handler")
        if not isinstance(handler, str):
            raise TemplateError(f"{logical_id}: Handler is required (module.function)")
        return FunctionSpec(
            logical_id=logical_id,
            code_uri=self.resolve_path(code_uri),
            handler=handler,
            runtime=props.get("Runtime"),
            timeout=self._int_property(props.get("Timeout", DEFAULT_TIMEOUT)),
            memory_size=self._int_property(props.get("MemorySize", DEFAULT_MEMORY_SIZE)),
            environment=dict((props.get("Environment") or {}).get("Variables") or {}),
            events=dict(props.get("Events") or {}),
            layers=list(props.get("Layers") or []),
            properties=dict(props),
            condition=resource.get("Condition"),
        )

    def _int_property(self, value: Any) -> int:
        # An intrinsic (!FindInMap, !If...) is read with the parameter defaults here; LocalFunctions
        # re-reads it with the stack's own parameter overrides.
        return int(value if not isinstance(value, dict) else Resolver(self).resolve(value))

    # ---- HTTP API routes ---------------------------------------------------------------------

    def http_routes(self) -> list[HttpRoute]:
        """Every `HttpApi` event of every function, with the authorizer API Gateway would run first."""
        routes: list[HttpRoute] = []
        for function_id, spec in self.functions.items():
            for event_name, event in spec.events.items():
                if event.get("Type") != "HttpApi":
                    continue
                props = event.get("Properties") or {}
                api_id = _ref_target(props.get("ApiId"))
                api_props = (
                    self.resources[api_id]["Properties"]
                    if api_id and api_id in self.resources
                    else self.globals.get("HttpApi", {})  # SAM's implicit ServerlessHttpApi
                )
                path = props.get("Path", "$default")
                method = str(props.get("Method", "ANY")).upper()
                routes.append(
                    HttpRoute(
                        method="ANY" if method in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD") else method,
                        path=path,
                        function_id=function_id,
                        event_name=event_name,
                        api_id=api_id,
                        authorizer=self._route_authorizer(api_props, props.get("Auth") or {}),
                        payload_format_version=str(props.get("PayloadFormatVersion", "2.0")),
                    )
                )
        return routes

    def _route_authorizer(self, api_props: Mapping[str, Any], event_auth: Mapping[str, Any]) -> Authorizer | None:
        api_auth = api_props.get("Auth") or {}
        name = event_auth.get("Authorizer", api_auth.get("DefaultAuthorizer"))
        if not name or name == "NONE":
            return None
        spec = (api_auth.get("Authorizers") or {}).get(name)
        if spec is None:
            if name == "AWS_IAM":  # internal routes: IAM auth in AWS, nothing to run locally
                return Authorizer(name=name, function_id=None, properties={"Type": "AWS_IAM"})
            raise TemplateError(f"route uses authorizer {name!r}, which the HttpApi does not declare")
        function_id = _getatt_target(spec.get("FunctionArn"))
        identity = spec.get("Identity") or {}
        return Authorizer(
            name=name,
            function_id=function_id,
            identity_headers=list(identity.get("Headers") or []),
            enable_simple_responses=bool(spec.get("EnableSimpleResponses", False)),
            payload_format_version=str(spec.get("AuthorizerPayloadFormatVersion", "2.0")),
            properties=dict(spec),
        )


def _ref_target(value: Any) -> str | None:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    return None


def _getatt_target(value: Any) -> str | None:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"]).removesuffix(".Alias")  # SAM's `!Ref Function.Alias`: the function, locally
    return None


def load_template(path: str | Path) -> Template:
    return Template.load(path)


# --------------------------------------------------------------------------------------------
# Intrinsic resolution to local values
# --------------------------------------------------------------------------------------------


class _NoValue:
    """AWS::NoValue: the key (or list item) that holds it disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


def bucket_name(logical_id: str) -> str:
    """Local bucket names: the logical id in kebab case (S3 names are lower-case): `search-index-bucket`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()


def queue_url(name: str, region: str = REGION, account_id: str = ACCOUNT_ID) -> str:
    # Same shape moto answers to in-process; aws.py records the URL moto actually returns anyway.
    return f"https://sqs.{region}.amazonaws.com/{account_id}/{name}"


class Resolver:
    """Resolve CloudFormation intrinsics to what they are on this machine.

    Physical names are the logical ids (table `UsersTable`, queue `NotificationQueue`), so a reader
    can match a local resource to the template at a glance. `physical` is filled by `local.aws` with
    what moto actually returned; until then the same values are computed.
    """

    def __init__(
        self,
        template: Template,
        parameter_overrides: Mapping[str, Any] | None = None,
        *,
        region: str = REGION,
        account_id: str = ACCOUNT_ID,
        stack_name: str = STACK_NAME,
    ) -> None:
        self.template = template
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self.parameters: dict[str, Any] = template.parameter_defaults()
        self.parameters.update(parameter_overrides or {})
        for name, param in template.parameters.items():
            value = self.parameters.get(name)
            if isinstance(value, str) and (param.type == "CommaDelimitedList" or param.type.startswith("List<")):
                self.parameters[name] = [v.strip() for v in value.split(",")]
        # logical id -> {"Ref": ..., "Arn": ..., "QueueUrl": ...}; local.aws overwrites with moto's answers.
        self.physical: dict[str, dict[str, Any]] = {}
        self._conditions: dict[str, bool] = {}

    # ---- public ------------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic inside `value`; unresolvable ones become None, NoValue drops keys."""
        result = self._resolve(value)
        return None if result is NO_VALUE else result

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self.template.conditions:
                raise TemplateError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self._resolve(self.template.conditions[name]))
        return self._conditions[name]

    def resource_enabled(self, logical_id: str) -> bool:
        cond = self.template.resources.get(logical_id, {}).get("Condition")
        return True if cond is None else self.condition(cond)

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/local",
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.physical and "Ref" in self.physical[name]:
            return self.physical[name]["Ref"]
        return self._default_attribute(name, "Ref")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        known = self.physical.get(logical_id, {})
        if attribute in known:
            return known[attribute]
        return self._default_attribute(logical_id, attribute)

    # ---- local physical values ---------------------------------------------------------------

    def function_arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"

    def state_machine_arn(self, name: str) -> str:
        return f"arn:aws:states:{self.region}:{self.account_id}:stateMachine:{name}"

    def queue_name(self, logical_id: str) -> str:
        props = self.template.resources[logical_id]["Properties"]
        fifo = str(props.get("FifoQueue", "false")).lower() == "true"
        return f"{logical_id}.fifo" if fifo else logical_id

    def _default_attribute(self, logical_id: str, attribute: str) -> Any:
        rtype = self.template.resource_type(logical_id)
        if rtype is None:
            raise TemplateError(f"reference to unknown resource or parameter {logical_id!r}")
        arn_prefix = f"arn:aws:{{}}:{self.region}:{self.account_id}:"
        if rtype in TABLE_TYPES:
            values = {
                "Ref": logical_id,
                "Arn": arn_prefix.format("dynamodb") + f"table/{logical_id}",
            }
        elif rtype == BUCKET_TYPE:
            name = bucket_name(logical_id)
            values = {"Ref": name, "Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com"}
        elif rtype == QUEUE_TYPE:
            name = self.queue_name(logical_id)
            values = {
                "Ref": queue_url(name, self.region, self.account_id),
                "QueueUrl": queue_url(name, self.region, self.account_id),
                "QueueName": name,
                "Arn": arn_prefix.format("sqs") + name,
            }
        elif rtype in FUNCTION_TYPES:
            values = {"Ref": logical_id, "Arn": self.function_arn(logical_id)}
        elif rtype in STATE_MACHINE_TYPES:
            arn = self.state_machine_arn(logical_id)
            values = {"Ref": arn, "Arn": arn, "Name": logical_id}
        elif rtype in LAYER_TYPES:
            values = {"Ref": arn_prefix.format("lambda") + f"layer:{logical_id}:1"}
        elif rtype in ("AWS::IAM::Role",):
            arn = f"arn:aws:iam::{self.account_id}:role/{logical_id}"
            values = {"Ref": logical_id, "Arn": arn}
        elif rtype == "AWS::Logs::LogGroup":
            values = {"Ref": logical_id, "Arn": arn_prefix.format("logs") + f"log-group:{logical_id}:*"}
        else:
            values = {}  # ElastiCache, API endpoints...: no local meaning; overrides supply them
        return values.get(attribute)

    # ---- the evaluator -----------------------------------------------------------------------

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self._resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            handler = self._INTRINSICS.get(key)
            # An IAM statement's {"Condition": {...}} is data, not the Condition intrinsic.
            if handler is not None and not (key == "Condition" and not isinstance(arg, str)):
                return handler(self, arg)
        out: dict[str, Any] = {}
        for key, item in value.items():
            resolved = self._resolve(item)
            if resolved is not NO_VALUE:
                out[key] = resolved
        return out

    def _fn_ref(self, arg: Any) -> Any:
        return self.ref(str(self._resolve(arg)))

    def _fn_getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        logical_id, attribute = (self._resolve(a) for a in arg)
        return self.get_att(str(logical_id), str(attribute))

    def _fn_sub(self, arg: Any) -> Any:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self._resolve(v) for k, v in (arg[1] or {}).items()}
        else:
            text, variables = arg, {}
        unresolved = False

        def replace(match: re.Match[str]) -> str:
            nonlocal unresolved
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} is an escaped literal ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                val = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                lid, _, att = name.partition(".")
                val = self.get_att(lid, att)
            else:
                val = self.ref(name)
            if val is None:
                unresolved = True
                return ""
            return ",".join(val) if isinstance(val, list) else str(val)

        result = _SUB_VAR.sub(replace, str(text))
        return None if unresolved else result

    def _fn_join(self, arg: Any) -> Any:
        delimiter, items = arg
        items = self._resolve(items)
        if items is None or any(i is None for i in items):
            return None
        return str(delimiter).join(str(i) for i in items)

    def _fn_select(self, arg: Any) -> Any:
        index, items = (self._resolve(a) for a in arg)
        return None if items is None else items[int(index)]

    def _fn_split(self, arg: Any) -> Any:
        delimiter, text = arg
        text = self._resolve(text)
        return None if text is None else str(text).split(delimiter)

    def _fn_if(self, arg: Any) -> Any:
        name, when_true, when_false = arg
        return self._resolve(when_true if self.condition(name) else when_false)

    def _fn_equals(self, arg: Any) -> bool:
        left, right = (self._resolve(a) for a in arg)
        return str(left) == str(right)

    def _fn_not(self, arg: Any) -> bool:
        return not self._resolve(arg[0])

    def _fn_and(self, arg: Any) -> bool:
        return all(self._resolve(a) for a in arg)

    def _fn_or(self, arg: Any) -> bool:
        return any(self._resolve(a) for a in arg)

    def _fn_condition(self, arg: Any) -> bool:
        return self.condition(str(arg))

    def _fn_find_in_map(self, arg: Any) -> Any:
        name, top, second = (self._resolve(a) for a in arg[:3])
        try:
            return self.template.mappings[name][top][second]
        except KeyError:
            if len(arg) > 3 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return self._resolve(arg[3]["DefaultValue"])
            raise TemplateError(f"FindInMap: no {name}/{top}/{second}") from None

    def _fn_base64(self, arg: Any) -> Any:
        text = self._resolve(arg)
        return None if text is None else base64.b64encode(str(text).encode()).decode()

    def _fn_get_azs(self, arg: Any) -> list[str]:
        region = self._resolve(arg) or self.region
        return [f"{region}a", f"{region}b", f"{region}c"]

    def _fn_to_json_string(self, arg: Any) -> Any:
        return json.dumps(self._resolve(arg), separators=(",", ":"))

    def _fn_length(self, arg: Any) -> Any:
        items = self._resolve(arg)
        return None if items is None else len(items)

    def _fn_unresolvable(self, arg: Any) -> None:
        # ImportValue (another stack), Cidr (VPC maths), Transform: nothing local to point at.
        return None

    _INTRINSICS: ClassVar[dict[str, Any]] = {
        "Ref": _fn_ref,
        "Fn::GetAtt": _fn_getatt,
        "Fn::Sub": _fn_sub,
        "Fn::Join": _fn_join,
        "Fn::Select": _fn_select,
        "Fn::Split": _fn_split,
        "Fn::If": _fn_if,
        "Fn::Equals": _fn_equals,
        "Fn::Not": _fn_not,
        "Fn::And": _fn_and,
        "Fn::Or": _fn_or,
        "Condition": _fn_condition,
        "Fn::FindInMap": _fn_find_in_map,
        "Fn::Base64": _fn_base64,
        "Fn::GetAZs": _fn_get_azs,
        "Fn::ToJsonString": _fn_to_json_string,
        "Fn::Length": _fn_length,
        "Fn::ImportValue": _fn_unresolvable,
        "Fn::Cidr": _fn_unresolvable,
        "Fn::Transform": _fn_unresolvable,
    }
