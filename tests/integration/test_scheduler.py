"""``caseledger scheduler`` on SQLite and PostgreSQL (architecture.md, "Scheduler").

Missed daily runs are caught up once after downtime; the jobs persist across restarts without
duplicates; only one scheduler is active per database (a second waits, then takes over); a run of
the daily job issues due reminders, and a second run issues nothing new. No test sleeps on the
wall clock: each waits on an event or on output, with a timeout.
"""

from __future__ import annotations

import io
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import structlog
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
)
from apscheduler.schedulers.background import BackgroundScheduler

from application.reminders import SCHEDULER_ACTOR
from application.service import Meta
from domain.calendar import LONDON, FixedCalendar
from domain.case import ReminderIssued
from domain.setup import Partnership, partnership_id
from infrastructure.clock import FixedClock
from infrastructure.database import create_engine
from infrastructure.settings import Settings
from interfaces import scheduler as scheduler_module
from interfaces.bootstrap import Services, build
from interfaces.scheduler import (
    DAILY_JOB,
    JOB_TABLE,
    LOCK_LOST,
    RETRY_JOB,
    TOOK_OVER,
    WAITING,
    SchedulerLock,
    build_scheduler,
    describe,
    run_daily_reminders,
    serve,
    without_password,
)
from tests.conftest import master_key
from tests.integration.support import notify, seed, services_for
from tests.unit.calendar_fixture import ENGLAND_AND_WALES_2025_2027

TIMEOUT = 30.0

# --------------------------------------------------------------------------- injected jobs

calls: list[tuple[str, str]] = []


def record_daily(database_url: str) -> None:
    calls.append((DAILY_JOB, database_url))


def record_retry(database_url: str) -> None:
    calls.append((RETRY_JOB, database_url))


RECORDING = {DAILY_JOB: record_daily, RETRY_JOB: record_retry}


@pytest.fixture(autouse=True)
def _no_calls_yet() -> Iterator[None]:
    calls.clear()
    yield
    calls.clear()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings.from_env(env=master_key(), database_url=database_url)  # defaults: 07:00, every 5 minutes


