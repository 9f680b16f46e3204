"""Where return documents and upload links are kept: two tables in the case database.

- ``documents``: the content of each return document (``bytea`` on PostgreSQL, a blob on SQLite),
  by its id, with its SHA-256, size and content type. The fact that records it
  (``ReturnDocumentSubmitted``) carries the same hash, so the integrity chain covers the content.
  A row is written once and never changed; a new version of a return is a new row. The only
  delete is of a row whose fact could not be recorded, by the call that wrote it.
- ``upload_links``: single-use links for one return. Only the SHA-256 of the link's random token
  is kept; a link is used by setting ``used_at`` where it is still NULL, so two uploads racing on
  one link cannot both win.

A document's content is personal data (a return names the people in the case): it is sealed
under its case's data key (infrastructure/keys.py) with AES-GCM, bound to the document's id, so
erasing the case's personal data makes it unreadable too. Documents stored before sealing
existed are marked ``sealed = false`` and read as stored. The file name an agency uploaded with is
in the fact's personal field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from application.documents import DocumentService, DocumentSettings, StoredDocument, UploadLink
from application.ports import BrokenSeal, Clock, PersonalDataCipher
from application.service import CaseService

metadata = sa.MetaData()

documents = sa.Table(
    "documents", metadata,
    sa.Column("document_id", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content_type", sa.String(200), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("stored_at", sa.String(40), nullable=False),
    sa.Column("sealed", sa.Boolean, nullable=False, server_default=sa.false()),
)

upload_links = sa.Table(
    "upload_links", metadata,
    sa.Column("link_id", sa.String(32), primary_key=True),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("agency", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(200), nullable=False),
    sa.Column("issued_at", sa.String(40), nullable=False),
    sa.Column("expires", sa.String(40), nullable=False),
    sa.Column("used_at", sa.String(40)),
    sa.Column("issued_by", sa.String(200), nullable=False),
)


class SqlDocumentStore:
    """The ``DocumentStore`` of application/documents.py over SQLAlchemy (both backends)."""

    def __init__(self, engine: sa.Engine, personal_data: PersonalDataCipher | None) -> None:
        self.engine = engine
        self.personal_data = personal_data

    # -- documents ------------------------------------------------------------------

    def put(self, document: StoredDocument) -> None:
        content, sealed = document.content, self.personal_data is not None
        if self.personal_data is not None:
            content = self.personal_data.seal(UUID(document.case_id),
                                              _context(document.document_id), content)
        with self.engine.begin() as conn:
            conn.execute(sa.insert(documents).values(
                document_id=document.document_id, case_id=document.case_id,
                sha256=document.sha256, content_type=document.content_type, size=document.size,
                content=content, stored_at=document.stored_at.isoformat(), sealed=sealed))

    def get(self, document_id: str) -> StoredDocument | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(documents)
                               .where(documents.c.document_id == document_id)).first()
        if row is None:
            return None
        content: bytes | None = bytes(row.content)
        if row.sealed:
            try:
                content = (self.personal_data.open(UUID(row.case_id), _context(row.document_id),
                                                   bytes(row.content))
                           if self.personal_data is not None else None)
            except BrokenSeal:  # altered where it is stored: served as nothing, so its hash fails
                content = b""
        return StoredDocument(
            document_id=row.document_id, case_id=row.case_id, sha256=row.sha256,
            content_type=row.content_type, size=row.size, content=content or b"",
            stored_at=datetime.fromisoformat(row.stored_at), erased=content is None)

    def delete(self, document_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(documents).where(documents.c.document_id == document_id))

    def exists(self, document_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(documents.c.document_id)
                                .where(documents.c.document_id == document_id)).first() is not None

    # -- upload links -------------------------------------------------------------------

    def add_link(self, link: UploadLink) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.insert(upload_links).values(
                link_id=link.link_id, token_sha256=link.token_sha256, case_id=link.case_id,
                agency=link.agency, kind=link.kind, issued_at=link.issued_at.isoformat(),
                expires=link.expires.isoformat(), issued_by=link.issued_by,
                used_at=link.used_at.isoformat() if link.used_at else None))

    def link_by_token_hash(self, token_sha256: str) -> UploadLink | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(upload_links)
                               .where(upload_links.c.token_sha256 == token_sha256)).first()
        if row is None:
            return None
        return UploadLink(
            link_id=row.link_id, token_sha256=row.token_sha256, case_id=row.case_id,
            agency=row.agency, kind=row.kind, issued_at=datetime.fromisoformat(row.issued_at),
            expires=datetime.fromisoformat(row.expires), issued_by=row.issued_by,
            used_at=datetime.fromisoformat(row.used_at) if row.used_at else None)

    def claim_link(self, link_id: str, at: datetime) -> bool:
        """Mark the link used, if nobody has; True if this call did."""
        with self.engine.begin() as conn:
            done = conn.execute(sa.update(upload_links)
                                .where(upload_links.c.link_id == link_id,
                                       upload_links.c.used_at.is_(None))
                                .values(used_at=at.isoformat()))
        return bool(done.rowcount)

    def release_link(self, link_id: str, at: datetime) -> None:
        """Undo this call's claim (its upload was not recorded), so the link can be used again."""
        with self.engine.begin() as conn:
            conn.execute(sa.update(upload_links)
                         .where(upload_links.c.link_id == link_id,
                                upload_links.c.used_at == at.isoformat())
                         .values(used_at=None))


def _context(document_id: str) -> bytes:
    return f"caseledger document\n{document_id}".encode()


def document_service(cases: CaseService, engine: sa.Engine, clock: Clock,
                     environment: Mapping[str, str]) -> DocumentService:
    """The document service over this database, with its settings from the CASELEDGER_*
    variables (``DocumentSettings.from_environment``)."""
    return DocumentService(cases, SqlDocumentStore(engine, cases.app.personal_data), clock,
                           DocumentSettings.from_environment(environment))
