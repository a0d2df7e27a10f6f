"""The capacity and cost model (`make capacity`, docs/capacity.md): what 1k, 10k and 100k orders an hour ask of
Lambda, the HTTP API, DynamoDB, Redis, Step Functions and SQS, what it costs per 1,000 orders, and which limit
binds first.

Three kinds of input, each from one place:

- **Measured calls** per request and per order: the latest `.bench/<bench>.json` when present (checkout,
  delivery, routes, notifications), otherwise the committed snapshot docs/capacity-inputs.json, which says
  where each of its numbers came from. The output names the source of every input it used.
- **The template**: every route's function and whether the authorizer runs before it, memory sizes,
  architecture, reserved concurrency, the API's per-route throttle, cache nodes (template.yaml, through
  local.template); the function groups are scripts/operations.py's (the alarms' groups).
- **AWS quotas and prices**, written below with their source and the date they were looked up, and the
  **assumptions** (traffic mix, latencies in AWS, peak factor), each stated where it is defined.

Nothing here is measured in AWS. Call counts are exact (the benchmarks count them); durations in AWS are
estimated from those counts (ESTIMATED_LATENCY_MS), since local times on moto do not carry over.

    .venv/bin/python scripts/capacity.py [--bench-dir .bench] [--inputs docs/capacity-inputs.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "blinkit")]

from blinkit.eta import ASSIGNMENT_MINUTES, HANDOVER_MINUTES, PICK_AND_PACK_MINUTES, travel_minutes  # noqa: E402
from local.template import Template  # noqa: E402

TEMPLATE = ROOT / "template.yaml"
SNAPSHOT = ROOT / "docs" / "capacity-inputs.json"
SCALES = (1_000, 10_000, 100_000)  # orders per hour

# ---- AWS quotas, looked up on 2026-12-05 (defaults; each can be raised unless it says "hard") -----------------
LOOKED_UP = "2026-12-05"
REGION = "ap-south-1"  # samconfig.toml's deploy region; where quotas differ by Region, these are its figures


@dataclass(frozen=True)
class Quota:
    value: float
    unit: str
    source: str


QUOTAS = {
    "lambda_concurrency": Quota(1_000, "concurrent executions per account and Region (new accounts may start lower)",
                                "https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html"),
    "lambda_unreserved_minimum": Quota(100, "concurrency Lambda keeps unreserved for the other functions",
                                       "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html"),
    "lambda_scaling": Quota(1_000, "new execution environments per function every 10 s",
                            "https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html"),
    "api_rps": Quota(10_000, "requests/s per account and Region across all APIs (burst bucket 5,000)",
                     "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"),
    # Standard workflows, Regions other than us-east-1, us-west-2 and eu-west-1 (those three: 1,300/300 and
    # 5,000/5,000). The search tool's excerpt of the page stopped above the table; these are the page's figures as
    # known, to be checked in the Service Quotas console before relying on them.
    "sfn_start_rate": Quota(150, "StartExecution refill per second (bucket 800)",
                            "https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html"),
    "sfn_transition_rate": Quota(800, "state transitions refill per second (bucket 800; new accounts lower)",
                                 "https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html"),
    "ddb_partition_wru": Quota(1_000, "write units/s per partition (hard): one item's key",
                               "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
                               "warm-throughput-scenarios.html"),
    "ddb_partition_rru": Quota(3_000, "read units/s per partition (hard)",
                               "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
                               "warm-throughput-scenarios.html"),
    "ddb_new_table_wru": Quota(4_000, "write units/s a new on-demand table takes at once (warm throughput)",
                               "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
                               "warm-throughput-scenarios.html"),
    "redis_connections": Quota(65_000, "maxclients of an ElastiCache Valkey/Redis OSS node (not modifiable)",
                               "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/RedisConfiguration.html"),
    # Not an AWS quota: AWS publishes no operations/s per node type. A planning figure for the template's default
    # cache.t4g.micro (burstable: sustained load spends CPU credits), to be replaced by a redis-benchmark run on the
    # node type chosen (CacheNodeType) before relying on it.
    "redis_ops": Quota(20_000, "operations/s, planning figure for cache.t4g.micro with TLS (not an AWS quota)",
                       "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html"),
}

# ---- prices in USD, looked up on 2026-12-05: us-east-1 list prices (ap-south-1's are the same or within a few %
# for these lines; check the pricing pages for the Region before quoting a bill) ----------------------------------
PRICES = {
    "lambda_request": (0.20 / 1e6, "per request", "https://aws.amazon.com/lambda/pricing/"),
    "lambda_gb_s_arm64": (0.0000133334, "per GB-second, arm64, first 7.5 billion GB-s a month",
                          "https://aws.amazon.com/lambda/pricing/"),
    "lambda_gb_s_x86_64": (0.0000166667, "per GB-second, x86_64, first 6 billion GB-s a month",
                           "https://aws.amazon.com/lambda/pricing/"),
    "http_api_request": (1.00 / 1e6, "per request (first 300 million a month, 512 KB units)",
                         "https://aws.amazon.com/api-gateway/pricing/"),
    "ddb_wru": (0.625 / 1e6, "per write request unit, on-demand", "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    "ddb_rru": (0.125 / 1e6, "per read request unit, on-demand", "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    "sfn_transition": (0.025 / 1_000, "per state transition, Standard", "https://aws.amazon.com/step-functions/pricing/"),
    "sqs_request": (0.40 / 1e6, "per request, standard queue (64 KB units)", "https://aws.amazon.com/sqs/pricing/"),
    "logs_gb": (0.50, "per GB ingested (standard)", "https://aws.amazon.com/cloudwatch/pricing/"),
    "xray_trace": (5.00 / 1e6, "per trace recorded", "https://aws.amazon.com/xray/pricing/"),
    "cache_node_hour": (0.0128, "per cache.t4g.micro node-hour, Valkey (Redis OSS price less 20%)",
                        "https://aws.amazon.com/elasticache/pricing/"),
}

# ---- assumptions ---------------------------------------------------------------------------------------------
PEAK_FACTOR = 2.0  # the busiest minute of the hour runs at twice the hour's mean rate: rates and concurrency use it;
#                    cost per 1,000 orders does not depend on it
# Latency in AWS of one call, to turn measured call counts into a Lambda duration (Little's law needs one):
ESTIMATED_LATENCY_MS = {
    "base": 8.0,  # a warm invocation's own work: event parsing, FastAPI routing, pydantic, Powertools
    "dynamodb": 5.0,  # "single-digit millisecond" (DynamoDB's own claim), in the same Region
    "redis": 1.0,  # a round trip to ElastiCache in the same VPC, TLS session already open
    "api_hop": 15.0,  # one service-to-service call's HTTP API + SigV4 overhead, beside the callee's own work
    "external": 50.0,  # Resend, FCM, Supabase Realtime (the benchmarks' stand-ins add 50 ms too)
}
SQS_REQUESTS_PER_MESSAGE = 3  # send, receive and delete, each billed (batches of 10 make this an upper bound)
LOG_BYTES_PER_INVOCATION = 1_500  # Lambda's JSON platform lines (start, end, report) and one app line at INFO
ACCESS_LOG_BYTES_PER_REQUEST = 600  # the HTTP API's access log line (template.yaml's format)
XRAY_SAMPLED = 0.05  # X-Ray's default rule past its 1 request/s reservoir: 5 % of requests are traced
WARM_CONTAINERS_PER_BUSY = 3  # idle warm containers keep their Redis connection: connections = 3 x concurrency
DELIVERY_KM = 2.0  # mean straight-line distance store → door (blinkit.eta turns it into ride minutes)
WATCH_SHARE = 1.0  # share of an order's life the customer keeps the order screen open (upper bound: all of it)
COUPON_SHARE = 1.0  # share of orders using the one most popular coupon (worst case for its counter item)
STORE_PEAK_ORDERS_PER_HOUR = 300  # one dark store's busiest hour (packing bound); the busiest stock item
BEST_SELLER_SHARE = 0.5  # ... is in half of that store's orders


def web_constant(path: str, name: str) -> float:
    """A `const NAME = 1_100;` of the web app, so that its polling intervals have one source."""
    text = (ROOT / path).read_text(encoding="utf-8")
    found = re.search(rf"\bconst {name} = ([\d_]+);", text)
    if not found:
        raise ValueError(f"{path} declares no const {name}")
    return float(found.group(1).replace("_", ""))


# ---- the traffic of one order ----------------------------------------------------------------------------------
# Shopping, from tests/load/locustfile.py's task weights (browse 3, search 3, cart 2, quote 1, checkout 1): per
# checkout, 3 browse rounds (4 requests each), 3 searches, 4 cart additions, 3 cart reads, 1 quote, 1 order.
SHOPPING: tuple[tuple[str, str, float], ...] = (
    ("GET", "/stores/serviceable", 3), ("GET", "/categories", 3), ("GET", "/products", 3),
    ("GET", "/products/{product_id}", 3), ("GET", "/products/search", 3), ("POST", "/cart/items", 4),
    ("GET", "/cart", 3), ("POST", "/orders/quote", 1),
)  # and 1 POST /orders: bench_checkout counts it with the saga it starts (order_loads)
# Fulfilment, from the order lifecycle (orders/lifecycle.py): staff confirm and pack, the rider picks up and
# delivers. No benchmark counts these routes' calls: they count as requests and invocations only (listed).
FULFILMENT: tuple[tuple[str, str, float], ...] = (
    ("PATCH", "/orders/{order_id}/status", 2), ("POST", "/delivery/orders/{order_id}/pickup", 1),
    ("POST", "/delivery/orders/{order_id}/deliver", 1),
)
# Status changes that send a notification (CONFIRMED, PACKED, OUT_FOR_DELIVERY, DELIVERED; PLACED is the saga's
# Notify, counted in the order's SQS messages) and the assignment's two (rider and customer); each also tells
# delivery (announce_status), a message of its own.
STATUS_CHANGES_AFTER_PLACED = 4
ASSIGNMENT_NOTIFICATIONS = 2
ETA_NOTIFY_SECONDS = 120  # delivery/rules.py: at most one ETA update every 2 minutes while the rider rides


@dataclass(frozen=True)
class Calls:
    """What one request costs, as the benchmarks count it. `own`: the route's function (and the authorizer
    where the benchmark ran it); `all`: plus the services it called over HTTP."""

    dynamodb: float = 0.0
    dynamodb_all: float = 0.0
    redis: float = 0.0
    redis_all: float = 0.0
    internal: float = 0.0
    external: float = 0.0
    writes: bool = False  # count its DynamoDB calls as writes (any method but GET: the cost's upper bound)

    @classmethod
    def of(cls, row: Mapping[str, Any], writes: bool = False) -> Calls:
        def get(*names: str) -> float:
            for name in names:
                if name in row and row[name] is not None:
                    return float(row[name])
            return 0.0

        # The benchmarks' own column names ("ddb own", "redis all") as well as snake_case keys.
        own_ddb = get("dynamodb", "ddb_own", "dynamodb_own", "ddb own")
        own_redis = get("redis", "redis_own", "redis own")
        return cls(dynamodb=own_ddb, dynamodb_all=get("dynamodb_all", "ddb_all", "ddb all") or own_ddb,
                   redis=own_redis, redis_all=get("redis_all", "redis all") or own_redis, internal=get("internal"),
                   external=get("external_http", "external"), writes=writes)


@dataclass
class Inputs:
    """The measured figures the model runs on, with where each came from."""

    routes: dict[str, Calls]  # "GET /categories" → calls
    authorizer: Calls
    order: dict[str, Any]  # bench_checkout's per_order figures
    notification_dynamodb: float  # DynamoDB calls per notification message (3 channels)
    notification_external: float  # Resend + FCM calls per message
    sources: dict[str, str] = field(default_factory=dict)


def route_name(method: str, path: str) -> str:
    return f"{method} {path}"


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def bench_routes(payload: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Route rows from a bench JSON's figures: {"routes": {name: row}} or {"routes": [{"route": name, ...}]}, or
    {"requests": {name: row}} (bench_delivery). Names are normalised to the template's path parameters later."""
    figures = payload.get("figures") or {}
    rows = figures.get("routes") or figures.get("requests") or {}
    if isinstance(rows, list):
        rows = {row.get("route") or row.get("name"): row for row in rows if isinstance(row, Mapping)}
    return {str(name): row for name, row in rows.items() if isinstance(row, Mapping)}


