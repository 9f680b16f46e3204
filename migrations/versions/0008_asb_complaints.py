"""ASB case reviews: their complaints as a view, for the "second report within six months" flag.

The 2025 statutory guidance on the ASB case review asks that a victim who reports again within six
months of an earlier report is told about the case review. The case list and the deadlines view
show that flag, worked out from ``asb_complaints``: one row per complaint with a digest of its
complainant key (equal within a case, never the key itself), the day it was reported, the last
day a next report counts as a second one, and the complaint it duplicates. The rows come from the
stored complaints, so the views are emptied and their tracking position reset, as in 0005 and
0006, and the projection runner rebuilds them.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
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
    op.create_table(
        "asb_complaints",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("complainant", sa.String(64)),
        sa.Column("reported", sa.String(10)),
        sa.Column("window_end", sa.String(10)),
        sa.Column("duplicate_of", sa.String(64)),
    )
    rebuild_views_on_next_catch_up()


def downgrade() -> None:
    op.drop_table("asb_complaints")
