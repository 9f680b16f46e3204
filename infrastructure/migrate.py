"""Bring the read-model schema to the newest Alembic revision.

Checking is a single query against the version table, so that a CLI invocation does not pay for
importing Alembic when the schema is already current (tests assert HEAD is Alembic's head).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import sqlalchemy as sa

# The revisions are scripts Alembic runs, not code this module calls: found as package data.
MIGRATIONS = str(resources.files("migrations"))
VERSION_TABLE = "alembic_version_views"
HEAD = "0014"


def current_revision(engine: sa.Engine) -> str | None:
    if not sa.inspect(engine).has_table(VERSION_TABLE):
        return None
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def upgrade(engine: sa.Engine) -> None:
    if current_revision(engine) == HEAD:
        return
    from alembic import command

    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
