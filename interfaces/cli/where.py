"""``caseledger where``: where this command line keeps and sends things, from the settings alone
(it opens no database, so it works before the first run and when the database cannot be reached)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import typer

from infrastructure.database import is_postgres, sqlite_path
from infrastructure.settings import Settings
from interfaces.cli.common import Invocation, command, table

top = typer.Typer()
"""``caseledger where`` lives at the top level."""


@command(top, "where", query=True)
def where(inv: Invocation) -> None:
    """Where the database, the data folder, the mail drop and the log are (password hidden).

    The default database is a SQLite file in the per-user data folder: $CASELEDGER_DATA_DIR,
    else $XDG_DATA_HOME/caseledger, else ~/.local/share/caseledger, whichever folder a command
    is run from."""
    places = describe(inv.state.settings())
    inv.emit(places, lambda: table(["what", "where"], [
        ("database", places["database_url"]),
        ("database file", places["database_file"]),
        ("data folder", places["data_dir"]),
        ("mail", places["mail"]),
        ("log", places["log"]),
        ("access log", places["access_log"]),
        ("lock wait", f"{places['lock_timeout_seconds']} s"),
    ]))


def describe(settings: Settings) -> dict[str, Any]:
    """The places, as plain data: the database URL never shows its password."""
    url = settings.database_url
    smtp = settings.smtp
    if smtp.mail_drop is not None:
        mail = f"files in {smtp.mail_drop.expanduser().absolute()} (CASELEDGER_MAIL_DROP)"
    elif smtp.host:
        mail = f"SMTP server {smtp.host}:{smtp.port}"
    else:
        mail = "not set: reminders wait (CASELEDGER_SMTP_HOST or CASELEDGER_MAIL_DROP)"
    level = os.environ.get("CASELEDGER_LOG_LEVEL", "WARNING").upper()
    return {
        "database_url": hide_password(url),
        "backend": "postgresql" if is_postgres(url) else "sqlite",
        "database_file": None if is_postgres(url) else str(sqlite_path(url).absolute()),
        "data_dir": str(settings.data_dir),
        "mail_drop": None if smtp.mail_drop is None else str(smtp.mail_drop.expanduser().absolute()),
        "mail": mail,
        "log": f"standard error ({settings.log_format} format, level {level})",
        "access_log": "in the database: every read of a case (caseledger audit access)",
        "lock_timeout_seconds": settings.lock_timeout,
    }


def hide_password(url: str) -> str:
    """``postgresql://user:***@host:5432/db``: a URL fit to show and to log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}{port}"))
