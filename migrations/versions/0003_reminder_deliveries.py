"""Reminder deliveries: one row per issued reminder and recipient, with its delivery outcome.

processes/common.md, "Reminders and escalation": delivery is retried on failure and its outcome
is visible. Not a view: ``projections rebuild`` never empties it (that would re-send mail). Its
own tracking row (``reminder-deliveries`` in projection_tracking) starts at 0 when first used.
No personal data: addresses stay in the events; errors are stored without them.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_deliveries",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("recipient", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(40)),
        sa.Column("deadline", sa.String(120), nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("recipient_of", sa.String(100), nullable=False),
        sa.Column("due", sa.String(32), nullable=False),
        sa.Column("issued", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="waiting"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt", sa.String(20)),
        sa.Column("claim", sa.String(32)),
        sa.Column("last_error", sa.String(300)),
        sa.Column("sent_at", sa.String(40)),
        sa.Column("message_id", sa.String(200), nullable=False),
    )
    op.create_index("ix_reminder_deliveries_due", "reminder_deliveries", ["status", "next_attempt"])
    op.create_index("ix_reminder_deliveries_case", "reminder_deliveries", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_reminder_deliveries_case", table_name="reminder_deliveries")
    op.drop_index("ix_reminder_deliveries_due", table_name="reminder_deliveries")
    op.drop_table("reminder_deliveries")
    op.execute("DELETE FROM projection_tracking WHERE name = 'reminder-deliveries'")
