"""Accounts, their roles and scopes, sessions and API tokens (identity).

The server's own records, not views: nothing is projected into them, and a rebuild of the views
leaves them alone. Secrets are kept only as hashes (Argon2id for passwords, SHA-256 for tokens
and session tokens), apart from each account's TOTP secret, which checking a code needs.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("totp_secret", sa.String(64)),
        sa.Column("totp_last_step", sa.BigInteger),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.String(32)),
        sa.Column("created", sa.String(32), nullable=False),
    )
    op.create_index("ix_accounts_email", "accounts", ["email"])
    op.create_table(
        "account_grants",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(8), primary_key=True),
        sa.Column("grant", sa.String(160), primary_key=True),
    )
    op.create_table(
        "account_identities",
        sa.Column("issuer", sa.String(500), primary_key=True),
        sa.Column("subject", sa.String(255), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_account_identities_account_id", "account_identities", ["account_id"])
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.String(16), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("expires", sa.String(32), nullable=False),
        sa.Column("revoked", sa.String(32)),
    )
    op.create_index("ix_api_tokens_account_id", "api_tokens", ["account_id"])
    op.create_table(
        "account_sessions",
        sa.Column("session_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("last_seen", sa.String(32), nullable=False),
    )
    op.create_index("ix_account_sessions_account_id", "account_sessions", ["account_id"])
    op.create_table(
        "account_changes",
        sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("change", sa.String(1000), nullable=False),
    )
    op.create_index("ix_account_changes_username", "account_changes", ["username"])


def downgrade() -> None:
    op.drop_index("ix_account_changes_username", table_name="account_changes")
    op.drop_table("account_changes")
    op.drop_index("ix_account_sessions_account_id", table_name="account_sessions")
    op.drop_table("account_sessions")
    op.drop_index("ix_api_tokens_account_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_index("ix_account_identities_account_id", table_name="account_identities")
    op.drop_table("account_identities")
    op.drop_table("account_grants")
    op.drop_index("ix_accounts_email", table_name="accounts")
    op.drop_table("accounts")
