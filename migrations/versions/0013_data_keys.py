"""Data keys: each aggregate's key for its personal data, wrapped by the master key
(infrastructure/keys.py), and whether each return document's content is sealed under it.

Not a view: a rebuild of the views leaves the keys alone. Documents stored before sealing existed
stay as they were, marked unsealed.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("owner_id", sa.String(36), primary_key=True),
        sa.Column("master_key_id", sa.String(16), nullable=False),
        sa.Column("wrapped", sa.LargeBinary),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("destroyed_at", sa.String(40)),
    )
    op.create_index("ix_data_keys_master_key_id", "data_keys", ["master_key_id"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("sealed", sa.Boolean, nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("sealed")
    op.drop_index("ix_data_keys_master_key_id", table_name="data_keys")
    op.drop_table("data_keys")
