"""Board reports: each case keeps its trend figures per quarter with its facts.

``report_cases.facts`` gains ``trend`` (application/reporting/quarters.py, ``kept_quarters``):
the case's figures for each quarter up to the last one any of its facts falls in, and the
number of its deadlines overdue at every quarter end after that. A report adds these up for
the quarters that have ended instead of walking every deadline through every quarter. Facts
without them are still counted (afresh). Deadlines are kept smaller (facts.py: the history of
a due time and the pauses only where there are any), so existing cases are folded afresh: the
views are emptied and their tracking position reset, as in 0005, and the projection runner
rebuilds them. ``report_quarters`` gets an index holding every column a report sums, in place of
the one on ``settled_on``; ``report_cases`` gets ``opened_on``, so that a report leaves out the
cases opened after its end without reading their facts.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REPORT_QUARTERS_SUMMED = ("settled_on", "partnership", "last_recorded_utc", "quarter", "opened", "closed",
                          "met", "on_time", "overdue")
#: The read models the projection runner keeps under the tracking name ``views``, as of this revision.
VIEWS = ("cases", "deadlines", "history", "partnerships", "hubs", "agencies", "access_log", "counties",
         "report_cases", "report_quarters")


def rebuild_views_on_next_catch_up() -> None:
    for table in VIEWS:
        op.execute(sa.table(table).delete())
    tracking = sa.table("projection_tracking", sa.column("name", sa.String))
    op.execute(tracking.delete().where(tracking.c.name == "views"))


def upgrade() -> None:
    op.drop_index("ix_report_quarters_settled_on", table_name="report_quarters")
    op.create_index("ix_report_quarters_summed", "report_quarters", list(REPORT_QUARTERS_SUMMED))
    op.add_column("report_cases", sa.Column("opened_on", sa.String(10)))
    rebuild_views_on_next_catch_up()


def downgrade() -> None:
    """The index back; the facts stay in the newer form, which the older code does not read:
    run ``caseledger projections rebuild`` with that code after downgrading."""
    op.drop_column("report_cases", "opened_on")
    op.drop_index("ix_report_quarters_summed", table_name="report_quarters")
    op.create_index("ix_report_quarters_settled_on", "report_quarters", ["settled_on"])