def stored_ids(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return sorted(connection.execute(sa.text(f"SELECT id FROM {JOB_TABLE}")).scalars())
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- catch-up


def test_missed_daily_runs_are_caught_up_once_after_downtime(settings: Settings) -> None:
    # The scheduler stopped three days ago: its daily job's next run time is three days past.
    # (Shutting down with the job due also checks that a stopping scheduler does not consume it.)
    before = build_scheduler(settings, scheduler_class=BackgroundScheduler, jobs=RECORDING)
    before.start(paused=True)
    trigger = before.get_job(DAILY_JOB).trigger
    first_missed = trigger.get_next_fire_time(None, datetime.now(LONDON) - timedelta(days=3))
    before.modify_job(DAILY_JOB, next_run_time=first_missed)
    before.shutdown()

    events: list[JobEvent] = []
    submitted, finished = threading.Event(), threading.Event()

    def listen(event: JobEvent) -> None:
        if event.job_id != DAILY_JOB:
            return
        events.append(event)
        (submitted if event.code == EVENT_JOB_SUBMITTED else finished).set()

    after = build_scheduler(settings, scheduler_class=BackgroundScheduler, jobs=RECORDING)
    after.add_listener(listen, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    restarted_at = datetime.now(LONDON)
    after.start()
    try:
        assert submitted.wait(TIMEOUT), "the missed daily run was not submitted"
        assert finished.wait(TIMEOUT), "the missed daily run did not finish"
        next_run = after.get_job(DAILY_JOB).next_run_time
    finally:
        after.shutdown(wait=True)

    missed = [first_missed]
    while (following := trigger.get_next_fire_time(None, missed[-1] + timedelta(seconds=1))) <= restarted_at:
        missed.append(following)
    assert len(missed) >= 3  # one per day of downtime …
    # (the submission event is dispatched after the scheduler's pass, so it may come second)
    assert sorted(e.code for e in events) == sorted([EVENT_JOB_SUBMITTED, EVENT_JOB_EXECUTED])
    submission = next(e for e in events if e.code == EVENT_JOB_SUBMITTED)
    assert submission.scheduled_run_times == [missed[-1]]  # … coalesced into one submission …
    assert calls == [(DAILY_JOB, without_password(settings.database_url))]  # … that ran exactly once
    # and the schedule goes on from the next 07:00 Europe/London
    now = datetime.now(LONDON)
    assert next_run > now
    assert next_run == trigger.get_next_fire_time(None, now)
    assert next_run.astimezone(LONDON).strftime("%H:%M") == "07:00"
    assert next_run - now <= timedelta(days=1)


# --------------------------------------------------------------------------- persistence


def test_the_jobs_persist_across_restarts_without_duplicates(settings: Settings, database_url: str) -> None:
    first = build_scheduler(settings, scheduler_class=BackgroundScheduler, jobs=RECORDING)
    first.start(paused=True)
    saved = {job.id: (str(job.trigger), job.next_run_time) for job in first.get_jobs()}
    first.add_job(record_retry, "interval", minutes=1, id="retired-job", args=["x"])
    first.shutdown()
    assert sorted(saved) == [DAILY_JOB, RETRY_JOB]
    assert saved[DAILY_JOB][0] == "cron[hour='7', minute='0']"
    assert saved[RETRY_JOB][0] == "interval[0:05:00]"

    second = build_scheduler(settings, scheduler_class=BackgroundScheduler, jobs=RECORDING)
    second.start(paused=True)
    seen = {job.id: (str(job.trigger), job.next_run_time) for job in second.get_jobs()}
    second.shutdown()
    assert seen == saved  # the same jobs and run times; the retired job is gone
    assert stored_ids(database_url) == [DAILY_JOB, RETRY_JOB]

    # a changed schedule replaces the stored one (still one row per job)
    changed = replace(settings, reminder_time="08:30", delivery_retry_minutes=15)
    third = build_scheduler(changed, scheduler_class=BackgroundScheduler, jobs=RECORDING)
    third.start(paused=True)
    daily, retries = third.get_job(DAILY_JOB), third.get_job(RETRY_JOB)
    third.shutdown()
    assert str(daily.trigger) == "cron[hour='8', minute='30']"
    assert daily.next_run_time.astimezone(LONDON).strftime("%H:%M") == "08:30"
    assert str(retries.trigger) == "interval[0:15:00]"
    assert stored_ids(database_url) == [DAILY_JOB, RETRY_JOB]
    assert calls == []  # nothing ran while paused


def test_the_schedule_is_described_with_the_next_run(settings: Settings) -> None:
    scheduler = build_scheduler(settings, scheduler_class=BackgroundScheduler, jobs=RECORDING, run_now=True)
    scheduler.start(paused=True)
    try:
        noon = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # before the stored run (this test's start)
        assert describe(scheduler, settings, now=noon) == (
            "Daily reminders at 07:00 Europe/London (next: Wed 2 Dec 2026 07:00); "
            "delivery retries every 5 minutes.")
        assert "(a run is due now; then " in describe(scheduler, settings)  # --run-now
    finally:
        scheduler.shutdown()


def test_a_job_stores_the_database_url_without_its_password(
    settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "postgresql://caseledger:s3cret@db.example.org:5432/caseledger"
    stored = without_password(url)
    assert stored == "postgresql://caseledger@db.example.org:5432/caseledger"
    scheduler = build_scheduler(settings, scheduler_class=BackgroundScheduler, jobs=RECORDING)
    scheduler.start(paused=True)
    args = {job.id: job.args for job in scheduler.get_jobs()}
    scheduler.shutdown()
    expected = without_password(settings.database_url)
    assert args == {DAILY_JOB: (expected,), RETRY_JOB: (expected,)}

    # A job run in this process connects with the full URL (the password is supplied here).
    class Connected(Exception):
        pass

    connected: list[str] = []

    def services_factory(job_settings: Settings) -> Services:
        connected.append(job_settings.database_url)
        raise Connected

    monkeypatch.setattr(scheduler_module, "services_factory", services_factory)
    with pytest.raises(Connected):
        scheduler_module.retry_deliveries(expected)
    assert connected == [settings.database_url]


# --------------------------------------------------------------------------- one scheduler


def test_the_lock_admits_one_scheduler_at_a_time(database_url: str) -> None:
    first, second = SchedulerLock(database_url), SchedulerLock(database_url)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.alive()
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_a_waiting_scheduler_can_be_stopped_before_it_becomes_active(database_url: str) -> None:
    holder = SchedulerLock(database_url)
    assert holder.try_acquire()
    out, stop = io.StringIO(), threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(
        serve(Settings.from_env(env=master_key(), database_url=database_url), stop, out, jobs=RECORDING,
              scheduler_class=BackgroundScheduler, poll_seconds=0.05)))
    try:
        thread.start()
        assert wait_for(lambda: WAITING in out.getvalue())
        stop.set()
        thread.join(TIMEOUT)
        assert result == [0]
        assert "Stopped before this scheduler became active." in out.getvalue()
        assert "Daily reminders at" not in out.getvalue()
    finally:
        stop.set()
        holder.release()


class SchedulerProcess:
    """``caseledger --database URL scheduler`` in a subprocess, its output read line by line."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        program = Path(sys.executable).with_name("caseledger")
        command = ([str(program)] if program.exists()
                   else [sys.executable, "-m", "interfaces.cli.main"])
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASELEDGER_")}
        env.update(CASELEDGER_DATA_DIR=str(workdir / "data"), PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [*command, "--database", database_url, "scheduler"], cwd=workdir, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def expect(self, text: str, timeout: float = TIMEOUT) -> None:
        """Wait for a line containing ``text``."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while not any(text in line for line in self.lines):
                if deadline.is_set():
                    raise AssertionError(f"no {text!r} within {timeout}s; output: {self.output}")
                try:
                    line = self._queue.get(timeout=0.1)
                except queue.Empty:
                    continue
                if line is None:
                    raise AssertionError(f"exited before {text!r}; output: {self.output}")
                self.lines.append(line)
        finally:
            timer.cancel()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; the exit code."""
        self.process.terminate()
        code = self.process.wait(TIMEOUT)
        while (line := self._queue.get(timeout=TIMEOUT)) is not None:
            self.lines.append(line)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(TIMEOUT)


def test_a_second_scheduler_waits_for_the_first_then_takes_over(database_url: str, tmp_path: Path) -> None:
    first = SchedulerProcess(database_url, tmp_path)
    second = None
    try:
        first.expect("Daily reminders at 07:00 Europe/London (next: ")
        second = SchedulerProcess(database_url, tmp_path)
        second.expect(WAITING)
        assert first.process.poll() is None
        assert not any("Daily reminders at" in line for line in second.lines)

        assert first.stop() == 0
        assert "Scheduler stopped; lock released." in first.output
        second.expect(TOOK_OVER)
        second.expect("Daily reminders at 07:00 Europe/London (next: ")
        assert second.stop() == 0
        assert second.lines.count(WAITING) == 1
    finally:
        first.kill()
        if second is not None:
            second.kill()
    assert stored_ids(database_url) == [DAILY_JOB, RETRY_JOB]


@pytest.mark.postgres
def test_a_scheduler_that_loses_its_lock_connection_stops(fresh_postgres_url: str) -> None:
    import psycopg

    settings = Settings.from_env(env=master_key(), database_url=fresh_postgres_url)
    out, stop = io.StringIO(), threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(
        serve(settings, stop, out, jobs=RECORDING, scheduler_class=BackgroundScheduler, check_seconds=0.05)))
    thread.start()
    try:
        assert wait_for(lambda: "Daily reminders at" in out.getvalue())
        with psycopg.connect(fresh_postgres_url, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'caseledger-scheduler' AND datname = current_database()"
            ).fetchall()
        assert ended == [(True,)]
        thread.join(TIMEOUT)
        assert result == [1]
        assert LOCK_LOST in out.getvalue()
        # the lock went with the connection: another scheduler may start
        other = SchedulerLock(fresh_postgres_url)
        assert other.try_acquire()
        other.release()
    finally:
        stop.set()
        thread.join(TIMEOUT)


def wait_for(condition: Callable[[], object], timeout: float = TIMEOUT) -> bool:
    """Poll ``condition`` (on an Event's timed wait, not a sleep) until true or the timeout."""
    tick, deadline = threading.Event(), datetime.now(UTC) + timedelta(seconds=timeout)
    while not condition():
        if datetime.now(UTC) > deadline:
            return False
        tick.wait(0.02)
    return True


# --------------------------------------------------------------------------- the daily job

# A death notified Sat 31 Jan 2026: by 30 April its decision (due 28 Feb) is well overdue.
APRIL = datetime(2026, 4, 30, 12, 0, tzinfo=UTC)
LOGGED = {"job", "actor", "outcome", "duration_ms", "open_deadlines", "due", "issued", "cases_changed",
          "delivery", "delivery_configured", "event", "log_level"}


def test_the_daily_job_issues_due_reminders_once_and_delivers_them(
        database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    services = services_for(database_url, now=APRIL)
    seed(services)
    ctx = services.cases.context(Meta(actor="admin", on="2024-04-01"))
    partnership: Partnership = services.app.repository.get(partnership_id("cumberland"))
    partnership.change_chair(ctx, {"name": "Chair Person", "email": "chair@csp.example.org"})
    partnership.change_coordinator(ctx, {"name": "Coord Inator", "email": "coordinator@csp.example.org"})
    services.app.save(partnership)
    ref = notify(services, on="2026-01-31")
    case_id = services.cases.resolve(ref)
    services.close()
    mail = tmp_path / "mail"
    for name in [n for n in os.environ if n.startswith("CASELEDGER_SMTP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CASELEDGER_MAIL_DROP", str(mail))  # the job reads its settings from the env
    calendar = FixedCalendar(ENGLAND_AND_WALES_2025_2027, source="test calendar")
    monkeypatch.setattr(scheduler_module, "services_factory",
                        lambda s: build(s, clock=FixedClock(APRIL), calendar=calendar))

    with structlog.testing.capture_logs() as logs:
        run_daily_reminders(database_url)
        sent = sorted(mail.iterdir())
        run_daily_reminders(database_url)

    check = services_for(database_url, now=APRIL)
    try:
        issued = [e for e in check.app.repository.event_store.get(case_id)
                  if isinstance(e, ReminderIssued)]
    finally:
        check.close()
    assert issued, "the daily job issued no reminder"
    assert {(e.name, e.actor) for e in issued} == {("decision", SCHEDULER_ACTOR)}
    assert len({e.step for e in issued}) == len(issued)  # each step once
    lines = [line for line in logs if line["event"] == "scheduler-job"]
    assert [(line["job"], line["outcome"], line["issued"]) for line in lines] == [
        (DAILY_JOB, "ok", len(issued)),
        (DAILY_JOB, "ok", 0),  # the second run finds nothing new …
    ]
    assert sent and lines[0]["delivery"]["sent"] == len(sent)
    assert lines[1]["delivery"]["sent"] == 0 and sorted(mail.iterdir()) == sent  # … and sends nothing
    assert all(set(line) <= LOGGED for line in lines)  # counts only, no personal data
    assert "@" not in repr(lines)