def path_shape(path: str) -> str:
    """'/products/{id}' and '/products/{product_id}' have one shape: '/products/{}'."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def normalise(name: str, known: Iterable[str]) -> str | None:
    """'GET /products/{id}?store_id' or 'GET /cart (3 lines)' → the template route it names, if one matches."""
    method, _, rest = name.partition(" ")
    shape = path_shape(rest.split("?")[0].split(" ")[0])
    return next((key for key in known if key.partition(" ")[0] == method
                 and path_shape(key.partition(" ")[2]) == shape), None)


# bench_routes also measures some routes in conditions that are comparisons, not the steady state the model
# carries: "(cold)" forgets the container's catalog memory before each request (what every request cost before it
# existed), "(304)" revalidates an ETag. A warm container reads each catalog entry once per 5 s TTL at most, so the
# warm row is the per-request figure; the others would overwrite it (rows come sorted, the variant last).
COMPARISON_ROWS = ("cold", "304")


def is_comparison(name: str) -> bool:
    """'GET /categories (cold)' or 'GET /products?store_id (20, cold)': a row the model must not carry."""
    _, _, qualifier = name.partition(" (")
    return any(word.strip(" )") in COMPARISON_ROWS for word in qualifier.split(","))


def without(calls: Calls, part: Calls) -> Calls:
    """`calls` less what `part` made: bench_routes counts the authorizer's calls in a protected route's own."""
    return Calls(dynamodb=max(0.0, calls.dynamodb - part.dynamodb_all),
                 dynamodb_all=max(0.0, calls.dynamodb_all - part.dynamodb_all),
                 redis=max(0.0, calls.redis - part.redis_all), redis_all=max(0.0, calls.redis_all - part.redis_all),
                 internal=calls.internal, external=calls.external, writes=calls.writes)


def load_inputs(bench_dir: Path, snapshot_path: Path, known_routes: Iterable[str],
                authorized: Iterable[str] = ()) -> Inputs:
    """The snapshot, overlaid with whatever the latest bench JSON files measured (each input says which). Rows
    that went through the gateway (bench_routes, and snapshot rows that say `includes_authorizer`) lose the
    authorizer's calls on protected routes: the model adds the authorizer's invocation itself."""
    known, protected = list(known_routes), set(authorized)
    with_authorizer: set[str] = set()
    snapshot = read_json(snapshot_path)
    if snapshot is None:
        raise SystemExit(f"{snapshot_path} is missing or not JSON")
    label = f"snapshot {snapshot_path.relative_to(ROOT) if snapshot_path.is_relative_to(ROOT) else snapshot_path}"
    routes: dict[str, Calls] = {}
    sources: dict[str, str] = {}
    for name, row in snapshot["routes"].items():
        routes[name] = Calls.of(row, writes=not name.startswith("GET "))
        sources[name] = f"{label} ({row.get('source', 'no source given')})"
        if row.get("includes_authorizer"):
            with_authorizer.add(name)
    authorizer = Calls.of(snapshot["authorizer"])
    sources["authorizer"] = f"{label} ({snapshot['authorizer'].get('source', '')})"
    order = dict(snapshot["order"])
    sources["order"] = f"{label} ({order.pop('source', '')})"
    notification = snapshot["notification"]
    notification_dynamodb = float(notification["dynamodb_per_message"])
    sources["notification"] = f"{label} ({notification.get('source', '')})"

    for bench in ("routes", "delivery"):
        payload = read_json(bench_dir / f"{bench}.json")
        if not payload:
            continue
        for name, row in bench_routes(payload).items():
            if name.startswith("authorizer"):
                authorizer = Calls.of(row)
                sources["authorizer"] = f"{bench_dir}/{bench}.json of {payload.get('measured_at')}"
                continue
            if name.startswith("on a delivery"):
                name = "POST /delivery/partners/me/location"
            elif name.startswith("off a delivery") or is_comparison(name):
                continue
            key = normalise(name, known)
            if key:
                routes[key] = Calls.of(row, writes=not key.startswith("GET "))
                sources[key] = f"{bench_dir}/{bench}.json of {payload.get('measured_at')}"
                (with_authorizer.add if bench == "routes" else with_authorizer.discard)(key)
    checkout = read_json(bench_dir / "checkout.json")
    if checkout and (checkout.get("figures") or {}).get("per_order"):
        order = dict(checkout["figures"]["per_order"])
        sources["order"] = f"{bench_dir}/checkout.json of {checkout.get('measured_at')}"
    notifications = read_json(bench_dir / "notifications.json")
    measured = _notification_calls(notifications) if notifications else None
    if measured is not None:
        notification_dynamodb = measured
        sources["notification"] = f"{bench_dir}/notifications.json of {notifications.get('measured_at')}"  # type: ignore[union-attr]
    for key in with_authorizer & protected:
        routes[key] = without(routes[key], authorizer)
    return Inputs(routes=routes, authorizer=authorizer, order=order, notification_dynamodb=notification_dynamodb,
                  notification_external=float(notification.get("external_per_message", 2)), sources=sources)


def _notification_calls(payload: Mapping[str, Any]) -> float | None:
    """DynamoDB calls per message from bench_notifications' JSON: its goal's `now`, or a figure naming them."""
    for goal in payload.get("goals") or []:
        if "dynamodb" in str(goal.get("name", "")).lower():
            return float(goal["now"])
    figures = payload.get("figures") or {}
    for name in ("dynamodb_per_message", "dynamodb_calls_per_message"):
        if name in figures:
            return float(figures[name])
    return None


# ---- the template --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    route_function: dict[str, str]  # "GET /categories" → function logical id
    authorized: frozenset[str]  # routes the authorizer runs before
    authorizer: str
    memory_mb: dict[str, int]
    architecture: str
    reserved: dict[str, tuple[str, float]]  # function → (parameter, its default)
    route_rate_limit: float  # every route's default (DefaultRouteSettings)
    route_burst_limit: float
    cache_nodes: int  # prod: 1 + CacheReplicas (samconfig's prod overrides CacheReplicas=1)
    group_of: dict[str, str]  # function → its alarm group (scripts/operations.py)
    consumers: dict[str, tuple[str, int]]  # queue logical id → (the function its events feed, batch size)
    state_machine_type: str
    route_rate_limits: dict[str, float] = field(default_factory=dict)  # routes with RouteSettings of their own

    def rate_limit(self, route: str) -> float:
        return self.route_rate_limits.get(route, self.route_rate_limit)


def load_deployment(path: Path = TEMPLATE) -> Deployment:
    template = Template.load(path)
    defaults = template.parameter_defaults()
    routes: dict[str, str] = {}
    authorized: set[str] = set()
    authorizer = ""
    for route in template.http_routes():
        key = route_name(route.method, route.path)
        routes[key] = route.function_id
        if route.authorizer is not None and route.authorizer.function_id:
            authorized.add(key)
            authorizer = route.authorizer.function_id
    reserved: dict[str, tuple[str, float]] = {}
    for fid, spec in template.functions.items():
        value = spec.properties.get("ReservedConcurrentExecutions")
        if isinstance(value, dict) and "Fn::If" in value:
            value = value["Fn::If"][1]
        if isinstance(value, dict) and "Ref" in value:
            reserved[fid] = (value["Ref"], float(defaults[value["Ref"]]))
        elif value is not None:
            reserved[fid] = ("ReservedConcurrentExecutions", float(value))
    globals_ = (template.document.get("Globals") or {}).get("Function") or {}
    architecture = (globals_.get("Architectures") or ["x86_64"])[0]
    consumers: dict[str, tuple[str, int]] = {}
    for fid, spec in template.functions.items():
        for event in (spec.events or {}).values():
            if event.get("Type") == "SQS":
                queue = event["Properties"]["Queue"]
                target = queue.get("Fn::GetAtt") if isinstance(queue, dict) else None
                if target:
                    queue_id = target[0] if isinstance(target, list) else target.split(".")[0]
                    consumers[queue_id] = (fid, int(event["Properties"].get("BatchSize", 10)))
    machines = template.resources_of_type("AWS::Serverless::StateMachine")
    machine_type = next(iter(machines.values()), {}).get("Properties", {}).get("Type", "STANDARD")
    return Deployment(
        route_function=routes, authorized=frozenset(authorized), authorizer=authorizer,
        memory_mb={fid: spec.memory_size for fid, spec in template.functions.items()}, architecture=architecture,
        reserved=reserved, route_rate_limit=float(defaults.get("ApiThrottlingRateLimit", 0)),
        route_burst_limit=float(defaults.get("ApiThrottlingBurstLimit", 0)),
        cache_nodes=1 + _prod_replicas(), group_of=_groups(template), consumers=consumers,
        state_machine_type=str(machine_type), route_rate_limits=_route_rate_limits(template, defaults))


def _route_rate_limits(template: Template, defaults: dict[str, Any]) -> dict[str, float]:
    """The HttpApi's per-route throttles ("POST /path" → requests/s), parameters resolved to their defaults."""
    limits: dict[str, float] = {}
    for api in template.resources_of_type("AWS::Serverless::HttpApi").values():
        for route, settings in ((api.get("Properties") or {}).get("RouteSettings") or {}).items():
            value = settings.get("ThrottlingRateLimit")
            if isinstance(value, dict) and "Ref" in value:
                value = defaults[value["Ref"]]
            if value is not None:
                limits[route] = float(value)
    return limits


