"""The reminder scheduler: one foreground process that issues and delivers reminders on time.

architecture.md, "Scheduler"; processes/common.md, "Reminders and escalation"; stack-notes.md §5.

Two jobs, kept in a persistent APScheduler 3.11 job store (``SQLAlchemyJobStore``, table
``scheduler_jobs``) in the same database as the events:

- ``daily-reminders``: every day at ``settings.reminder_time`` (Europe/London), issue every
  reminder step that is due (``reminders.run`` as ``system:scheduler``), then deliver.
- ``delivery-retries``: every ``settings.delivery_retry_minutes``, deliver what is issued and not
  yet sent (failed sends are retried there).

The job functions are module-level (the store pickles a textual reference to them) and build the
services from the settings for each run, closing them afterwards. Their only argument is the
database URL, stored without its password (the running process supplies it). The reference
(``interfaces.scheduler:run_daily_reminders``) is stored data: a job whose function no longer
resolves is dropped by APScheduler with its pending run time, so moving or renaming these
functions needs a migration of the stored jobs (as in migrations/versions/0007).

Missed runs (the scheduler was down) are caught up once, not once per missed day: ``coalesce``
folds every missed run time into one run, and ``misfire_grace_time=None`` makes that run happen
however late the scheduler comes back. A late run is always right here: ``reminders.run`` issues
what is due *as at the moment it runs*, so it never issues a stale step and never repeats one,
whereas a grace window (say 12 hours) would make a scheduler restarted in the evening skip the
day and leave overdue escalations unsent until the next morning. The price is that mail may go
out at an unusual hour after an outage. When the store already holds a job with the same
schedule, its trigger and pending run time are kept, so the restart does not erase the missed
run (``replace_existing`` alone would reset it to the next future time); a changed schedule
(e.g. ``CASELEDGER_REMINDER_TIME``) replaces it.

Exactly one scheduler may run per database, because APScheduler 3 cannot share a job store
(stack-notes.md §5: two schedulers on one store run jobs twice). ``SchedulerLock`` holds, for the
scheduler's lifetime, a PostgreSQL session-level advisory lock on a dedicated connection, or on
SQLite an exclusive ``flock`` on a file beside the database; a second scheduler says so and waits,
then takes over when the first stops. The guard is a courtesy, not what keeps reminders right:
the reminder commands are idempotent (each case decides again from its own events and issues a
step at most once), so even if the guard failed no reminder would be duplicated.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit, urlunsplit

import structlog
from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from application.reminders import SCHEDULER_ACTOR
from application.service import Meta
from domain.calendar import LONDON
from infrastructure.database import create_engine, is_postgres, sqlite_path
from infrastructure.settings import Settings

if TYPE_CHECKING:
    from interfaces.bootstrap import Services

DAILY_JOB = "daily-reminders"
RETRY_JOB = "delivery-retries"
JOB_TABLE = "scheduler_jobs"
#: The PostgreSQL advisory lock key: "caseledg" in ASCII (advisory locks are per database).
ADVISORY_LOCK_KEY = 0x6361_7365_6C65_6467
LOCK_POLL_SECONDS = 2.0
LOCK_CHECK_SECONDS = 30.0

WAITING = "Another caseledger scheduler is active on this database; waiting for it to stop…"
TOOK_OVER = "The other scheduler has stopped; this one is now active."
LOCK_LOST = ("Lost the database connection that holds the scheduler lock; stopping so that "
             "another scheduler (or a restart of this one) takes over.")

log = structlog.get_logger("caseledger.scheduler")

#: How a job builds its services from the settings; tests replace it (e.g. to fix the clock).
#: Default: ``bootstrap.build``.
services_factory: Callable[[Settings], Services] | None = None

#: Database URLs as stored in the jobs (without a password) → the full URL, for this process.
_full_urls: dict[str, str] = {}


# --------------------------------------------------------------------------- jobs


def run_daily_reminders(database_url: str) -> None:
    """The daily job: issue every due reminder step, then deliver what is waiting."""
    started = time.perf_counter()
    fields: dict[str, Any] = {}
    try:
        services = _services(database_url)
        try:
            report = services.reminders.run(Meta(actor=SCHEDULER_ACTOR))
            fields.update(open_deadlines=report.open_deadlines, due=len(report.planned),
                          issued=len(report.issued), cases_changed=report.cases_changed)
            fields.update(_deliver(services))
        finally:
            services.close()
    except Exception as error:
        _log_job(DAILY_JOB, started, outcome="error", error_type=type(error).__name__, **fields)
        raise
    _log_job(DAILY_JOB, started, **fields)


def retry_deliveries(database_url: str) -> None:
    """The retry sweep: deliver what is issued and not yet sent (including failed sends)."""
    started = time.perf_counter()
    fields: dict[str, Any] = {}
    try:
        services = _services(database_url)
        try:
            fields.update(_deliver(services))
        finally:
            services.close()
    except Exception as error:
        _log_job(RETRY_JOB, started, outcome="error", error_type=type(error).__name__, **fields)
        raise
    _log_job(RETRY_JOB, started, **fields)


DEFAULT_JOBS: Mapping[str, Callable[[str], None]] = {
    DAILY_JOB: run_daily_reminders,
    RETRY_JOB: retry_deliveries,
}


def _services(database_url: str) -> Services:
    settings = Settings.from_env(database_url=_full_urls.get(database_url, database_url))
    if services_factory is not None:
        return services_factory(settings)
    from interfaces.bootstrap import build

    return build(settings)


def _deliver(services: Services) -> dict[str, Any]:
    """Deliver what is waiting; only counts, the next retry and whether the mail server could
    be used are kept (no addresses in the log)."""
    deliveries = getattr(services, "deliveries", None)
    if deliveries is None:  # a build without delivery
        return {}
    data = deliveries.deliver().to_dict()
    delivery: dict[str, Any] = {str(k): v for k, v in data.get("counts", {}).items()
                                if isinstance(v, int)}
    delivery.update(waiting_to_retry=int(data.get("waiting_to_retry") or 0),
                    next_retry=data.get("next_retry"),
                    server_unavailable=bool(data.get("unreachable")))
    return {"delivery": delivery, "delivery_configured": bool(data.get("configured", True))}


def _log_job(job: str, started: float, outcome: str = "ok", **fields: Any) -> None:
    """One line per run, counts only: never personal data."""
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    with contextlib.suppress(Exception):  # logging must never fail a run
        (log.error if outcome == "error" else log.info)(
            "scheduler-job", job=job, actor=SCHEDULER_ACTOR, outcome=outcome,
            duration_ms=duration_ms, **fields)


# --------------------------------------------------------------------------- scheduler


def triggers(settings: Settings) -> dict[str, BaseTrigger]:
    hour, minute = (int(part) for part in settings.reminder_time.split(":"))
    return {
        DAILY_JOB: CronTrigger(hour=hour, minute=minute, timezone=LONDON),
        RETRY_JOB: IntervalTrigger(minutes=settings.delivery_retry_minutes, timezone=LONDON),
    }


JOB_NAMES = {DAILY_JOB: "Daily reminders", RETRY_JOB: "Delivery retries"}


class _StopsCleanly:
    """Mixed into the scheduler class: no job processing once the scheduler is stopped.

    APScheduler 3.11's main loop, woken by ``shutdown()``, processes the job store once more
    before it checks the state: a run due at that moment fails to reach the stopped executor
    ("cannot schedule new futures after shutdown") and is still marked done, i.e. lost. Skipping
    that pass leaves it in the store for the next start to catch up.
    """

    state: int

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()  # type: ignore[misc,no-any-return]


_clean_classes: dict[type[BaseScheduler], type[BaseScheduler]] = {}


def _stopping_cleanly(scheduler_class: type[BaseScheduler]) -> type[BaseScheduler]:
    if scheduler_class not in _clean_classes:
        _clean_classes[scheduler_class] = type(scheduler_class.__name__, (_StopsCleanly, scheduler_class), {})
    return _clean_classes[scheduler_class]


def build_scheduler(settings: Settings, *, scheduler_class: type[BaseScheduler] = BlockingScheduler,
                    jobs: Mapping[str, Callable[[str], Any]] | None = None,
                    run_now: bool = False) -> BaseScheduler:
    """A scheduler (not started) with both jobs in the persistent store.

    ``jobs`` replaces the job functions (tests); they must be module-level functions taking the
    database URL. ``run_now`` makes the daily job due immediately (then it follows its schedule).
    One worker thread: the jobs never run concurrently in this process, so a delivery sweep
    never overlaps the daily run's own delivery.
    """
    functions = {**DEFAULT_JOBS, **(jobs or {})}
    store = SQLAlchemyJobStore(
        engine=create_engine(settings.database_url, lock_timeout=settings.lock_timeout), tablename=JOB_TABLE)
    scheduler = _stopping_cleanly(scheduler_class)(
        timezone=LONDON,
        jobstores={"default": store},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
    )
    # Read what a previous scheduler left (creating the table on first use) to keep its pending
    # run times, and drop jobs this version no longer has. Only the lock holder gets here.
    store.start(scheduler, "default")
    previous = {job.id: job for job in store.get_all_jobs()}
    for stale in set(previous) - set(functions):
        store.remove_job(stale)
    stored_url = without_password(settings.database_url)
    _full_urls[stored_url] = settings.database_url
    now = datetime.now(LONDON)
    for job_id, trigger in triggers(settings).items():
        options: dict[str, Any] = {}
        old = previous.get(job_id)
        if old is not None and str(old.trigger) == str(trigger) and old.next_run_time is not None:
            trigger = old.trigger
            options["next_run_time"] = old.next_run_time
        if run_now and job_id == DAILY_JOB:
            options["next_run_time"] = now
        scheduler.add_job(functions[job_id], trigger, args=[stored_url], id=job_id,
                          name=JOB_NAMES[job_id], replace_existing=True, coalesce=True,
                          misfire_grace_time=None, max_instances=1, **options)
    return scheduler


def describe(scheduler: BaseScheduler, settings: Settings, now: datetime | None = None) -> str:
    """E.g. "Daily reminders at 07:00 Europe/London (next: Wed 2 Dec 2026 07:00); delivery
    retries every 5 minutes." (a run that is due now, caught up or --run-now, is mentioned)."""
    now = now or datetime.now(LONDON)
    daily = scheduler.get_job(DAILY_JOB)
    when = "not scheduled"
    if daily is not None:
        upcoming = daily.trigger.get_next_fire_time(None, now)
        when = f"next: {_when(upcoming)}" if upcoming else "no further runs"
        if daily.next_run_time is not None and daily.next_run_time <= now:
            when = f"a run is due now; then {_when(upcoming)}" if upcoming else "a run is due now"
    minutes = settings.delivery_retry_minutes
    every = "every minute" if minutes == 1 else f"every {minutes} minutes"
    return (f"Daily reminders at {settings.reminder_time} Europe/London ({when}); "
            f"delivery retries {every}.")


