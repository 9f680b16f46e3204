"""One database URL configures both the event store (eventsourcing's own recorders) and the
read models (SQLAlchemy), in the same SQLite file or PostgreSQL database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from infrastructure.settings import DEFAULT_LOCK_TIMEOUT


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme.startswith("postgres")


def sqlite_path(url: str) -> Path:
    return Path(unquote(urlsplit(url).path)[1:] if url.startswith("sqlite:///") else url)


def prepare_sqlite_file(path: Path) -> None:
    """Create the database's folder (0700) and file (0600) private to their owner before SQLite
    opens it: the file holds personal data, and SQLite gives the -wal and -shm files it makes
    beside it the database file's own permissions. Folders and files that already exist are
    left as they are (a folder the user chose may be shared on purpose)."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)  # mkdir's mode is narrowed by the umask, never widened
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return
    path.chmod(0o600)


CHAINED_RECORDERS = {
    "sqlite": "infrastructure.integrity:ChainedSQLiteApplicationRecorder",
    "postgres": "infrastructure.integrity:ChainedPostgresApplicationRecorder",
}


#: Connections each pool keeps, and how many more it may open under load: enough for the HTTP
#: server's request threads (interfaces/http/app.py), so that requests queue for a thread, in
#: one place, not for a connection.
POOL_SIZE, POOL_OVERFLOW = 4, 6


def event_store_env(url: str, *, pool_size: int = POOL_SIZE, integrity_chain: bool = True,
                    lock_timeout: int = DEFAULT_LOCK_TIMEOUT) -> dict[str, str]:
    """The eventsourcing settings for a database URL (stack-notes.md §3).

    ``lock_timeout`` (seconds, ``Settings.lock_timeout``): how long a write waits for another
    writer's lock before it fails, on either backend.

    The application recorder is eventsourcing's own, extended to link every event into the
    integrity chain in the transaction that inserts it (``infrastructure.integrity``).
    ``integrity_chain=False`` is for benchmarks measuring what the chain costs, never for use.
    """
    chain = ({"APPLICATION_RECORDER_TOPIC": CHAINED_RECORDERS["postgres" if is_postgres(url)
                                                               else "sqlite"]}
             if integrity_chain else {})
    if not is_postgres(url):
        path = sqlite_path(url)
        prepare_sqlite_file(path)
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": str(lock_timeout), **chain}
    parts = urlsplit(url)
    return {
        **chain,
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parts.path.lstrip("/"),
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or ""),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        # The default waits forever behind the table lock of a stuck writer.
        "POSTGRES_LOCK_TIMEOUT": str(lock_timeout),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(POOL_OVERFLOW),
        "POSTGRES_CONNECT_TIMEOUT": "10",
    }


#: The PostgreSQL advisory lock that serialises schema creation ("caseledger schema").
SCHEMA_LOCK_KEY = 0x6361_7365_5F73_6368


@contextmanager
def schema_lock(url: str) -> Iterator[None]:
    """Hold, on PostgreSQL, a lock that lets one process at a time create or upgrade the schema.

    Processes that start at the same moment on a new or older database (two ``reminders run``
    from cron, a scheduler and a coordinator) would otherwise run the event store's DDL and the
    migrations concurrently, which PostgreSQL refuses ("tuple concurrently updated"). SQLite
    serialises DDL by its own file lock, so there it is a no-op.
    """
    if not is_postgres(url):
        yield
        return
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
                         dbname=parts.path.lstrip("/"), user=unquote(parts.username or ""),
                         password=unquote(parts.password or ""), autocommit=True,
                         connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))


def create_engine(url: str, *, lock_timeout: int = DEFAULT_LOCK_TIMEOUT,
                  immediate: bool = True) -> sa.Engine:
    """A SQLAlchemy engine for the read models in the same database; a write waits
    ``lock_timeout`` seconds for another writer's lock before it fails.

    ``immediate=False`` (SQLite): transactions start deferred, so a read never waits for the
    write lock. The data keys use it, since they are read while this process's own catch-up may
    hold that lock."""
    if is_postgres(url):
        parts = urlsplit(url)
        sa_url = url.replace(f"{parts.scheme}://", "postgresql+psycopg://", 1)
        # A read-model write behind another's lock gives up as the event store's does, rather
        # than waiting for ever behind a stuck writer.
        return sa.create_engine(sa_url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_pre_ping=True,
                                connect_args={"options": f"-c lock_timeout={int(lock_timeout)}s"})
    path = sqlite_path(url)
    prepare_sqlite_file(path)
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": lock_timeout})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout) * 1000}")
        cursor.close()
        # Let SQLAlchemy's transaction start with BEGIN so the write lock is taken up front.
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
