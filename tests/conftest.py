"""Fixtures shared by every test: the two database backends.

`database_url` runs a test once on SQLite and once on PostgreSQL, each time on a new, empty
database. PostgreSQL comes from CASELEDGER_TEST_POSTGRES_URL, which `make test` sets after starting
a throwaway server (scripts/pg.sh); each test gets its own database on it, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

POSTGRES_URL_VARIABLE = "CASELEDGER_TEST_POSTGRES_URL"


def _running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _with_database(url: str, database: str) -> str:
    """The same server and credentials, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """A PostgreSQL URL whose role may create databases. CI must test both backends, so there a
    missing server is a failure rather than a skip."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if url:
        return url
    if _running_in_ci():
        pytest.fail(
            f"{POSTGRES_URL_VARIABLE} is not set, so the PostgreSQL tests cannot run; CI must test "
            "both backends (run the tests with `make test`, which starts a server)",
            pytrace=False,
        )
    pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_VARIABLE} (make test starts a server)")


#: The master key the PostgreSQL tests' databases are sealed with: PostgreSQL (production) will
#: not start without one configured (infrastructure/keys.py). Test data only.
TEST_MASTER_KEY = "dGVzdHMgb25seTogbm90IGEga2V5IHRvIHByb3RlY3Q="


def master_key() -> dict[str, str]:
    """The test's master key, for settings built from an explicit environment (a PostgreSQL test
    has one; SQLite makes its own key file)."""
    key = os.environ.get("CASELEDGER_MASTER_KEY")
    return {"CASELEDGER_MASTER_KEY": key} if key else {}


@pytest.fixture
def fresh_postgres_url(postgres_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test. The test's processes
    get its master key through CASELEDGER_MASTER_KEY (unless the test sets its own)."""
    if not os.environ.get("CASELEDGER_MASTER_KEY"):
        monkeypatch.setenv("CASELEDGER_MASTER_KEY", TEST_MASTER_KEY)
    import psycopg
    from psycopg import sql

    name = f"t_{secrets.token_hex(8)}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    try:
        yield _with_database(postgres_admin_url, name)
    finally:
        # FORCE: a test that leaked a connection (or a pool) must not leak its database too.
        with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    ids=["sqlite", "postgres"],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for a new, empty database: SQLite in the test's temporary directory, or a fresh
    PostgreSQL database (only the postgres parameter touches PostgreSQL)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/caseledger.db"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url
