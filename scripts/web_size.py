"""The web app's first-load weight: the JS and CSS that web/dist/index.html loads, each gzipped, and their sum
against the budget (issue 16: at most 300 KB of JS+CSS gzipped). Prints one line per file and the total;
exits 1 above the budget or without a build. tests/browser/test_web_budget.py runs the same measurement.

    .venv/bin/python scripts/web_size.py [web/dist]
"""

from __future__ import annotations

import gzip
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "web" / "dist"
BUDGET_BYTES = 300 * 1024
# What a first load fetches besides the page: the page's own <script src> and <link rel=stylesheet href>.
ASSET_REF = re.compile(r"""<(?:script[^>]*\ssrc|link[^>]*\shref)="/app/([^"]+\.(?:js|css))\"""")


@dataclass(frozen=True)
class Asset:
    name: str
    raw: int
    gzipped: int


def first_load(dist: Path = DIST) -> list[Asset]:
    """The JS and CSS files index.html names, with their raw and gzipped (level 9, as CloudFront and most
    servers send them at best) sizes. Raises FileNotFoundError without a build."""
    page = (dist / "index.html").read_text(encoding="utf-8")
    names = ASSET_REF.findall(page)
    if not names:
        raise ValueError(f"{dist / 'index.html'} loads no /app/ script or stylesheet")
    assets = []
    for name in names:
        data = (dist / "app" / name).read_bytes()
        assets.append(Asset(name, len(data), len(gzip.compress(data, compresslevel=9, mtime=0))))
    return assets


def main(argv: list[str]) -> int:
    dist = Path(argv[0]) if argv else DIST
    try:
        assets = first_load(dist)
    except (FileNotFoundError, ValueError) as exc:
        print(f"no web build to measure ({exc}): run `node web/build.mjs` (make run/test build it)", file=sys.stderr)
        return 1
    for asset in assets:
        print(f"{asset.name:<28} {asset.raw / 1024:8.1f} KB  {asset.gzipped / 1024:7.1f} KB gzipped")
    total = sum(a.gzipped for a in assets)
    verdict = "within" if total <= BUDGET_BYTES else "OVER"
    print(f"first load: {total / 1024:.1f} KB of JS+CSS gzipped, {verdict} the budget of {BUDGET_BYTES // 1024} KB")
    return 0 if total <= BUDGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
