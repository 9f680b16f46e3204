"""Board reports: each case keeps its trend figures per quarter with its facts.

``report_cases.facts`` gains ``trend`` (application/reporting/quarters.py, ``kept_quarters``):
the case's figures for each quarter up to the last one any of its facts falls in, and the
number of its deadlines overdue at every quarter end after that. A report adds these up for
the quarters that have ended instead of walking every deadline through every quarter. Facts
without them are still counted (afresh). Deadlines are kept smaller (facts.py: the history of
a due time and the pauses only where there are any). So this re-folds existing cases from
their history, as migration 0005 did. ``report_quarters`` gets an index holding every column
a report sums, in place of the one on ``settled_on``; ``report_cases`` gets ``opened_on``, so
that a report leaves out the cases opened after its end without reading their facts.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

from infrastructure.report_facts import backfill_report_cases
from infrastructure.views import REPORT_QUARTERS_SUMMED

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_report_quarters_settled_on", table_name="report_quarters")
    op.create_index("ix_report_quarters_summed", "report_quarters", list(REPORT_QUARTERS_SUMMED))
    op.add_column("report_cases", sa.Column("opened_on", sa.String(10)))
    backfill_report_cases(op.get_bind())


def downgrade() -> None:
    """The index back; the facts stay in the newer form, which the older code does not read:
    run ``caseledger projections rebuild`` with that code after downgrading."""
    op.drop_column("report_cases", "opened_on")
    op.drop_index("ix_report_quarters_summed", table_name="report_quarters")
    op.create_index("ix_report_quarters_settled_on", "report_quarters", ["settled_on"])
