"""The goals summary at the end of `make bench` (tests/load/bench_summary.py): reading the bench JSON, judging each
goal again from its figures, and saying which benchmark left no figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.load import bench_summary
from tests.load.common import Goal, save_results


def goal(name: str, now: float, target: float, *, at_most: bool = True, met: bool | None = None) -> dict[str, object]:
    saved = {**Goal(name, "22 calls", now, target, "calls", at_most).__dict__}
    saved["met"] = Goal(name, "", now, target, "", at_most).met if met is None else met
    return saved


def test_rows_follow_the_issues_order_and_name_missing_benchmarks() -> None:
    results = {"notifications": {"measured_at": "T", "goals": [goal("DynamoDB calls per message", 5, 6)]},
               "cart": {"measured_at": "T", "goals": [goal("DynamoDB calls per add", 1, 1)]}}
    rows = bench_summary.goal_rows(results)
    assert [r.bench for r in rows[:2]] == ["cart", "notifications"]
    missing = [r.bench for r in rows if r.now is None]
    assert missing == ["coldstart", "routes", "load"]
    assert all(r.met is None for r in rows if r.now is None)


def test_met_is_judged_again_not_read_from_the_file() -> None:
    results = {"cart": {"goals": [goal("DynamoDB writes per add", 3, 1, met=True)]}}
    (row,) = [r for r in bench_summary.goal_rows(results, expected={}) if r.bench == "cart"]
    assert row.met is False


def test_a_floor_goal_is_met_at_or_above_its_target() -> None:
    results = {"load": {"goals": [goal("requests per second", 12, 10, at_most=False)]}}
    (row,) = bench_summary.goal_rows(results, expected={})
    assert row.met is True
    assert "goal" in bench_summary.render([row])
    assert ">= 10 calls" in bench_summary.render([row])


def test_the_table_counts_met_goals_and_names_benchmarks_without_figures() -> None:
    results = {"cart": {"goals": [goal("a", 1, 1), goal("b", 3, 2)]}}
    text = bench_summary.render(bench_summary.goal_rows(results, expected={"cart": "2.", "load": "5."}))
    assert "1 of 2 goals met" in text
    assert "no figures from load" in text
    assert "NO" in text and "yes" in text


def test_results_are_read_from_what_save_results_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_RESULTS_DIR", str(tmp_path))
    save_results("cart", {"p50_ms": 1.0}, [Goal("DynamoDB calls per add", "3 calls", 1, 1, "calls")])
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "summary.json").write_text(json.dumps({"bench": "summary", "goals": []}), encoding="utf-8")
    found = bench_summary.load_results(tmp_path)
    assert list(found) == ["cart"]
    (row,) = [r for r in bench_summary.goal_rows(found) if r.bench == "cart"]
    assert (row.now, row.target, row.before, row.met) == (1.0, 1.0, "3 calls", True)


def test_main_writes_the_summary_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BENCH_RESULTS_DIR", str(tmp_path))
    save_results("notifications", {}, [Goal("DynamoDB calls per message, 3 channels", "22 calls", 5, 6, "calls")])
    assert bench_summary.main() == 0
    written = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert [g["met"] for g in written["goals"] if g["bench"] == "notifications"] == [True]
    assert "22 calls" in capsys.readouterr().out
