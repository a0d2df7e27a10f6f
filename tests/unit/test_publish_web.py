"""scripts/publish_web.py against moto: the stack's outputs and parameters become the app's config.json, the
built files land in the bucket with their types and caching (bundles first, the page last)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scripts.publish_web import IMMUTABLE, REVALIDATE, main, profile, publish, read_stack, web_api_key, web_config

REGION = "ap-south-1"
STACK = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"FirebaseProjectId": {"Type": "String"},
                   "FirebaseWebApiKeyParameterName": {"Type": "String", "Default": "blinkit/firebase-web-api-key"}},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {"ApiUrl": {"Value": "https://abc123.execute-api.ap-south-1.amazonaws.com/"},
                "WebBucketName": {"Value": "blinkit-web"},
                "WebAppUrl": {"Value": "https://d111111abcdef8.cloudfront.net"}},
}


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        project = [{"ParameterKey": "FirebaseProjectId", "ParameterValue": "blinkit-prod"}]
        cloudformation.create_stack(StackName="blinkit-dev", TemplateBody=json.dumps(STACK), Parameters=project)
        ssm = boto3.client("ssm", region_name=REGION)
        ssm.put_parameter(Name="/blinkit/firebase-web-api-key", Value="AIzaFakeWebKey", Type="SecureString")
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="blinkit-web", CreateBucketConfiguration={"LocationConstraint": REGION})
        yield {"cloudformation": cloudformation, "ssm": ssm, "s3": s3}


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "index.html").write_text("<!DOCTYPE html>")
    (tmp_path / "app" / "main-ABC.js").write_text("export{}")
    (tmp_path / "app" / "main-DEF.css").write_text("body{}")
    (tmp_path / ".built").write_text("")
    return tmp_path


def test_the_config_names_the_api_and_the_firebase_project_of_the_stack(aws):
    stack = read_stack(aws["cloudformation"], "blinkit-dev")
    config = web_config(stack, web_api_key(aws["ssm"], stack))
    assert config == {
        "apiUrl": "https://abc123.execute-api.ap-south-1.amazonaws.com",
        "firebase": {"apiKey": "AIzaFakeWebKey", "authDomain": "blinkit-prod.firebaseapp.com",
                     "projectId": "blinkit-prod"},
        "authEmulatorUrl": None,
        "places": [],
        "checkout": "razorpay",
    }


def test_the_files_go_up_with_their_types_and_caching_the_page_and_config_last(aws, dist):
    written = publish(aws["s3"], "blinkit-web", dist, {"apiUrl": "https://api"})
    assert written == ["app/main-ABC.js", "app/main-DEF.css", "index.html", "config.json"]  # no dot files

    def head(key: str) -> tuple[str, str]:
        found = aws["s3"].head_object(Bucket="blinkit-web", Key=key)
        return found["ContentType"], found["CacheControl"]

    assert head("app/main-ABC.js") == ("text/javascript; charset=utf-8", IMMUTABLE)
    assert head("app/main-DEF.css") == ("text/css; charset=utf-8", IMMUTABLE)
    assert head("index.html") == ("text/html; charset=utf-8", REVALIDATE)
    assert head("config.json") == ("application/json", REVALIDATE)
    body = aws["s3"].get_object(Bucket="blinkit-web", Key="config.json")["Body"].read()
    assert json.loads(body) == {"apiUrl": "https://api"}


def test_without_a_build_or_the_outputs_it_stops_with_a_sentence(aws, tmp_path):
    with pytest.raises(SystemExit, match=r"has no index\.html"):
        publish(aws["s3"], "blinkit-web", tmp_path, {})
    bare = {**STACK, "Outputs": {"ApiUrl": STACK["Outputs"]["ApiUrl"]}}
    aws["cloudformation"].create_stack(StackName="old", TemplateBody=json.dumps(bare),
                                       Parameters=[{"ParameterKey": "FirebaseProjectId", "ParameterValue": "p"}])
    with pytest.raises(SystemExit, match="no output WebBucketName, WebAppUrl"):
        read_stack(aws["cloudformation"], "old")


def test_the_profile_comes_from_samconfig_and_main_publishes_there(aws, dist, capsys):
    assert profile("dev") == ("blinkit-dev", REGION) and profile("prod") == ("blinkit-prod", REGION)
    assert main(["--config-env", "dev", "--dist", str(dist)]) == 0
    assert "https://d111111abcdef8.cloudfront.net" in capsys.readouterr().out
    keys = {o["Key"] for o in aws["s3"].list_objects_v2(Bucket="blinkit-web")["Contents"]}
    assert keys == {"app/main-ABC.js", "app/main-DEF.css", "index.html", "config.json"}
