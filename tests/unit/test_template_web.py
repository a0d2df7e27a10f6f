"""The web app in AWS (template.yaml): a private, encrypted bucket that only the app's CloudFront distribution
reads (origin access control, TLS only), HTTPS for viewers, index.html at the root and for every unknown path
(the app routes in the hash), and the outputs scripts/publish_web.py reads."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from local.template import Template
from scripts.publish_web import OUTPUT_API_URL, OUTPUT_BUCKET, OUTPUT_WEB_URL

ROOT = Path(__file__).resolve().parents[2]


@cache
def template() -> Template:
    return Template.load(ROOT / "template.yaml")


def props(logical_id: str) -> dict[str, Any]:
    return template().resources[logical_id]["Properties"]


def test_the_bucket_is_private_and_encrypted():
    bucket = props("WebBucket")
    assert all(bucket["PublicAccessBlockConfiguration"].values()) and len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"}
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_only_the_distribution_reads_the_bucket_and_only_over_tls():
    policy = props("WebBucketPolicy")
    assert policy["Bucket"] == {"Ref": "WebBucket"}
    allow, deny = policy["PolicyDocument"]["Statement"]
    assert allow["Effect"] == "Allow" and allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert "${WebDistribution}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": False}}


def test_the_distribution_signs_to_its_origin_serves_https_and_falls_back_to_the_app():
    config = props("WebDistribution")["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert origin["DomainName"] == {"Fn::GetAtt": ["WebBucket", "RegionalDomainName"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # OAC, not the legacy identity
    oac = props("WebOriginAccessControl")["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3", "always", "sigv4")
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https" and behaviour["TargetOriginId"] == origin["Id"]
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"] and behaviour["Compress"] is True
    assert config["DefaultRootObject"] == "index.html"
    assert {(e["ErrorCode"], e["ResponseCode"], e["ResponsePagePath"]) for e in config["CustomErrorResponses"]} == {
        (403, 200, "/index.html"), (404, 200, "/index.html")}


def test_the_outputs_name_the_app_its_bucket_and_the_api():
    outputs = template().outputs
    assert outputs[OUTPUT_WEB_URL]["Value"] == {"Fn::Sub": "https://${WebDistribution.DomainName}"}
    assert outputs[OUTPUT_BUCKET]["Value"] == {"Ref": "WebBucket"}
    assert OUTPUT_API_URL in outputs
