"""The README shows every screenshot `make screenshots` writes, and each is there, committed and small."""

from __future__ import annotations

import re

import pytest

from local.config import ROOT
from tests.browser.screenshots import SCREENS

pytestmark = pytest.mark.browser
MAX_BYTES = 150 * 1024  # a phone-sized PNG of one screen; a bigger one is a full-page capture by mistake


def test_the_readme_shows_each_screenshot_and_each_file_exists():
    shown = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", (ROOT / "README.md").read_text())
    assert shown == [f"docs/screenshots/{name}" for name, _ in SCREENS]
    on_disk = sorted(p.name for p in (ROOT / "docs" / "screenshots").glob("*.png"))
    assert on_disk == sorted(name for name, _ in SCREENS)
    for name, _ in SCREENS:
        data = (ROOT / "docs" / "screenshots" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and 0 < len(data) <= MAX_BYTES, name
