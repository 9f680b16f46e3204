"""The server ``caseledger serve`` runs: the HTTP API (``interfaces/http``) with the web
application (``interfaces/web``) on top of it, one process per uvicorn worker."""

from __future__ import annotations

from fastapi import FastAPI

from application.ports import Clock
from infrastructure.settings import Settings
from infrastructure.smtp import Mailer
from interfaces.bootstrap import Services
from interfaces.cli.common import configure_logging
from interfaces.http.app import create_app
from interfaces.web import install_pages


def create_server(settings: Settings, *, clock: Clock | None = None, mailer: Mailer | None = None,
                  services: Services | None = None) -> FastAPI:
    """The API and its pages, from settings (``services``: already built, e.g. by a test)."""
    app = create_app(settings, clock=clock, mailer=mailer, services=services)
    install_pages(app)
    return app


def app_from_env() -> FastAPI:
    """Each worker is a fresh process: it sets up its own logging (CASELEDGER_LOG_FORMAT, _LEVEL)."""
    configure_logging()
    return create_server(Settings.from_env())
