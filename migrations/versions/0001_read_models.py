"""Read models: case summary, deadlines, audit history, partnerships, hubs, agencies.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projection_tracking",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(40), unique=True),
        sa.Column("case_type", sa.String(20), index=True),
        sa.Column("partnership", sa.String(64), index=True),
        sa.Column("hub", sa.String(64)),
        sa.Column("stage", sa.String(40), index=True),
        sa.Column("stage_since", sa.String(32)),
        sa.Column("version", sa.Integer),
        sa.Column("opened_on", sa.String(32)),
        sa.Column("closed_on", sa.String(32)),
        sa.Column("paused", sa.Boolean),
        sa.Column("policy_version", sa.String(80)),
        sa.Column("updated", sa.String(40)),
    )
    op.create_table(
        "deadlines",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("due", sa.String(32)),
        sa.Column("due_utc", sa.String(20), index=True),
        sa.Column("starts", sa.String(32)),
        sa.Column("responsible", sa.String(64), index=True),
        sa.Column("basis", sa.Text),
        sa.Column("status", sa.String(16), index=True),
        sa.Column("met_on", sa.String(32)),
        sa.Column("met_on_time", sa.Boolean),
        sa.Column("calendar", sa.String(200)),
    )
    op.create_table(
        "history",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("event", sa.String(80)),
        sa.Column("effective", sa.String(32)),
        sa.Column("recorded", sa.String(40)),
        sa.Column("actor", sa.String(120)),
        sa.Column("reason", sa.Text),
        sa.Column("basis", sa.Text),
        sa.Column("data", sa.Text),
    )
    op.create_table(
        "partnerships",
        sa.Column("partnership_id", sa.String(36), primary_key=True),
        sa.Column("slug", sa.String(64), unique=True),
        sa.Column("code", sa.String(8)),
        sa.Column("name", sa.String(200)),
        sa.Column("since", sa.String(32)),
    )
    op.create_table(
        "hubs",
        sa.Column("partnership_id", sa.String(36), primary_key=True),
        sa.Column("hub", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200)),
    )
    op.create_table(
        "agencies",
        sa.Column("agency_id", sa.String(36), primary_key=True),
        sa.Column("slug", sa.String(64), unique=True),
        sa.Column("name", sa.String(200)),
        sa.Column("kind", sa.String(64)),
        sa.Column("partnerships", sa.Text),
    )


def downgrade() -> None:
    for table in ("agencies", "hubs", "partnerships", "history", "deadlines", "cases",
                  "projection_tracking"):
        op.drop_table(table)
