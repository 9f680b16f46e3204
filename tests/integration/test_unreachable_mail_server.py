"""A mail server that cannot be reached costs one attempt per delivery run, not one timeout per
message, on SQLite and PostgreSQL: a server that accepts connections and never speaks, and a
port that refuses, each see one connection for fifty messages; every message is then waiting to
retry, with the next retry reported; and when the server is back the scheduler's retry sweep
sends each message once through a real SMTP server.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa

from application.service import Meta
from domain.calendar import FixedCalendar
from domain.setup import Partnership
from infrastructure.clock import FixedClock
from infrastructure.deliveries import reminder_deliveries, retry_after
from infrastructure.settings import Settings, SmtpSettings
from infrastructure.smtp import SmtpMailer
from interfaces import scheduler
from interfaces.bootstrap import Services, build
from tests.conftest import master_key
from tests.integration.support import notify, seed
from tests.smtp_server import SmtpServer, free_port
from tests.unit.calendar_fixture import ENGLAND_AND_WALES_2025_2027

NOW = datetime(2026, 4, 30, 12, 0, tzinfo=UTC)
CASES = 25  # two recipients each (coordinator and chair): fifty messages
SENDER = "reminders@cumberland.example"
CALENDAR = FixedCalendar(ENGLAND_AND_WALES_2025_2027, source="test calendar")


class CountingMailer:
    """The real SMTP mailer, counting its sends: each opens one connection to the server."""

    def __init__(self, port: int, timeout: float = 5) -> None:
        self.mailer = SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, sender=SENDER,
                                              timeout=timeout))
        self.connections = 0

    def send(self, message: EmailMessage) -> None:
        self.connections += 1
        self.mailer.send(message)


@pytest.fixture
def silent_server() -> Iterator[socket.socket]:
    """Listens and never accepts: connections complete (the kernel's backlog) and wait for a
    greeting that never comes. Accepting afterwards counts them."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(128)
        yield listening


def connections_made(listening: socket.socket) -> int:
    listening.setblocking(False)
    count = 0
    while True:
        try:
            connection, _ = listening.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def services(url: str, mailer: Any) -> Services:
    settings = Settings.from_env(env={"CASELEDGER_SMTP_FROM": SENDER, **master_key()}, database_url=url)
    return build(settings, clock=FixedClock(NOW), calendar=CALENDAR, mailer=mailer)


def fifty_reminders(url: str) -> None:
    """25 deaths notified on 31 January: by 30 April each decision is past +10wd, so one run
    issues one escalation per case to the coordinator and the chair."""
    s = services(url, None)
    try:
        seed(s)
        ctx = s.cases.context(Meta(actor="admin", on="2024-04-01"))
        cumberland: Partnership = s.cases.partnership("cumberland")
        cumberland.change_chair(ctx, {"name": "Carla Chair", "email": "chair@cumberland.example"})
        cumberland.change_coordinator(ctx, {"name": "Colin Coordinator",
                                            "email": "coordinator@cumberland.example"})
        s.app.save(cumberland)
        for _ in range(CASES):
            notify(s, on="2026-01-31")
        s.reminders.run(Meta(actor="t"), as_at=NOW)
        assert s.deliveries.queue() > 0
    finally:
        s.close()


def rows(s: Services) -> list[dict[str, Any]]:
    with s.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(reminder_deliveries).order_by(
            reminder_deliveries.c.issued, reminder_deliveries.c.case_id,
            reminder_deliveries.c.version, reminder_deliveries.c.recipient)).mappings()]


def test_a_server_that_never_answers_costs_one_connection_per_run(database_url, silent_server):
    fifty_reminders(database_url)
    s = services(database_url, SmtpMailer(SmtpSettings(
        host="127.0.0.1", port=silent_server.getsockname()[1], sender=SENDER, timeout=0.2)))
    try:
        report = s.deliveries.deliver().to_dict()

        assert connections_made(silent_server) == 1
        assert report["counts"] == {"sent": 0, "retrying": 2 * CASES, "failed": 0, "waiting": 0}
        assert report["unreachable"] == "timed out talking to the mail server after 0.2s"
        assert report["waiting_to_retry"] == 2 * CASES
        assert report["next_retry"] == (NOW + retry_after(1)).isoformat()
        stored = rows(s)
        assert len(stored) == 2 * CASES
        assert stored[0]["last_error"] == "timed out talking to the mail server after 0.2s"
        assert {r["last_error"] for r in stored[1:]} == {
            "not tried: timed out talking to the mail server after 0.2s"}
        assert {(r["status"], r["attempts"]) for r in stored} == {("retrying", 1)}
    finally:
        s.close()


def test_a_refusing_port_then_the_server_back_for_the_retry_sweep(database_url, monkeypatch):
    fifty_reminders(database_url)
    port = free_port()  # nothing listens: connection refused
    mailer = CountingMailer(port)
    s = services(database_url, mailer)
    try:
        first = s.deliveries.deliver().to_dict()
        assert mailer.connections == 1
        assert first["unreachable"] == f"connection refused by the mail server (port {port})"
        assert first["waiting_to_retry"] == 2 * CASES

        # not yet due: nothing tried, nothing changed, the next retry still reported
        s.clock.set(NOW + retry_after(1) - timedelta(seconds=1))  # type: ignore[attr-defined]
        waiting = s.deliveries.deliver().to_dict()
        assert mailer.connections == 1 and waiting["deliveries"] == []
        assert waiting["unreachable"] is None and waiting["waiting_to_retry"] == 2 * CASES
        assert waiting["next_retry"] == (NOW + retry_after(1)).isoformat()

        s.clock.set(NOW + retry_after(1))  # type: ignore[attr-defined]
        second = s.deliveries.deliver().to_dict()
        assert mailer.connections == 2  # one more per run
        assert second["counts"]["retrying"] == 2 * CASES
        assert {r["attempts"] for r in rows(s)} == {2}
        assert second["next_retry"] == (NOW + retry_after(1) + retry_after(2)).isoformat()
    finally:
        s.close()

    # The server is back on that port: the scheduler's retry sweep sends each message once.
    later = NOW + retry_after(1) + retry_after(2)
    monkeypatch.setattr(scheduler, "services_factory", lambda settings: build(
        settings, clock=FixedClock(later), calendar=CALENDAR,
        mailer=SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, timeout=5))))
    with SmtpServer(port) as server:
        scheduler.retry_deliveries(database_url)
        assert len(server.messages) == 2 * CASES
        assert set(server.count_by_message_id().values()) == {1}
    check = services(database_url, None)
    try:
        assert {(r["status"], r["attempts"]) for r in rows(check)} == {("sent", 3)}
        report = check.deliveries.deliver().to_dict()
        assert report["waiting_to_retry"] == 0 and report["next_retry"] is None
    finally:
        check.close()
