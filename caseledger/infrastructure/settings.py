"""Configuration from CASELEDGER_* environment variables, with a clear error for a bad value."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from caseledger.domain.errors import InvalidInput

SUPPORTED_TIMEZONES = ("Europe/London",)


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    timezone: str = "Europe/London"
    actor: str = "unknown"
    log_format: str = "console"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, database_url: str | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("CASELEDGER_DATA_DIR", "caseledger-data"))
        url = database_url or env.get("CASELEDGER_DATABASE_URL") or f"sqlite:///{data_dir / 'caseledger.db'}"
        check_database_url(url)
        tz = env.get("CASELEDGER_TIMEZONE", "Europe/London")
        if tz not in SUPPORTED_TIMEZONES:
            raise InvalidInput(f"CASELEDGER_TIMEZONE={tz!r} is not supported; use Europe/London.")
        log_format = env.get("CASELEDGER_LOG_FORMAT", "console")
        if log_format not in ("console", "json"):
            raise InvalidInput(f"CASELEDGER_LOG_FORMAT={log_format!r}: use console or json.")
        actor = env.get("CASELEDGER_ACTOR") or _os_user()
        return cls(database_url=url, data_dir=data_dir, timezone=tz, actor=actor, log_format=log_format)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "unknown"


def check_database_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        if not parts.path or parts.path == "/":
            raise InvalidInput(f"Database URL {url!r} names no file; use sqlite:///path/file.db.")
        return
    if parts.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        if not (parts.hostname and parts.path.strip("/") and parts.username):
            raise InvalidInput(
                "A PostgreSQL URL needs a user, host and database: "
                "postgresql://user:password@host:5432/database."
            )
        return
    raise InvalidInput(
        f"Unsupported database URL scheme {parts.scheme!r}; use sqlite:///path/file.db or "
        "postgresql://user:password@host:port/database."
    )
