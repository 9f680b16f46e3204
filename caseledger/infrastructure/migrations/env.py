"""Alembic environment: the read models' schema, in the same database as the event store."""

from alembic import context

from caseledger.infrastructure.views import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  version_table="alembic_version_views")
with context.begin_transaction():
    context.run_migrations()
