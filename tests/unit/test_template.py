"""template.yaml stays honest: every function is logged, least-privileged, routed once and has a sample event.

These read the template the way the local stack does (`local.template.Template`), so a rule checked here
is a rule about what both AWS and `make run` deploy. tests/local/test_invoke_samples.py invokes every sample.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from local.template import BUCKET_TYPE, LAYER_TYPES, TABLE_TYPES, HttpRoute, Template

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"

# The routes whose code calls Firebase (token verification, sign-in, revocation, custom claims).
FIREBASE_PATHS = {"/auth/login", "/auth/google", "/auth/validate-token", "/auth/logout-all", "/admin/users/{uid}/roles",
                  "/internal/users/{uid}/roles/delivery-partner"}
PUBLIC_PATHS = {"/auth/login", "/auth/google", "/auth/validate-token", "/health", "/products/search",
                # The catalog's reads (each path's GET only; writes on the same paths are protected).
                "/stores", "/stores/serviceable", "/categories", "/products", "/products/category/{category_id}",
                "/products/{product_id}",
                # Razorpay's webhook: the HMAC of the raw body with the webhook secret authenticates it.
                "/payments/webhook"}
# Service-to-service routes: IAM authorization in AWS, never the session authorizer.
IAM_PATHS = {"/internal/products/batch", "/internal/cart/merge", "/internal/users/{uid}/addresses/{address_id}",
             "/internal/orders/{order_id}/delivery", "/internal/users/{uid}/roles/delivery-partner",
             "/internal/orders/{order_id}",  # payments' refunds: the order's user, store and lines
             # notifications: the consumer's contact and unregistered-token calls, the broadcast's user ids
             "/internal/users/{uid}/contact", "/internal/users/{uid}/devices/{token}", "/internal/users"}
# Job functions that call Firebase (FCM push through firebase-admin).
FIREBASE_JOBS = {"NotificationsConsumerFunction"}
# Routes that serve guests too: behind OptionalSessionAuthorizer (no identity header), and only they.
CART_ROUTES = {"GET /cart", "POST /cart/items", "PUT /cart/items/{product_id}", "DELETE /cart/items/{product_id}",
               "DELETE /cart"}
# Who the sample event of a protected route acts as (default: a customer; /admin/... an admin).
ADMIN_SAMPLE = {"admin", "customer"}
SAMPLE_ROLES = {
    **{key: ADMIN_SAMPLE for key in (
        "POST /stores", "PATCH /stores/{store_id}", "POST /categories", "PATCH /categories/{category_id}",
        "DELETE /categories/{category_id}", "POST /products", "PATCH /products/{product_id}",
        "DELETE /products/{product_id}")},
    "PUT /stores/{store_id}/stock/{product_id}": {"store_staff"},
    "PATCH /orders/{order_id}/status": {"store_staff"},  # the demo staff member confirms the customer's order
    "GET /stores/{store_id}/stock/low": {"store_staff"},
    "POST /delivery/partners": ADMIN_SAMPLE,
    "POST /notifications/custom": ADMIN_SAMPLE,
    **{key: {"delivery_partner"} for key in (
        "GET /delivery/partners/me", "PATCH /delivery/partners/me/status", "GET /delivery/partners/me/assignment",
        "POST /delivery/orders/{order_id}/pickup", "POST /delivery/orders/{order_id}/deliver",
        "POST /delivery/partners/me/location")},
}
# The input model of each saga job's sample event ("module:Model").
JOB_INPUT_MODELS = {"ReserveStockFunction": "products.schemas:ReserveInput",
                    "ReleaseStockFunction": "products.schemas:ReleaseInput",
                    "LoadCartFunction": "cart.schemas:LoadCartIn", "ClearCartFunction": "cart.schemas:ClearCartIn",
                    "PriceOrderFunction": "orders.schemas:PriceOrderIn",
                    "CreateOrderFunction": "orders.schemas:CreateOrderIn",
                    "MarkOrderFailedFunction": "orders.schemas:MarkOrderFailedIn",
                    "RedeemCouponFunction": "orders.schemas:RedeemCouponIn",
                    "ReleaseCouponFunction": "orders.schemas:ReleaseCouponIn",
                    "CreatePaymentFunction": "payments.schemas:CreatePaymentIn"}
# Routes that read their raw body themselves (no body model): their sample's body must parse as this model.
RAW_BODY_MODELS = {"POST /payments/webhook": "payments.schemas:WebhookEvent"}
SECRET_POLICY = "AWSSecretsManagerGetSecretValuePolicy"
# Path parameters whose shape the API enforces; a sample with another shape would only ever answer 422.
PATH_PARAM_PATTERNS = {"order_id": r"^ord_[0-9A-HJKMNP-TV-Z]{26}$",
                       "session_id": r"^ses_[0-9A-Z]{26}$", "address_id": r"^adr_[0-9A-Z]{26}$",
                       "store_id": r"^sto_[0-9A-HJKMNP-TV-Z]{26}$", "category_id": r"^cat_[0-9A-HJKMNP-TV-Z]{26}$",
                       "product_id": r"^prd_[0-9A-HJKMNP-TV-Z]{26}$",
                       "notification_id": r"^ntf_[0-9A-HJKMNP-TV-Z]{26}$"}


@cache
def template() -> Template:
    return Template.load(ROOT / "template.yaml")


def function_ids() -> list[str]:
    return sorted(template().functions)


@cache
def routes_by_function() -> dict[str, list[HttpRoute]]:
    found: dict[str, list[HttpRoute]] = {fid: [] for fid in template().functions}
    for route in template().http_routes():
        found[route.function_id].append(route)
    return found


def route_of(function_id: str) -> HttpRoute | None:
    routes = routes_by_function()[function_id]
    return routes[0] if routes else None


def event_path(function_id: str) -> Path:
    """AuthLoginFunction -> events/auth/login.json: folder from the handler's domain, kebab name without
    the `Function` suffix and the redundant `Auth` prefix (AuthorizerFunction keeps its name)."""
    domain = template().functions[function_id].handler.split(".", 1)[0]
    name = re.sub(r"Function$", "", function_id)
    name = re.sub(r"^Auth(?=[A-Z])", "", name)
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
    return EVENTS / domain / f"{kebab}.json"


def load_event(function_id: str) -> dict[str, Any]:
    """The sample with its placeholders ({{customer.uid}}, ...) as example values of their shape: `invoke` fills
    them from the stack it runs on (tests/local/test_invoke_samples.py invokes every sample for real)."""
    from local.invoke import EXAMPLES, fill

    return dict(fill(json.loads(event_path(function_id).read_text()), lambda thing, name: EXAMPLES[f"{thing}.{name}"]))


def props(function_id: str) -> dict[str, Any]:
    return template().functions[function_id].properties


def ref(value: Any) -> str | None:
    return value["Ref"] if isinstance(value, dict) and set(value) == {"Ref"} else None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(function_id: str) -> Iterator[dict[str, Any]]:
    """Inline policy statements of a function (SAM policy templates are checked separately)."""
    for policy in props(function_id).get("Policies") or []:
        if isinstance(policy, dict) and "Statement" in policy:
            yield from as_list(policy["Statement"])


def policy_templates(function_id: str) -> dict[str, Any]:
    return {
        name: args
        for policy in props(function_id).get("Policies") or []
        if isinstance(policy, dict) and "Statement" not in policy
        for name, args in policy.items()
    }


def secrets_read(function_id: str) -> list[str | None]:
    """The secrets a function may read: the `SecretArn` of each of its Secrets Manager policy templates (a list:
    a function may read several, which `policy_templates` would fold into one)."""
    return [ref(args.get("SecretArn")) for policy in props(function_id).get("Policies") or []
            if isinstance(policy, dict) for name, args in policy.items() if name == SECRET_POLICY]


def calls_firebase(function_id: str) -> bool:
    if function_id in FIREBASE_JOBS:
        return True
    route = route_of(function_id)
    return route is not None and route.path in FIREBASE_PATHS


# ---- every function ---------------------------------------------------------------------------------


def test_the_template_declares_functions() -> None:
    # Guards the parametrized tests below against silently running on nothing.
    assert len(function_ids()) >= 2


@pytest.mark.parametrize("function_id", function_ids())
def test_function_has_a_sample_event(function_id: str) -> None:
    path = event_path(function_id)
    assert path.is_file(), f"{function_id}: no sample event at {path.relative_to(ROOT)}"


def domain_of(function_id: str) -> str:
    return template().functions[function_id].handler.split(".", 1)[0]


def log_group_of(function_id: str) -> str | None:
    return ref((props(function_id).get("LoggingConfig") or {}).get("LogGroup"))


@pytest.mark.parametrize("function_id", function_ids())
def test_function_logs_json_to_its_domains_group_with_retention(function_id: str) -> None:
    logging_config = props(function_id).get("LoggingConfig") or {}
    assert logging_config.get("LogFormat") == "JSON", f"{function_id}: logs must be JSON (Globals sets it)"
    group = log_group_of(function_id)
    assert group, f"{function_id}: LoggingConfig.LogGroup must be !Ref of a log group in the template"
    expected = f"{domain_of(function_id).title()}LogGroup"
    assert group == expected, f"{function_id} is a {domain_of(function_id)} function: it logs to {expected}"
    resource = template().resources.get(group) or {}
    assert resource.get("Type") == "AWS::Logs::LogGroup", f"{function_id}: {group} is not an AWS::Logs::LogGroup"
    assert "RetentionInDays" in resource["Properties"], f"{group}: logs must not be kept forever"


def test_each_domain_has_one_log_group_of_its_own() -> None:
    groups: dict[str, set[str]] = {}
    for fid in function_ids():
        groups.setdefault(log_group_of(fid) or "", set()).add(domain_of(fid))
    shared = {group: domains for group, domains in groups.items() if len(domains) > 1}
    assert not shared, f"log groups shared across domains: {shared}"
    assert len(groups) >= 6, f"expected a group per domain, got {sorted(groups)}"


def test_every_function_gets_the_shared_layer_from_globals() -> None:
    assert template().globals["Function"]["Layers"] == [{"Ref": "BlinkitLayer"}]
    for fid in function_ids():
        layers = props(fid)["Layers"]
        assert layers[0] == {"Ref": "BlinkitLayer"}, f"{fid}: the shared layer comes first (from Globals)"
        assert layers.count({"Ref": "BlinkitLayer"}) == 1, f"{fid}: lists BlinkitLayer again; Globals adds it"


SHARED_ROLE = "RedisOnlyFunctionRole"
SHARED_ROLE_POLICIES = {"service-role/AWSLambdaBasicExecutionRole", "service-role/AWSLambdaVPCAccessExecutionRole",
                        "AWSXrayWriteOnlyAccess"}


def test_functions_either_have_their_own_role_or_need_no_aws_permission() -> None:
    """A function with `Role` skips SAM's per-function role: only the Redis-only role may be shared."""
    sharing = []
    for fid in function_ids():
        role = props(fid).get("Role")
        if role is None:
            continue
        assert role == {"Fn::GetAtt": [SHARED_ROLE, "Arn"]}, f"{fid}: the only shared role is {SHARED_ROLE}"
        assert not props(fid).get("Policies"), f"{fid}: has Policies, so it needs a role of its own (drop `Role`)"
        sharing.append(fid)
    assert "AuthorizerFunction" in sharing, sharing


