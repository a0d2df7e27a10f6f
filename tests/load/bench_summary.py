"""The goals of issue 17 beside today's figures: the last line of `make bench`.

Reads every `.bench/<bench>.json` the benchmarks wrote (tests/load/common.py's save_results; BENCH_RESULTS_DIR
moves them) and prints one table: goal, the figure before the work (the issue's, in words), this run's figure,
the target and whether it is met. `met` is computed here again from now, target and direction, not read from the
file. A goal whose benchmark wrote no file says so (that benchmark failed or was not run). Writes the table as
`.bench/summary.json` too.

    PYTHONPATH=. .venv/bin/python -m tests.load.bench_summary
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tests.load.common import results_dir, table

SUMMARY = "summary"
# The goals by the benchmark that measures each (docs/benchmarks.md): a missing file is a missing figure.
EXPECTED = {
    "coldstart": "1. cold start at the floor",
    "cart": "2. add to cart at the floor",
    "notifications": "3. notifications at their minimum calls",
    "routes": "4. cacheable catalog reads",
    "load": "5. load at 20 users, production timeouts",
}


@dataclass(frozen=True)
class Row:
    bench: str
    goal: str
    before: str
    now: float | None
    target: float | None
    unit: str
    at_most: bool
    measured_at: str

    @property
    def met(self) -> bool | None:
        if self.now is None or self.target is None or math.isnan(self.now):
            return None
        return self.now <= self.target if self.at_most else self.now >= self.target


def load_results(directory: str | Path) -> dict[str, dict[str, Any]]:
    """Every `<bench>.json` in `directory` (not the summary itself), by bench name; unreadable files are skipped
    with a line on stderr."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(directory).glob("*.json")):
        if path.stem == SUMMARY:
            continue
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"skipped {path}: {exc}", file=sys.stderr)
            continue
        if isinstance(payload, dict):
            found[str(payload.get("bench") or path.stem)] = payload
    return found


def goal_rows(results: Mapping[str, Mapping[str, Any]], expected: Mapping[str, str] = EXPECTED) -> list[Row]:
    """One row per goal a benchmark saved, the issue's order first; a row with no figure for each expected
    benchmark that saved no file."""
    order = {bench: n for n, bench in enumerate(expected)}
    rows: list[Row] = []
    for bench in sorted(results, key=lambda b: (order.get(b, len(order)), b)):
        payload = results[bench]
        for goal in payload.get("goals") or []:
            rows.append(Row(bench=bench, goal=str(goal.get("name", "")), before=str(goal.get("before", "")),
                            now=_number(goal.get("now")), target=_number(goal.get("target")),
                            unit=str(goal.get("unit", "")), at_most=bool(goal.get("at_most", True)),
                            measured_at=str(payload.get("measured_at", ""))))
    for bench, what in expected.items():
        if bench not in results:
            rows.append(Row(bench=bench, goal=what, before="", now=None, target=None, unit="", at_most=True,
                            measured_at="no results: the benchmark failed or was not run"))
    return rows


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    return f"{text} {unit}".strip()


def render(rows: Iterable[Row]) -> str:
    def verdict(row: Row) -> str:
        return {True: "yes", False: "NO", None: "-"}[row.met]

    def bound(row: Row) -> str:
        return "-" if row.target is None else ("<= " if row.at_most else ">= ") + _figure(row.target, row.unit)

    rows = list(rows)
    lines = table(["bench", "goal", "before", "now", "target", "met"],
                  [(r.bench, r.goal, r.before or "-", _figure(r.now, r.unit), bound(r), verdict(r)) for r in rows])
    missing = [r for r in rows if r.now is None and r.measured_at.startswith("no results")]
    met = sum(1 for r in rows if r.met)
    judged = sum(1 for r in rows if r.met is not None)
    tail = f"{met} of {judged} goals met"
    if missing:
        tail += f"; no figures from {', '.join(r.bench for r in missing)} (the benchmark failed or was not run)"
    return f"{lines}\n({tail})"


def main() -> int:
    directory = results_dir()
    rows = goal_rows(load_results(directory))
    print("\nIssue 17's goals beside today's figures (from .bench/*.json; docs/benchmarks.md says how each is "
          "measured)")
    print(render(rows))
    os.makedirs(directory, exist_ok=True)
    path = Path(directory) / f"{SUMMARY}.json"
    payload = {"bench": SUMMARY, "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "goals": [{**asdict(r), "met": r.met} for r in rows]}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True), encoding="utf-8")
    print(f"(saved {path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
