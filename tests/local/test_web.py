"""The web app on the local gateway: `/` (the built page), `/app/{name}` (its bundles only), `/config.json`
(from the running stack), a page that says how to build when there is no build, and every API route still
reaching its function."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from local.catalog.data import STORES
from local.checkout_page import CHECKOUT_PATH
from local.gateway import Gateway, asgi_app
from local.web import ASSETS_PREFIX, CONFIG_PATH, app_config, demo_places, web_routes

PAGE = '<!DOCTYPE html><link rel="stylesheet" href="/app/main-CSS1.css"><script src="/app/main-JS1.js"></script>'


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "app" / "main-JS1.js").write_text("console.log('app')")
    (tmp_path / "app" / "main-CSS1.css").write_text("body{}")
    (tmp_path / "app" / ".built").write_text("")
    (tmp_path / "secret.txt").write_text("not an asset")
    return tmp_path


@pytest.fixture(scope="module")
def served(project_stack: Any) -> Iterator[TestClient]:
    """The gateway as `make run` composes it: the API, then the app's routes (on a fake build)."""
    config = app_config(emulator_host="127.0.0.1:9099")
    with TestClient(asgi_app(Gateway(project_stack.template, project_stack.functions),
                             extra_routes=web_routes(config, dist=Path(__file__).parent / "no-build"))) as client:
        yield client


def test_the_page_and_its_bundles_are_served_with_their_types_and_caching(dist: Path) -> None:
    with TestClient(Starlette(routes=web_routes(app_config(emulator_host="127.0.0.1:9099"), dist=dist))) as client:
        page = client.get("/")
        assert page.status_code == 200 and page.text == PAGE
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["cache-control"] == "no-cache"
        script = client.get(f"{ASSETS_PREFIX}/main-JS1.js")
        assert script.text == "console.log('app')"
        assert script.headers["content-type"] == "text/javascript; charset=utf-8"
        assert "immutable" in script.headers["cache-control"]
        assert client.get(f"{ASSETS_PREFIX}/main-CSS1.css").headers["content-type"] == "text/css; charset=utf-8"


def test_only_built_bundles_are_served_never_another_file(dist: Path) -> None:
    with TestClient(Starlette(routes=web_routes(app_config(emulator_host="127.0.0.1:9099"), dist=dist))) as client:
        for name in (".built", "..%2Fsecret.txt", "..%2Findex.html", "main-JS1.js%00", "missing.js", "main-JS1.js.map"):
            assert client.get(f"{ASSETS_PREFIX}/{name}").status_code == 404, name
        assert client.get("/secret.txt").status_code == 404


def test_config_names_the_same_origin_api_the_emulator_and_a_place_near_each_demo_store() -> None:
    config = app_config(emulator_host="127.0.0.1:9099")
    assert config["apiUrl"] == "" and config["authEmulatorUrl"] == "http://127.0.0.1:9099"
    assert config["firebase"]["projectId"] == "demo-blinkit" and config["firebase"]["apiKey"]
    assert [p["label"] for p in demo_places()] == [f"Near {s['name'].rsplit(' - ', 1)[-1]}" for s in STORES]
    for place, shop in zip(demo_places(), STORES, strict=True):  # inside the store's radius
        assert abs(place["lat"] - shop["lat"]) < 0.01 and abs(place["lng"] - shop["lng"]) < 0.01
    with TestClient(Starlette(routes=web_routes(config))) as client:
        reply = client.get(CONFIG_PATH)
        assert reply.json() == config and reply.headers["cache-control"] == "no-store"


def test_without_a_build_the_page_says_how_to_make_one(served: TestClient) -> None:
    page = served.get("/")
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "The web app is not built" in page.text and "node web/build.mjs" in page.text


def test_no_template_route_uses_the_apps_paths_and_the_api_still_answers(project_stack: Any,
                                                                          served: TestClient) -> None:
    gateway = Gateway(project_stack.template, project_stack.functions)
    for path in ("/", CONFIG_PATH, f"{ASSETS_PREFIX}/main-JS1.js", CHECKOUT_PATH, f"{CHECKOUT_PATH}/pay"):
        for method in ("GET", "HEAD", "POST"):
            assert gateway.match(method, path) is None, f"{method} {path} is a template route"
    health = served.get("/health")
    assert health.headers["content-type"].startswith("application/json") and "status" in health.json()
    assert served.get("/users/me").json() == {"message": "Unauthorized"}
