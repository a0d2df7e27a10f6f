"""The web app on the local gateway: `GET /` (web/dist/index.html), `GET /app/{name}` (the built bundles) and
`GET /config.json` (made from the running stack: the API on the same origin, Firebase on its Auth emulator).

The app routes in the URL's hash (`/#/cart`), so the server only ever serves these three paths; no template
route uses them (tests/local/test_web.py checks), so every API route still reaches its function. In AWS
CloudFront serves the same files from S3 and scripts/publish_web.py writes config.json.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from local.checkout_page import CHECKOUT_PATH
from local.config import PARAMETERS, ROOT

WEB_DIST = ROOT / "web" / "dist"
ASSETS_PREFIX = "/app"
CONFIG_PATH = "/config.json"
PAGE_PATH = "/"
ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
FAKE_API_KEY = "demo-api-key"  # the Auth emulator accepts any key; a real one comes from the stack in AWS


def app_config(*, emulator_host: str, places: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """What the app reads from /config.json on a local stack (the same keys scripts/publish_web.py writes)."""
    project = PARAMETERS["FirebaseProjectId"]
    return {
        "apiUrl": "",  # same origin: the gateway serves the API beside the app
        "firebase": {"apiKey": FAKE_API_KEY, "authDomain": f"{project}.firebaseapp.com", "projectId": project},
        "authEmulatorUrl": f"http://{emulator_host}",
        "places": places if places is not None else demo_places(),
        # Online payments open Razorpay Checkout's stand-in page (local/checkout_page.py), not checkout.js
        "checkout": "stand-in",
        "checkoutUrl": CHECKOUT_PATH,
    }


def demo_places() -> list[dict[str, Any]]:
    """A delivery place near each demo store (as `make demo`'s customer lives near the first): one click to shop."""
    from local.catalog.data import STORES

    return [{"label": f"Near {shop['name'].rsplit(' - ', 1)[-1]}", "lat": round(shop["lat"] + 0.005, 6),
             "lng": round(shop["lng"] - 0.006, 6)} for shop in STORES]


def web_routes(config: dict[str, Any], *, dist: Path = WEB_DIST) -> list[Any]:
    """Starlette routes for the app; without a build, `/` says how to make one instead of a blank page."""
    from starlette.requests import Request
    from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    async def page(request: Request) -> Response:
        index = dist / "index.html"
        if not index.is_file():
            return HTMLResponse(_not_built_page(dist), status_code=503)
        # no-cache: the page names the current bundles, which change with every build
        return FileResponse(index, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        path = dist / "app" / name
        # Only the files the build wrote, by their bare name: no path from the request reaches the file system.
        if "/" in name or name.startswith(".") or Path(name).suffix not in ASSET_TYPES or not path.is_file():
            return PlainTextResponse("Not Found", status_code=404)
        # The names carry a content hash: a browser may keep them for ever.
        return FileResponse(path, media_type=ASSET_TYPES[Path(name).suffix],
                            headers={"Cache-Control": "public, max-age=31536000, immutable"})

    async def config_json(request: Request) -> Response:
        return JSONResponse(config, headers={"Cache-Control": "no-store"})

    return [Route(PAGE_PATH, page, methods=["GET", "HEAD"]), Route(CONFIG_PATH, config_json, methods=["GET"]),
            Route(ASSETS_PREFIX + "/{name}", asset, methods=["GET", "HEAD"])]


def _not_built_page(dist: Path) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>The web app is not built</title></head>
<body style="font-family: sans-serif; max-width: 42rem; margin: 3rem auto; line-height: 1.5">
<h1>The web app is not built</h1>
<p><code>{html.escape(str(dist))}</code> is missing. <code>make run</code> builds it before starting; to build it
by hand: <code>node web/build.mjs</code> in <code>{html.escape(str(ROOT))}</code>.</p>
<p>The API is served meanwhile: <a href="/docs">/docs</a>.</p>
</body></html>
"""