def test_the_redis_only_role_grants_logs_traces_vpc_access_and_the_cache_token_only() -> None:
    role = template().resources[SHARED_ROLE]
    assert role["Type"] == "AWS::IAM::Role"
    properties = role["Properties"]
    assert set(properties) <= {"Description", "AssumeRolePolicyDocument", "ManagedPolicyArns"}, \
        "inline policies belong to a function's own role"
    aws_managed = [arn for arn in properties["ManagedPolicyArns"] if "Fn::Sub" in arn]
    arns = {arn["Fn::Sub"].split(":policy/", 1)[1] for arn in aws_managed}
    assert arns == SHARED_ROLE_POLICIES
    # Besides those, only reading the cache's AUTH token (tests/unit/test_template_security.py).
    assert [arn for arn in properties["ManagedPolicyArns"] if "Fn::Sub" not in arn] == [
        {"Ref": "CacheAuthTokenReadPolicy"}]
    (statement,) = properties["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": ["lambda.amazonaws.com"]}


def test_both_authorizers_are_allowed_through_one_permission() -> None:
    api = template().resources["HttpApi"]["Properties"]
    for name, authorizer in api["Auth"]["Authorizers"].items():
        # The function's published alias (AutoPublishAlias: SnapStart restores versions, never $LATEST).
        assert authorizer["FunctionArn"] == {"Ref": "AuthorizerFunction.Alias"}, name
        assert authorizer["EnableFunctionDefaultPermissions"] is False, f"{name}: AuthorizerInvokePermission covers it"
    permission = template().resources["AuthorizerInvokePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "AuthorizerFunction.Alias"}, "the alias the authorizers invoke"
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"]["Fn::Sub"].endswith(":${HttpApi}/authorizers/*"), "only this API's authorizers"


def test_routes_are_distinct_and_one_per_function() -> None:
    keys = [route.route_key for route in template().http_routes()]
    assert len(keys) == len(set(keys)), f"duplicate routes: {sorted(k for k in keys if keys.count(k) > 1)}"
    many = {fid: [r.route_key for r in rs] for fid, rs in routes_by_function().items() if len(rs) > 1}
    assert not many, f"one function per route: {many}"


# ---- least privilege ----------------------------------------------------------------------------------


def _table_of(resource: Any) -> str | None:
    """The table a DynamoDB resource ARN points at: !GetAtt T.Arn, or an index ARN `${T.Arn}/index/...`."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        logical_id, attribute = resource["Fn::GetAtt"]
        return str(logical_id) if attribute == "Arn" else None
    if isinstance(resource, dict) and isinstance(resource.get("Fn::Sub"), str):
        found = re.fullmatch(r"\$\{(\w+)\.Arn\}/index/[\w.*-]+", resource["Fn::Sub"])
        return found.group(1) if found else None
    return None


# Reading a table's stream is granted on the stream's ARN, and nothing else is.
STREAM_ACTIONS = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}


def _stream_of(resource: Any) -> str | None:
    """The table whose stream a resource is: !GetAtt T.StreamArn."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        logical_id, attribute = resource["Fn::GetAtt"]
        return str(logical_id) if attribute == "StreamArn" else None
    return None


@pytest.mark.parametrize("function_id", function_ids())
def test_dynamodb_access_is_scoped_to_declared_tables(function_id: str) -> None:
    tables = template().resources_of_type(*TABLE_TYPES)
    for statement in statements(function_id):
        actions = [str(a) for a in as_list(statement.get("Action", []))]
        assert "*" not in actions, f"{function_id}: Action '*'"
        dynamodb = [a for a in actions if a.lower().startswith("dynamodb:")]
        if not dynamodb:
            continue
        assert not any("*" in a for a in dynamodb), f"{function_id}: wildcard DynamoDB action in {dynamodb}"
        streams = set(dynamodb) & STREAM_ACTIONS
        assert not streams or streams == set(dynamodb), f"{function_id}: stream actions in their own statement"
        for resource in as_list(statement.get("Resource")):
            assert resource != "*", f"{function_id}: {dynamodb} on Resource '*'"
            if streams:
                table = _stream_of(resource)
                assert table in tables, f"{function_id}: {dynamodb} must target !GetAtt <Table>.StreamArn"
                spec = tables[table]["Properties"].get("StreamSpecification")
                assert spec, f"{function_id}: {table} has no stream"
                continue
            table = _table_of(resource)
            assert table in tables, f"{function_id}: {dynamodb} must target !GetAtt <Table>.Arn, got {resource!r}"
    for name, args in policy_templates(function_id).items():
        # SAM's DynamoDB policy templates grant whole action families; inline statements say exactly what.
        assert not name.startswith("DynamoDB"), f"{function_id}: use an inline statement instead of {name}"
        assert not (isinstance(args, dict) and "TableName" in args), f"{function_id}: {name} on a table"
    for policy in props(function_id).get("Policies") or []:
        assert not (isinstance(policy, str) and "dynamodb" in policy.lower()), f"{function_id}: managed {policy}"


def _bucket_objects_of(resource: Any) -> str | None:
    """The bucket whose objects a resource ARN names: `${B.Arn}/<key prefix>` (a prefix, or exact keys)."""
    if isinstance(resource, dict) and isinstance(resource.get("Fn::Sub"), str):
        found = re.fullmatch(r"\$\{(\w+)\.Arn\}/[\w./-]+\*?", resource["Fn::Sub"])
        return found.group(1) if found else None
    return None


@pytest.mark.parametrize("function_id", function_ids())
def test_s3_access_is_object_level_on_declared_buckets(function_id: str) -> None:
    buckets = template().resources_of_type(BUCKET_TYPE)
    for statement in statements(function_id):
        actions = [str(a) for a in as_list(statement.get("Action", []))]
        s3 = [a for a in actions if a.lower().startswith("s3:")]
        if not s3:
            continue
        assert not any("*" in a for a in s3), f"{function_id}: wildcard S3 action in {s3}"
        assert all(a.lower().endswith(("object", "objectversion")) for a in s3), f"{function_id}: {s3}"
        for resource in as_list(statement.get("Resource")):
            bucket = _bucket_objects_of(resource)
            assert bucket in buckets, f"{function_id}: {s3} must target !Sub ${{<Bucket>.Arn}}/<prefix>: {resource!r}"
    for name in policy_templates(function_id):
        assert not name.startswith("S3"), f"{function_id}: use an inline statement instead of {name}"


@pytest.mark.parametrize("function_id", function_ids())
def test_only_firebase_callers_get_the_firebase_layer_and_secret(function_id: str) -> None:
    layers = {ref(layer) for layer in template().functions[function_id].layers}
    secret_statements = [
        s for s in statements(function_id)
        if any(str(a).lower().startswith("secretsmanager:") for a in as_list(s.get("Action", [])))
    ]
    assert not secret_statements, f"{function_id}: read a secret through {SECRET_POLICY}, one secret each"
    if calls_firebase(function_id):
        assert "FirebaseLayer" in layers, f"{function_id} calls Firebase but lacks FirebaseLayer"
        assert "FirebaseCredentialsSecretArn" in secrets_read(function_id), \
            f"{function_id} calls Firebase but cannot read its secret"
    else:
        assert "FirebaseLayer" not in layers, f"{function_id} does not call Firebase: drop FirebaseLayer"
        assert "FirebaseCredentialsSecretArn" not in secrets_read(function_id), \
            f"{function_id}: needs no Firebase secret"
    assert None not in secrets_read(function_id), f"{function_id}: {SECRET_POLICY} must !Ref one secret"


def test_firebase_callers_are_exactly_the_firebase_routes() -> None:
    # A renamed path would otherwise quietly turn the test above into "nobody calls Firebase".
    paths = {route.path for route in template().http_routes() if calls_firebase(route.function_id)}
    assert paths == FIREBASE_PATHS


# ---- the HTTP API ---------------------------------------------------------------------------------------


def http_api() -> dict[str, Any]:
    apis = template().resources_of_type("AWS::Serverless::HttpApi")
    assert len(apis) == 1, f"expected one HttpApi, found {sorted(apis)}"
    return next(iter(apis.values()))["Properties"]


def test_http_api_writes_access_logs_to_a_group_with_retention() -> None:
    settings = http_api()["AccessLogSettings"]
    target = settings["DestinationArn"]
    assert isinstance(target, dict) and "Fn::GetAtt" in target, "DestinationArn must be !GetAtt <LogGroup>.Arn"
    group, attribute = target["Fn::GetAtt"]
    resource = template().resources[group]
    assert attribute == "Arn" and resource["Type"] == "AWS::Logs::LogGroup"
    assert "RetentionInDays" in resource["Properties"], f"{group}: access logs must not be kept forever"
    assert "$context.requestId" in settings["Format"]


def test_http_api_throttles_and_allows_cors() -> None:
    api = http_api()
    throttling = api["DefaultRouteSettings"]
    assert "ThrottlingBurstLimit" in throttling and "ThrottlingRateLimit" in throttling
    cors = api["CorsConfiguration"]
    assert cors.get("AllowOrigins") and cors.get("AllowMethods")
    # Browsers must be allowed to send the session token and the correlation id.
    headers = {h.lower() for h in cors["AllowHeaders"]}
    assert {"authorization", "content-type", "x-request-id"} <= headers


def test_http_api_authorizer_checks_every_request() -> None:
    auth = http_api()["Auth"]
    name = auth["DefaultAuthorizer"]
    authorizer = auth["Authorizers"][name]
    assert authorizer["AuthorizerPayloadFormatVersion"] == "2.0"
    assert authorizer["EnableSimpleResponses"] is True, "the authorizer answers with simple responses"
    assert authorizer["Identity"]["Headers"] == ["Authorization"]
    # Caching would keep a logged-out session working until the cache entry expires.
    assert authorizer["Identity"]["ReauthorizeEvery"] == 0, "authorizer caching must stay off"
    function_id = authorizer["FunctionArn"]["Ref"].removesuffix(".Alias")  # its published alias
    assert function_id in template().functions
    assert route_of(function_id) is None, "the authorizer must not be reachable as a route"


def test_guest_routes_use_the_optional_authorizer_without_identity_headers() -> None:
    auth = http_api()["Auth"]
    optional = auth["Authorizers"]["OptionalSessionAuthorizer"]
    default = auth["Authorizers"][auth["DefaultAuthorizer"]]
    # The same function and response format as the session authorizer; no identity source, so API Gateway
    # calls it even without an Authorization header (guests), and never caches a verdict.
    assert optional["FunctionArn"] == default["FunctionArn"]
    assert optional["AuthorizerPayloadFormatVersion"] == "2.0" and optional["EnableSimpleResponses"] is True
    assert "Headers" not in optional["Identity"] and optional["Identity"]["ReauthorizeEvery"] == 0
    routes = {r.route_key for r in template().http_routes()
              if r.authorizer and r.authorizer.name == "OptionalSessionAuthorizer"}
    assert routes == CART_ROUTES


def test_only_the_sign_in_routes_and_health_are_public() -> None:
    public = {route.path for route in template().http_routes() if route.authorizer is None}
    assert public == PUBLIC_PATHS, f"unexpected public routes: {sorted(public ^ PUBLIC_PATHS)}"


# ---- layers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layer_id", sorted(template().resources_of_type(*LAYER_TYPES)))
def test_layer_is_built_by_sam_for_python312(layer_id: str) -> None:
    resource = template().resources[layer_id]
    assert (resource.get("Metadata") or {}).get("BuildMethod") == "python3.12"
    content = template().resolve_path(resource["Properties"]["ContentUri"])
    assert (content / "requirements.txt").is_file(), f"{layer_id}: SAM installs {content}/requirements.txt"
    # SAM's build puts the folder's content under python/ itself; a python/ folder would nest it twice.
    assert not (content / "python").exists(), f"{layer_id}: remove {content}/python"


def test_blinkit_layer_has_no_python_folder() -> None:
    assert not (ROOT / "layers" / "blinkit" / "python").exists()


# ---- sample events -------------------------------------------------------------------------------------


@cache
def body_models() -> dict[tuple[str, str], type[BaseModel]]:
    """(METHOD, path) -> the request model its FastAPI endpoint takes as `body`."""
    from fastapi.routing import APIRoute

    from auth.api import router as auth_router
    from cart.api import router as cart_router
    from delivery.api import router as delivery_router
    from notifications.api import router as notifications_router
    from orders.api import router as orders_router
    from payments.api import router as payments_router
    from products.api import router as products_router

    models: dict[tuple[str, str], type[BaseModel]] = {}
    for api_route in [*auth_router.routes, *products_router.routes, *cart_router.routes, *orders_router.routes,
                      *delivery_router.routes, *notifications_router.routes, *payments_router.routes]:
        if not isinstance(api_route, APIRoute):
            continue
        model = typing.get_type_hints(api_route.endpoint).get("body")
        for method in api_route.methods:
            if model is not None:
                models[(method, api_route.path)] = model
    return models


def _header(event: dict[str, Any], name: str) -> str | None:
    return {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get(name)


@pytest.mark.parametrize("function_id", [f for f in function_ids() if route_of(f)])
def test_route_sample_is_an_http_api_v2_event_of_its_route(function_id: str) -> None:
    route = route_of(function_id)
    assert route is not None
    event = load_event(function_id)
    context = event["requestContext"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == context["routeKey"] == route.route_key
    assert context["http"]["method"] == route.method and context["stage"] == "$default"
    assert event["isBase64Encoded"] is False
    assert _header(event, "content-type") and _header(event, "x-request-id")
    # rawPath is a real request to this route; pathParameters are exactly its placeholders' values.
    names = re.findall(r"\{(\w+)\}", route.path)
    params = event.get("pathParameters") or {}
    assert sorted(params) == sorted(names)
    assert event["rawPath"] == context["http"]["path"] == re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], route.path)
    for name, value in params.items():
        assert re.fullmatch(PATH_PARAM_PATTERNS.get(name, r"[^/{}]+"), value), f"{name}={value!r}"
    model = body_models().get((route.method, route.path))
    raw_model = RAW_BODY_MODELS.get(route.route_key)
    if model is not None:
        model.model_validate_json(event["body"])  # the sample must get past validation to reach the code
    elif raw_model is not None:
        import importlib

        module, _, name = raw_model.partition(":")
        getattr(importlib.import_module(module), name).model_validate_json(event["body"])
    else:
        assert "body" not in event
    lambda_context = (context.get("authorizer") or {}).get("lambda")
    if route.authorizer is None:
        assert lambda_context is None and _header(event, "authorization") is None
    elif route.authorizer.name == "AWS_IAM":
        # API Gateway signs nothing into the lambda context: IAM callers show up as requestContext.authorizer.iam.
        assert route.path in IAM_PATHS, f"{route.route_key}: IAM auth is for internal routes"
        assert lambda_context is None and _header(event, "authorization") is None
        assert context["authorizer"]["iam"]["accountId"]
    else:
        assert re.fullmatch(r"Bearer bks_\S+", _header(event, "authorization") or "")
        assert lambda_context["auth_state"] == "ok" and lambda_context["uid"]
        assert re.fullmatch(PATH_PARAM_PATTERNS["session_id"], lambda_context["session_id"])
        default = ADMIN_SAMPLE if route.path.startswith("/admin/") else {"customer"}
        wanted = SAMPLE_ROLES.get(route.route_key, default)
        assert set(lambda_context["roles"].split(",")) == wanted
        if "store_staff" in wanted:  # staff act on their own store
            assert lambda_context["store_id"] == params.get("store_id", lambda_context["store_id"])
            assert re.fullmatch(PATH_PARAM_PATTERNS["store_id"], lambda_context["store_id"])


def authorizer_ids() -> list[str]:
    routes = template().http_routes()
    return sorted({r.authorizer.function_id for r in routes if r.authorizer and r.authorizer.function_id})


def stream_events(function_id: str) -> list[dict[str, Any]]:
    return [e for e in template().functions[function_id].events.values() if e.get("Type") == "DynamoDB"]


@pytest.mark.parametrize("function_id", authorizer_ids())
def test_authorizer_sample_is_a_request_authorizer_v2_event(function_id: str) -> None:
    event = load_event(function_id)
    assert event["version"] == "2.0" and event["type"] == "REQUEST"
    protected = {r.route_key: r for r in template().http_routes() if r.authorizer is not None}
    route = protected.get(event["routeKey"])
    assert route is not None, f"{event['routeKey']} is not a protected route"
    assert event["requestContext"]["routeKey"] == route.route_key
    assert event["routeArn"].endswith(f"/$default/{route.method}{route.path}")
    assert event["identitySource"] == [_header(event, "authorization")]
    assert "authorizer" not in event["requestContext"], "the authorizer is what produces that context"


@pytest.mark.parametrize("function_id", [f for f in function_ids() if stream_events(f)])
def test_stream_consumer_sample_is_a_dynamodb_stream_event_of_its_table(function_id: str) -> None:
    (event_spec,) = stream_events(function_id)
    table_id, attribute = event_spec["Properties"]["Stream"]["Fn::GetAtt"]
    assert attribute == "StreamArn"
    table = template().resources[table_id]["Properties"]
    view = table["StreamSpecification"]["StreamViewType"]
    key_names = sorted(k["AttributeName"] for k in table["KeySchema"])
    records = load_event(function_id)["Records"]
    assert records
    for record in records:
        assert record["eventSource"] == "aws:dynamodb" and record["eventVersion"] == "1.1" and record["eventID"]
        assert re.fullmatch(r"arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table/[\w.-]+/stream/[\w:.-]+",
                            record["eventSourceARN"])
        data = record["dynamodb"]
        assert data["StreamViewType"] == view and sorted(data["Keys"]) == key_names
        assert data["SequenceNumber"].isdigit() and isinstance(data["ApproximateCreationDateTime"], int)
        name = record["eventName"]
        assert name in {"INSERT", "MODIFY", "REMOVE"}
        assert ("NewImage" in data) == (name != "REMOVE" and view in {"NEW_IMAGE", "NEW_AND_OLD_IMAGES"})
        assert ("OldImage" in data) == (name != "INSERT" and view in {"OLD_IMAGE", "NEW_AND_OLD_IMAGES"})
        for image in (data.get("NewImage"), data.get("OldImage")):
            if image is not None:  # DynamoDB JSON, and the item's keys are the record's keys
                assert all(len(value) == 1 for value in image.values())
                assert {k: image[k] for k in key_names} == data["Keys"]


def test_there_are_no_stray_sample_events() -> None:
    expected = {event_path(f) for f in function_ids()}
    found = set(EVENTS.rglob("*.json"))
    assert found <= expected, f"events for no function: {sorted(str(p.relative_to(ROOT)) for p in found - expected)}"


# ---- products: internal routes and saga jobs ----------------------------------------------------------


def test_internal_routes_use_iam_auth() -> None:
    iam = {r.path for r in template().http_routes() if r.authorizer and r.authorizer.name == "AWS_IAM"}
    internal = {r.path for r in template().http_routes() if r.path.startswith("/internal/")}
    assert iam == internal == IAM_PATHS


@pytest.mark.parametrize("function_id", sorted(JOB_INPUT_MODELS))
def test_job_sample_is_its_job_input(function_id: str) -> None:
    import importlib

    assert route_of(function_id) is None and not template().functions[function_id].events
    module, _, name = JOB_INPUT_MODELS[function_id].partition(":")
    getattr(importlib.import_module(module), name).model_validate(load_event(function_id))


# ---- orders: the saga's state machine and the notifications queue --------------------------------------

SAGA = "OrderSagaStateMachine"
SAGA_FILE = ROOT / "statemachine" / "order_saga.asl.json"


def saga_definition() -> dict[str, Any]:
    return typing.cast(dict[str, Any], json.loads(SAGA_FILE.read_text()))


def test_the_saga_is_a_standard_state_machine_defined_in_its_own_file() -> None:
    saga = template().resources[SAGA]
    assert saga["Type"] == "AWS::Serverless::StateMachine"
    props = saga["Properties"]
    assert props["Type"] == "STANDARD" and props["DefinitionUri"] == "statemachine/order_saga.asl.json"
    used = set(re.findall(r"\$\{(\w+)\}", SAGA_FILE.read_text()))
    assert used == set(props["DefinitionSubstitutions"]), "every substitution is used, and only those"


def test_the_saga_may_invoke_exactly_its_task_functions_and_send_to_the_notifications_queue() -> None:
    props = template().resources[SAGA]["Properties"]
    invoked = {sub["Fn::GetAtt"][0] for sub in props["DefinitionSubstitutions"].values()
               if isinstance(sub, dict) and "Fn::GetAtt" in sub}
    granted, queues, statements_ = set(), set(), []
    for policy in props["Policies"]:
        (name, args), = policy.items()
        if name == "LambdaInvokePolicy":
            granted.add(ref(args["FunctionName"]))
        elif name == "SQSSendMessagePolicy":
            queues.add(args["QueueName"]["Fn::GetAtt"][0])
        else:
            assert name == "Statement", f"unexpected policy {name}"
            statements_.extend(as_list(args))
    assert granted == invoked and all(f in template().functions for f in granted)
    assert queues == {"NotificationsQueue"}
    for statement in statements_:  # only log delivery, which has no resource-level permissions
        assert all(str(a).startswith("logs:") and "*" not in str(a) for a in as_list(statement["Action"]))


def test_the_saga_logs_to_a_group_with_retention_and_is_traced() -> None:
    props = template().resources[SAGA]["Properties"]
    assert props["Tracing"]["Enabled"] is True
    (destination,) = props["Logging"]["Destinations"]
    group, attribute = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"]
    resource = template().resources[group]
    assert attribute == "Arn" and resource["Type"] == "AWS::Logs::LogGroup"
    assert "RetentionInDays" in resource["Properties"]


def test_failed_saga_executions_raise_an_alarm() -> None:
    alarms = [r["Properties"] for r in template().resources_of_type("AWS::CloudWatch::Alarm").values()]
    assert any(a["Namespace"] == "AWS/States" and a["MetricName"] == "ExecutionsFailed"
               and ref(a["Dimensions"][0]["Value"]) == SAGA for a in alarms)


def test_saga_catches_name_exception_classes_and_compensations_retry_harder() -> None:
    states = saga_definition()["States"]
    caught = {e for s in states.values() for c in s.get("Catch", []) for e in c["ErrorEquals"]}
    assert {"CartEmpty", "OutOfStock", "NotServiceable", "BelowMinimum"} <= caught
    def attempts(name: str) -> int:
        return max(r["MaxAttempts"] for r in states[name]["Retry"])
    forward = max(attempts(s) for s in ("LoadCart", "ReserveStock", "PriceOrder", "CreateOrder"))
    assert attempts("ReleaseStock") > forward and attempts("MarkOrderFailed") > forward
    assert states["CompensationFailed"]["Type"] == "Fail"
    assert {c["Next"] for c in states["ReleaseStock"]["Catch"]} == {"CompensationFailed"}


def test_every_failure_after_a_coupon_is_redeemed_gives_it_back_before_the_stock() -> None:
    states = saga_definition()["States"]
    has_coupon = states["HasCoupon"]
    assert has_coupon["Type"] == "Choice" and has_coupon["Choices"][0]["Next"] == "RedeemCoupon"
    assert states["PriceOrder"]["Next"] == "HasCoupon" and has_coupon["Default"] == "PaymentMethod"
    assert states["RedeemCoupon"]["Next"] == "PaymentMethod"
    # RedeemCoupon's refusal has nothing to give back; anything else it raises might follow a committed write.
    assert {tuple(c["ErrorEquals"]): c["Next"] for c in states["RedeemCoupon"]["Catch"]} == {
        ("CouponUnavailable",): "ReleaseStock", ("States.ALL",): "ReleaseCoupon"}
    after = ("CreatePayment", "AwaitPayment", "WaitForPayment", "ClosePayment", "CreateOrder")
    for name in after:
        exits = {c["Next"] for c in states[name]["Catch"]}
        assert exits <= {"CouponToRelease", "ClosePayment"} and exits, (name, exits)
    assert states["ClosePayment"]["Next"] == "CouponToRelease"
    release = states["CouponToRelease"]
    assert (release["Choices"][0]["Next"], release["Default"]) == ("ReleaseCoupon", "ReleaseStock")
    assert release["Choices"][0] == {**has_coupon["Choices"][0], "Next": "ReleaseCoupon"}  # the same test
    assert states["ReleaseCoupon"]["Next"] == "ReleaseStock"
    assert {c["Next"] for c in states["ReleaseCoupon"]["Catch"]} == {"CompensationFailed"}
    forward = max(r["MaxAttempts"] for r in states["RedeemCoupon"]["Retry"])
    assert max(r["MaxAttempts"] for r in states["ReleaseCoupon"]["Retry"]) > forward


def test_notifications_queue_redrives_to_a_dead_letter_queue() -> None:
    queue = template().resources["NotificationsQueue"]["Properties"]
    dlq = queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert template().resources[dlq]["Type"] == "AWS::SQS::Queue"
    assert 1 <= queue["RedrivePolicy"]["maxReceiveCount"] <= 10


# Who may send to the delivery assignment queue: orders, wherever an order's status changes after the saga
# placed it (staff, admin and customer moves, the partner's moves, the saga's FAILED), and the assignment job
# itself (its delayed retries).
ASSIGNMENT_SENDERS = {"OrdersSetStatusFunction", "OrdersCancelFunction", "OrdersDeliveryInternalFunction",
                      "MarkOrderFailedFunction", "AssignPartnerFunction"}

# Who may send to the refunds queue: orders where an order can be cancelled (a paid one is refunded), and
# payments wherever a refund is asked for (the admin route, the worker's cancel, a mismatch found by verify,
# the webhook or the reconciler, the reconciler's re-queue of a lost message, and the saga's wait and close when money
# arrives after the saga stopped waiting).
REFUND_SENDERS = {"OrdersSetStatusFunction", "OrdersCancelFunction", "PaymentsRefundFunction", "RefundWorkerFunction",
                  "WaitForPaymentFunction", "ClosePaymentFunction",
                  "PaymentsVerifyFunction", "PaymentsWebhookFunction", "ReconcilePaymentsFunction"}


@pytest.mark.parametrize("function_id", function_ids())
def test_sqs_sends_target_the_notifications_queue_only(function_id: str) -> None:
    for statement in statements(function_id):
        actions = [str(a) for a in as_list(statement.get("Action", []))]
        if any(a.lower().startswith("sqs:") for a in actions):
            assert actions == ["sqs:SendMessage"], f"{function_id}: {actions}"
            allowed = [{"Fn::GetAtt": ["NotificationsQueue", "Arn"]}]
            if function_id in ASSIGNMENT_SENDERS:
                allowed.append({"Fn::GetAtt": ["DeliveryAssignmentQueue", "Arn"]})
            if function_id in REFUND_SENDERS:
                allowed.append({"Fn::GetAtt": ["RefundsQueue", "Arn"]})
            assert statement["Resource"] in allowed, f"{function_id}: {statement['Resource']}"


# ---- delivery: the assignment queue and its job -----------------------------------------------------


def test_the_assignment_queue_redrives_to_a_dead_letter_queue_and_both_alarms_exist() -> None:
    queue = template().resources["DeliveryAssignmentQueue"]["Properties"]
    dlq = queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert template().resources[dlq]["Type"] == "AWS::SQS::Queue"
    assert 1 <= queue["RedrivePolicy"]["maxReceiveCount"] <= 10
    # Lambda's SQS guidance: the visibility timeout is at least six times the consumer's timeout.
    assert queue["VisibilityTimeout"] >= 6 * int(props("AssignPartnerFunction").get("Timeout", 10))
    alarms = [r["Properties"] for r in template().resources_of_type("AWS::CloudWatch::Alarm").values()]
    assert any(a["MetricName"] == "ApproximateNumberOfMessagesVisible"
               and a["Dimensions"][0]["Value"] == {"Fn::GetAtt": [dlq, "QueueName"]} for a in alarms)
    assert any(a["Namespace"] == "Blinkit" and a["MetricName"] == "UnassignedOrders"
               and a["Dimensions"] == [{"Name": "service", "Value": "delivery"}] for a in alarms)


def test_the_assignment_job_reports_partial_batch_failures_and_its_sample_is_an_sqs_batch() -> None:
    from delivery.schemas import OrderStatusMessage

    (event,) = template().functions["AssignPartnerFunction"].events.values()
    assert event["Type"] == "SQS" and event["Properties"]["Queue"] == {"Fn::GetAtt": ["DeliveryAssignmentQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    records = load_event("AssignPartnerFunction")["Records"]
    assert records and all(r["eventSource"] == "aws:sqs" for r in records)
    for record in records:
        OrderStatusMessage.model_validate_json(record["body"])


# ---- notifications: the consumer, its queue and its layer ---------------------------------------------

CONSUMER = "NotificationsConsumerFunction"


def test_the_notifications_consumer_reads_its_queue_in_batches_with_partial_failures() -> None:
    (event,) = template().functions[CONSUMER].events.values()
    assert event["Type"] == "SQS"
    properties = event["Properties"]
    assert properties["Queue"] == {"Fn::GetAtt": ["NotificationsQueue", "Arn"]}
    assert properties["BatchSize"] == 10 and properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = template().resources["NotificationsQueue"]["Properties"]
    # Lambda's SQS guidance: the visibility timeout is six times the consumer's timeout.
    assert queue["VisibilityTimeout"] == 6 * int(props(CONSUMER)["Timeout"])
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5


def test_only_the_senders_get_the_notifications_layer() -> None:
    with_layer = {fid for fid in function_ids()
                  if "NotificationsLayer" in {ref(layer) for layer in template().functions[fid].layers}}
    assert with_layer == {CONSUMER}


def test_the_consumer_sample_is_an_sqs_batch_of_notification_messages() -> None:
    from notifications.schemas import Message

    records = load_event(CONSUMER)["Records"]
    assert records
    for record in records:
        assert record["eventSource"] == "aws:sqs" and record["messageId"] and record["receiptHandle"]
        assert record["attributes"]["SentTimestamp"].isdigit()
        Message.model_validate_json(record["body"])


def test_the_cursor_signing_key_is_a_generated_secret_not_derived_from_names() -> None:
    # A key computed from the stack name and account id could be recomputed by anyone to forge cursors.
    secret = template().resources["CursorSigningSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32


def _resolves_a_secret(value: Any) -> bool:
    """A CloudFormation dynamic reference to Secrets Manager or an SSM SecureString anywhere in `value`."""
    if isinstance(value, dict):
        return any(_resolves_a_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_resolves_a_secret(v) for v in value)
    return isinstance(value, str) and re.search(r"\{\{resolve:(secretsmanager|ssm-secure):", value) is not None


def test_no_function_environment_holds_a_resolved_secret() -> None:
    # A dynamic reference puts the secret's value in the function's configuration, in plain text for anyone
    # who may read it (lambda:GetFunctionConfiguration); functions read secrets at run time instead.
    assert not _resolves_a_secret(template().globals.get("Function", {}).get("Environment"))
    holding = sorted(fid for fid, f in template().functions.items() if _resolves_a_secret(f.environment))
    assert not holding, f"resolved secrets in the environment of {holding}"
    for f in template().functions.values():
        assert "CURSOR_SECRET" not in f.environment
        assert f.environment["CURSOR_SECRET_ARN"] == {"Ref": "CursorSigningSecret"}  # its name, from Globals


@cache
def cursor_routes() -> set[tuple[str, str]]:
    """(METHOD, path) of every route that answers a page with `next_cursor`: the routes that sign and check
    cursors (blinkit.cursor)."""
    from fastapi.routing import APIRoute

    from auth.api import router as auth_router
    from delivery.api import router as delivery_router
    from notifications.api import router as notifications_router
    from orders.api import router as orders_router
    from products.api import router as products_router
    from products.search.api import router as search_router

    found = set()
    for api_route in [*auth_router.routes, *products_router.routes, *search_router.routes, *orders_router.routes,
                      *delivery_router.routes, *notifications_router.routes]:
        model = getattr(api_route, "response_model", None) if isinstance(api_route, APIRoute) else None
        if isinstance(model, type) and issubclass(model, BaseModel) and "next_cursor" in model.model_fields:
            found.update((method, api_route.path) for method in api_route.methods)
    return found


def test_exactly_the_functions_that_sign_or_check_cursors_may_read_the_cursor_secret() -> None:
    users = {route.function_id for route in template().http_routes() if (route.method, route.path) in cursor_routes()}
    readers = {fid for fid in function_ids() if "CursorSigningSecret" in secrets_read(fid)}
    assert len(cursor_routes()) >= 10 and len(users) == len(cursor_routes())
    assert readers == users, f"missing: {sorted(users - readers)}, needless: {sorted(readers - users)}"


def test_samples_use_only_documented_placeholders() -> None:
    from local.invoke import EXAMPLES, placeholders_in

    used = {f"{thing}.{name}" for path in EVENTS.rglob("*.json") for thing, name in placeholders_in(path.read_text())}
    assert used <= set(EXAMPLES), f"undocumented placeholders: {sorted(used - set(EXAMPLES))}"
    readme = (EVENTS / "README.md").read_text()
    assert not [name for name in EXAMPLES if f"`{{{{{name}}}}}`" not in readme], "events/README.md misses some"
