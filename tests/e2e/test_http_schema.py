"""The API against its own OpenAPI schema: schemathesis generates requests for every operation
(a few examples each, to keep the suite quick) and checks that none is a server error and that
every response has a documented content type and matches the schema it documents.

One live server (SQLite) for the module, signed in as a coordinator of Cumberland with one case
of each type, so that generated references sometimes hit a real case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from application.principals import Grant, Role
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from tests.e2e.http_support import Server, live_server
from tests.e2e.test_http_api import NOTIFY


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("schema")
    with live_server(f"sqlite:///{folder}/caseledger.db") as live:
        yield live


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    made = server.account("sam", Grant(Role.COORDINATOR, partnership="cumberland"))
    created = server.client(made).post("/api/v1/cases/dardr", json=NOTIFY)
    assert created.status_code == 201, created.text
    return made


# The schema the server serves: create_app builds its routes without touching a database.
schema = schemathesis.openapi.from_dict(
    create_app(Settings.from_env({"CASELEDGER_DATA_DIR": "/nonexistent"},
                                 database_url="sqlite:///unused.db")).openapi())


@schema.parametrize()
@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_response_matches_the_schema(case: Any, server: Server,
                                                               token: str) -> None:
    case.call_and_validate(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, content_type_conformance, response_schema_conformance])
