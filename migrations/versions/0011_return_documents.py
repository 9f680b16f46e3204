"""Return documents and single-use upload links (infrastructure/documents.py).

The content of each return document, by id, with its SHA-256 (the fact recording it carries the
same hash); and upload links, kept only as the SHA-256 of their token. Neither is a view: a
rebuild of the views leaves them alone. New tables: nothing to back-fill.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("document_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("stored_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_documents_case_id", "documents", ["case_id"])
    op.create_table(
        "upload_links",
        sa.Column("link_id", sa.String(32), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(200), nullable=False),
        sa.Column("issued_at", sa.String(40), nullable=False),
        sa.Column("expires", sa.String(40), nullable=False),
        sa.Column("used_at", sa.String(40)),
        sa.Column("issued_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_upload_links_case_id", "upload_links", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_upload_links_case_id", table_name="upload_links")
    op.drop_table("upload_links")
    op.drop_index("ix_documents_case_id", table_name="documents")
    op.drop_table("documents")