def _prod_replicas() -> int:
    text = (ROOT / "samconfig.toml").read_text(encoding="utf-8")
    prod = text[text.find("[prod.deploy.parameters]"):]
    found = re.search(r"CacheReplicas=(\d+)", prod)
    return int(found.group(1)) if found else 1


def _groups(template: Template) -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("blinkit_operations_script", ROOT / "scripts" / "operations.py")
    assert spec and spec.loader
    operations = sys.modules.get(spec.name)
    if operations is None:
        operations = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = operations  # its dataclasses look their module up by name
        spec.loader.exec_module(operations)
    return {fid: group.name for group, fids in operations.function_groups(template) for fid in fids}


# ---- the arithmetic (pure) --------------------------------------------------------------------------------------


def littles_law(rate_per_second: float, duration_ms: float) -> float:
    """Mean number in the system = arrival rate x time in the system: concurrent executions of a function."""
    return rate_per_second * duration_ms / 1000.0


def peak_rate(per_hour: float, peak_factor: float = PEAK_FACTOR) -> float:
    """Events per second in the busiest minute, for `per_hour` in the hour."""
    return per_hour / 3600.0 * peak_factor


def duration_ms(calls: Calls, latency: Mapping[str, float] = ESTIMATED_LATENCY_MS) -> float:
    """A warm invocation's estimated duration in AWS from its call counts: its own work, its own calls, and each
    service it waits for (the API hop, the callee's own work and the calls the callee made)."""
    callee_ddb = max(0.0, calls.dynamodb_all - calls.dynamodb)
    callee_redis = max(0.0, calls.redis_all - calls.redis)
    return (latency["base"] + calls.dynamodb * latency["dynamodb"] + calls.redis * latency["redis"]
            + calls.external * latency["external"]
            + calls.internal * (latency["api_hop"] + latency["base"])
            + callee_ddb * latency["dynamodb"] + callee_redis * latency["redis"])