def _when(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def without_password(url: str) -> str:
    """The URL as a job stores it: pickled in a table, so without the password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    netloc = f"{parts.username or ''}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


# --------------------------------------------------------------------------- lock


class SchedulerLock:
    """At most one active scheduler per database, for as long as this process holds the lock.

    PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a dedicated
    connection kept open for the scheduler's lifetime; the server releases it if the process or
    the connection dies. SQLite: an exclusive ``flock`` on ``<database>.scheduler.lock``, released
    by the kernel when the process dies. If the guard ever failed, the idempotent reminder
    commands would still issue each step once.
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._connection: Any = None
        self._file: Any = None

    @property
    def held(self) -> bool:
        return self._connection is not None or self._file is not None

    def try_acquire(self) -> bool:
        if self.held:
            return True
        if is_postgres(self.database_url):
            return self._try_postgres()
        return self._try_file()

    def acquire(self, stop: threading.Event | None = None, out: TextIO = sys.stderr,
                poll_seconds: float = LOCK_POLL_SECONDS) -> bool:
        """Take the lock, waiting (and saying so) while another scheduler has it; False if
        ``stop`` was set while waiting."""
        stop = stop or threading.Event()
        if self.try_acquire():
            return True
        _say(out, WAITING)
        while not stop.wait(poll_seconds):
            if self.try_acquire():
                _say(out, TOOK_OVER)
                return True
        return False

    def alive(self) -> bool:
        """Whether the lock is still held (PostgreSQL: the connection holding it still works)."""
        if self._file is not None:
            return True
        if self._connection is None:
            return False
        try:
            self._connection.execute("SELECT 1").fetchone()
        except Exception:
            return False
        return True

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
            except Exception:  # the connection is gone, and the lock with it
                pass
            finally:
                connection.close()
        lock_file, self._file = self._file, None
        if lock_file is not None:
            import fcntl

            try:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)
            finally:
                lock_file.close()

    def __enter__(self) -> SchedulerLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _try_postgres(self) -> bool:
        import psycopg

        conninfo = urlunsplit(urlsplit(self.database_url)._replace(scheme="postgresql"))
        connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=10,
                                     application_name="caseledger-scheduler")
        try:
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK_KEY,)).fetchone()
        except BaseException:
            connection.close()
            raise
        if row and row[0]:
            self._connection = connection
            return True
        connection.close()
        return False

    def lock_path(self) -> Path:
        database = sqlite_path(self.database_url)
        return database.with_name(database.name + ".scheduler.lock")

    def _try_file(self) -> bool:
        import fcntl

        path = self.lock_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = open(path, "a+")  # noqa: SIM115 - held open for the scheduler's lifetime
        try:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            return False
        except BaseException:
            lock_file.close()
            raise
        self._file = lock_file
        return True


