"""Return documents and upload links on both backends: the content stored in the database, its
hash in the fact (so the integrity chain covers it), nothing left behind by a refusal, and links
used once and expiring by the clock."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from application.commands.common import RequestReturn, WithdrawReturn
from application.documents import (
    DOCX,
    PDF,
    DocumentDamaged,
    DocumentService,
    DocumentSettings,
    DocumentTooLarge,
    LinkRefused,
    UnsupportedDocument,
)
from application.service import Meta
from domain.errors import InvalidInput, NotFound, RuleRefused
from infrastructure.database import is_postgres
from infrastructure.documents import SqlDocumentStore, documents
from infrastructure.settings import Settings
from interfaces.bootstrap import Services
from tests.integration.support import NOW, notify, seed, services_for

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    built = services_for(database_url)
    seed(built)
    yield built
    built.close()


def service(services: Services, **settings: Any) -> DocumentService:
    store = SqlDocumentStore(services.engine, services.app.personal_data)
    return DocumentService(services.cases, store, services.clock, DocumentSettings(**settings))


def asked(services: Services, *agencies: str) -> str:
    """Given: a DARDR review with a scoping return asked of each agency."""
    ref = notify(services)
    for agency in agencies:
        services.cases.execute(ref, RequestReturn(agency=agency, kind="scoping"),
                               Meta(actor="coordinator"))
    return ref


def stored_count(services: Services) -> int:
    with services.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar_one())


def test_a_document_is_stored_with_its_hash_in_the_fact_and_the_chain_covers_it(services):
    """Given a requested return, when its document is submitted, then the content is in the
    database, the fact carries its SHA-256, the chain verifies; altering the hash in the stored
    fact breaks the chain, and altered content is not served."""
    docs = service(services)
    ref = asked(services, "cumbria-police")

    done = docs.submit(ref, "cumbria-police", "scoping", PDF_BYTES, "application/pdf",
                       "Scoping return - Jane Doe.pdf", Meta(actor="police contact"))

    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    assert (done.version, done.sha256, done.size) == (1, digest, len(PDF_BYTES))
    fact = services.cases.load_case(ref).returns["return:cumbria-police:scoping"]
    assert fact.status == "received" and fact.documents[0]["sha256"] == digest
    got = docs.download(ref, done.document_id)
    assert (got.content, got.content_type, got.filename) == (
        PDF_BYTES, PDF, f"{ref}-cumbria-police-scoping-v1.pdf")
    assert services.integrity.verify().ok

    events = "caseledger_events" if is_postgres(services.settings.database_url) else "stored_events"
    with services.engine.begin() as conn:
        rows = conn.execute(sa.text(f"SELECT originator_version, state FROM {events}")).all()
        [(version, state)] = [(v, bytes(s)) for v, s in rows if digest.encode() in bytes(s)]
        conn.execute(sa.text(f"UPDATE {events} SET state = :state WHERE state = :old"),
                     {"state": state.replace(digest.encode(), b"0" * 64), "old": state})
    assert not services.integrity.verify().ok

    with services.engine.begin() as conn:  # put the fact back; now alter the content instead
        conn.execute(sa.text(f"UPDATE {events} SET state = :state WHERE originator_version = :v "
                             "AND state = :altered"),
                     {"state": state, "v": version,
                      "altered": state.replace(digest.encode(), b"0" * 64)})
        conn.execute(sa.update(documents).values(content=PDF_BYTES + b"%tampered"))
    assert services.integrity.verify().ok
    with pytest.raises(DocumentDamaged):
        docs.download(ref, done.document_id)


def test_a_new_version_is_a_new_row_and_the_old_one_stays(services):
    """Given a received return, when a second version is submitted, then both are kept and
    downloadable, the first marked superseded."""
    docs = service(services)
    ref = asked(services, "cumbria-police")
    first = docs.submit(ref, "cumbria-police", "scoping", PDF_BYTES, "application/pdf", "a.pdf",
                        Meta(actor="police"))

    second = docs.submit(ref, "cumbria-police", "scoping", docx_bytes(), DOCX, "b.docx",
                         Meta(actor="police"))

    assert second.version == 2 and stored_count(services) == 2
    assert docs.download(ref, first.document_id).content == PDF_BYTES
    assert docs.download(ref, second.document_id).filename.endswith("-scoping-v2.docx")
    _, found = docs.documents(ref, "cumbria-police", "scoping")
    assert [d["status"] for d in found.documents] == ["superseded", "current"]


def test_a_refused_submission_leaves_no_content_behind_and_keeps_the_rest(services):
    """Given a stored document, when submissions are refused (no such return, a withdrawn one,
    too large, the wrong type, a mismatched magic number), then nothing new is stored or
    recorded, and the earlier document is still there."""
    docs = service(services, max_bytes=1024 * 1024)
    ref = asked(services, "cumbria-police", "probation")
    kept = docs.submit(ref, "cumbria-police", "scoping", PDF_BYTES, "application/pdf", None,
                       Meta(actor="police"))
    services.cases.execute(ref, WithdrawReturn(agency="probation", kind="scoping"),
                           Meta(actor="coordinator"))
    version = services.cases.load_case(ref).version

    refusals = [
        (NotFound, ("cumberland-council", "scoping", PDF_BYTES, "application/pdf")),
        (RuleRefused, ("probation", "scoping", PDF_BYTES, "application/pdf")),
        (DocumentTooLarge, ("cumbria-police", "scoping", b"%PDF-" + b"x" * 1024 * 1024, PDF)),
        (UnsupportedDocument, ("cumbria-police", "scoping", b"MZ\x90\x00", "application/x-msdownload")),
        (UnsupportedDocument, ("cumbria-police", "scoping", PDF_BYTES, DOCX)),
        (UnsupportedDocument, ("cumbria-police", "scoping", b"plain\x00text", "text/plain")),
    ]
    for error, (agency, kind, content, content_type) in refusals:
        with pytest.raises(error):
            docs.submit(ref, agency, kind, content, content_type, "x", Meta(actor="police"))

    assert stored_count(services) == 1
    assert services.cases.load_case(ref).version == version
    assert docs.download(ref, kept.document_id).content == PDF_BYTES


def test_an_upload_link_is_used_once_and_expires_by_the_clock(services):
    """Given links for two returns, when one is redeemed twice and the other after it expired,
    then the first upload is recorded with the link as its actor, and the rest are refused."""
    docs = service(services)
    ref = asked(services, "cumbria-police", "probation")
    link = docs.issue_link(ref, "cumbria-police", "scoping", 2, Meta(actor="coordinator"))
    late = docs.issue_link(ref, "probation", "scoping", 2, Meta(actor="coordinator"))

    shown = docs.asked(link.token)
    assert (shown.reference, shown.agency, shown.kind) == (ref, "cumbria-police", "scoping")
    with pytest.raises(UnsupportedDocument):  # a refused upload does not use the link up
        docs.redeem(link.token, b"not a pdf", "application/pdf", "x.pdf")
    done = docs.redeem(link.token, PDF_BYTES, "application/pdf", "return.pdf")

    case = services.cases.load_case(ref)
    assert case.returns["return:cumbria-police:scoping"].status == "received"
    events = list(services.app.repository.event_store.get(case.id))
    submitted = [e for e in events if type(e).__name__ == "ReturnDocumentSubmitted"]
    assert submitted[0].actor == f"upload link {link.link_id} (agency cumbria-police)"
    assert done.document_id == submitted[0].document_id
    with pytest.raises(LinkRefused, match="already been used"):
        docs.redeem(link.token, PDF_BYTES, "application/pdf", "again.pdf")
    with pytest.raises(LinkRefused, match="already been used"):
        docs.asked(link.token)

    services.clock.set(NOW + timedelta(hours=2))  # type: ignore[attr-defined]
    with pytest.raises(LinkRefused, match="expired"):
        docs.redeem(late.token, PDF_BYTES, "application/pdf", "late.pdf")
    with pytest.raises(NotFound):
        docs.redeem("x" * 43, PDF_BYTES, "application/pdf", "guess.pdf")
    assert stored_count(services) == 1


def test_a_link_is_refused_once_its_return_is_no_longer_awaited(services):
    """Given a link for a return, when the return is withdrawn, then the link is refused."""
    docs = service(services)
    ref = asked(services, "cumbria-police")
    link = docs.issue_link(ref, "cumbria-police", "scoping", 72, Meta(actor="coordinator"))
    services.cases.execute(ref, WithdrawReturn(agency="cumbria-police", kind="scoping"),
                           Meta(actor="coordinator"))

    with pytest.raises(LinkRefused, match="no longer awaited"):
        docs.redeem(link.token, PDF_BYTES, "application/pdf", "x.pdf")
    with pytest.raises(LinkRefused, match="no longer awaited"):
        docs.issue_link(ref, "cumbria-police", "scoping", 72, Meta(actor="coordinator"))


def test_document_settings_are_read_from_the_environment_with_clear_errors(tmp_path):
    settings = Settings.from_env({"CASELEDGER_DATA_DIR": str(tmp_path),
                                  "CASELEDGER_MAX_DOCUMENT_MB": "5",
                                  "CASELEDGER_PUBLIC_URL": "https://caseledger.example.gov.uk/",
                                  "CASELEDGER_UPLOAD_LINKS_IN_REMINDERS": "1"})
    read = DocumentSettings.from_environment(settings.environment)
    assert (read.max_bytes, read.public_url, read.links_in_reminders) == (
        5 * 1024 * 1024, "https://caseledger.example.gov.uk", True)
    for bad, words in (({"CASELEDGER_MAX_DOCUMENT_MB": "0"}, "CASELEDGER_MAX_DOCUMENT_MB"),
                       ({"CASELEDGER_UPLOAD_LINKS_IN_REMINDERS": "1"}, "CASELEDGER_PUBLIC_URL"),
                       ({"CASELEDGER_PUBLIC_URL": "caseledger"}, "CASELEDGER_PUBLIC_URL")):
        with pytest.raises(InvalidInput, match=words):
            DocumentSettings.from_environment(bad)
