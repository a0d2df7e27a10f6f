"""The benchmarks' pure helpers: percentiles, tables, package sizes and closures, Locust's CSV."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.load.bench_coldstart import closure, folder_size, functions_of, materialize, requirement_names
from tests.load.bench_load import parse_locust_stats
from tests.load.common import percentile, summarize, table


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 50) == 7.0
    assert percentile([3, 1, 2], 50) == 2  # order does not matter
    assert percentile([1, 2, 3, 4], 50) == 2  # the smallest value with half at or below it
    assert summarize([5, 1, 4, 2, 3]) == {"n": 5, "p50": 3, "p95": 5, "p99": 5}


@pytest.mark.parametrize("pct", [0, -1, 101])
def test_percentile_refuses_out_of_range(pct):
    with pytest.raises(ValueError):
        percentile([1, 2], pct)


def test_percentile_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        percentile([], 50)


def test_table_aligns_text_left_and_numbers_right():
    text = table(["name", "ms"], [("a", 1.5), ("longer", 12.25)])
    lines = text.splitlines()
    assert lines[0] == "name       ms"
    assert lines[2] == "a        1.50"
    assert lines[3] == "longer  12.25"


def test_folder_size_skips_caches_tests_and_bytecode(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_bytes(b"x" * 100)
    (tmp_path / "pkg" / "old.pyc").write_bytes(b"x" * 1000)
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "mod.cpython-312.pyc").write_bytes(b"x" * 1000)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_mod.py").write_bytes(b"x" * 1000)
    (tmp_path / "data.json").write_bytes(b"x" * 10)
    assert folder_size(tmp_path) == 110


def test_requirement_names_follow_includes_and_drop_pins(tmp_path: Path):
    (tmp_path / "base.txt").write_text("fastapi==0.1  # web\n\nredis[hiredis]>=5\n")
    (tmp_path / "req.txt").write_text("-r base.txt\n# comment\nfirebase-admin==7.7.0\n--index-url x\n")
    assert requirement_names(tmp_path / "req.txt") == ["fastapi", "redis", "firebase-admin"]


def _dist(requires: list[str]) -> SimpleNamespace:
    return SimpleNamespace(requires=requires, version="1")


def test_closure_follows_dependencies_extras_and_markers():
    dists = {
        "app": _dist(["lib>=1", "extra-only; extra == 'fast'", "other[fast]", "never; python_version < '3'"]),
        "lib": _dist([]),
        "other": _dist(["speedup; extra == 'fast'"]),
        "speedup": _dist(["lib"]),
        "extra-only": _dist([]),
    }
    assert closure(["App"], dists) == {"app", "lib", "other", "speedup"}
    with pytest.raises(LookupError):
        closure(["missing"], dists)


def test_materialize_links_installed_files_only(tmp_path: Path):
    site = tmp_path / "site"
    (site / "pkg" / "__pycache__").mkdir(parents=True)
    (site / "pkg" / "__init__.py").write_text("X = 1\n")
    (site / "pkg" / "__pycache__" / "__init__.cpython-312.pyc").write_bytes(b"\0")
    files = [Path("pkg/__init__.py"), Path("pkg/__pycache__/__init__.cpython-312.pyc"), Path("../../bin/tool")]
    dist = SimpleNamespace(files=files, version="1.0", locate_file=lambda f: site / f)
    target = materialize(["pkg"], {"pkg": dist}, tmp_path / "out")
    assert (target / "pkg" / "__init__.py").is_symlink()
    assert (target / "pkg" / "__init__.py").read_text() == "X = 1\n"
    assert not (target / "pkg" / "__pycache__").exists()
    assert (target / ".bench-contents").read_text() == "pkg==1.0"
    (target / "pkg" / "__init__.py").unlink()  # same versions: reused as it is
    assert not (materialize(["pkg"], {"pkg": dist}, tmp_path / "out") / "pkg" / "__init__.py").exists()


def test_every_template_function_is_found_with_its_layers():
    from local.config import TEMPLATE
    from local.template import Template

    infos = {info.logical_id: info for info in functions_of(TEMPLATE)}
    assert set(infos) == set(Template.load(TEMPLATE).functions)
    authorizer = infos["AuthorizerFunction"]
    assert [layer.logical_id for layer in authorizer.layers] == ["BlinkitLayer"]
    assert authorizer.environment["REDIS_URL"].startswith("redis://127.0.0.1")  # a dummy, never the real cache
    assert "FirebaseLayer" in [layer.logical_id for layer in infos["AuthLoginFunction"].layers]


def test_parse_locust_stats(tmp_path: Path):
    stats = tmp_path / "load_stats.csv"
    stats.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
        "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
        "99.99%,100%\n"
        "GET,GET /cart,200,2,40,45.1,10,300,500,3.3,0.03,40,50,55,60,80,95,120,150,290,300,300\n"
        "POST,POST /orders,0,0,0,0,0,0,0,0,0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\n"
        "GET,GET /categories,100,0,20,21,5,90,800,1.7,0,20,22,24,25,30,35,40,45,80,90,90\n"
        ",Aggregated,300,2,30,37,5,300,600,5.0,0.03,30,40,50,55,70,90,110,140,290,300,300\n"
    )
    rows = parse_locust_stats(stats)
    assert [r["name"] for r in rows] == ["GET /cart", "GET /categories", "POST /orders", "total"]
    cart, _, orders, total = rows
    assert cart == {"name": "GET /cart", "requests": 200, "failures": 2, "rps": 3.3, "p50": 40.0, "p95": 95.0,
                    "p99": 150.0, "error_rate": 0.01}
    assert orders["error_rate"] == 0.0 and math.isnan(orders["p95"])
    assert total["requests"] == 300 and total["rps"] == 5.0
