"""Returns as documents, and single-use upload links (processes/common.md, "Requests to agencies").

An agency's return (IMR, chronology, scoping return…) arrives as a document. ``submit`` checks it
(at most ``CASELEDGER_MAX_DOCUMENT_MB``, default 20, and of an allowed type whose first bytes are
what that type's files begin with, not merely what the sender declared), stores the content, then
records ``ReturnDocumentSubmitted`` with its SHA-256 through the one case service: a requested
return is received with it, a received one gets a new version that supersedes the last. If the
fact cannot be recorded, the content stored for it is deleted; nothing else ever is.

The allowed types are PDF, Word (DOCX, without macros), OpenDocument text and plain UTF-8 text.
CSV is not among them: opened in a spreadsheet, a cell beginning ``=`` runs as a formula, and a
document from outside the partnership must be safe to open; a chronology can come as any of the
four.

A coordinator can issue an upload link for one outstanding return, so that an agency without an
account can send it: a random token shown once (only its SHA-256 is kept), valid for a number of
hours, used once. The fact it records names the link and the agency as its actor. A link is
refused once used, once expired, or once its return is no longer outstanding. An upload that is
refused (too large, wrong type) does not use the link up.

Reminder emails about a return carry a fresh link for it when ``CASELEDGER_PUBLIC_URL`` is set
and ``CASELEDGER_UPLOAD_LINKS_IN_REMINDERS=1``; such a link lasts
``CASELEDGER_REMINDER_LINK_HOURS`` (default 168, a week).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import uuid4

from application.commands.common import SubmitReturnDocument
from application.environment import whole_number
from application.ports import Clock
from application.service import CaseResult, CaseService, Meta
from domain import limits
from domain.case import AgencyReturn, Case
from domain.errors import CaseledgerError, InvalidInput, NotFound, RuleRefused
from domain.plain import Json

DEFAULT_MAX_MB = 20
MAX_MAX_MB = 100
DEFAULT_LINK_HOURS = 72
MAX_LINK_HOURS = 30 * 24
DEFAULT_REMINDER_LINK_HOURS = 7 * 24
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"
EXTENSIONS = {PDF: "pdf", DOCX: "docx", ODT: "odt", TEXT: "txt"}
ALLOWED = tuple(EXTENSIONS)
TYPE_WORDS = "PDF, Word (.docx), OpenDocument text (.odt) or plain text (UTF-8)"


# --------------------------------------------------------------------------- errors


class DocumentTooLarge(InvalidInput):
    code = "too-large"


class UnsupportedDocument(InvalidInput):
    code = "unsupported-type"


class LinkRefused(RuleRefused):
    """An upload link used, expired, or for a return no longer outstanding."""

    code = "link-refused"


class DocumentDamaged(CaseledgerError):
    """The stored content no longer matches the hash recorded for it."""

    code = "document-damaged"


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class DocumentSettings:
    max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024
    public_url: str | None = None  # CASELEDGER_PUBLIC_URL: where the API is reached from outside
    links_in_reminders: bool = False  # CASELEDGER_UPLOAD_LINKS_IN_REMINDERS=1
    reminder_link_hours: int = DEFAULT_REMINDER_LINK_HOURS

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> DocumentSettings:
        """From the CASELEDGER_* variables; a bad value is refused, naming the variable."""
        mb = whole_number(env, "CASELEDGER_MAX_DOCUMENT_MB", DEFAULT_MAX_MB, 1, MAX_MAX_MB)
        public = (env.get("CASELEDGER_PUBLIC_URL") or "").strip().rstrip("/") or None
        if public is not None and not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", public):
            raise InvalidInput(f"CASELEDGER_PUBLIC_URL={public!r}: give the address the API is "
                               "reached at, e.g. https://caseledger.example.gov.uk.")
        flag = (env.get("CASELEDGER_UPLOAD_LINKS_IN_REMINDERS") or "0").strip().lower()
        if flag not in ("0", "1", "true", "false", "yes", "no"):
            raise InvalidInput(f"CASELEDGER_UPLOAD_LINKS_IN_REMINDERS={flag!r}: use 1 or 0.")
        links = flag in ("1", "true", "yes")
        if links and public is None:
            raise InvalidInput("CASELEDGER_UPLOAD_LINKS_IN_REMINDERS=1 needs CASELEDGER_PUBLIC_URL, "
                               "the address the links point to.")
        hours = whole_number(env, "CASELEDGER_REMINDER_LINK_HOURS", DEFAULT_REMINDER_LINK_HOURS, 1,
                       MAX_LINK_HOURS)
        return cls(max_bytes=mb * 1024 * 1024, public_url=public, links_in_reminders=links,
                   reminder_link_hours=hours)

    @property
    def max_words(self) -> str:
        return f"{self.max_bytes // (1024 * 1024)} MB"


# --------------------------------------------------------------------------- content checks


def media_type(declared: str) -> str:
    """``Text/Plain; charset=UTF-8`` → ``text/plain`` (a text type's charset must be UTF-8)."""
    base, _, params = declared.partition(";")
    base = base.strip().lower()
    charset = re.search(r"charset\s*=\s*\"?([A-Za-z0-9_-]+)", params)
    if base == TEXT and charset and charset.group(1).lower() not in ("utf-8", "utf8", "us-ascii"):
        raise UnsupportedDocument("Plain text must be in UTF-8.", field="content_type")
    return base


def check_content(content: bytes, declared: str, max_bytes: int, max_words: str) -> str:
    """The media type of an acceptable document, else ``DocumentTooLarge`` or
    ``UnsupportedDocument`` with what is allowed."""
    if not content:
        raise InvalidInput("The document is empty.", field="file")
    if len(content) > max_bytes:
        raise DocumentTooLarge(f"The document is larger than {max_words}, the most accepted.",
                               field="file")
    kind = media_type(declared)
    if kind not in ALLOWED:
        raise UnsupportedDocument(f"Documents of this type are not accepted; send a {TYPE_WORDS}.",
                                  field="content_type")
    if not looks_like(kind, content):
        raise UnsupportedDocument(
            f"The document's content is not {TYPE_NAMES[kind]}, as it was declared to be; send a "
            f"{TYPE_WORDS}.", field="file")
    return kind


TYPE_NAMES = {PDF: "a PDF", DOCX: "a Word document (.docx, without macros)",
              ODT: "an OpenDocument text", TEXT: "plain UTF-8 text"}


def looks_like(kind: str, content: bytes) -> bool:
    """Whether the content is what files of ``kind`` are, judged by their first bytes (and, for
    the zipped formats, the parts that make them what they are)."""
    if kind == PDF:
        return content.startswith(b"%PDF-")
    if kind == ODT:
        mime = ODT.encode()
        return (content.startswith(b"PK\x03\x04") and content[30:38] == b"mimetype"
                and content[38:38 + len(mime)] == mime)
    if kind == DOCX:
        return content.startswith(b"PK\x03\x04") and _word_parts(content)
    if kind == TEXT:
        return _plain_text(content)
    return False


def _word_parts(content: bytes) -> bool:
    """A Word package: its content types and main document, and no macros. Only the directory
    is read; nothing is decompressed."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return ({"[Content_Types].xml", "word/document.xml"} <= names
            and not any(n.lower().endswith("vbaproject.bin") for n in names))


def _plain_text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ch < " " and ch not in "\t\n\r\f" for ch in text)


def neutral_filename(reference: str, agency: str, kind: str, version: int, content_type: str) -> str:
    """``CUM-DARDR-2026-001-cumbria-police-imr-v2.pdf``: never the name it was uploaded with,
    which can name people."""
    safe_kind = re.sub(r"[^A-Za-z0-9_-]+", "-", kind).strip("-") or "return"
    return f"{reference}-{agency}-{safe_kind}-v{version}.{EXTENSIONS.get(content_type, 'bin')}"


def _as_filename(given: str | None) -> str:
    """The uploaded name as a one-line name within the limit (it is kept, as personal data)."""
    name = re.split(r"[\\/]", given or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:limits.MAX_NAME]


# --------------------------------------------------------------------------- storage port


@dataclass(frozen=True)
class StoredDocument:
    document_id: str
    case_id: str
    sha256: str
    content_type: str
    size: int
    content: bytes
    stored_at: datetime
    # The content was sealed under the case's data key, which erasure destroyed: it is gone.
    erased: bool = False


@dataclass(frozen=True)
class UploadLink:
    link_id: str
    token_sha256: str
    case_id: str
    agency: str
    kind: str
    issued_at: datetime
    expires: datetime
    issued_by: str
    used_at: datetime | None = None


class DocumentStore(Protocol):
    """Where contents and links are kept (infrastructure/documents.py)."""

    def put(self, document: StoredDocument) -> None: ...

    def get(self, document_id: str) -> StoredDocument | None: ...

    def delete(self, document_id: str) -> None: ...

    def add_link(self, link: UploadLink) -> None: ...

    def link_by_token_hash(self, token_sha256: str) -> UploadLink | None: ...

    def claim_link(self, link_id: str, at: datetime) -> bool: ...

    def release_link(self, link_id: str, at: datetime) -> None: ...


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SubmittedDocument:
    document_id: str
    version: int
    sha256: str
    size: int
    content_type: str
    case: CaseResult

    def to_dict(self) -> dict[str, object]:
        return {**self.case.to_dict(), "document": {
            "id": self.document_id, "version": self.version, "sha256": self.sha256,
            "size": self.size, "content_type": self.content_type}}


@dataclass(frozen=True)
class Download:
    content: bytes
    content_type: str
    filename: str
    sha256: str
    version: int


@dataclass(frozen=True)
class IssuedLink:
    token: str  # shown once: only its hash is kept
    link_id: str
    reference: str
    agency: str
    kind: str
    expires: datetime


@dataclass(frozen=True)
class LinkRequest:
    """What a link asks for, and nothing else (no case details)."""

    reference: str
    agency: str
    kind: str
    due: str
    expires: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_actor(link: UploadLink) -> str:
    return f"upload link {link.link_id} (agency {link.agency})"


# --------------------------------------------------------------------------- the service


class DocumentService:
    """Return documents and upload links (see the module docstring)."""

    def __init__(self, cases: CaseService, store: DocumentStore, clock: Clock,
                 settings: DocumentSettings | None = None) -> None:
        self.cases, self.store, self.clock = cases, store, clock
        self.settings = settings or DocumentSettings()

    def check(self, content: bytes, content_type: str) -> str:
        return check_content(content, content_type, self.settings.max_bytes,
                             self.settings.max_words)

    def submit(self, ref: str, agency: str, kind: str, content: bytes, content_type: str,
               filename: str | None, meta: Meta) -> SubmittedDocument:
        """Store the document, then record it on the case; the content goes if that fails."""
        kind_of = self.check(content, content_type)
        case_id = str(self.cases.resolve(ref))
        digest = hashlib.sha256(content).hexdigest()
        command = SubmitReturnDocument(
            agency=agency, kind=kind, document_id=str(uuid4()), sha256=digest,
            size=len(content), content_type=kind_of, filename=_as_filename(filename))
        self.store.put(StoredDocument(command.document_id, case_id, digest, kind_of, len(content),
                                      content, self.clock.now()))
        try:
            result = self.cases.execute(case_id, command, meta)
        except BaseException:
            self.store.delete(command.document_id)  # ours, and recorded nowhere
            raise
        return SubmittedDocument(command.document_id, int((result.detail or {})["created"]),
                                 digest, len(content), kind_of, result)

    def documents(self, ref: str, agency: str, kind: str) -> tuple[Case, AgencyReturn]:
        """The case and its return with the documents recorded for it."""
        case = self.cases.load_case(ref)
        found = next((r for r in case.returns.values() if r.agency == agency and r.kind == kind),
                     None)
        if found is None:
            raise NotFound(f"No {kind} return has been requested from {agency} on {case.reference}.")
        return case, found

    def locate(self, ref: str, document_id: str) -> tuple[Case, AgencyReturn, dict[str, Json]]:
        """The case, the return a document was recorded for, and its entry there."""
        case = self.cases.load_case(ref)
        for r in case.returns.values():
            recorded = r.document(document_id)
            if recorded is not None:
                return case, r, recorded
        raise NotFound(f"{case.reference} has no document {document_id}.")

    def download(self, ref: str, document_id: str) -> Download:
        """A recorded document's content, checked against the hash in the fact that recorded it."""
        case, r, recorded = self.locate(ref, document_id)
        stored = self.store.get(document_id)
        if stored is None or stored.case_id != str(case.id):
            raise NotFound(f"{case.reference} has no document {document_id}.")
        if stored.erased:
            raise NotFound(f"The content of document {document_id} was erased with "
                           f"{case.reference}'s personal data at the end of its retention.")
        digest = hashlib.sha256(stored.content).hexdigest()
        if not hmac.compare_digest(digest, str(recorded["sha256"])):
            raise DocumentDamaged(f"The stored content of document {document_id} does not match "
                                  "the hash recorded when it was received; it is not served.")
        version = int(str(recorded["version"]))
        return Download(stored.content, stored.content_type,
                        neutral_filename(case.reference, r.agency, r.kind, version,
                                         stored.content_type), digest, version)

    # -- upload links -------------------------------------------------------------------

    def issue_link(self, ref: str, agency: str, kind: str, expires_in_hours: int,
                   meta: Meta) -> IssuedLink:
        """A single-use link for one outstanding return; the token is returned once."""
        if not 1 <= expires_in_hours <= MAX_LINK_HOURS:
            raise InvalidInput(f"A link lasts from 1 to {MAX_LINK_HOURS} hours.", field="hours")
        problem = limits.text_problem(meta.actor, free_text=False, maximum=limits.MAX_ACTOR)
        if problem is not None or not meta.actor.strip():
            raise InvalidInput(f"The actor {problem or 'is empty'}.", field="actor")
        case, found = self.documents(ref, agency, kind)
        self._outstanding(case, found)
        token, now = secrets.token_urlsafe(32), self.clock.now()
        link = UploadLink(link_id=secrets.token_hex(8), token_sha256=token_hash(token),
                          case_id=str(case.id), agency=agency, kind=kind, issued_at=now,
                          expires=now + timedelta(hours=expires_in_hours), issued_by=meta.actor)
        self.store.add_link(link)
        return IssuedLink(token, link.link_id, case.reference, agency, kind, link.expires)

    def asked(self, token: str) -> LinkRequest:
        """What a valid link asks for: the case reference, agency, kind and due date."""
        link, case, found = self._valid_link(token)
        return LinkRequest(case.reference, link.agency, link.kind, found.due, link.expires)

    def redeem(self, token: str, content: bytes, content_type: str,
               filename: str | None) -> SubmittedDocument:
        """Submit the return a link asks for; the link is used up only if it is recorded."""
        link, _, _ = self._valid_link(token)
        self.check(content, content_type)
        claimed_at = self.clock.now()
        if not self.store.claim_link(link.link_id, claimed_at):
            raise LinkRefused("This upload link has already been used; ask the coordinator "
                              "for a new one.")
        try:
            return self.submit(link.case_id, link.agency, link.kind, content, content_type,
                               filename, Meta(actor=link_actor(link)))
        except BaseException:
            self.store.release_link(link.link_id, claimed_at)
            raise

    def _valid_link(self, token: str) -> tuple[UploadLink, Case, AgencyReturn]:
        unknown = NotFound("This upload link is not known; check it was copied whole.")
        if not TOKEN.match(token):
            raise unknown
        given = token_hash(token)
        link = self.store.link_by_token_hash(given)
        if link is None or not hmac.compare_digest(link.token_sha256, given):
            raise unknown
        if link.used_at is not None:
            raise LinkRefused("This upload link has already been used; ask the coordinator for "
                              "a new one.")
        if self.clock.now() >= link.expires:
            raise LinkRefused("This upload link has expired; ask the coordinator for a new one.")
        case, found = self.documents(link.case_id, link.agency, link.kind)
        self._outstanding(case, found)
        return link, case, found

    @staticmethod
    def _outstanding(case: Case, found: AgencyReturn) -> None:
        if case.is_closed or not found.outstanding:
            raise LinkRefused(f"The {found.kind} return from {found.agency} on {case.reference} "
                              f"is no longer awaited (it is {found.status}"
                              f"{' and the case is closed' if case.is_closed else ''}).")

    # -- reminders ----------------------------------------------------------------------

    def reminder_link(self, case: Case, deadline: str, addressee_of: str) -> str | None:
        """The upload URL a reminder to an agency about its outstanding return carries, when
        links in reminders are configured; else None."""
        public = self.settings.public_url
        if not self.settings.links_in_reminders or public is None:
            return None
        found = case.returns.get(deadline)
        if found is None or addressee_of != f"agency:{found.agency}":
            return None
        if case.is_closed or not found.outstanding:
            return None
        issued = self.issue_link(str(case.id), found.agency, found.kind,
                                 self.settings.reminder_link_hours, Meta(actor="reminder email"))
        return upload_url(public, issued.token)


def upload_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/api/v1/upload/{token}"
