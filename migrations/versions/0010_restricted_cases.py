"""Restricted cases and denied attempts (access.md, "Restricted cases"; "every denied attempt").

The case list gets ``restricted_to``: the usernames a restricted case is restricted to, as a JSON
list (NULL: not restricted), so that the case list can show others only that the case exists.
The access log gets ``outcome`` (read or denied) and ``why`` (a denial's reason from the access
policy). Both come from stored events, so the views are emptied and their tracking position
reset, as in 0005, 0006 and 0008, and the projection runner rebuilds them.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: The read models the projection runner keeps under the tracking name ``views``, as of this revision.
VIEWS = ("cases", "deadlines", "history", "partnerships", "hubs", "agencies", "access_log", "counties",
         "report_cases", "report_quarters", "asb_complaints")


def rebuild_views_on_next_catch_up() -> None:
    for table in VIEWS:
        op.execute(sa.table(table).delete())
    tracking = sa.table("projection_tracking", sa.column("name", sa.String))
    op.execute(tracking.delete().where(tracking.c.name == "views"))


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("restricted_to", sa.Text))
    with op.batch_alter_table("access_log") as batch:
        batch.add_column(sa.Column("outcome", sa.String(8)))
        batch.add_column(sa.Column("why", sa.Text))
    rebuild_views_on_next_catch_up()


def downgrade() -> None:
    with op.batch_alter_table("access_log") as batch:
        batch.drop_column("why")
        batch.drop_column("outcome")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("restricted_to")
