"""Publish the web app to the stack `make deploy` just deployed: web/dist's files to the web bucket, then
/config.json (the API URL and the Firebase web config) beside them. `make deploy` runs it after `sam deploy`.

    .venv/bin/python scripts/publish_web.py [--config-env dev|prod] [--dist web/dist]

The stack name and region come from samconfig.toml's profile; the API URL, bucket and app URL from the
stack's outputs; the Firebase project from its parameters and the web API key from the SSM parameter the
stack names (FirebaseWebApiKeyParameterName; a Firebase web API key identifies the project, it is not a
secret). The bundles go first and config.json and index.html last, so a visitor never gets a page naming
bundles that are not there yet. Cache-Control: the hashed bundles for ever, the page and config never
without asking again (CloudFront's CachingOptimized policy follows it), so no invalidation is needed.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "web" / "dist"
OUTPUT_API_URL = "ApiUrl"
OUTPUT_BUCKET = "WebBucketName"
OUTPUT_WEB_URL = "WebAppUrl"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".json": "application/json"}


@dataclass(frozen=True)
class Stack:
    api_url: str
    bucket: str
    web_url: str
    firebase_project: str
    web_api_key_parameter: str  # the SSM name, without its leading slash


def profile(env: str, samconfig: Path = ROOT / "samconfig.toml") -> tuple[str, str]:
    """(stack name, region) of a samconfig.toml deploy profile."""
    deploy = tomllib.loads(samconfig.read_text())[env]["deploy"]["parameters"]
    return deploy["stack_name"], deploy["region"]


def read_stack(cloudformation: Any, stack_name: str) -> Stack:
    (described,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in described.get("Parameters", [])}
    missing = [k for k in (OUTPUT_API_URL, OUTPUT_BUCKET, OUTPUT_WEB_URL) if k not in outputs]
    if missing:
        raise SystemExit(f"stack {stack_name} has no output {', '.join(missing)}: deploy template.yaml first")
    return Stack(api_url=outputs[OUTPUT_API_URL], bucket=outputs[OUTPUT_BUCKET], web_url=outputs[OUTPUT_WEB_URL],
                 firebase_project=parameters["FirebaseProjectId"],
                 web_api_key_parameter=parameters.get("FirebaseWebApiKeyParameterName") or "")


def web_config(stack: Stack, web_api_key: str) -> dict[str, Any]:
    """What the app reads from /config.json in AWS (local/web.py's app_config has the same keys locally)."""
    return {
        "apiUrl": stack.api_url.rstrip("/"),
        "firebase": {"apiKey": web_api_key, "authDomain": f"{stack.firebase_project}.firebaseapp.com",
                     "projectId": stack.firebase_project},
        "authEmulatorUrl": None,
        "places": [],
        "checkout": "razorpay",  # Razorpay's own checkout.js (the local stack names its stand-in page instead)
    }


def web_api_key(ssm: Any, stack: Stack) -> str:
    if not stack.web_api_key_parameter:
        raise SystemExit("the stack names no FirebaseWebApiKeyParameterName: the app cannot sign anyone in")
    reply = ssm.get_parameter(Name="/" + stack.web_api_key_parameter.lstrip("/"), WithDecryption=True)
    return str(reply["Parameter"]["Value"])


def publish(s3: Any, bucket: str, dist: Path, config: dict[str, Any]) -> list[str]:
    """Uploads dist (bundles first, index.html last) and config.json; returns the keys written, in order."""
    if not (dist / "index.html").is_file():
        raise SystemExit(f"{dist} has no index.html: build the app first (node web/build.mjs)")
    files = sorted(p for p in dist.rglob("*") if p.is_file() and not p.name.startswith("."))
    pages = [p for p in files if p.name == "index.html"]
    written = []
    for path in [p for p in files if p not in pages] + pages:
        key = path.relative_to(dist).as_posix()
        content_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        cache = REVALIDATE if path in pages else IMMUTABLE
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type, CacheControl=cache)
        written.append(key)
    s3.put_object(Bucket=bucket, Key="config.json", Body=json.dumps(config).encode(),
                  ContentType=TYPES[".json"], CacheControl=REVALIDATE)
    written.append("config.json")
    return written


def main(argv: list[str]) -> int:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--config-env", default="dev", help="samconfig.toml profile (dev or prod)")
    parser.add_argument("--dist", type=Path, default=DIST)
    args = parser.parse_args(argv)
    stack_name, region = profile(args.config_env)
    stack = read_stack(boto3.client("cloudformation", region_name=region), stack_name)
    config = web_config(stack, web_api_key(boto3.client("ssm", region_name=region), stack))
    written = publish(boto3.client("s3", region_name=region), stack.bucket, args.dist, config)
    print(f"published {len(written)} files to s3://{stack.bucket}: the app is at {stack.web_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
