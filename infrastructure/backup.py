"""A backup of the whole database while it is in use, checked before it is reported done.

- **SQLite**: SQLite's online backup (``sqlite3.Connection.backup``) copies a consistent snapshot
  page by page while other processes keep reading and writing; the copy is written beside its
  destination, private to its owner (0600), checked (``PRAGMA integrity_check``), then moved into
  place, so a failure leaves no half-written backup.
- **PostgreSQL**: ``pg_dump --format=custom`` (the PostgreSQL tools of the server's major
  version, from ``PATH`` or ``/usr/lib/postgresql/*/bin``), checked by ``pg_restore --list``. A
  managed server's own backups (snapshots, point-in-time recovery) are the usual choice there; this
  is for a partnership that runs its own.

Either way the backup holds personal data only sealed: **the master key is not in it**, and must
be kept apart from it (docs/data-protection.md). The integrity chain's head at the time of the
backup is returned, as an anchor: a restored copy whose chain verifies up to that head holds every
event the backup held, unchanged.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from domain.errors import InvalidInput
from infrastructure.database import is_postgres, sqlite_path


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    kind: str  # "sqlite" (a database file) or "pg_dump" (a custom-format archive)


def back_up(database_url: str, destination: Path) -> Backup:
    """Write a checked backup of the database at ``database_url`` to ``destination`` (which must
    not exist: a backup never replaces a file)."""
    if destination.exists():
        raise InvalidInput(f"{destination} already exists; a backup never replaces a file.",
                           field="out")
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(f".{destination.name}.{secrets.token_hex(4)}.tmp")
    try:
        kind = _pg_dump(database_url, temporary) if is_postgres(database_url) \
            else _sqlite(sqlite_path(database_url), temporary)
        os.replace(temporary, destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Backup(destination, destination.stat().st_size, kind)


def _private(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite(source: Path, target: Path) -> str:
    if not source.is_file():
        raise InvalidInput(f"There is no database at {source} to back up.")
    _private(target)
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as live, \
            sqlite3.connect(target) as copy:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        checked = copy.execute("PRAGMA integrity_check").fetchone()
    live.close()
    copy.close()
    if checked is None or checked[0] != "ok":
        raise RuntimeError("the backup copy failed SQLite's integrity check")
    return "sqlite"


def postgres_tool(name: str) -> str:
    """A PostgreSQL client program, from PATH or the Debian layout."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    if candidates:
        return str(candidates[0])
    raise InvalidInput(f"{name} is not installed; install the PostgreSQL client tools (the "
                       "server's major version) to back up a PostgreSQL database.")


def _pg_dump(url: str, target: Path) -> str:
    parts = urlsplit(url)
    env = {**os.environ, "PGPASSWORD": unquote(parts.password or "")}
    connection = ["--host", parts.hostname or "127.0.0.1", "--port", str(parts.port or 5432),
                  "--username", unquote(parts.username or ""), "--dbname", parts.path.lstrip("/")]
    _private(target)
    dumped = subprocess.run([postgres_tool("pg_dump"), "--format=custom", "--no-password",
                             "--file", str(target), *connection],
                            env=env, capture_output=True, text=True, timeout=3600)
    if dumped.returncode != 0:  # its message may quote the connection: not passed on
        raise RuntimeError(f"pg_dump failed (exit {dumped.returncode})")
    listed = subprocess.run([postgres_tool("pg_restore"), "--list", str(target)],
                            capture_output=True, text=True, timeout=600)
    if listed.returncode != 0 or "TABLE DATA" not in listed.stdout:
        raise RuntimeError("the backup archive could not be read back by pg_restore")
    return "pg_dump"
