"""A database written by the release before the pinned topics and the root layout
(tests/fixtures/release_a9cd3dd) opens with this code, on SQLite and PostgreSQL: its migrations
run, every aggregate replays (the three snapshotted cases from their snapshots too), its integrity
chain verifies, rebuilding the views gives exactly the rows the release wrote, every case can be
shown and its history read, and the scheduler's stored jobs still resolve with their pending run
times."""

from __future__ import annotations

import gzip
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate

from application.demo import DEMO_AS_AT
from application.queries import case_to_dict
from domain.calendar import LONDON
from domain.setup import case_id_for
from infrastructure import migrate
from infrastructure.database import create_engine, is_postgres, sqlite_path
from infrastructure.views import TABLES, tracking
from interfaces import scheduler
from interfaces.bootstrap import Services
from tests.e2e.support import Cli
from tests.integration.support import services_for

FIXTURE = Path(__file__).parents[1] / "fixtures" / "release_a9cd3dd"
SNAPSHOTTED = ("CUM-DARDR-2025-001", "CUM-ASB-2025-001", "CUM-UE-2025-001")
#: The function each of the release's scheduled jobs runs.
JOB_FUNCTIONS = {scheduler.DAILY_JOB: "run_daily_reminders", scheduler.RETRY_JOB: "retry_deliveries"}


def restore_release(url: str) -> None:
    """The release's database at ``url``: the SQLite file, or the pg_dump script executed into
    the new PostgreSQL database (without psql's meta-commands, which are not SQL)."""
    if not is_postgres(url):
        sqlite_path(url).write_bytes(gzip.decompress((FIXTURE / "caseledger.db.gz").read_bytes()))
        return
    import psycopg

    dump = gzip.decompress((FIXTURE / "postgres.sql.gz").read_bytes()).decode()
    script = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(script)  # without parameters, one call runs every statement


@dataclass
class Release:
    url: str
    views: dict[str, list[dict[str, Any]]]  # the read models as the release wrote them
    jobs: dict[str, tuple[str, float]]  # the scheduler's jobs as it stored them


@pytest.fixture
def release(database_url: str) -> Release:
    """The release's database, as the release left it."""
    restore_release(database_url)
    engine = create_engine(database_url)
    try:
        return Release(database_url, read_models(engine), stored_jobs(engine))
    finally:
        engine.dispose()


@pytest.fixture
def opened(release: Release) -> Iterator[Services]:
    services = services_for(release.url, now=DEMO_AS_AT)
    try:
        yield services
    finally:
        services.close()


def read_models(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Every view's rows in primary-key order (the views the database has: the release's
    database lacks those added since), and the views' tracking position."""
    inspector = sa.inspect(engine)
    present = {name: {c["name"] for c in inspector.get_columns(name)}
               for name in inspector.get_table_names() if name in TABLES}
    with engine.connect() as conn:
        rows = {name: [dict(r) for r in conn.execute(
                    sa.select(*[c for c in table.columns if c.name in present[name]])
                    .order_by(*table.primary_key.columns)).mappings()]
                for name, table in TABLES.items() if name in present}
        rows[tracking.name] = [dict(r) for r in conn.execute(
            sa.select(tracking).where(tracking.c.name == "views")).mappings()]
    return rows


def stored_jobs(engine: sa.Engine) -> dict[str, tuple[str, float]]:
    """Each stored job's function reference and run time, read from its pickled state."""
    jobs = sa.table("scheduler_jobs", sa.column("id", sa.String),
                    sa.column("next_run_time", sa.Float), sa.column("job_state", sa.LargeBinary))
    with engine.connect() as conn:
        return {row.id: (pickle.loads(row.job_state)["func"], row.next_run_time)
                for row in conn.execute(sa.select(jobs))}


def aggregate_ids(services: Services) -> list[UUID]:
    ids: dict[UUID, None] = {}
    for notification in services.app.recorder.select_notifications(start=None, limit=100_000):
        ids.setdefault(UUID(str(notification.originator_id)), None)
    return list(ids)


# --------------------------------------------------------------------------- tests


def test_the_release_database_opens_and_every_aggregate_replays(opened: Services) -> None:
    services = opened
    ids = aggregate_ids(services)
    notifications = services.app.recorder.select_notifications(start=None, limit=100_000)
    last_versions = {UUID(str(n.originator_id)): n.originator_version for n in notifications}

    replayed: dict[UUID, Aggregate] = {aggregate_id: services.app.repository.get(aggregate_id)
                                       for aggregate_id in ids}

    assert migrate.current_revision(services.engine) == migrate.HEAD
    assert len(ids) == 52  # 26 cases, their 11 reference counters, the set-up and the reads
    assert {i: a.version for i, a in replayed.items()} == last_versions


