"""The first load stays within issue 16's budget: at most 300 KB of JS+CSS gzipped (scripts/web_size.py)."""

from __future__ import annotations

import pytest

from scripts.web_size import BUDGET_BYTES, DIST, first_load

pytestmark = pytest.mark.browser


def test_the_first_load_is_within_300_kb_of_js_and_css_gzipped(record_property):
    assets = first_load(DIST)  # no build: FileNotFoundError (make test builds it first)
    assert {a.name.rsplit(".", 1)[-1] for a in assets} == {"js", "css"}
    total = sum(a.gzipped for a in assets)
    record_property("web_first_load_gzipped_bytes", total)
    assert 0 < total <= BUDGET_BYTES, f"{total / 1024:.1f} KB gzipped, budget {BUDGET_BYTES // 1024} KB"
