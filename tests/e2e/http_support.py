"""The HTTP API as a client reaches it: uvicorn serving ``create_app`` on a loopback port, in
this process (a thread), over real sockets; httpx as the client.

``live_server(database_url)`` gives a ``Server`` with its base URL and the services behind it
(for seeding set-up and accounts the way an operator would at the server's command line).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import uvicorn

from application.principals import Grant
from domain.calendar import FixedCalendar
from infrastructure.clock import FixedClock
from infrastructure.settings import Settings
from interfaces.bootstrap import Services, build
from interfaces.server import create_server
from tests.conftest import master_key
from tests.integration.support import NOW, seed
from tests.unit.calendar_fixture import ENGLAND_AND_WALES_2025_2027


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    services: Services
    clock: FixedClock
    settings: Settings
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        """A client of the API, with ``token`` as its bearer token."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        made = httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)
        self.clients.append(made)
        return made

    def account(self, username: str, *grants: Grant, password: str | None = None) -> str:
        """An account with these grants, made as an administrator would; returns an API token
        for it (shown once)."""
        from application.identity import AccountService
        from infrastructure.accounts import SqlAccountStore

        accounts = AccountService(SqlAccountStore(self.services.engine), self.services.clock)
        accounts.add(username, display_name=username.title(), email=f"{username}@example.test",
                     grants=list(grants), password=password, by="test-admin")
        return accounts.create_token(username, label="tests", expires_in_days=30, by="test-admin")


@contextmanager
def live_server(database_url: str, *, now: datetime = NOW, seeded: bool = True,
                env: dict[str, str] | None = None) -> Iterator[Server]:
    """uvicorn on a free loopback port serving the API over a fresh database (seeded with the
    Cumberland partnership, its Allerdale hub and four agencies unless ``seeded=False``)."""
    settings = Settings.from_env({"CASELEDGER_DATA_DIR": "/nonexistent", **master_key(), **(env or {})},
                                 database_url=database_url)
    clock = FixedClock(now)
    services = build(settings, clock=clock,
                     calendar=FixedCalendar(ENGLAND_AND_WALES_2025_2027, source="test calendar"))
    if seeded:
        seed(services)
    port = free_port()
    config = uvicorn.Config(create_server(settings, services=services), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    while not server.started and thread.is_alive():
        started.wait(0.01)  # uvicorn sets .started once it listens; no fixed sleep
    live = Server(f"http://127.0.0.1:{port}", services, clock, settings)
    try:
        yield live
    finally:
        for client in live.clients:
            client.close()
        server.should_exit = True
        thread.join(timeout=10)
        services.close()