def test_the_snapshotted_cases_load_from_their_snapshots_as_from_their_events(opened: Services) -> None:
    services = opened
    assert services.app.snapshots is not None
    for reference in SNAPSHOTTED:
        case_id = case_id_for(reference)
        (snapshot,) = services.app.snapshots.get(case_id)

        from_snapshot: Aggregate = services.app.repository.get(case_id)
        from_events = project_aggregate(None, services.app.events.get(case_id))

        assert snapshot.originator_version <= from_snapshot.version
        assert state(from_snapshot) == state(from_events)


def state(aggregate: Any) -> dict[str, Any]:
    """An aggregate's state as read: a snapshot stores the defaults that replay leaves to the
    class, so compare attribute values, not instance dictionaries."""
    names = set(vars(aggregate)) | {name for cls in type(aggregate).__mro__
                                    for name in getattr(cls, "__annotations__", {})}
    return {name: getattr(aggregate, name, None) for name in sorted(names)
            if not callable(getattr(aggregate, name, None))}


def test_the_integrity_chain_of_the_release_verifies(opened: Services) -> None:
    report = opened.integrity.verify()

    assert (report.ok, report.broken, report.problems) == (True, 0, [])
    assert report.links == report.events == 857


def test_rebuilding_the_views_gives_exactly_the_rows_the_release_wrote(
        release: Release, opened: Services) -> None:
    applied = opened.projections.rebuild()

    assert applied == 857
    rebuilt = read_models(opened.engine)
    assert {name: [{column: row[column] for column in (rows[0] if rows else {})}
                   for row in rebuilt[name]]
            for name, rows in release.views.items()} == release.views
    # a column added since the release, filled from the events: no case was restricted
    assert {row["restricted_to"] for row in rebuilt["cases"]} == {None}
    assert rebuilt["asb_complaints"]  # a view added since the release, filled from its events
    assert all(release.views[name] for name in ("cases", "deadlines", "history", "report_cases"))


def test_every_case_shows_and_its_history_reads(opened: Services) -> None:
    services = opened
    services.catch_up()  # the upgrade emptied the views for a rebuild, as every query does first
    listed = read_models(services.engine)["cases"]
    assert len(listed) == 26
    for row in listed:
        case = services.cases.load_case(row["reference"])
        shown = case_to_dict(case, DEMO_AS_AT)
        history = services.views.history(row["case_id"])

        assert (shown["reference"], shown["stage"], shown["version"]) == (
            row["reference"], row["stage"], row["version"])
        assert [h["version"] for h in history] == list(range(1, case.version + 1))


def test_the_command_line_verifies_rebuilds_and_shows_the_release(release: Release, tmp_path: Path) -> None:
    """The same through ``caseledger`` as an auditor and a coordinator run it."""
    cli = Cli(release.url, tmp_path)

    verified = cli.json("audit", "verify")
    rebuilt = cli.json("projections", "rebuild")
    shown = cli.json("case", "show", SNAPSHOTTED[0])
    history = cli.json("case", "history", SNAPSHOTTED[0])

    assert (verified["ok"], verified["events"]) == (True, 857)
    assert rebuilt["events"] == 857
    assert shown["reference"] == SNAPSHOTTED[0]
    assert [row["version"] for row in history] == list(range(1, shown["version"] + 1))


def test_the_stored_scheduler_jobs_resolve_and_keep_their_pending_run_times(
        release: Release, opened: Services) -> None:
    """The release stored references to ``caseledger.interfaces.scheduler``; after the upgrade
    they name ``interfaces.scheduler`` and the job store restores both jobs, run times kept."""
    assert {job: func for job, (func, _) in release.jobs.items()} == {
        job: f"caseledger.interfaces.scheduler:{name}" for job, name in JOB_FUNCTIONS.items()}
    assert stored_jobs(opened.engine) == {job: (f"interfaces.scheduler:{name}", release.jobs[job][1])
                                          for job, name in JOB_FUNCTIONS.items()}
    pending = {job: datetime.fromtimestamp(when, LONDON) for job, (_, when) in release.jobs.items()}

    store = SQLAlchemyJobStore(engine=opened.engine, tablename=scheduler.JOB_TABLE)
    store.start(BackgroundScheduler(timezone=LONDON), "default")
    restored = {job.id: (job.func, job.next_run_time) for job in store.get_all_jobs()}
    built = scheduler.build_scheduler(opened.settings, scheduler_class=BackgroundScheduler)
    built.start(paused=True)
    try:
        kept = {job.id: (job.func, job.next_run_time) for job in built.get_jobs()}
    finally:
        built.shutdown(wait=False)

    assert restored == {job: (getattr(scheduler, name), pending[job]) for job, name in JOB_FUNCTIONS.items()}
    assert kept == restored
    assert pending[scheduler.DAILY_JOB] == datetime(2026, 12, 3, 7, 0, tzinfo=LONDON)
