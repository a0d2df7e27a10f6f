"""Reading SAM templates: short tags, Globals, routes, and intrinsics resolved to local values."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.template import Resolver, Template, TemplateError, load_yaml
from tests.local.conftest import FIXTURE_TEMPLATE, FIXTURES


@pytest.fixture(scope="module")
def template() -> Template:
    return Template.load(FIXTURE_TEMPLATE)


def test_short_tags_become_long_form_intrinsics() -> None:
    doc = load_yaml(
        """
        a: !Ref Thing
        b: !GetAtt Queue.Arn
        c: !GetAtt [Cache, PrimaryEndPoint.Address]
        d: !GetAtt Cache.PrimaryEndPoint.Address
        e: !Sub "${AWS::Region}-x"
        f: !Sub ["${A}", {A: !Ref B}]
        g: !If [Cond, !Join [",", [x, y]], !Ref AWS::NoValue]
        h: !And [!Equals [a, b], !Not [!Condition C], !Or [true, false]]
        i: !Select [0, !Split [",", "a,b"]]
        j: !FindInMap [M, K, V]
        k: !ImportValue Other
        l: !Base64 text
        m: !GetAZs ""
        n: !Cidr [10.0.0.0/16, 2, 8]
        o: 2010-09-09
        """
    )
    assert doc["a"] == {"Ref": "Thing"}
    assert doc["b"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert doc["c"] == doc["d"] == {"Fn::GetAtt": ["Cache", "PrimaryEndPoint.Address"]}
    assert doc["e"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert doc["f"] == {"Fn::Sub": ["${A}", {"A": {"Ref": "B"}}]}
    assert doc["g"] == {"Fn::If": ["Cond", {"Fn::Join": [",", ["x", "y"]]}, {"Ref": "AWS::NoValue"}]}
    assert doc["h"]["Fn::And"][1] == {"Fn::Not": [{"Condition": "C"}]}
    assert doc["i"] == {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}
    assert doc["j"] == {"Fn::FindInMap": ["M", "K", "V"]}
    assert doc["k"] == {"Fn::ImportValue": "Other"}
    assert doc["l"] == {"Fn::Base64": "text"}
    assert doc["m"] == {"Fn::GetAZs": ""}
    assert doc["n"] == {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}
    assert doc["o"] == "2010-09-09"


def test_globals_merge_function_wins_maps_merge_lists_concatenate(tmp_path: Path) -> None:
    doc = {
        "Globals": {
            "Function": {
                "Runtime": "python3.12",
                "Timeout": 10,
                "Layers": [{"Ref": "Shared"}],
                "Environment": {"Variables": {"STAGE": "test", "LOG_LEVEL": "INFO"}},
            }
        },
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "src/",
                    "Handler": "app.handler",
                    "Timeout": 29,
                    "Layers": [{"Ref": "Extra"}],
                    "Environment": {"Variables": {"LOG_LEVEL": "DEBUG", "TABLE": {"Ref": "T"}}},
                },
            }
        },
    }
    spec = Template(doc, tmp_path).functions["Fn"]
    assert spec.runtime == "python3.12"
    assert spec.timeout == 29
    assert spec.memory_size == 128  # Lambda's default when nobody sets it
    assert spec.environment == {"STAGE": "test", "LOG_LEVEL": "DEBUG", "TABLE": {"Ref": "T"}}
    assert spec.layers == [{"Ref": "Shared"}, {"Ref": "Extra"}]
    assert spec.code_uri == (tmp_path / "src").resolve()


def test_function_specs_read_from_the_fixture(template: Template) -> None:
    echo = template.functions["EchoFunction"]
    assert echo.handler == "fixture_app.handlers.echo"
    assert echo.code_uri == FIXTURES / "src"
    assert echo.code_uri.is_absolute()
    assert echo.memory_size == 256  # !FindInMap with the parameter's default
    assert echo.timeout == 10
    assert echo.environment["STAGE"] == {"Ref": "Stage"}  # raw: resolution is the Resolver's job
    assert echo.layers == [{"Ref": "FixtureLayer"}]
    assert template.parameters["Stage"].default == "test"
    assert template.parameters["Subnets"].type == "CommaDelimitedList"


def test_resolver_gives_local_names_urls_and_arns(template: Template) -> None:
    r = Resolver(template)
    assert r.resolve({"Ref": "LedgerTable"}) == "LedgerTable"  # logical id, not the AWS TableName
    assert r.resolve({"Ref": "WorkQueue"}) == "https://sqs.ap-south-1.amazonaws.com/123456789012/WorkQueue"
    assert r.resolve({"Fn::GetAtt": ["WorkQueue", "Arn"]}) == "arn:aws:sqs:ap-south-1:123456789012:WorkQueue"
    assert r.resolve({"Fn::GetAtt": ["WorkQueue", "QueueName"]}) == "WorkQueue"
    assert r.resolve({"Fn::GetAtt": ["ReserveFunction", "Arn"]}) == (
        "arn:aws:lambda:ap-south-1:123456789012:function:ReserveFunction"
    )
    assert r.resolve({"Ref": "ReserveFunction"}) == "ReserveFunction"
    assert r.resolve({"Ref": "SagaStateMachine"}) == (
        "arn:aws:states:ap-south-1:123456789012:stateMachine:SagaStateMachine"
    )
    assert r.resolve({"Fn::GetAtt": ["SagaStateMachine", "Name"]}) == "SagaStateMachine"
    assert r.resolve({"Fn::Sub": "${AWS::StackName}/${AWS::Partition}/${AWS::URLSuffix}"}) == (
        "blinkit-local/aws/amazonaws.com"
    )


def test_sub_forms_select_split_join_and_escapes(template: Template) -> None:
    r = Resolver(template)
    env = r.resolve(template.functions["EchoFunction"].environment)
    assert env["GREETING"] == "hello from ap-south-1/123456789012 test-subnet-b"
    assert r.resolve({"Fn::Sub": "${WorkQueue.Arn}|${!Literal}"}) == (
        "arn:aws:sqs:ap-south-1:123456789012:WorkQueue|${Literal}"
    )
    assert r.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    assert r.resolve({"Fn::Base64": "hi"}) == "aGk="


def test_conditions_if_and_no_value_follow_parameters(template: Template) -> None:
    local = Resolver(template)
    env = local.resolve(template.functions["EchoFunction"].environment)
    assert env["MODE"] == "development"
    assert "OPTIONAL" not in env  # !Ref AWS::NoValue removes the key
    table = local.resolve(template.resources["LedgerTable"]["Properties"])
    assert "PointInTimeRecoverySpecification" not in table

    prod = Resolver(template, {"Stage": "prod"})
    env = prod.resolve(template.functions["EchoFunction"].environment)
    assert env["MODE"] == "production"
    assert env["OPTIONAL"] == "set-in-prod"
    assert prod.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}) == "1024"


def test_what_has_no_local_meaning_resolves_to_none(template: Template) -> None:
    r = Resolver(template)
    assert r.resolve({"Fn::GetAtt": ["Cache", "PrimaryEndPoint.Address"]}) is None
    env = r.resolve(template.functions["EchoFunction"].environment)
    assert env["REDIS_URL"] is None  # a Sub with an unresolvable part is unresolvable as a whole
    assert r.resolve({"Fn::ImportValue": "other-stack-export"}) is None


def test_reference_to_unknown_name_is_an_error(template: Template) -> None:
    with pytest.raises(TemplateError, match="Nope"):
        Resolver(template).resolve({"Ref": "Nope"})


def test_http_routes_carry_the_authorizer_that_applies(template: Template) -> None:
    routes = {(r.method, r.path): r for r in template.http_routes()}
    assert set(routes) == {("GET", "/things/{thing_id}"), ("GET", "/health")}
    thing = routes[("GET", "/things/{thing_id}")]
    assert thing.function_id == "EchoFunction"
    assert thing.api_id == "Api"
    assert thing.route_key == "GET /things/{thing_id}"
    assert thing.authorizer is not None
    assert thing.authorizer.name == "TokenAuth"
    assert thing.authorizer.function_id == "AuthorizerFunction"
    assert thing.authorizer.identity_headers == ["Authorization"]
    assert thing.authorizer.enable_simple_responses is True
    assert thing.authorizer.payload_format_version == "2.0"
    assert routes[("GET", "/health")].authorizer is None  # Auth: {Authorizer: NONE}
