"""Benchmarks for the foundation (run with `make bench`; never part of `make test`).

Each figure is measured beside a reference taken in the same run on the same database, because
these machines are noisy:

- commands/s through the application service (load → decide → save, references, deadlines)
  beside raw eventsourcing saves of a one-event aggregate;
- projection catch-up in events/s beside a raw read of the same notifications;
- `case show` (load + render) and time travel (`--as-effective-at`) for a long case.

Usage: python -m bench [--cases N] [--repeat R]  (PostgreSQL if CASELEDGER_TEST_POSTGRES_URL is set)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg
from eventsourcing.domain import Aggregate

from application.commands import (
    AddNote,
    AddPanelMember,
    AgreeTerms,
    AppointChair,
    CaseCommand,
    CirculateDraft,
    DecideReview,
    NotifyDeath,
    NotifyHomeOffice,
    ReceiveReturn,
    StartScoping,
)
from application.queries import case_to_dict
from application.service import Meta
from domain.dardr import DeathType, Relationship, ReviewOutcome
from domain.setup import Agency, Partnership
from infrastructure.clock import FixedClock
from infrastructure.settings import Settings
from interfaces.bootstrap import Services, build

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
AGENCIES = ["cumbria-police", "probation", "cumberland-council"]


class Ping(Aggregate):
    """The reference: the smallest aggregate eventsourcing can save."""

    class Pinged(Aggregate.Created):
        pass


def seed(services: Services) -> None:
    ctx = services.cases.context(Meta(actor="bench", on="2024-04-01"))
    p = Partnership.register(ctx, "cumberland", "CUM", "Cumberland CSP")
    agencies = [Agency.register(ctx, a, a, "other", ["cumberland"]) for a in AGENCIES]
    services.app.save(p, *agencies)


def one_review(services: Services) -> str:
    cases = services.cases
    ref = cases.open(NotifyDeath(partnership="cumberland", date_of_death="2026-01-01",
                                 victim_pseudonym="X", notified_by="cumbria-police",
                                 relationship=Relationship.FAMILY, death_type=DeathType.HOMICIDE),
                     Meta("bench", "2026-01-05")).reference
    steps: list[tuple[str, CaseCommand]] = [
        ("2026-01-06", StartScoping(agencies=list(AGENCIES))),
        ("2026-01-15", ReceiveReturn(agency="probation", kind="scoping")),
        ("2026-01-20", DecideReview(outcome=ReviewOutcome.REVIEW, rationale="met")),
        ("2026-01-21", NotifyHomeOffice()),
        ("2026-01-22", AppointChair(name="C")),
        ("2026-01-22", AddPanelMember(agency="probation", name="P", role="r")),
        ("2026-01-30", AgreeTerms(period_from="2024-01-01", period_to="2025-12-31",
                                  agencies=["probation"])),
        ("2026-02-02", AddNote(text="n")),
        ("2026-02-03", CirculateDraft()),
    ]
    for on, command in steps:
        cases.execute(ref, command, Meta("bench", on))
    return ref


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def fresh_url(kind: str, tmp: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp}/bench-{uuid.uuid4().hex[:8]}.db"
    admin = os.environ["CASELEDGER_TEST_POSTGRES_URL"]
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    return admin.rsplit("/", 1)[0] + "/" + name


def run(kind: str, cases: int, tmp: str) -> dict[str, float]:
    services = build(Settings.from_env(database_url=fresh_url(kind, tmp)), clock=FixedClock(NOW))
    seed(services)
    commands = cases * 10
    write_s = timed(lambda: [one_review(services) for _ in range(cases)])
    reference_s = timed(lambda: [services.app.save(Ping._create(Ping.Pinged, id=uuid.uuid4()))
                                 for _ in range(commands)])
    events = services.app.recorder.max_notification_id()
    raw_read_s = timed(lambda: [services.app.recorder.select_notifications(start=i, limit=1000)
                                for i in range(1, events + 1, 1000)])
    catch_up_s = timed(services.projections.rebuild)
    long_ref = one_review(services)
    for i in range(400):
        services.cases.execute(long_ref, AddNote(text=f"n{i}"), Meta("bench", "2026-02-04"))
    show_s = statistics.median(timed(lambda: case_to_dict(*services.cases.case_as(long_ref)))
                               for _ in range(20))
    travel_s = statistics.median(
        timed(lambda: case_to_dict(*services.cases.case_as(long_ref, as_effective_at="2026-01-25")))
        for _ in range(20))
    services.close()
    return {
        "commands_per_s": commands / write_s,
        "reference_saves_per_s": commands / reference_s,
        "catch_up_events_per_s": events / catch_up_s,
        "raw_read_events_per_s": events / raw_read_s,
        "show_ms": show_s * 1000,
        "time_travel_ms": travel_s * 1000,
        "events": events,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgres"] if os.environ.get("CASELEDGER_TEST_POSTGRES_URL") else [])
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            runs = [run(kind, args.cases, tmp) for _ in range(args.repeat)]
            print(f"\n{kind}: {args.cases} reviews × 10 commands, median of {args.repeat} runs")
            for key in runs[0]:
                values = [r[key] for r in runs]
                print(f"  {key:24s} {statistics.median(values):>10.1f}   "
                      f"(runs: {', '.join(f'{v:.1f}' for v in values)})")


if __name__ == "__main__":
    main()
