"""The CDN in front of the catalog reads (template.yaml's CatalogDistribution, issue 17 goal 4): it caches exactly
the public catalog GETs, on a key that nothing per user enters, lets every other read through uncached with its
Authorization, and takes no write."""

from __future__ import annotations

import fnmatch
import re
from functools import cache
from pathlib import Path
from typing import Any

from local.template import Template

ROOT = Path(__file__).resolve().parents[2]
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # Managed-CachingDisabled
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # Managed-AllViewerExceptHostHeader
READS = {"GET", "HEAD", "OPTIONS"}
CATALOG_PREFIXES = ("/stores", "/categories", "/products")


@cache
def template() -> Template:
    return Template.load(ROOT / "template.yaml")


def config() -> dict[str, Any]:
    return template().resources["CatalogDistribution"]["Properties"]["DistributionConfig"]


def behaviour_for(path: str) -> dict[str, Any]:
    """The behaviour CloudFront applies to `path`: the first whose pattern matches (`*` any characters, `?` one,
    case-sensitive), else the default."""
    for behaviour in config()["CacheBehaviors"]:
        if fnmatch.fnmatchcase(path, behaviour["PathPattern"]):
            return behaviour
    return config()["DefaultCacheBehavior"]


def sample(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x_1", path)


def get_routes() -> list[Any]:
    return [r for r in template().http_routes() if r.method == "GET"]


def test_every_public_catalog_get_is_cached_and_every_cached_get_is_public():
    public_catalog = {r.path for r in get_routes() if r.authorizer is None and r.path.startswith(CATALOG_PREFIXES)}
    assert {"/stores", "/stores/serviceable", "/categories", "/products", "/products/{product_id}",
            "/products/category/{category_id}", "/products/search"} <= public_catalog
    for route in get_routes():
        cached = behaviour_for(sample(route.path)) is not config()["DefaultCacheBehavior"]
        assert cached == (route.path in public_catalog), route.route_key


def test_the_cache_key_holds_nothing_per_user_and_follows_the_answers_own_ttl():
    policy = template().resources["CatalogCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert (policy["MinTTL"], policy["DefaultTTL"]) == (0, 0)  # the answer's Cache-Control decides
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    assert key["HeadersConfig"]["Headers"] == ["Origin"]  # CORS answers vary by it; Authorization never enters
    for behaviour in config()["CacheBehaviors"]:
        assert behaviour["CachePolicyId"] == {"Ref": "CatalogCachePolicy"}, behaviour["PathPattern"]
        assert behaviour["OriginRequestPolicyId"] != ALL_VIEWER_EXCEPT_HOST  # it would send Authorization on


def test_other_reads_pass_uncached_with_their_headers_and_no_write_goes_through():
    default = config()["DefaultCacheBehavior"]
    assert default["CachePolicyId"] == CACHING_DISABLED and default["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    for behaviour in [default, *config()["CacheBehaviors"]]:
        assert set(behaviour["AllowedMethods"]) <= READS and behaviour["ViewerProtocolPolicy"] == "https-only"
        assert behaviour["TargetOriginId"] == "HttpApi"
    (origin,) = config()["Origins"]
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert behaviour_for("/stores/sto_1/stock/low") is default and behaviour_for("/orders") is default


def test_the_output_names_the_cached_base_url():
    assert template().outputs["CatalogUrl"]["Value"] == {"Fn::Sub": "https://${CatalogDistribution.DomainName}"}
