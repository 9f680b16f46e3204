"""Board reports: each case keeps its trend figures per quarter with its facts.

``report_cases.facts`` gains ``trend`` (application/reporting/quarters.py, ``kept_quarters``):
the case's figures for each quarter up to the last one any of its facts falls in, and the
number of its deadlines overdue at every quarter end after that. A report adds these up for
the quarters that have ended instead of walking every deadline through every quarter. Facts
without them are still counted (afresh), so this only re-folds existing cases from their
history to add them, as migration 0005 did.

Revision ID: 0006
Revises: 0005
"""
from alembic import op

from caseledger.infrastructure.report_facts import backfill_report_cases

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    backfill_report_cases(op.get_bind())


def downgrade() -> None:
    """Nothing to undo: facts with ``trend`` read as before under 0005."""
