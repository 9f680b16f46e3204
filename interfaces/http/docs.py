"""``/docs``: the API's reference, readable in a browser, served entirely by this server.

FastAPI's default page loads Swagger UI from a public CDN with an inline script: the security
policy (no script but the server's own, no inline script) rightly blocks both, and a page of a
service holding special-category data should contact no third party. So Swagger UI's files come
from the ``fastapi-offline`` package (Swagger UI 5, which reads OpenAPI 3.1), and the few lines
that start it are a file of our own.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from interfaces.http.problems import ApiProblem

router = APIRouter(include_in_schema=False)

ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
          "favicon.png": "image/png"}
FILES = Path(fastapi_offline.__file__).parent / "static"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>caseledger API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" href="/docs/assets/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
"""

START = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
});
"""


@router.get("/docs")
def docs() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/docs/start.js")
def start() -> Response:
    return Response(START, media_type="text/javascript")


@router.get("/docs/assets/{name}")
def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise ApiProblem(404, "No such file.", kind="not-found")
    return FileResponse(FILES / name, media_type=ASSETS[name])
