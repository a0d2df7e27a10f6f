"""/docs on the local gateway: Swagger UI from the pinned npm package `swagger-ui-dist` (package.json), so
the page works offline. The page, its script, stylesheet and icon all come from this server; nothing is
loaded from another host (the online validator badge is off too). Without `node_modules/swagger-ui-dist`
the page says what to run instead of staying blank."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from local.config import ROOT

SWAGGER_UI_DIR = ROOT / "node_modules" / "swagger-ui-dist"
ASSETS_URL = "/docs/assets"
# The files the page loads (and the source maps a browser's developer tools ask for), with their types:
# set here rather than guessed from the machine's MIME table, which differs between systems.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
    "swagger-ui-bundle.js.map": "application/json",
    "swagger-ui.css.map": "application/json",
}
PAGE_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")


def docs_routes(openapi_url: str = "/openapi.json", *, package_dir: Path = SWAGGER_UI_DIR,
                title: str = "Blinkit Clone API") -> list[Any]:
    """`GET /docs` and `GET /docs/assets/{name}` for a Starlette app."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from starlette.requests import Request
    from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Route

    async def docs(request: Request) -> Response:
        if not all((package_dir / name).is_file() for name in PAGE_ASSETS):
            return HTMLResponse(_not_installed_page(package_dir, openapi_url), status_code=503)
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=title,
            swagger_js_url=f"{ASSETS_URL}/{PAGE_ASSETS[0]}", swagger_css_url=f"{ASSETS_URL}/{PAGE_ASSETS[1]}",
            swagger_favicon_url=f"{ASSETS_URL}/{PAGE_ASSETS[2]}",
            # Swagger UI's default validatorUrl is validator.swagger.io: a badge image from another host.
            swagger_ui_parameters={"validatorUrl": None},
        )

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:  # a fixed list: no path from the request ever reaches the file system
            return PlainTextResponse("Not Found", status_code=404)
        path = package_dir / name
        if not path.is_file():
            return PlainTextResponse(f"{path} is missing: run `npm ci` in {ROOT}", status_code=404)
        return FileResponse(path, media_type=ASSETS[name])

    return [Route("/docs", docs), Route(ASSETS_URL + "/{name}", asset)]


def _not_installed_page(package_dir: Path, openapi_url: str) -> str:
    where, root = html.escape(str(package_dir)), html.escape(str(ROOT))
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>API docs: Swagger UI is not installed</title></head>
<body style="font-family: sans-serif; max-width: 42rem; margin: 3rem auto; line-height: 1.5">
<h1>Swagger UI is not installed</h1>
<p>This page serves Swagger UI from the npm package <code>swagger-ui-dist</code>, pinned in
<code>package.json</code>, and <code>{where}</code> is missing.</p>
<p>Install the pinned Node packages, then reload:</p>
<pre>cd {root}
npm ci</pre>
<p>(<code>make run</code> runs it for you when <code>package.json</code> changes.) The API description itself
is served meanwhile at <a href="{html.escape(openapi_url)}">{html.escape(openapi_url)}</a>.</p>
</body></html>
"""
