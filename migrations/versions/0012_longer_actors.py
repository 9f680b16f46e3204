"""The history and the access log hold an actor as long as a command may record (200 characters:
``domain/limits.py``). They held 120, so on PostgreSQL a longer actor, accepted and recorded,
stopped the views from catching up; SQLite does not enforce the length. Batch mode, so that the
same migration runs on SQLite (which cannot alter a column in place).

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

MAX_ACTOR = 200


def upgrade() -> None:
    for table in ("history", "access_log"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("actor", existing_type=sa.String(120), type_=sa.String(MAX_ACTOR))


def downgrade() -> None:
    for table in ("history", "access_log"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("actor", existing_type=sa.String(MAX_ACTOR), type_=sa.String(120))
