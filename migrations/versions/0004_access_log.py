"""The access log: who read which case, when, and what (product.md capability 4).

A view like the others, projected from ``CaseRead`` events (domain/access.py) and rebuildable
from them. The purpose of a read is personal data: it stays in the event, not in this table.
Existing databases have no reads recorded yet, so there is nothing to back-fill.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("access_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36)),
        sa.Column("reference", sa.String(40)),
        sa.Column("actor", sa.String(120)),
        sa.Column("what", sa.String(200)),
        sa.Column("recorded", sa.String(40)),
        sa.Column("recorded_utc", sa.String(26)),
    )
    op.create_index("ix_access_log_case_id", "access_log", ["case_id"])
    op.create_index("ix_access_log_actor", "access_log", ["actor"])
    op.create_index("ix_access_log_recorded_utc", "access_log", ["recorded_utc"])


def downgrade() -> None:
    op.drop_index("ix_access_log_recorded_utc", table_name="access_log")
    op.drop_index("ix_access_log_actor", table_name="access_log")
    op.drop_index("ix_access_log_case_id", table_name="access_log")
    op.drop_table("access_log")
