"""The audit benchmark (issue 5): the integrity chain over 1,000,000 events, and time travel.

Run as ``python -m bench.audit`` (SQLite, and PostgreSQL too when CASELEDGER_TEST_POSTGRES_URL is
set). Never part of ``make test``. Each figure has a reference measured beside it in the same run
on the same database, because these machines are noisy:

- writing 1,000,000 events through the application's own recorder (so the chain is built as in
  production) in saves of 1,000 ten-event aggregates, beside the same write with the chain off;
- single saves of a one-event aggregate (the event store's share of a command) with and without
  the chain, on the two databases that already hold the million events, in alternating rounds;
- ``audit verify`` over the million events (target: at least 100,000 events/s), beside a raw
  read of the same rows by the same query with no hashing, and eventsourcing's own
  ``select_notifications`` in pages of 1,000;
- ``case show --as-known-at`` on a 500-event DARDR review (target: under 50 ms), median of 20,
  beside plain ``case show``.

Usage: python -m bench.audit [--events N] [--repeat R] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

from eventsourcing.domain import Aggregate

from application.commands import AddNote, NotifyDeath
from application.queries import case_to_dict
from application.service import CaseLedgerApplication, Meta
from bench.__main__ import fresh_url, seed, timed
from domain.dardr import DeathType, Relationship
from infrastructure.clock import FixedClock
from infrastructure.database import event_store_env
from infrastructure.integrity import SCAN
from infrastructure.settings import Settings
from interfaces.bootstrap import Services, build

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
# 4,000 events (about 1.8 MB) per save: the library's own pipelined PostgreSQL insert, measured
# here without the chain, can stall on a save larger than the socket's send buffer (about 4 MB
# here; see bench/README.md, "The hang once seen on PostgreSQL").
AGGREGATES_PER_SAVE = 400
EVENTS_PER_AGGREGATE = 10
#: Stored events of real cases average about 440 bytes (the demo): a note of this length is close.
TEXT = "x" * 330
SINGLE_SAVES = 300
SINGLE_SAVE_ROUNDS = 7
LONG_CASE_NOTES = 500


class Entry(Aggregate):
    """A bulk stand-in for case events: opened, then noted; about 440 stored bytes each."""

    class Opened(Aggregate.Created):
        text: str

    class Noted(Aggregate.Event):
        text: str

    def __init__(self, text: str) -> None:
        self.text = text

    @classmethod
    def opened(cls) -> Entry:
        entry = cls._create(cls.Opened, id=uuid.uuid4(), text=TEXT)
        for _ in range(EVENTS_PER_AGGREGATE - 1):
            entry.trigger_event(cls.Noted, text=TEXT)
        return entry


def write_events(app: CaseLedgerApplication, events: int) -> float:
    """Seconds to save ``events`` events, 4,000 per transaction (building the aggregates is
    not timed)."""
    per_save = AGGREGATES_PER_SAVE * EVENTS_PER_AGGREGATE
    elapsed = 0.0
    for _ in range(events // per_save):
        batch = [Entry.opened() for _ in range(AGGREGATES_PER_SAVE)]
        elapsed += timed(lambda b=batch: app.save(*b))  # type: ignore[misc]
    return elapsed


def single_saves(chained: CaseLedgerApplication, plain: CaseLedgerApplication) -> tuple[float,
                                                                                       float]:
    """Saves/s of a one-event aggregate with and without the chain: rounds taken in turn on
    the two databases (medians), so that a checkpoint or a noisy neighbour hits both alike."""
    rates: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(SINGLE_SAVE_ROUNDS):
        for chain, app in ((True, chained), (False, plain)):
            entries = [Entry._create(Entry.Opened, id=uuid.uuid4(), text=TEXT)
                       for _ in range(SINGLE_SAVES)]
            rates[chain].append(SINGLE_SAVES / timed(lambda a=app, e=entries: [
                a.save(one) for one in e]))
    return statistics.median(rates[True]), statistics.median(rates[False])


def raw_scan(services: Services) -> int:
    """The reference: the verifier's own query over the same rows, with no hashing."""
    rows = 0
    with services.integrity._read() as read:
        for page in read.pages(SCAN):
            rows += len(page)
    return rows


