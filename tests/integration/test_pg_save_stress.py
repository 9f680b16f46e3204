"""Large saves and concurrent writers through the chained event recorder: every save completes,
nothing is lost, and the integrity chain links every event in log order.

A save of several megabytes (thousands of events) is larger than the socket buffers between
client and server, so the client must keep writing while the server reads. A recorder that stops
writing before the whole message is sent and then waits for the reply hangs for ever (the server
waits for the rest of the message: ``ClientRead``), and no server-side timeout ends that wait. So
every save here runs in a thread with a deadline: a save still running at the deadline has its
connections ended from outside and the test fails, instead of the suite hanging.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from application.service import CaseLedgerApplication, Meta
from domain.setup import Agency
from infrastructure.database import event_store_env, is_postgres
from interfaces.bootstrap import Services
from tests.integration.support import seed, services_for

LARGE_SAVE = 3_000  # events in one save: about 6 MB, more than loopback's socket buffers hold
STATE_BYTES = 2_000
WRITERS = 3
SMALL_SAVES = 8  # one-event saves per writer, between its large ones
DEADLINE_S = 30  # for everything the test saves, which takes about 3 s on either backend


def large_save(events: int = LARGE_SAVE) -> list[StoredEvent]:
    """One aggregate's events as the recorder receives them (incompressible bytes)."""
    originator = uuid.uuid4()
    return [StoredEvent(originator_id=originator, originator_version=version,
                        topic="tests.stress:Filler", state=secrets.token_bytes(STATE_BYTES))
            for version in range(1, events + 1)]


def end_connections(url: str) -> None:
    """End every other connection to the test's database (unsticks a hung save)."""
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def run_with_deadline(url: str, actions: dict[str, Callable[[], None]]) -> list[str]:
    """Run each action in its own thread, all at once; the names of those that did not finish
    by the deadline (their connections are then ended) or that raised."""
    errors: dict[str, BaseException] = {}
    start = threading.Barrier(len(actions))

    def run(name: str, action: Callable[[], None]) -> None:
        try:
            start.wait()
            action()
        except BaseException as error:  # reported by the caller's assertion
            errors[name] = error

    threads = {name: threading.Thread(target=run, args=(name, action), daemon=True)
               for name, action in actions.items()}
    for thread in threads.values():
        thread.start()
    deadline = time.monotonic() + DEADLINE_S
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    hung = [name for name, thread in threads.items() if thread.is_alive()]
    if hung and is_postgres(url):
        end_connections(url)
        for name in hung:
            threads[name].join(10)
    return [f"{name}: did not finish in {DEADLINE_S} s" for name in hung] + [
        f"{name}: {type(error).__name__}: {error}" for name, error in errors.items()
        if name not in hung]


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    s = services_for(database_url)
    seed(s)
    yield s
    s.close()


def stored(services: Services) -> list[tuple[Any, int]]:
    """(originator id, version) of every event in the log, in log order."""
    recorder = services.app.recorder
    found: list[tuple[Any, int]] = []
    start = 1
    while page := recorder.select_notifications(start, 5_000):
        found += [(uuid.UUID(str(n.originator_id)), n.originator_version) for n in page]
        start = page[-1].id + 1
    return found


def test_large_saves_from_concurrent_writers_all_complete_and_every_event_is_linked(
        services: Services, database_url: str) -> None:
    # given three writers, each with its own connections as separate processes would have
    writers = [CaseLedgerApplication(env=event_store_env(database_url)) for _ in range(WRITERS)]
    before = stored(services)
    saved: list[list[StoredEvent]] = []
    agencies: list[Agency] = []
    ctx = services.cases.context(Meta(actor="admin", on="2024-04-02"))

    def write(writer: CaseLedgerApplication, number: int) -> Callable[[], None]:
        def action() -> None:
            for save in range(2):
                events = large_save()
                writer.recorder.insert_events(events)
                saved.append(events)
                for small in range(SMALL_SAVES // 2):
                    agency = Agency.register(ctx, f"w{number}-{save}-{small}", "Agency", "other",
                                             ["cumberland"])
                    writer.save(agency)
                    agencies.append(agency)
        return action

    # when they all save large batches and single events at the same time
    try:
        failures = run_with_deadline(database_url, {f"writer {n}": write(w, n)
                                                    for n, w in enumerate(writers)})
    finally:
        for writer in writers:
            writer.close()

    # then every save completed, every event is in the log once, and the chain verifies
    assert failures == []
    log = stored(services)
    expected = {(uuid.UUID(str(e.originator_id)), e.originator_version) for s in saved for e in s}
    expected |= {(a.id, 1) for a in agencies}
    assert len(saved) == 2 * WRITERS and len(agencies) == SMALL_SAVES * WRITERS
    assert log[:len(before)] == before
    assert sorted(log[len(before):]) == sorted(expected)
    assert len(log) == len(before) + len(expected)
    report = services.integrity.verify().to_dict()
    assert report["ok"] is True, report
    assert report["links"] == report["events"] == len(log)