def callee_ms(calls: Calls, latency: Mapping[str, float] = ESTIMATED_LATENCY_MS) -> float:
    """The time the services a request called spent on it, all together (their own work and calls)."""
    return (calls.internal * latency["base"] + max(0.0, calls.dynamodb_all - calls.dynamodb) * latency["dynamodb"]
            + max(0.0, calls.redis_all - calls.redis) * latency["redis"])


def gb_seconds(invocations: float, ms: float, memory_mb: int) -> float:
    """Lambda bills duration rounded up to the millisecond, times the configured memory."""
    return invocations * math.ceil(ms) / 1000.0 * memory_mb / 1024.0


def utilisation(demand: float, limit: float) -> float:
    return math.inf if limit <= 0 else demand / limit


@dataclass
class Load:
    """One kind of work of one order, per order: how often, on which function, and what each costs."""

    name: str
    function: str
    per_order: float
    calls: Calls
    authorized: bool = False  # the authorizer runs first (one more invocation, its own calls)
    api: bool = True  # arrives through the HTTP API (a request billed)
    measured: bool = True
    saga: bool = False  # one of the order's own invocations (bench_checkout): its DynamoDB calls keep their split


def order_loads(inputs: Inputs, deployment: Deployment, watch_share: float = WATCH_SHARE,
                fix_seconds: float | None = None) -> list[Load]:
    """Everything one order brings, from the first browse to the doorstep. `fix_seconds`: the rider app's gap
    between location fixes (default: the web app's)."""
    loads: list[Load] = []

    def route(method: str, path: str, per_order: float, measured: bool = True) -> None:
        key = route_name(method, path)
        fid = deployment.route_function.get(key)
        if fid is None:
            raise SystemExit(f"template.yaml has no route {key} (the traffic mix names it)")
        calls = inputs.routes.get(key) if measured else None
        loads.append(Load(key, fid, per_order, calls or Calls(writes=method != "GET"),
                          authorized=key in deployment.authorized, measured=calls is not None))

    for method, path, count in SHOPPING:
        route(method, path, count)
    for method, path, count in FULFILMENT:
        route(method, path, count, measured=False)
    # The order screen polls the order every 2 s until it is final, the tracking map polls two reads every 2 s while
    # the rider rides, the rider's phone posts a fix every 1.1 s (web/src: Orders.jsx, Tracking.jsx, Rider.jsx).
    ride_s = travel_minutes(DELIVERY_KM) * 60
    life_s = (PICK_AND_PACK_MINUTES + ASSIGNMENT_MINUTES + HANDOVER_MINUTES) * 60 + ride_s
    order_poll = web_constant("web/src/screens/Orders.jsx", "POLL_MS") / 1000
    tracking_poll = web_constant("web/src/screens/Tracking.jsx", "POLL_MS") / 1000
    fix_gap = fix_seconds or web_constant("web/src/screens/rider/Rider.jsx", "FIX_GAP_MS") / 1000
    route("GET", "/orders/{order_id}", watch_share * life_s / order_poll)
    route("GET", "/delivery/orders/{order_id}/tracking", watch_share * ride_s / tracking_poll)
    route("GET", "/delivery/orders/{order_id}/route", watch_share * ride_s / tracking_poll)
    route("POST", "/delivery/partners/me/location", ride_s / fix_gap)

    # POST /orders and the saga it starts, as bench_checkout counted them: every function invoked from POST /orders
    # to the end of the execution (the saga's tasks, and the internal routes they call, which arrive through the
    # HTTP API). The order's DynamoDB and Redis calls are spread over them evenly (the bench counts them per order,
    # not per function); the model keeps their read/write split (`model`).
    invocations = {fid.rsplit(":function:", 1)[-1]: float(n)
                   for fid, n in (inputs.order.get("invocations_by_function") or {}).items()}
    total = sum(invocations.values()) or 1.0
    ddb = float(inputs.order.get("dynamodb_reads", 0)) + float(inputs.order.get("dynamodb_writes", 0))
    redis = float(inputs.order.get("redis_round_trips", 0))
    routes_of = {fid: key for key, fid in deployment.route_function.items()}
    for fid, count in sorted(invocations.items()):
        calls = Calls(dynamodb=ddb / total, dynamodb_all=ddb / total, redis=redis / total, redis_all=redis / total,
                      writes=True)
        key = routes_of.get(fid)
        loads.append(Load(key or f"saga step {fid}", fid, count, calls, authorized=key in deployment.authorized,
                          api=key is not None, saga=True))
    # Notifications after PLACED: each status change and the assignment, plus the ETA updates during the ride.
    messages = STATUS_CHANGES_AFTER_PLACED + ASSIGNMENT_NOTIFICATIONS + math.floor(ride_s / ETA_NOTIFY_SECONDS)
    # Lambda takes a queue's messages in batches (the template's BatchSize; a full batch is the busy case): one
    # invocation per batch, the batch's calls in it.
    if "NotificationsQueue" in deployment.consumers:
        consumer, batch = deployment.consumers["NotificationsQueue"]
        loads.append(Load(f"notification messages (3 channels), batches of {batch}", consumer, messages / batch,
                          Calls(dynamodb=batch * inputs.notification_dynamodb,
                                dynamodb_all=batch * inputs.notification_dynamodb,
                                external=inputs.notification_external, writes=True), api=False))
    if "DeliveryAssignmentQueue" in deployment.consumers:
        assign, batch = deployment.consumers["DeliveryAssignmentQueue"]
        loads.append(Load("delivery status messages", assign, STATUS_CHANGES_AFTER_PLACED / batch, Calls(),
                          api=False, measured=False))
    return loads


