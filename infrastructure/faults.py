"""Storage faults in plain words, decided in one place.

SQLite, psycopg, SQLAlchemy and eventsourcing each word a failure their own way, and some of those
words must never reach a person or a log: SQLAlchemy appends the statement and its parameters
(``[SQL: …] [parameters: …]``), PostgreSQL adds ``DETAIL`` lines quoting the values of a row, and a
connection error names the user and the database. Parameters can carry personal data (a pseudonym,
a complaint's description), so no text of theirs is passed on: ``storage_fault`` looks through an
error's causes for the database's own error and returns a ``CaseledgerError`` worded here, naming
only what the user controls (the database file, the server's host and port, the wait allowed).

What a fault becomes (the command line's exit code in brackets):

- another command held the write lock longer than ``CASELEDGER_LOCK_TIMEOUT``, or PostgreSQL
  chose this transaction to end a deadlock: ``DatabaseBusy``, a conflict [5] — nothing was
  recorded, and running the command again is the remedy;
- the database cannot be used at all — PostgreSQL unreachable, refusing the login, missing or
  read-only; a SQLite file or folder that cannot be opened or written; a full disk:
  ``DatabaseUnavailable`` [6] — nothing is wrong with the command, the set-up needs fixing;
- any other error the database reports: ``DatabaseFault`` [1], unexpected, named by its class
  and SQLSTATE only (the details are for ``CASELEDGER_DEBUG``).
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import sqlalchemy.exc
from eventsourcing.persistence import PersistenceError
from psycopg_pool import PoolTimeout

from domain.errors import CaseledgerError, ConcurrentChange
from infrastructure.database import is_postgres, sqlite_path


class DatabaseBusy(ConcurrentChange):
    """Another command held the database longer than the wait allowed; nothing was recorded."""

    code = "database-busy"


class DatabaseUnavailable(CaseledgerError):
    """The database cannot be reached, opened or written: the set-up, not the command, is wrong."""

    code = "database-unavailable"


class DatabaseFault(CaseledgerError):
    """An error the database reported that no rule anticipates (a fault to report)."""

    code = "database-error"


NOTHING_RECORDED = "nothing was recorded"

# SQLSTATEs (PostgreSQL appendix A) that mean "wait, then try again".
POSTGRES_BUSY = {"55P03": "lock_not_available", "40P01": "deadlock_detected",
                 "40001": "serialization_failure", "57014": "query_canceled"}
# SQLSTATE classes and codes that mean the database itself cannot be used.
POSTGRES_UNAVAILABLE_CLASSES = ("08", "53", "57P", "28")
POSTGRES_READ_ONLY = "25006"
POSTGRES_NO_DATABASE = "3D000"
POSTGRES_NO_PRIVILEGE = "42501"
WRITE_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT)


def storage_fault(error: BaseException, database_url: str, lock_timeout: int
                  ) -> CaseledgerError | None:
    """The plain-words error for a storage fault anywhere in ``error``'s causes, or None when
    it is not one. ``lock_timeout``: the seconds a command waits for a lock (for the message)."""
    for cause in causes(error):
        if isinstance(cause, CaseledgerError):
            return None  # already worded for people
        if isinstance(cause, sqlite3.Error):
            return _sqlite_fault(cause, sqlite_path(database_url), lock_timeout)
        if isinstance(cause, psycopg.Error):
            return _postgres_fault(cause, database_url, lock_timeout)
    for cause in causes(error):
        if isinstance(cause, OSError) and not is_postgres(database_url):
            fault = _file_fault(cause, sqlite_path(database_url))
            if fault is not None:
                return fault
    if any(isinstance(c, sqlalchemy.exc.SQLAlchemyError | PersistenceError) for c in causes(error)):
        return DatabaseFault(f"The database reported an error ({type(error).__name__}); "
                             f"{NOTHING_RECORDED}.")
    return None


def causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and what it wraps, outermost first: SQLAlchemy's ``orig``, then the explicit
    and implicit causes, each once."""
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [getattr(current, "orig", None), current.__cause__, current.__context__]
        todo += [w for w in wrapped if isinstance(w, BaseException)]


# --------------------------------------------------------------------------- SQLite


def busy(lock_timeout: int) -> DatabaseBusy:
    seconds = "second" if lock_timeout == 1 else "seconds"
    return DatabaseBusy(f"The database is busy: another caseledger command held it for more than "
                        f"{lock_timeout} {seconds}; {NOTHING_RECORDED}. Try again.")


