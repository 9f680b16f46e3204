"""The subject index: blind tokens (keyed hashes) of the phrases in each case's personal data,
to find where a person appears without decrypting the store (application/subject_access.py).
A view: a rebuild empties and refills it. A database with cases already recorded has them
indexed by the next catch-up: the views are emptied and their tracking position reset, as in 0005
and 0006, and the projection runner rebuilds them.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: The read models the projection runner keeps under the tracking name ``views``, as of this revision.
VIEWS = ("cases", "deadlines", "history", "partnerships", "hubs", "agencies", "access_log", "counties",
         "report_cases", "report_quarters", "asb_complaints", "subject_index")


def rebuild_views_on_next_catch_up() -> None:
    for table in VIEWS:
        op.execute(sa.table(table).delete())
    tracking = sa.table("projection_tracking", sa.column("name", sa.String))
    op.execute(tracking.delete().where(tracking.c.name == "views"))


def upgrade() -> None:
    op.create_table(
        "subject_index",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(36), primary_key=True),
    )
    op.create_index("ix_subject_index_case_id", "subject_index", ["case_id"])
    rebuild_views_on_next_catch_up()


def downgrade() -> None:
    op.drop_index("ix_subject_index_case_id", table_name="subject_index")
    op.drop_table("subject_index")