# --------------------------------------------------------------------------- serve


def serve(settings: Settings, stop_event: threading.Event | None = None, out: TextIO = sys.stderr, *,
          run_now: bool = False, jobs: Mapping[str, Callable[[str], Any]] | None = None,
          scheduler_class: type[BaseScheduler] = BlockingScheduler,
          poll_seconds: float = LOCK_POLL_SECONDS, check_seconds: float = LOCK_CHECK_SECONDS) -> int:
    """Take the lock (waiting for another scheduler to stop), run the scheduler until
    ``stop_event`` is set, then shut it down (letting a running job finish) and release the lock.

    Returns 0 when stopped, 1 when the lock's database connection was lost (the process stops
    rather than risk running beside a scheduler that has since taken over).
    """
    stop = stop_event or threading.Event()
    lock = SchedulerLock(settings.database_url)
    lost = threading.Event()
    watcher: threading.Thread | None = None
    try:
        if not lock.acquire(stop, out=out, poll_seconds=poll_seconds):
            _say(out, "Stopped before this scheduler became active.")
            return 0
        scheduler = build_scheduler(settings, scheduler_class=scheduler_class, jobs=jobs,
                                    run_now=run_now)

        def watch() -> None:
            while not stop.wait(check_seconds):
                if not lock.alive():
                    lost.set()
                    break
            if scheduler.running:
                scheduler.shutdown(wait=True)

        def started(_event: SchedulerEvent) -> None:
            nonlocal watcher
            _say(out, describe(scheduler, settings))
            # Started only now that the scheduler runs, so an early stop cannot be missed.
            watcher = threading.Thread(target=watch, name="caseledger-scheduler-watch", daemon=True)
            watcher.start()

        scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
        scheduler.start()
        if watcher is not None:
            watcher.join()
    finally:
        stop.set()
        if watcher is not None:
            watcher.join()
        was_held = lock.held
        lock.release()
    if lost.is_set():
        _say(out, LOCK_LOST)
        log.error("scheduler-lock-lost")
        return 1
    if was_held:
        _say(out, "Scheduler stopped; lock released.")
    return 0


def _say(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)
