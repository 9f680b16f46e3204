"""A write behind another writer's lock waits the configured time (CASELEDGER_LOCK_TIMEOUT), then
fails and records nothing, on both backends: it neither hangs nor waits the old 30 seconds."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from application.service import CaseLedgerApplication, Meta
from domain.setup import Agency
from infrastructure.database import create_engine, event_store_env, is_postgres, sqlite_path
from tests.integration.support import seed, services_for

WAIT = 1  # seconds: the shortest allowed, so that the default (5) would be told apart


@contextmanager
def _write_lock_held(url: str) -> Iterator[None]:
    """Another connection holds the lock every writer needs, as a long transaction would."""
    if is_postgres(url):
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.execute("LOCK TABLE caseledger_events IN ACCESS EXCLUSIVE MODE")
            yield
            conn.rollback()
        return
    with closing(sqlite3.connect(sqlite_path(url), isolation_level=None)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")


def _timed(action: Any) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        action()
    except Exception as error:
        return time.monotonic() - started, error
    return time.monotonic() - started, None


def test_an_event_store_write_waits_the_lock_timeout_then_fails(database_url: str) -> None:
    # given a database in use, and an event store configured to wait one second for a lock
    services = services_for(database_url)
    seed(services)
    ctx = services.cases.context(Meta(actor="admin", on="2024-04-02"))
    before = services.app.recorder.max_notification_id()
    app = CaseLedgerApplication(env=event_store_env(database_url, lock_timeout=WAIT))
    try:
        # when it saves while another writer holds the lock
        with _write_lock_held(database_url):
            waited, error = _timed(lambda: app.save(
                Agency.register(ctx, "late", "Late Agency", "other", ["cumberland"])))
    finally:
        app.close()

    # then it gave up after about that second (a lock wait is not retried), and nothing was
    # recorded
    assert error is not None
    assert WAIT * 0.9 <= waited < WAIT + 2, waited
    assert services.app.recorder.max_notification_id() == before
    services.close()


def test_a_read_model_write_on_sqlite_waits_the_lock_timeout_then_fails(tmp_path: Any) -> None:
    # given the read models' engine configured to wait one second
    url = f"sqlite:///{tmp_path}/caseledger.db"
    engine = create_engine(url, lock_timeout=WAIT)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))

        # when it writes while another writer holds the lock
        def write() -> None:
            with engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO t VALUES (1)"))

        with _write_lock_held(url):
            waited, error = _timed(write)

        # then it gave up after about that second, and nothing was written
        assert isinstance(error, sa.exc.OperationalError) and "locked" in str(error)
        assert WAIT * 0.9 <= waited < WAIT + 3, waited
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar() == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize("seconds", [1, 600])
def test_the_lock_timeout_reaches_both_backends_settings(seconds: int, tmp_path: Any) -> None:
    sqlite = event_store_env(f"sqlite:///{tmp_path}/x.db", lock_timeout=seconds)
    postgres = event_store_env("postgresql://u:p@127.0.0.1:5432/db", lock_timeout=seconds)
    assert sqlite["SQLITE_LOCK_TIMEOUT"] == postgres["POSTGRES_LOCK_TIMEOUT"] == str(seconds)
