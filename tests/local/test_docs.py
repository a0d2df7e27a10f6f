"""/docs works offline: Swagger UI from the pinned `swagger-ui-dist` in node_modules, served by the local
gateway itself (page, script, stylesheet, icon), pointing at the merged OpenAPI the gateway serves; without
the package, the page says what to run instead of staying blank."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from local.config import ROOT
from local.docs import ASSETS_URL, SWAGGER_UI_DIR, docs_routes
from local.gateway import OPENAPI_URL, Gateway, asgi_app

TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png"}


class _References(HTMLParser):
    """Every URL the page makes the browser fetch: src and href attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def references(page: str) -> list[str]:
    parser = _References()
    parser.feed(page)
    return parser.urls


def spec_url(page: str) -> str:
    found = re.search(r"\burl: '([^']*)'", page)
    assert found, "the page names no OpenAPI document"
    return found.group(1)


@pytest.fixture(scope="module")
def client(project_stack: Any) -> Iterator[TestClient]:
    with TestClient(asgi_app(Gateway(project_stack.template, project_stack.functions))) as served:
        yield served


def test_the_installed_swagger_ui_is_the_pinned_one() -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["swagger-ui-dist"]
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/swagger-ui-dist"]
    installed = json.loads((SWAGGER_UI_DIR / "package.json").read_text())["version"]
    assert pinned == lock["version"] == installed, "run `npm ci`"


def test_docs_loads_only_same_origin_assets_each_served_from_the_package(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    urls = references(page.text)
    assert sorted(urls) == sorted(f"{ASSETS_URL}/{name}" for name in
                                  ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"))
    # No absolute or scheme-relative URL anywhere in the page: nothing can come from another host.
    assert "//" not in page.text, page.text
    assert '"validatorUrl": null' in page.text  # no badge from validator.swagger.io
    for url in urls:
        reply = client.get(url)
        assert reply.status_code == 200, url
        assert reply.headers["content-type"] == TYPES[Path(url).suffix], (url, reply.headers["content-type"])
        assert reply.content == (SWAGGER_UI_DIR / Path(url).name).read_bytes()
        if url.endswith(".css"):  # its images are data: URIs; a url() to a host would load from it
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", reply.text)


def test_docs_points_at_the_merged_openapi_that_the_gateway_serves(client: TestClient, project_stack: Any) -> None:
    url = spec_url(client.get("/docs").text)
    assert url == OPENAPI_URL
    reply = client.get(url)
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
    spec = reply.json()
    documented = {(method.upper(), path) for path, operations in spec["paths"].items() for method in operations}
    assert documented == {(r.method, r.path) for r in project_stack.template.http_routes()}
    assert spec["info"]["title"] == "Blinkit Clone API"


def test_only_the_listed_package_files_are_served(client: TestClient) -> None:
    for path in ("package.json", "index.html", "..%2F..%2Fpackage.json", "swagger-ui-bundle.js%00"):
        assert client.get(f"{ASSETS_URL}/{path}").status_code == 404, path
    assert client.get(f"{ASSETS_URL}/swagger-ui-bundle.js.map").headers["content-type"] == "application/json"


def test_without_the_package_the_page_says_to_run_npm_ci(tmp_path: Path) -> None:
    missing = tmp_path / "node_modules" / "swagger-ui-dist"
    with TestClient(Starlette(routes=docs_routes(OPENAPI_URL, package_dir=missing))) as client:
        page = client.get("/docs")
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert "Swagger UI is not installed" in page.text and "npm ci" in page.text and str(missing) in page.text
        assert references(page.text) == [OPENAPI_URL] and "<script" not in page.text
        asset = client.get(f"{ASSETS_URL}/swagger-ui-bundle.js")
        assert asset.status_code == 404 and "npm ci" in asset.text
