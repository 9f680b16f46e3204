"""Board reports: county boards and each case's report facts (product.md capability 5).

``report_cases`` holds one row per case: its report facts (application/reporting/facts.py) as
of its latest event, with the first and latest recorded times, so that a report as known at T
re-folds from the history only the cases changed after T; and, once a case has settled (closed,
nothing open), the day it settled; ``report_quarters`` then holds its trend figures per quarter,
so that a report sums them in SQL instead of reading a settled case's facts at all.
``counties`` lists county boards.

An existing database gets these rows from its events: the revision empties the views and resets
their tracking position, and the projection runner rebuilds them on its next catch-up (the first
command or query after the upgrade), folding each case with the code of the release that runs it.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: The read models the projection runner keeps under the tracking name ``views``, as of this revision.
VIEWS = ("cases", "deadlines", "history", "partnerships", "hubs", "agencies", "access_log", "counties",
         "report_cases", "report_quarters")


def rebuild_views_on_next_catch_up() -> None:
    for table in VIEWS:
        op.execute(sa.table(table).delete())
    tracking = sa.table("projection_tracking", sa.column("name", sa.String))
    op.execute(tracking.delete().where(tracking.c.name == "views"))


def upgrade() -> None:
    op.create_table(
        "counties",
        sa.Column("county_id", sa.String(36), primary_key=True),
        sa.Column("slug", sa.String(64), unique=True),
        sa.Column("name", sa.String(200)),
        sa.Column("partnerships", sa.Text),
    )
    op.create_table(
        "report_cases",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(40)),
        sa.Column("case_type", sa.String(20)),
        sa.Column("partnership", sa.String(64)),
        sa.Column("version", sa.Integer),
        sa.Column("first_recorded_utc", sa.String(26)),
        sa.Column("last_recorded_utc", sa.String(26)),
        sa.Column("settled_on", sa.String(10)),
        sa.Column("facts", sa.Text),
    )
    op.create_index("ix_report_cases_partnership", "report_cases", ["partnership"])
    op.create_index("ix_report_cases_last_recorded_utc", "report_cases", ["last_recorded_utc"])
    op.create_index("ix_report_cases_settled_on", "report_cases", ["settled_on"])
    op.create_table(
        "report_quarters",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("quarter", sa.String(7), primary_key=True),
        sa.Column("partnership", sa.String(64)),
        sa.Column("settled_on", sa.String(10)),
        sa.Column("last_recorded_utc", sa.String(26)),
        sa.Column("opened", sa.Integer),
        sa.Column("closed", sa.Integer),
        sa.Column("met", sa.Integer),
        sa.Column("on_time", sa.Integer),
        sa.Column("overdue", sa.Integer),
    )
    op.create_index("ix_report_quarters_settled_on", "report_quarters", ["settled_on"])
    rebuild_views_on_next_catch_up()


def downgrade() -> None:
    op.drop_index("ix_report_quarters_settled_on", table_name="report_quarters")
    op.drop_table("report_quarters")
    op.drop_index("ix_report_cases_settled_on", table_name="report_cases")
    op.drop_index("ix_report_cases_last_recorded_utc", table_name="report_cases")
    op.drop_index("ix_report_cases_partnership", table_name="report_cases")
    op.drop_table("report_cases")
    op.drop_table("counties")
