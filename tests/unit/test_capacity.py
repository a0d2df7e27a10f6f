"""The capacity and cost model (scripts/capacity.py): its arithmetic, the reading of measured inputs (bench JSON
over the committed snapshot), and one run on the real template and snapshot."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
LATENCY = {"base": 8.0, "dynamodb": 5.0, "redis": 1.0, "api_hop": 15.0, "external": 50.0}


@cache
def capacity() -> ModuleType:
    spec = importlib.util.spec_from_file_location("blinkit_capacity_script", ROOT / "scripts" / "capacity.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def deployment(**changes: object) -> object:
    cap = capacity()
    fields = {"route_function": {"GET /categories": "CategoriesListFunction", "GET /cart": "CartGetFunction"},
              "authorized": frozenset({"GET /cart"}), "authorizer": "AuthorizerFunction",
              "memory_mb": {"CategoriesListFunction": 512, "CartGetFunction": 1024, "AuthorizerFunction": 512},
              "architecture": "arm64", "reserved": {"AuthorizerFunction": ("AuthorizerReservedConcurrency", 100.0)},
              "route_rate_limit": 100.0, "route_burst_limit": 200.0, "cache_nodes": 2,
              "group_of": {"CategoriesListFunction": "Catalog", "CartGetFunction": "Cart",
                           "AuthorizerFunction": "Authorizer"},
              "consumers": {}, "state_machine_type": "STANDARD"}
    fields.update(changes)
    return cap.Deployment(**fields)


def inputs(**order: float) -> object:
    cap = capacity()
    return cap.Inputs(routes={"GET /categories": cap.Calls(dynamodb=1, dynamodb_all=1)},
                      authorizer=cap.Calls(redis=1, redis_all=1),
                      order={"state_transitions": 9.0, "dynamodb_reads": 0.0, "dynamodb_writes": 0.0, **order},
                      notification_dynamodb=22.0, notification_external=2.0)


# ---- arithmetic ------------------------------------------------------------------------------------------------


def test_littles_law_is_rate_times_time_in_the_system() -> None:
    assert capacity().littles_law(100, 50) == pytest.approx(5.0)
    assert capacity().littles_law(0, 1000) == 0


def test_the_peak_minute_runs_at_the_peak_factor_times_the_hours_mean_rate() -> None:
    assert capacity().peak_rate(3600, 2.0) == pytest.approx(2.0)
    assert capacity().peak_rate(100_000, 1.0) == pytest.approx(100_000 / 3600)


def test_duration_adds_own_calls_and_the_services_waited_for() -> None:
    cap = capacity()
    calls = cap.Calls(dynamodb=2, dynamodb_all=5, redis=1, redis_all=1, internal=1)
    # 8 own work + 2 x 5 DynamoDB + 1 Redis + one hop (15 + the callee's 8) + the callee's 3 DynamoDB calls
    assert cap.duration_ms(calls, LATENCY) == pytest.approx(8 + 10 + 1 + 23 + 15)
    assert cap.duration_ms(cap.Calls(external=1), LATENCY) == pytest.approx(58)


def test_gb_seconds_round_each_invocation_up_to_the_millisecond() -> None:
    assert capacity().gb_seconds(1000, 10.2, 512) == pytest.approx(1000 * 0.011 * 0.5)


def test_utilisation_of_a_missing_limit_is_infinite() -> None:
    assert capacity().utilisation(5, 0) == math.inf
    assert capacity().utilisation(50, 200) == pytest.approx(0.25)


# ---- cost lines ------------------------------------------------------------------------------------------------


def one_request_per_order(route: str = "GET /categories", authorized: bool = False) -> list[object]:
    cap = capacity()
    fid = deployment().route_function[route]
    return [cap.Load(route, fid, 1.0, inputs().routes.get(route, cap.Calls()), authorized=authorized)]


def test_cost_per_thousand_orders_of_one_public_read_per_order() -> None:
    cap = capacity()
    scale = cap.model(1000, one_request_per_order(), inputs(), deployment())
    cost = scale.cost_per_1000
    assert cost["HTTP API requests"] == pytest.approx(1000 * 1.00 / 1e6)
    assert cost["Lambda requests"] == pytest.approx(1000 * 0.20 / 1e6)
    assert cost["DynamoDB reads"] == pytest.approx(1000 * 0.125 / 1e6)  # 1 read unit per request
    assert cost["DynamoDB writes"] == 0
    assert cost["Step Functions transitions"] == pytest.approx(1000 * 9 * 0.025 / 1000)
    ms = math.ceil(cap.duration_ms(cap.Calls(dynamodb=1, dynamodb_all=1)))
    assert cost["Lambda compute (arm64)"] == pytest.approx(1000 * ms / 1000 * 0.5 * 0.0000133334)


def test_the_authorizer_adds_an_invocation_to_every_protected_request() -> None:
    cap = capacity()
    public = cap.model(1000, one_request_per_order("GET /cart"), inputs(), deployment())
    protected = cap.model(1000, one_request_per_order("GET /cart", authorized=True), inputs(), deployment())
    assert protected.cost_per_1000["Lambda requests"] == pytest.approx(2 * public.cost_per_1000["Lambda requests"])
    assert protected.function_concurrency["AuthorizerFunction"] > 0
    assert "AuthorizerFunction" not in public.function_concurrency


def test_the_cache_is_a_fixed_cost_shared_by_the_hours_orders() -> None:
    cap = capacity()
    slow = cap.model(1_000, one_request_per_order(), inputs(), deployment())
    fast = cap.model(100_000, one_request_per_order(), inputs(), deployment())
    line = "ElastiCache (2 nodes)"
    assert slow.cost_per_1000[line] == pytest.approx(100 * fast.cost_per_1000[line])
    assert slow.cost_per_1000[line] == pytest.approx(2 * 0.0128)  # 2 node-hours over 1,000 orders, per 1,000


def test_measured_reads_and_writes_of_the_order_keep_their_split() -> None:
    cap = capacity()
    saga = [cap.Load("saga step X", "CategoriesListFunction", 2.0, cap.Calls(dynamodb=3, dynamodb_all=3, writes=True),
                     api=False, saga=True)]
    scale = cap.model(3600, saga, inputs(dynamodb_reads=4.0, dynamodb_writes=2.0), deployment(), peak_factor=1.0)
    assert scale.dynamodb_rru_s == pytest.approx(4.0)  # 1 order/s
    assert scale.dynamodb_wru_s == pytest.approx(2.0)


def test_rates_and_concurrency_follow_the_peak_minute() -> None:
    cap = capacity()
    scale = cap.model(36_000, one_request_per_order(), inputs(), deployment(), peak_factor=2.0)
    assert scale.api_rps == pytest.approx(20.0)
    assert scale.sfn_starts_s == pytest.approx(20.0)
    assert scale.sfn_transitions_s == pytest.approx(180.0)
    ms = cap.duration_ms(cap.Calls(dynamodb=1, dynamodb_all=1))
    assert scale.concurrency["Catalog"] == pytest.approx(20.0 * ms / 1000)


def test_limits_come_most_used_first_and_name_what_the_template_does() -> None:
    cap = capacity()
    scale = cap.model(100_000, one_request_per_order(), inputs(), deployment())
    found = cap.limits(scale, deployment())
    assert [lim.used for lim in found] == sorted((lim.used for lim in found), reverse=True)
    assert all(lim.template_does for lim in found)
    assert any(lim.name == "reserved concurrency of AuthorizerFunction" for lim in found)


def test_a_route_is_judged_against_its_own_throttle_where_it_has_one() -> None:
    cap = capacity()
    loads = one_request_per_order()
    own = deployment(route_rate_limits={"GET /categories": 1_000.0})
    # 36,000 orders an hour at the peak factor 2 is 20 requests/s of GET /categories: 20 % of the default
    # route limit of 100, 2 % of its own 1,000.
    assert cap.model(36_000, loads, inputs(), deployment(), peak_factor=2.0).tightest_route == (
        "GET /categories", pytest.approx(20.0), 100.0)
    assert cap.model(36_000, loads, inputs(), own, peak_factor=2.0).tightest_route == (
        "GET /categories", pytest.approx(20.0), 1_000.0)


# ---- inputs ----------------------------------------------------------------------------------------------------


def test_bench_route_names_find_their_template_route() -> None:
    known = ["GET /products", "GET /products/{product_id}", "GET /cart", "POST /cart/items"]
    normalise = capacity().normalise
    assert normalise("GET /products/{id}?store_id", known) == "GET /products/{product_id}"
    assert normalise("GET /products?store_id (20)", known) == "GET /products"
    assert normalise("GET /cart (3 lines)", known) == "GET /cart"
    assert normalise("PUT /cart/items", known) is None


def write(path: Path, payload: object) -> None:
    path.write_text(json.dumps(payload), encoding="utf-8")


def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "inputs.json"
    write(path, {"routes": {"GET /cart": {"dynamodb": 0, "redis": 2, "includes_authorizer": True, "source": "s"},
                            "GET /categories": {"dynamodb": 1, "source": "s"}},
                 "authorizer": {"redis": 1, "source": "s"}, "order": {"state_transitions": 7, "source": "s"},
                 "notification": {"dynamodb_per_message": 22, "source": "s"}})
    return path


def test_the_snapshot_serves_when_no_benchmark_wrote_results(tmp_path: Path) -> None:
    cap = capacity()
    loaded = cap.load_inputs(tmp_path / "none", snapshot(tmp_path), ["GET /cart", "GET /categories"], ["GET /cart"])
    assert loaded.order["state_transitions"] == 7
    assert loaded.routes["GET /cart"].redis == 1  # the authorizer's round trip is the model's to add
    assert loaded.routes["GET /categories"].dynamodb == 1
    assert loaded.notification_dynamodb == 22
    assert all(source.startswith("snapshot") for source in loaded.sources.values())


def test_bench_results_override_the_snapshot_and_say_so(tmp_path: Path) -> None:
    cap = capacity()
    bench = tmp_path / "bench"
    bench.mkdir()
    write(bench / "routes.json", {"measured_at": "T1", "figures": {"routes": [
        {"route": "GET /categories", "ddb_own": 0, "ddb_all": 0, "redis_own": 1, "redis_all": 1},
        {"route": "GET /cart (3 lines)", "ddb_own": 0, "ddb_all": 0, "redis_own": 2, "redis_all": 2}]}})
    write(bench / "checkout.json", {"measured_at": "T2", "figures": {"per_order": {"state_transitions": 9}}})
    write(bench / "notifications.json", {"measured_at": "T3", "goals": [
        {"name": "DynamoDB calls per message, 3 channels", "now": 5}]})
    loaded = cap.load_inputs(bench, snapshot(tmp_path), ["GET /cart", "GET /categories"], ["GET /cart"])
    assert loaded.routes["GET /categories"].dynamodb == 0
    assert loaded.routes["GET /categories"].redis == 1  # a public route: nothing to take away
    assert loaded.routes["GET /cart"].redis == 1  # bench_routes ran the authorizer first
    assert loaded.order["state_transitions"] == 9
    assert loaded.notification_dynamodb == 5
    assert "routes.json of T1" in loaded.sources["GET /categories"]
    assert "checkout.json of T2" in loaded.sources["order"]


def test_the_warm_row_is_carried_not_its_cold_or_304_comparison(tmp_path: Path) -> None:
    cap = capacity()
    assert cap.is_comparison("GET /categories (cold)") and cap.is_comparison("GET /products?store_id (20, cold)")
    assert cap.is_comparison("GET /products/{id}?store_id (304)")
    assert not cap.is_comparison("GET /cart (3 lines)") and not cap.is_comparison("GET /categories")
    bench = tmp_path / "bench"
    bench.mkdir()
    # As bench_routes saves them: a dict in name order, so each comparison comes after its warm row.
    write(bench / "routes.json", {"measured_at": "T1", "figures": {"routes": {
        "GET /categories": {"ddb_own": 0, "ddb_all": 0, "redis_own": 0, "redis_all": 0},
        "GET /categories (304)": {"ddb_own": 0, "ddb_all": 0, "redis_own": 0, "redis_all": 0},
        "GET /categories (cold)": {"ddb_own": 1, "ddb_all": 1, "redis_own": 0, "redis_all": 0},
        "GET /products?store_id (20)": {"ddb_own": 0, "ddb_all": 0, "redis_own": 0, "redis_all": 0},
        "GET /products?store_id (20, cold)": {"ddb_own": 2, "ddb_all": 2, "redis_own": 0, "redis_all": 0}}}})
    loaded = cap.load_inputs(bench, snapshot(tmp_path), ["GET /cart", "GET /categories", "GET /products"])
    assert loaded.routes["GET /categories"].dynamodb == 0
    assert loaded.routes["GET /products"].dynamodb == 0


def test_a_refreshed_snapshot_keeps_where_each_figure_was_measured(tmp_path: Path) -> None:
    cap = capacity()
    bench = tmp_path / "bench"
    bench.mkdir()
    write(bench / "routes.json", {"measured_at": "T1", "figures": {"routes": {
        "GET /categories": {"ddb_own": 0, "ddb_all": 0, "redis_own": 0, "redis_all": 0}}}})
    path = snapshot(tmp_path)
    for _ in range(2):  # a second refresh must not wrap the first one's sources again
        loaded = cap.load_inputs(bench, path, ["GET /cart", "GET /categories"], ["GET /cart"])
        write(path, cap.snapshot_of(loaded, "about"))
    refreshed = json.loads(path.read_text(encoding="utf-8"))
    assert refreshed["routes"]["GET /cart"]["source"] == "s"  # measured where the first snapshot said
    assert refreshed["routes"]["GET /categories"]["source"] == f"{bench}/routes.json of T1"
    assert refreshed["order"]["source"] == "s" and refreshed["notification"]["source"] == "s"


# ---- the real template and snapshot ------------------------------------------------------------------------------


def test_the_template_gives_routes_memory_and_reserved_concurrency() -> None:
    found = capacity().load_deployment()
    assert found.authorizer == "AuthorizerFunction"
    assert found.route_function["POST /orders"] == "OrdersCreateFunction"
    assert "POST /orders" in found.authorized
    assert found.reserved["AuthorizerFunction"] == ("AuthorizerReservedConcurrency", 100.0)
    assert found.reserved["OrdersCreateFunction"] == ("CheckoutReservedConcurrency", 50.0)
    assert found.architecture == "arm64"
    assert found.group_of["AuthorizerFunction"] == "Authorizer"
    assert found.consumers["NotificationsQueue"] == ("NotificationsConsumerFunction", 10)
    assert found.rate_limit("GET /categories") == found.route_rate_limit == 1_000.0


def test_the_web_apps_polling_intervals_are_read_from_its_source() -> None:
    assert capacity().web_constant("web/src/screens/Tracking.jsx", "POLL_MS") == 2000
    with pytest.raises(ValueError):
        capacity().web_constant("web/src/screens/Tracking.jsx", "NO_SUCH_CONSTANT")


def test_the_report_on_the_committed_snapshot_names_what_binds_first(tmp_path: Path) -> None:
    cap = capacity()
    found = cap.load_deployment()
    loaded = cap.load_inputs(tmp_path / "no-bench", cap.SNAPSHOT, found.route_function, found.authorized)
    text = cap.report(loaded, found)
    for rate in ("1,000", "10,000", "100,000"):
        assert f"== {rate} orders/hour" in text
    assert text.count("binds first:") == 3
    assert "cost per 1,000 orders" in text
