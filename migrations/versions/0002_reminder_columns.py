"""Reminders: each case's reminder ladders, and each deadline's last reminder step.

Existing rows need no back-fill: no reminder was issued before this revision, and policies
stored before it had no ladders (NULL means the national ladder).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("reminder_ladders", sa.Text))
    with op.batch_alter_table("deadlines") as batch:
        batch.add_column(sa.Column("last_reminder", sa.String(40)))
        batch.add_column(sa.Column("reminded_due", sa.String(32)))
        batch.add_column(sa.Column("reminded_day", sa.String(10)))


def downgrade() -> None:
    with op.batch_alter_table("deadlines") as batch:
        batch.drop_column("reminded_day")
        batch.drop_column("reminded_due")
        batch.drop_column("last_reminder")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("reminder_ladders")
