"""The application uvicorn imports in each worker process (``caseledger serve --workers N``):
built from the CASELEDGER_* environment, like every other command."""

from __future__ import annotations

from fastapi import FastAPI

from infrastructure.settings import Settings
from interfaces.http.app import create_app


def app_from_env() -> FastAPI:
    return create_app(Settings.from_env())