def sqs_messages_per_order(inputs: Inputs) -> float:
    """The saga's (as measured) plus, per status change after PLACED, a notification and a delivery message, plus
    the assignment's notifications and the ride's ETA updates."""
    ride_s = travel_minutes(DELIVERY_KM) * 60
    return (float(inputs.order.get("sqs_messages", 0)) + 2 * STATUS_CHANGES_AFTER_PLACED + ASSIGNMENT_NOTIFICATIONS
            + math.floor(ride_s / ETA_NOTIFY_SECONDS))


@dataclass
class Scale:
    """The model at one rate of orders."""

    orders_per_hour: float
    concurrency: dict[str, float]  # function group → concurrent executions (peak minute)
    function_concurrency: dict[str, float]
    api_rps: float
    busiest_route: tuple[str, float]
    tightest_route: tuple[str, float, float]  # the route nearest its own throttle: (route, req/s, its limit)
    dynamodb_rru_s: float
    dynamodb_wru_s: float
    redis_ops_s: float
    redis_connections: float
    sfn_starts_s: float
    sfn_transitions_s: float
    sqs_messages_s: float
    hot_keys: list[tuple[str, float, float]]  # (item, units/s, partition limit)
    cost_per_1000: dict[str, float]


def model(orders_per_hour: float, loads: list[Load], inputs: Inputs, deployment: Deployment,
          peak_factor: float = PEAK_FACTOR) -> Scale:
    orders_s = peak_rate(orders_per_hour, peak_factor)
    per_function: dict[str, float] = defaultdict(float)
    route_rps: dict[str, float] = defaultdict(float)
    invocations = gb_s = api_requests = rru = wru = redis_ops = 0.0
    authorizer_ms = duration_ms(inputs.authorizer)
    memory = deployment.memory_mb
    for load in loads:
        ms = duration_ms(load.calls)
        rate = orders_s * load.per_order
        per_function[load.function] += littles_law(rate, ms)
        invocations += load.per_order
        gb_s += gb_seconds(load.per_order, ms, memory.get(load.function, 512))
        reads = 0.0 if load.calls.writes or load.saga else load.calls.dynamodb_all
        rru += load.per_order * reads
        wru += load.per_order * (load.calls.dynamodb_all - reads)
        redis_ops += load.per_order * load.calls.redis_all
        if load.api:
            api_requests += load.per_order * (1 + load.calls.internal)
            route_rps[load.name] += rate
        if load.calls.internal:  # the services it calls run (and bill) functions of their own
            invocations += load.per_order * load.calls.internal
            gb_s += gb_seconds(load.per_order, callee_ms(load.calls), 512)
        if load.authorized:
            per_function[deployment.authorizer] += littles_law(rate, authorizer_ms)
            invocations += load.per_order
            gb_s += gb_seconds(load.per_order, authorizer_ms, memory.get(deployment.authorizer, 512))
            redis_ops += load.per_order * inputs.authorizer.redis_all
    # The order's measured DynamoDB calls keep their read/write split: its rows went to writes above.
    saga_reads = float(inputs.order.get("dynamodb_reads", 0))
    wru -= saga_reads
    rru += saga_reads
    transitions = float(inputs.order.get("state_transitions", 0))
    messages = sqs_messages_per_order(inputs)
    groups: dict[str, float] = defaultdict(float)
    for fid, value in per_function.items():
        groups[deployment.group_of.get(fid, fid)] += value
    price = PRICES
    arch = "arm64" if deployment.architecture == "arm64" else "x86_64"
    log_gb = (invocations * LOG_BYTES_PER_INVOCATION + api_requests * ACCESS_LOG_BYTES_PER_REQUEST) / 1e9
    cost = {
        "Lambda requests": invocations * price["lambda_request"][0],
        f"Lambda compute ({arch})": gb_s * price[f"lambda_gb_s_{arch}"][0],
        "HTTP API requests": api_requests * price["http_api_request"][0],
        "DynamoDB reads": rru * price["ddb_rru"][0],
        "DynamoDB writes": wru * price["ddb_wru"][0],
        "Step Functions transitions": transitions * price["sfn_transition"][0],
        "SQS requests": messages * SQS_REQUESTS_PER_MESSAGE * price["sqs_request"][0],
        "CloudWatch Logs ingestion": log_gb * price["logs_gb"][0],
        "X-Ray traces": api_requests * XRAY_SAMPLED * price["xray_trace"][0],
        # A fixed cost, shared by the hour's orders: cheaper per order as the rate grows.
        f"ElastiCache ({deployment.cache_nodes} nodes)": deployment.cache_nodes * price["cache_node_hour"][0]
        / orders_per_hour,
    }
    cost = {name: value * 1000 for name, value in cost.items()}
    total_concurrency = sum(per_function.values())
    store_orders_s = peak_rate(min(orders_per_hour, STORE_PEAK_ORDERS_PER_HOUR), peak_factor)
    categories_rps = route_rps.get("GET /categories", 0.0)
    hot = [
        ("the most used coupon's use counter (CouponsTable, 1 write per order using it)",
         orders_s * COUPON_SHARE, QUOTAS["ddb_partition_wru"].value),
        ("a dark store's best seller stock item (StockTable: reserve per order)",
         store_orders_s * BEST_SELLER_SHARE, QUOTAS["ddb_partition_wru"].value),
        ("the category list's partition (CatalogTable ByType, GET /categories)",
         categories_rps * inputs.routes.get("GET /categories", Calls()).dynamodb_all,
         QUOTAS["ddb_partition_rru"].value),
    ]
    return Scale(
        orders_per_hour=orders_per_hour, concurrency=dict(groups), function_concurrency=dict(per_function),
        api_rps=orders_s * api_requests,
        busiest_route=max(route_rps.items(), key=lambda kv: kv[1], default=("none", 0.0)),
        tightest_route=max(((route, rps, deployment.rate_limit(route)) for route, rps in route_rps.items()),
                           key=lambda use: utilisation(use[1], use[2]), default=("none", 0.0, 0.0)),
        dynamodb_rru_s=orders_s * rru, dynamodb_wru_s=orders_s * wru, redis_ops_s=orders_s * redis_ops,
        redis_connections=WARM_CONTAINERS_PER_BUSY * total_concurrency, sfn_starts_s=orders_s,
        sfn_transitions_s=orders_s * transitions, sqs_messages_s=orders_s * messages, hot_keys=hot,
        cost_per_1000=cost)


