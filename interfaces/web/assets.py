"""The files pages load, all from this server: GOV.UK Frontend and MoJ Frontend from
``web/node_modules`` (pinned in ``web/package-lock.json``, installed by ``scripts/web.sh ensure``)
and caseledger's own few in ``interfaces/web/static``. Nothing is fetched from another host.

- ``/assets/…``: GOV.UK Frontend's fonts and images (its stylesheet names them under /assets)
- ``/static/govuk/…``, ``/static/moj/…``: the two frameworks' compiled CSS and JavaScript
- ``/static/app/…``: ours
"""

from __future__ import annotations

import os
from pathlib import Path

import structlog
from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

log = structlog.get_logger("caseledger.web")

HERE = Path(__file__).resolve().parent
OWN_STATIC = HERE / "static"
CACHE_FOR = "public, max-age=86400"  # the files change only with an upgrade


def node_modules() -> Path:
    """``CASELEDGER_WEB_MODULES``, else ``web/node_modules`` beside the package folders."""
    configured = os.environ.get("CASELEDGER_WEB_MODULES", "").strip()
    return Path(configured) if configured else HERE.parent.parent / "web" / "node_modules"


class CachedFiles(StaticFiles):
    """Static files the browser may keep for a day (the server's default is no-store)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = CACHE_FOR
        return response


def mount_assets(app: FastAPI) -> None:
    modules = node_modules()
    govuk = modules / "govuk-frontend" / "dist" / "govuk"
    moj = modules / "@ministryofjustice" / "frontend" / "moj"
    app.mount("/static/app", CachedFiles(directory=OWN_STATIC), name="static-app")
    if not govuk.is_dir() or not moj.is_dir():
        log.warning("web front-end packages missing: pages will be unstyled",
                    hint="run: bash scripts/web.sh ensure")
        return
    app.mount("/assets", CachedFiles(directory=govuk / "assets"), name="govuk-assets")
    app.mount("/static/govuk", CachedFiles(directory=govuk), name="static-govuk")
    app.mount("/static/moj", CachedFiles(directory=moj), name="static-moj")
