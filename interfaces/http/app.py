"""The HTTP application: built from settings by ``create_app``, served by uvicorn.

Every request gets an id (the caller's ``X-Request-ID`` when it is a plain token, else a new one),
echoed in the response and in its one structured log line (method, route, status, duration,
principal; never a body, a query string or personal data), and the security headers a service
holding special-category data should send.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import structlog
from fastapi import FastAPI, Request, Response

from application.ports import Clock
from infrastructure.database import POOL_OVERFLOW, POOL_SIZE
from infrastructure.oidc import OidcSettings
from infrastructure.settings import Settings
from infrastructure.smtp import Mailer
from interfaces.bootstrap import Services, build
from interfaces.http import problems
from interfaces.http.auth import identity_policy

log = structlog.get_logger("caseledger.http")

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "Cache-Control": "no-store",
}


def create_app(settings: Settings, *, clock: Clock | None = None, mailer: Mailer | None = None,
               services: Services | None = None) -> FastAPI:
    """The API over services built from ``settings`` when the server starts (or the ``services``
    given, which the caller then closes)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or build(settings, clock=clock, mailer=mailer)
        # Request threads no more than the database connections they can get at once.
        anyio.to_thread.current_default_thread_limiter().total_tokens = POOL_SIZE + POOL_OVERFLOW
        try:
            yield
        finally:
            client = getattr(app.state, "oidc_client", None)
            if client is not None:
                client.close()
            if owned:
                app.state.services.close()

    app = FastAPI(
        title="caseledger", version="1",
        summary="Case management for Community Safety Partnerships: DARDR, ASB Case Reviews and "
                "unauthorised encampments.",
        lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.settings = settings
    # A bad identity or single sign-on setting stops the start, with a plain message.
    identity_policy(settings.environment)
    OidcSettings.from_env(settings.environment)
    problems.install(app)
    app.openapi = lambda: problems.documented(app)  # type: ignore[method-assign]
    app.middleware("http")(_request_context)
    _include_routers(app)
    return app


def _include_routers(app: FastAPI) -> None:
    from interfaces.http import cases, docs, documents, health, identity, oidc, queries, subject

    for module in (health, docs, cases, queries, identity, oidc, documents, subject):
        app.include_router(module.router)


async def _request_context(request: Request,
                           call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    given = request.headers.get("x-request-id", "")
    request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
    request.state.request_id = request_id
    started = time.perf_counter()
    response = await call_next(request)
    response.headers["X-Request-ID"] = request_id
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    route: Any = request.scope.get("route")
    principal = getattr(request.state, "principal", None)
    log.info("request", request_id=request_id, method=request.method,
             route=getattr(route, "path_format", None) or getattr(route, "path", None),
             status=response.status_code,
             ms=round((time.perf_counter() - started) * 1000, 1),
             principal=getattr(principal, "username", None))
    return response