@dataclass(frozen=True)
class Limit:
    name: str
    demand: float
    limit: float
    unit: str
    template_does: str
    aws: bool = True  # an AWS quota (False: a limit the template itself sets, or a planning figure)

    @property
    def used(self) -> float:
        return utilisation(self.demand, self.limit)


def limits(scale: Scale, deployment: Deployment) -> list[Limit]:
    """Every limit the model checks at this scale, the most used first."""
    total = sum(scale.function_concurrency.values())
    reserved_total = sum(default for _, default in deployment.reserved.values())
    within_reserved = sum(min(scale.function_concurrency.get(fid, 0.0), default)
                          for fid, (_, default) in deployment.reserved.items())
    found = [
        Limit("Lambda concurrency, account", total, QUOTAS["lambda_concurrency"].value, "concurrent",
              "LambdaThrottlesAlarm on any throttle and LambdaConcurrencyNearQuotaAlarm at 80 % of the quota "
              "(ConcurrentExecutions); raise the quota with Service Quotas before a launch"),
        Limit("Lambda concurrency, unreserved pool", total - within_reserved,
              QUOTAS["lambda_concurrency"].value - reserved_total, "concurrent",
            "the reserving functions take their share out of the pool; the rest share what is left"),
        Limit("HTTP API requests, account", scale.api_rps, QUOTAS["api_rps"].value, "req/s",
              "HttpApiThrottledAlarm counts 429s from the access log"),
        Limit(f"HTTP API per-route throttle ({scale.tightest_route[0]})", scale.tightest_route[1],
              scale.tightest_route[2], "req/s",
              "ApiThrottlingRateLimit/BurstLimit parameters (every route's default; a route's own RouteSettings "
              "where it has them); HttpApiThrottledAlarm", aws=False),
        Limit("Step Functions StartExecution", scale.sfn_starts_s, QUOTAS["sfn_start_rate"].value, "starts/s",
              "OrderSagaThrottledAlarm (ExecutionThrottled); POST /orders answers 503 when the start is refused"),
        Limit("Step Functions state transitions", scale.sfn_transitions_s, QUOTAS["sfn_transition_rate"].value,
              "transitions/s", "OrderSagaThrottledAlarm (ExecutionThrottled)"),
        Limit("DynamoDB writes, a new on-demand table", scale.dynamodb_wru_s, QUOTAS["ddb_new_table_wru"].value,
              "WRU/s (all tables together: an upper bound for any one)",
              "on-demand tables scale past it toward a new peak (pre-warm with WarmThroughput before a "
              "launch); DynamoDBWriteThrottlesAlarm and DynamoDBReadThrottlesAlarm on every table"),
        Limit("Redis operations", scale.redis_ops_s, QUOTAS["redis_ops"].value, "ops/s",
              "CacheNodeType parameter (a bigger node); CacheReplicas for reads and failover", aws=False),
        Limit("Redis connections", scale.redis_connections, QUOTAS["redis_connections"].value, "connections",
              "one connection per warm container (blinkit.redis_client), reused across invocations"),
    ]
    for fid, (parameter, default) in sorted(deployment.reserved.items()):
        found.append(Limit(f"reserved concurrency of {fid}", scale.function_concurrency.get(fid, 0.0), default,
                           "concurrent", f"{parameter} (default {default:g}); its own throttles alarm", aws=False))
    for item, demand, limit in scale.hot_keys:
        found.append(Limit(f"hot key: {item}", demand, limit, "units/s",
                           "per-partition limits are hard: spread the key if it nears them"))
    return sorted(found, key=lambda lim: lim.used, reverse=True)


