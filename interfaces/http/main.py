"""The application uvicorn imports in each worker process (``caseledger serve --workers N``):
built from the CASELEDGER_* environment, like every other command."""

from __future__ import annotations

from fastapi import FastAPI

from infrastructure.settings import Settings
from interfaces.cli.common import configure_logging
from interfaces.http.app import create_app


def app_from_env() -> FastAPI:
    """Each worker is a fresh process: it sets up its own logging (CASELEDGER_LOG_FORMAT, _LEVEL)."""
    configure_logging()
    return create_app(Settings.from_env())
