"""``caseledger serve``: the HTTP API (and, with the next issue, the web application).

uvicorn serves ``interfaces.server:app_from_env``; each worker process builds its own services
from the same CASELEDGER_* settings. Several workers need PostgreSQL (on SQLite one process at a
time writes; it is refused). SIGTERM or Ctrl-C stops it gracefully: no new connections, requests in
flight finish (up to ``--graceful-seconds``), then the database connections close.
"""

from __future__ import annotations

from typing import Annotated

import typer

from domain.errors import InvalidInput
from infrastructure.database import is_postgres
from interfaces.cli.common import Invocation, command, configure_logging

top = typer.Typer()
"""``caseledger serve`` lives at the top level."""


@command(top, "serve", query=True)
def serve(
    inv: Invocation,
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="The port.")] = 8000,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, max=64, help="Worker processes (more than one needs PostgreSQL).")] = 1,
    graceful_seconds: Annotated[int, typer.Option(
        "--graceful-seconds", min=1, max=600,
        help="On shutdown, how long requests in flight may take to finish.")] = 30,
) -> None:
    """Serve the HTTP API: /api/v1/…, the OpenAPI schema at /openapi.json and its docs at /docs,
    /healthz and /readyz. Stop with Ctrl-C or SIGTERM."""
    import os

    import uvicorn

    settings = inv.state.settings()
    if workers > 1 and not is_postgres(settings.database_url):
        raise InvalidInput("Several workers need PostgreSQL (CASELEDGER_DATABASE_URL); the embedded "
                           "SQLite database takes one.", field="workers")
    # Built once here, then let go: a database that cannot be opened, or a master key that is
    # missing or wrong, stops the command with its message before anything listens.
    inv.services  # noqa: B018
    inv.state.close()
    # A long-running server logs each request (INFO) unless told otherwise; its workers, fresh
    # processes, read the same environment.
    os.environ.setdefault("CASELEDGER_LOG_LEVEL", "INFO")
    os.environ.setdefault("CASELEDGER_DATABASE_URL", settings.database_url)
    configure_logging()
    print(f"caseledger: serving http://{host}:{port}/ (API docs at /docs); Ctrl-C stops it.", flush=True)
    uvicorn.run("interfaces.server:app_from_env", factory=True, host=host, port=port,
                workers=workers, timeout_graceful_shutdown=graceful_seconds, log_level="warning",
                proxy_headers=False, server_header=False)