# ---- printing ---------------------------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[Any]]) -> str:
    text = [[f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths,
                                                                                          strict=True)))]
    lines.append("  ".join("-" * w for w in widths))
    for row in text:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths,
                                                                                                  strict=True))))
    return "\n".join(line.rstrip() for line in lines)


def report(inputs: Inputs, deployment: Deployment, scales: Iterable[float] = SCALES, *,
           peak_factor: float = PEAK_FACTOR, watch_share: float = WATCH_SHARE,
           fix_seconds: float | None = None) -> str:
    loads = order_loads(inputs, deployment, watch_share, fix_seconds)
    results = [model(rate, loads, inputs, deployment, peak_factor) for rate in scales]
    out: list[str] = []
    say = out.append
    say(f"Capacity and cost model: quotas and prices looked up {LOOKED_UP} (Region {REGION}); peak minute = "
        f"{peak_factor:g}x the hour's mean rate; Lambda {deployment.architecture}; state machine "
        f"{deployment.state_machine_type}; order screen open {watch_share:.0%} of the order's life")
    say("")
    say("Inputs used:")
    for name, source in sorted(inputs.sources.items()):
        say(f"  {name}: {source}")
    say("")
    say("One order's traffic (per order; measured calls per request, estimated AWS duration):")
    rows = []
    for load in loads:
        calls = load.calls
        rows.append([load.name + ("" if load.measured else " *"), load.per_order, calls.dynamodb_all,
                     calls.redis_all, calls.internal, duration_ms(calls)])
    say(table(["request / job", "per order", "DynamoDB", "Redis RT", "internal", "est. ms"], rows))
    say("  (* no benchmark counts this one's calls: it counts as requests and invocations only)")
    say("  the order itself, POST /orders to the end of its execution: "
        f"{float(inputs.order.get('state_transitions', 0)):g} state transitions, "
        f"{float(inputs.order.get('lambda_invocations', 0)):g} Lambda invocations, "
        f"{float(inputs.order.get('dynamodb_reads', 0)):g} DynamoDB reads and "
        f"{float(inputs.order.get('dynamodb_writes', 0)):g} writes, SQS messages: "
        f"{float(inputs.order.get('sqs_messages', 0)):g}")
    for result in results:
        say("")
        say(f"== {result.orders_per_hour:,.0f} orders/hour (peak minute "
            f"{peak_rate(result.orders_per_hour, peak_factor):.2f} orders/s) ==")
        group_rows = [[name, value] for name, value in sorted(result.concurrency.items(), key=lambda kv: -kv[1])
                      if value >= 0.005]
        say(table(["Lambda function group", "concurrency"], group_rows))
        say(table(["figure", "value"], [
            ["HTTP API requests/s", result.api_rps],
            [f"busiest route ({result.busiest_route[0]}) req/s", result.busiest_route[1]],
            ["DynamoDB read units/s (1 per read, <= 4 KB)", result.dynamodb_rru_s],
            ["DynamoDB write units/s (1 per write, <= 1 KB)", result.dynamodb_wru_s],
            ["Redis operations/s (round trips)", result.redis_ops_s],
            ["Redis connections (3 x busy containers)", result.redis_connections],
            ["Step Functions starts/s", result.sfn_starts_s],
            ["Step Functions transitions/s", result.sfn_transitions_s],
            ["SQS messages/s", result.sqs_messages_s],
        ]))
        cost_rows = [[name, value] for name, value in result.cost_per_1000.items()]
        cost_rows.append(["total", sum(result.cost_per_1000.values())])
        say(table(["cost per 1,000 orders (USD)", "USD"], cost_rows))
        checked = limits(result, deployment)
        say(table(["limit (most used first)", "demand", "limit", "used %"],
                  [[lim.name, lim.demand, lim.limit, 100 * lim.used] for lim in checked[:6]]))
        first = checked[0]
        say(f"binds first: {first.name} at {100 * first.used:.0f} % ({first.demand:,.1f} of {first.limit:,.0f} "
            f"{first.unit}); the template: {first.template_does}")
        quota = next((lim for lim in checked if lim.aws), None)
        if quota is not None and quota is not first:
            say(f"first AWS quota: {quota.name} at {100 * quota.used:.0f} % ({quota.demand:,.1f} of "
                f"{quota.limit:,.0f} {quota.unit}); the template: {quota.template_does}")
    return "\n".join(out)


