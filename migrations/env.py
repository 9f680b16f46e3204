"""Alembic environment: the read models' schema, in the same database as the event store.

The event store's own tables (eventsourcing) and the scheduler's job store (APScheduler) share
the database but are not Alembic's: ``include_object`` keeps autogenerate from touching them.
"""

from alembic import context

from infrastructure.deliveries import metadata as deliveries_metadata
from infrastructure.views import metadata as views_metadata

NOT_OURS = ("caseledger_events", "caseledger_snapshots", "caseledger_tracking", "caseledger_chain",
            "stored_events", "notification_tracking", "scheduler_jobs")


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001 - Alembic's hook
    return not (type_ == "table" and name in NOT_OURS)


connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=[views_metadata, deliveries_metadata],
                  version_table="alembic_version_views", include_object=include_object)
with context.begin_transaction():
    context.run_migrations()
