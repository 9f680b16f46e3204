"""Configuration from CASELEDGER_* environment variables, with a clear error for a bad value."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from application.environment import whole_number
from domain.errors import InvalidInput

SUPPORTED_TIMEZONES = ("Europe/London",)
DEFAULT_LOCK_TIMEOUT = 5  # seconds: longer than any normal command holds a lock
MAX_LOCK_TIMEOUT = 600
TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class SmtpSettings:
    """Where reminders are sent (CASELEDGER_SMTP_*), or a mail-drop directory instead.

    With neither set, reminders are still issued and wait, undelivered, until one is configured.
    """

    host: str | None = None
    port: int = 25
    sender: str = "caseledger@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    mail_drop: Path | None = None  # CASELEDGER_MAIL_DROP: write .eml files here instead

    @property
    def configured(self) -> bool:
        return bool(self.host) or self.mail_drop is not None


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    timezone: str = "Europe/London"
    actor: str = "unknown"
    os_user: str = "unknown"  # who runs the command line (recorded beside any name given)
    log_format: str = "console"
    smtp: SmtpSettings = SmtpSettings()
    reminder_time: str = "07:00"  # CASELEDGER_REMINDER_TIME: the daily run, Europe/London
    delivery_retry_minutes: int = 5  # CASELEDGER_DELIVERY_RETRY_MINUTES: the scheduler's retry sweep
    # CASELEDGER_LOCK_TIMEOUT: how long a command waits for another writer's lock (SQLite's busy
    # timeout, PostgreSQL's lock_timeout) before giving up, rather than hanging behind it.
    lock_timeout: int = DEFAULT_LOCK_TIMEOUT
    # CASELEDGER_READY_MAX_LAG: /readyz fails while the read models are more events behind
    ready_max_lag: int = 1000
    # The CASELEDGER_* variables as read, for the parts that read their own (identity, single
    # sign-on, documents): each checks its own and refuses a bad value with a clear message.
    environment: Mapping[str, str] = field(default_factory=dict)
    # Where the master key comes from (infrastructure/keys.py); the embedded default (SQLite, no
    # key configured) makes a key file beside the database on first run.
    master_key: str | None = field(default=None, repr=False)  # CASELEDGER_MASTER_KEY
    master_key_file: Path | None = None  # CASELEDGER_MASTER_KEY_FILE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, database_url: str | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = default_data_dir(env)
        url = database_url or env.get("CASELEDGER_DATABASE_URL") or f"sqlite:///{data_dir / 'caseledger.db'}"
        check_database_url(url)
        tz = env.get("CASELEDGER_TIMEZONE", "Europe/London")
        if tz not in SUPPORTED_TIMEZONES:
            raise InvalidInput(f"CASELEDGER_TIMEZONE={tz!r} is not supported; use Europe/London.")
        log_format = env.get("CASELEDGER_LOG_FORMAT", "console")
        if log_format not in ("console", "json"):
            raise InvalidInput(f"CASELEDGER_LOG_FORMAT={log_format!r}: use console or json.")
        actor = env.get("CASELEDGER_ACTOR") or _os_user()
        reminder_time = env.get("CASELEDGER_REMINDER_TIME", "07:00")
        if not TIME_OF_DAY.match(reminder_time):
            raise InvalidInput(f"CASELEDGER_REMINDER_TIME={reminder_time!r}: use HH:MM (24-hour), e.g. 07:00.")
        retry = whole_number(env, "CASELEDGER_DELIVERY_RETRY_MINUTES", 5, 1, 24 * 60)
        lock_timeout = whole_number(env, "CASELEDGER_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT, 1,
                                MAX_LOCK_TIMEOUT)
        return cls(database_url=url, data_dir=data_dir, timezone=tz, actor=actor, os_user=_os_user(),
                   log_format=log_format,
                   smtp=_smtp(env), reminder_time=reminder_time, delivery_retry_minutes=retry,
                   lock_timeout=lock_timeout,
                   ready_max_lag=whole_number(env, "CASELEDGER_READY_MAX_LAG", 1000, 0, 10**9),
                   environment={k: v for k, v in env.items() if k.startswith("CASELEDGER_")},
                   master_key=env.get("CASELEDGER_MASTER_KEY") or None,
                   master_key_file=(Path(env["CASELEDGER_MASTER_KEY_FILE"]).expanduser()
                                    if env.get("CASELEDGER_MASTER_KEY_FILE") else None))


def default_data_dir(env: Mapping[str, str]) -> Path:
    """The per-user data folder, the same whichever folder a command is run from:
    ``$CASELEDGER_DATA_DIR``, else ``$XDG_DATA_HOME/caseledger``, else
    ``~/.local/share/caseledger`` (the XDG Base Directory default)."""
    chosen = env.get("CASELEDGER_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser().absolute()
    xdg = env.get("XDG_DATA_HOME")
    if xdg and Path(xdg).is_absolute():  # the specification says to ignore a relative one
        return Path(xdg) / "caseledger"
    home = env.get("HOME") or _home()
    return Path(home) / ".local" / "share" / "caseledger"


def _home() -> str:
    try:
        return str(Path.home())
    except RuntimeError:  # no home directory known (some containers)
        raise InvalidInput("No home folder is known to put the database in; set "
                           "CASELEDGER_DATA_DIR or CASELEDGER_DATABASE_URL.") from None


def _smtp(env: Mapping[str, str]) -> SmtpSettings:
    starttls = env.get("CASELEDGER_SMTP_STARTTLS", "0").lower()
    if starttls not in ("0", "1", "true", "false", "yes", "no"):
        raise InvalidInput(f"CASELEDGER_SMTP_STARTTLS={starttls!r}: use 1 or 0.")
    drop = env.get("CASELEDGER_MAIL_DROP")
    return SmtpSettings(
        host=env.get("CASELEDGER_SMTP_HOST") or None,
        port=whole_number(env, "CASELEDGER_SMTP_PORT", 25, 1, 65535),
        sender=env.get("CASELEDGER_SMTP_FROM") or "caseledger@localhost",
        starttls=starttls in ("1", "true", "yes"),
        username=env.get("CASELEDGER_SMTP_USER") or None,
        password=env.get("CASELEDGER_SMTP_PASSWORD") or None,
        timeout=float(whole_number(env, "CASELEDGER_SMTP_TIMEOUT", 30, 1, 600)),
        mail_drop=Path(drop) if drop else None,
    )


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
