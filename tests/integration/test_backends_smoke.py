"""The `database_url` fixture gives each test a usable, empty database on both backends."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import psycopg


def test_database_url_is_a_usable_empty_database(database_url: str) -> None:
    scheme = urlsplit(database_url).scheme
    if scheme == "sqlite":
        _assert_usable_empty_sqlite(database_url)
    else:
        assert scheme == "postgresql"
        _assert_usable_empty_postgres(database_url)


def _assert_usable_empty_sqlite(url: str) -> None:
    path = Path(url.removeprefix("sqlite:///"))
    assert path.is_absolute()
    assert path.parent.is_dir()
    assert not path.exists()  # nothing has been written to it yet
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == []


def _assert_usable_empty_postgres(url: str) -> None:
    database = urlsplit(url).path.lstrip("/")
    assert database.startswith("t_")  # a database of its own, not the shared one
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
        assert connection.execute("SELECT current_database()").fetchone() == (database,)
        tables = connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        assert tables == []