def _sqlite_fault(error: sqlite3.Error, path: Path, lock_timeout: int) -> CaseledgerError:
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return busy(lock_timeout)
    if "readonly" in text or "read-only" in text:
        return not_writable(path)
    if "unable to open" in text or "cannot open" in text:
        return DatabaseUnavailable(
            f"The database {path} cannot be opened: check that its folder exists and that this "
            f"user may read and write both the file and the folder; {NOTHING_RECORDED}.")
    if "disk is full" in text or "disk i/o" in text:
        return DatabaseUnavailable(f"The database {path} could not be written: the disk is full "
                                   f"or failing; {NOTHING_RECORDED}.")
    if "not a database" in text or "malformed" in text:
        return DatabaseUnavailable(f"{path} is not a caseledger database, or it is damaged; "
                                   f"{NOTHING_RECORDED}.")
    return DatabaseFault(f"The database reported an error (sqlite3.{type(error).__name__}, "
                         f"{_sqlite_error_name(error)}); {NOTHING_RECORDED}.")


def not_writable(path: Path) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        f"The database {path} cannot be written (the file, its folder or the file system is "
        f"read-only). Every command needs to write to it, reads included: each read is recorded "
        f"in the access log. Make the file and its folder writable by this user; "
        f"{NOTHING_RECORDED}.")


def _sqlite_error_name(error: sqlite3.Error) -> str:
    name = getattr(error, "sqlite_errorname", None)
    return name if isinstance(name, str) else "no error code"


def _file_fault(error: OSError, database: Path) -> DatabaseUnavailable | None:
    """Creating the database's folder or file failed (permissions, a read-only file system, a
    full disk). Only paths on the way to the database are worded here: other files (an export,
    a report) are the business of the command that writes them."""
    if error.errno not in WRITE_ERRNOS or not error.filename:
        return None
    failed = Path(str(error.filename))
    if failed not in (database, *database.parents) and failed.parent != database.parent:
        return None
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return DatabaseUnavailable(f"Cannot write {failed}: the disk is full; {NOTHING_RECORDED}.")
    return DatabaseUnavailable(
        f"Cannot create {failed} for the database: this user may not write there (or the file "
        f"system is read-only). Choose another place with CASELEDGER_DATA_DIR or --database; "
        f"{NOTHING_RECORDED}.")


# --------------------------------------------------------------------------- PostgreSQL


def server_of(database_url: str) -> str:
    """``host:port`` of a PostgreSQL URL: never the user name, password or database name."""
    parts = urlsplit(database_url)
    try:
        port = parts.port or 5432
    except ValueError:
        port = 5432
    return f"{parts.hostname or 'localhost'}:{port}"


def _postgres_fault(error: psycopg.Error, database_url: str, lock_timeout: int
                    ) -> CaseledgerError:
    state = error.sqlstate or ""
    server = server_of(database_url)
    if state in POSTGRES_BUSY:
        return busy(lock_timeout)
    if state == POSTGRES_READ_ONLY:
        return DatabaseUnavailable(
            f"The PostgreSQL database at {server} is read-only (a standby, or read-only by "
            f"configuration). Every command needs to write to it, reads included: each read is "
            f"recorded in the access log; {NOTHING_RECORDED}.")
    if state == POSTGRES_NO_PRIVILEGE:
        return DatabaseUnavailable(
            f"The PostgreSQL user may not read or write caseledger's tables at {server}; grant it "
            f"the privileges (or use the user that created them); {NOTHING_RECORDED}.")
    if state == POSTGRES_NO_DATABASE or state.startswith(POSTGRES_UNAVAILABLE_CLASSES) or (
            not state and isinstance(error, psycopg.OperationalError)):
        return DatabaseUnavailable(f"Cannot use the PostgreSQL database at {server}: "
                                   f"{_connection_problem(error, state)}; {NOTHING_RECORDED}.")
    return DatabaseFault(f"The database reported an error (psycopg.{type(error).__name__}, "
                         f"SQLSTATE {state or 'none'}); {NOTHING_RECORDED}.")


def _connection_problem(error: psycopg.Error, state: str) -> str:
    """Why the connection failed, in words of our own: psycopg's message names the user and the
    database, and the server's may quote more."""
    text = str(error).lower()
    if state in ("28P01", "28000") or "password" in text or "authentication" in text:
        return "the server refused the user name or password in the database URL"
    if state == POSTGRES_NO_DATABASE or "does not exist" in text:
        return "the database named in the URL does not exist on that server"
    if "refused" in text:
        return "nothing accepted the connection (is the server running, on that port?)"
    if "resolve host" in text or "translate host" in text or "name or service" in text:
        return "the host name is not known"
    if isinstance(error, PoolTimeout | psycopg.errors.ConnectionTimeout) or "timeout" in text:
        return "the server did not answer in time"
    if state.startswith("53"):
        return "the server is out of resources (disk, memory or connections)"
    if state.startswith("57P"):
        return "the server is shutting down or starting up"
    return "the connection failed or was lost"