def measured_source(source: str) -> str:
    """Where a figure was measured: a source read from the snapshot is 'snapshot <path> (<its own source>)', which
    a refresh must not wrap again (each refresh would add a level)."""
    while source.startswith("snapshot ") and source.endswith(")") and " (" in source:
        source = source.split(" (", 1)[1][:-1]
    return source


def snapshot_of(inputs: Inputs, about: str) -> dict[str, Any]:
    """The inputs as docs/capacity-inputs.json holds them (routes already without the authorizer's calls)."""
    def row(calls: Calls, source: str) -> dict[str, Any]:
        return {"dynamodb": calls.dynamodb, "dynamodb_all": calls.dynamodb_all, "redis": calls.redis,
                "redis_all": calls.redis_all, "internal": calls.internal, "external": calls.external,
                "includes_authorizer": False, "source": measured_source(source)}

    return {"_about": about,
            "routes": {name: row(calls, inputs.sources.get(name, "")) for name, calls in sorted(inputs.routes.items())},
            "authorizer": {**row(inputs.authorizer, inputs.sources.get("authorizer", ""))},
            "order": {**inputs.order, "source": measured_source(inputs.sources.get("order", ""))},
            "notification": {"dynamodb_per_message": inputs.notification_dynamodb,
                             "external_per_message": inputs.notification_external,
                             "source": measured_source(inputs.sources.get("notification", ""))}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench-dir", type=Path, default=ROOT / ".bench")
    parser.add_argument("--inputs", type=Path, default=SNAPSHOT)
    parser.add_argument("--peak-factor", type=float, default=PEAK_FACTOR,
                        help="the busiest minute's rate over the hour's mean (default %(default)s)")
    parser.add_argument("--watch-share", type=float, default=WATCH_SHARE,
                        help="share of an order's life the customer keeps its screen (and its polling) open")
    parser.add_argument("--fix-seconds", type=float, default=None,
                        help="seconds between a rider's location fixes (default: the web app's FIX_GAP_MS)")
    parser.add_argument("--write-snapshot", action="store_true",
                        help="rewrite --inputs from what was used (after `make bench`: the lead's refresh)")
    args = parser.parse_args(argv)
    deployment = load_deployment()
    inputs = load_inputs(args.bench_dir, args.inputs, deployment.route_function, deployment.authorized)
    print(report(inputs, deployment, peak_factor=args.peak_factor, watch_share=args.watch_share,
                 fix_seconds=args.fix_seconds))
    if args.write_snapshot:
        about = (read_json(args.inputs) or {}).get("_about", "")
        args.inputs.write_text(json.dumps(snapshot_of(inputs, about), indent=2) + "\n", encoding="utf-8")
        print(f"(wrote {args.inputs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