def select_notifications(services: Services, events: int) -> None:
    recorder = services.app.recorder
    start = 1
    while start <= events:
        page = recorder.select_notifications(start=start, limit=1000)
        if not page:
            return
        start = page[-1].id + 1


def analyse(url: str) -> None:
    """What autovacuum does in production (the throwaway test cluster runs without it)."""
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")


def drop(url: str) -> None:
    """A million events is about a gigabyte: each run's databases go when it ends."""
    if url.startswith("postgres"):
        import psycopg

        admin = os.environ["CASELEDGER_TEST_POSTGRES_URL"]
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
    else:
        for suffix in ("", "-wal", "-shm"):
            path = url.removeprefix("sqlite:///") + suffix
            if os.path.exists(path):
                os.remove(path)


def long_case(services: Services) -> tuple[str, datetime]:
    """A DARDR review with 500 notes, recorded a minute apart; an instant half way through."""
    clock = services.clock
    assert isinstance(clock, FixedClock)
    clock.step = timedelta(minutes=1)
    ref = services.cases.open(NotifyDeath(
        partnership="cumberland", date_of_death="2026-01-01", victim_pseudonym="X",
        notified_by="cumbria-police", relationship=Relationship.FAMILY,
        death_type=DeathType.HOMICIDE), Meta("bench", "2026-01-05")).reference
    middle = NOW
    for i in range(LONG_CASE_NOTES):
        if i == LONG_CASE_NOTES // 2:
            middle = clock.now()
        services.cases.execute(ref, AddNote(text=f"note {i}"), Meta("bench", "2026-01-06"))
    clock.step = timedelta(0)
    return ref, middle


def run(kind: str, events: int, tmp: str) -> dict[str, float]:
    url = fresh_url(kind, tmp)
    services = build(Settings.from_env(database_url=url), clock=FixedClock(NOW))
    seed(services)
    write_s = write_events(services.app, events)
    plain_url = fresh_url(kind, tmp)
    plain = CaseLedgerApplication(env=event_store_env(plain_url, integrity_chain=False))
    plain_write_s = write_events(plain, events)
    analyse(url)
    analyse(plain_url)
    saves_chained, saves_plain = single_saves(services.app, plain)
    plain.close()

    total = services.app.recorder.max_notification_id()
    started = time.perf_counter()
    checked = services.integrity.verify()
    verify_s = time.perf_counter() - started
    assert checked.ok, checked.to_dict()
    raw_s = timed(lambda: raw_scan(services))
    notifications_s = timed(lambda: select_notifications(services, total))

    ref, middle = long_case(services)
    known_at_s = statistics.median(
        timed(lambda: case_to_dict(*services.cases.case_as(ref, as_known_at=middle)))
        for _ in range(20))
    show_s = statistics.median(timed(lambda: case_to_dict(*services.cases.case_as(ref)))
                               for _ in range(20))
    case, _ = services.cases.case_as(ref, as_known_at=middle)
    assert LONG_CASE_NOTES // 2 <= case.version < LONG_CASE_NOTES, case.version
    services.close()
    drop(url)
    drop(plain_url)
    return {
        "events": float(checked.events),
        "write_chained_events_per_s": events / write_s,
        "write_plain_events_per_s": events / plain_write_s,
        "single_saves_chained_per_s": saves_chained,
        "single_saves_plain_per_s": saves_plain,
        "verify_s": verify_s,
        "verify_events_per_s": checked.events / verify_s,
        "raw_scan_events_per_s": checked.events / raw_s,
        "select_notifications_events_per_s": total / notifications_s,
        "as_known_at_ms": known_at_s * 1000,
        "show_ms": show_s * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgres"] if os.environ.get("CASELEDGER_TEST_POSTGRES_URL") else [])
    if args.only:
        kinds = [args.only]
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            runs = []
            for _ in range(args.repeat):
                runs.append(run(kind, args.events, tmp))
                print(f"  {kind} run {len(runs)}: " + ", ".join(
                    f"{k}={v:,.1f}" for k, v in runs[-1].items()), flush=True)
            print(f"\n{kind}: {args.events:,} events, median of {args.repeat} runs")
            for key in runs[0]:
                values = [r[key] for r in runs]
                print(f"  {key:36s} {statistics.median(values):>12,.1f}   "
                      f"(runs: {', '.join(f'{v:,.1f}' for v in values)})")


if __name__ == "__main__":
    main()
