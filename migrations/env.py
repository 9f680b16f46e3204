"""Alembic environment: the read models' schema, in the same database as the event store.

Two ways in. The application (infrastructure/migrate.py) hands over its open connection in
``config.attributes["connection"]``. ``alembic`` run from the repository root (alembic.ini)
connects to ``$CASELEDGER_DATABASE_URL``, or to the embedded database the application would use
by default, holding the same schema lock the application takes.

Revisions carry what they need: their own table definitions and data steps, never the
application's live tables or folds, which move on while a revision must keep doing what it did
when it was written; a revision that needs a read model refilled empties it and resets its
tracking position, and the projection runner rebuilds it on its next catch-up. The event store's
tables (eventsourcing) and the scheduler's job store (APScheduler) share the database but are
not Alembic's.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

VERSION_TABLE = "alembic_version_views"


def run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


def run_from_the_command_line() -> None:
    from infrastructure.database import create_engine, schema_lock
    from infrastructure.settings import Settings

    if context.config.config_file_name is not None:
        fileConfig(context.config.config_file_name, disable_existing_loggers=False)
    url = Settings.from_env().database_url
    engine = create_engine(url)
    try:
        with schema_lock(url), engine.begin() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if "connection" in context.config.attributes:
    run_migrations(context.config.attributes["connection"])
else:
    run_from_the_command_line()
