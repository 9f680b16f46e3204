"""Return documents over HTTP, and the upload links that need no account.

- ``POST /api/v1/cases/{ref}/returns/{agency}/{kind}/documents``: the return as a document
  (``multipart/form-data``, one field ``file``), by a contact of the agency or whoever works on
  the case; 201 with ``Location`` naming the document; 413 over the size limit; 415 for a type
  not accepted, or content that is not what its type says.
- ``GET /api/v1/cases/{ref}/returns/{agency}/{kind}/documents``: the return's documents.
- ``GET /api/v1/cases/{ref}/documents/{document_id}``: the content, as an attachment under a
  neutral name (``<reference>-<agency>-<kind>-v<version>.pdf``): the name it was uploaded with
  can name people.
- ``POST /api/v1/cases/{ref}/returns/{agency}/{kind}/upload-links``: a single-use link, by whoever
  may request returns on the case; its URL is shown once.
- ``GET`` / ``POST /api/v1/upload/{token}``: what a link asks for (the case reference, agency,
  kind and due date, nothing else), and the upload itself.

The size is checked from ``Content-Length`` before the body is read, and again on the content.
A case the caller may not see at all is 404; one they see but may not act on is 403; both are
recorded in the access log as denied, and a download as a read.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from application import access_policy as policy
from application.commands.common import RequestReturn
from application.documents import (
    ALLOWED,
    DEFAULT_LINK_HOURS,
    MAX_LINK_HOURS,
    DocumentService,
    DocumentTooLarge,
    UnsupportedDocument,
    upload_url,
)
from application.principals import Principal
from application.service import Meta
from infrastructure.documents import document_service
from interfaces.bootstrap import Services
from interfaces.http.auth import current_principal
from interfaces.http.cases import case_scope, refused
from interfaces.http.deps import services
from interfaces.http.problems import ApiProblem

router = APIRouter(prefix="/api/v1", tags=["documents"])

Built = Annotated[Services, Depends(services)]
Caller = Annotated[Principal, Depends(current_principal)]
T = TypeVar("T")

FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers around the file
RETURN_PATH = "/cases/{ref}/returns/{agency}/{kind}"

UPLOAD_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": (
            "The return: PDF, Word (.docx), OpenDocument text (.odt) or plain UTF-8 text, sent "
            "with its content type.")}}}}}}}

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Outside your role or scope"},
    404: {"description": "No such case, return or document, or not one you may see"},
    409: {"description": "Refused by a rule (e.g. the return is no longer awaited)"},
    422: {"description": "Invalid input, with each field as a JSON pointer"},
}
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    411: {"description": "No Content-Length"},
    413: {"description": "Larger than the limit"},
    415: {"description": "A type not accepted, or content that is not what its type says"},
}


def documents(request: Request) -> DocumentService:
    """The server's document service, built from its services and settings on first use."""
    state = request.app.state
    built: DocumentService | None = getattr(state, "documents", None)
    if built is None:
        s: Services = state.services
        built = document_service(s.cases, s.engine, s.clock, s.settings.environment)
        state.documents = built
    return built


Documents = Annotated[DocumentService, Depends(documents)]


# --------------------------------------------------------------------------- access


def _submitter(built: Services, who: Principal, ref: str, agency: str,
               attempted: str) -> policy.CaseScope:
    scope = case_scope(built, ref)
    decision = policy.may_submit_return(who, scope, agency)
    if not decision.allowed:
        raise refused(built, who, scope, attempted, decision.why)
    return scope


def _content_errors(call: Callable[[], T]) -> T:
    """A document too large is 413, one of a type not accepted 415 (not 422)."""
    try:
        return call()
    except DocumentTooLarge as error:
        raise ApiProblem(413, error.message, kind=error.code) from None
    except UnsupportedDocument as error:
        raise ApiProblem(415, error.message, kind=error.code,
                         extra={"accepted": list(ALLOWED)}) from None


async def _uploaded(request: Request, max_bytes: int) -> tuple[bytes, str, str | None]:
    """The ``file`` field of a multipart body: its content, declared type and file name."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise ApiProblem(411, "Send the document with its Content-Length.", kind="length-required")
    if int(length) > max_bytes + FORM_OVERHEAD:
        raise ApiProblem(413, f"The document is larger than {max_bytes // (1024 * 1024)} MB, the "
                              "most accepted.", kind="too-large")
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise ApiProblem(415, "Send the document as multipart/form-data, in a field named 'file'.",
                         kind="unsupported-type", extra={"accepted": list(ALLOWED)})
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception:  # a malformed body: the parser's text can quote it
        raise ApiProblem(400, "The multipart body could not be read.", kind="bad-body") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiProblem(422, "Send the document in a field named 'file'.", kind="invalid-input",
                             extra={"errors": [{"pointer": "/file", "detail": "Required."}]})
        content = await upload.read(max_bytes + 1)
        return content, upload.content_type or "", upload.filename
    finally:
        await form.close()


# --------------------------------------------------------------------------- with an account


class DocumentShown(BaseModel):
    id: str
    version: int
    sha256: str
    size: int
    content_type: str
    submitted: str
    status: str = Field(description="current or superseded")


@router.post(RETURN_PATH + "/documents", status_code=201, openapi_extra=UPLOAD_BODY,
             summary="Submit a return as a document (a new version supersedes the last)",
             responses={201: {"description": "Recorded; Location names the document"},
                        **ERRORS, **UPLOAD_ERRORS})
async def submit_document(ref: str, agency: str, kind: str, request: Request, response: Response,
                          built: Built, who: Caller, docs: Documents) -> dict[str, Any]:
    content, content_type, filename = await _uploaded(request, docs.settings.max_bytes)

    def submit() -> dict[str, Any]:
        _submitter(built, who, ref, agency, f"submit document {agency} {kind}")
        done = _content_errors(lambda: docs.submit(ref, agency, kind, content, content_type,
                                                   filename, Meta(actor=who.actor)))
        built.catch_up()
        response.headers["Location"] = (
            f"/api/v1/cases/{done.case.reference}/documents/{done.document_id}")
        response.headers["ETag"] = f'"{done.case.version}"'
        return done.to_dict()

    return await run_in_threadpool(submit)


@router.get(RETURN_PATH + "/documents", response_model=list[DocumentShown],
            summary="The documents submitted for a return, oldest first", responses=ERRORS)
def list_documents(ref: str, agency: str, kind: str, built: Built, who: Caller,
                   docs: Documents) -> list[dict[str, Any]]:
    scope = _submitter(built, who, ref, agency, f"list documents {agency} {kind}")
    _, found = docs.documents(scope.case_id, agency, kind)
    built.audit.record_read(scope.case_id, actor=who.actor, what=f"show documents of {agency} {kind}",
                            reference=scope.reference)
    return list(found.documents)


@router.get("/cases/{ref}/documents/{document_id}",
            summary="A return document's content, as an attachment under a neutral name",
            responses={200: {"description": "The document", "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in ALLOWED}},
                **ERRORS})
def download_document(ref: str, document_id: str, built: Built, who: Caller,
                      docs: Documents) -> Response:
    scope = case_scope(built, ref)
    _, found, _ = docs.locate(scope.case_id, document_id)
    decision = policy.may_submit_return(who, scope, found.agency)
    if not decision.allowed:
        raise refused(built, who, scope, f"download document {document_id}", decision.why)
    got = docs.download(scope.case_id, document_id)
    built.audit.record_read(scope.case_id, actor=who.actor, what=f"show document {document_id} (download)",
                            reference=scope.reference)
    digest = base64.b64encode(bytes.fromhex(got.sha256)).decode()
    return Response(got.content, media_type=got.content_type, headers={
        "Content-Disposition": f'attachment; filename="{got.filename}"',
        "Content-Digest": f"sha-256=:{digest}:"})


class LinkAsked(BaseModel):
    hours: int = Field(default=DEFAULT_LINK_HOURS, ge=1, le=MAX_LINK_HOURS,
                       description="How long the link works, in hours.")


@router.post(RETURN_PATH + "/upload-links", status_code=201,
             summary="Issue a single-use upload link for an outstanding return (shown once)",
             responses={201: {"description": "Issued; the URL is shown this once"}, **ERRORS})
def issue_link(ref: str, agency: str, kind: str, request: Request, response: Response,
               built: Built, who: Caller, docs: Documents,
               body: LinkAsked | None = None) -> dict[str, Any]:
    scope = case_scope(built, ref)
    decision = policy.may_execute(who, RequestReturn, scope)
    if not decision.allowed:
        raise refused(built, who, scope, f"issue upload link {agency} {kind}", decision.why)
    issued = docs.issue_link(scope.case_id, agency, kind, (body or LinkAsked()).hours,
                             Meta(actor=who.actor))
    url = upload_url(docs.settings.public_url or str(request.base_url), issued.token)
    response.headers["Location"] = url
    return {"url": url, "link_id": issued.link_id, "reference": issued.reference,
            "agency": issued.agency, "kind": issued.kind, "expires": issued.expires.isoformat()}


# --------------------------------------------------------------------------- with a link


class LinkShown(BaseModel):
    reference: str
    agency: str
    kind: str
    due: str
    expires: str


@router.get("/upload/{token}", response_model=LinkShown,
            summary="What an upload link asks for (no account needed)",
            responses={404: ERRORS[404], 409: {"description": "Used, expired, or no longer awaited"}})
def link_asks(token: str, docs: Documents) -> LinkShown:
    asked = docs.asked(token)
    return LinkShown(reference=asked.reference, agency=asked.agency, kind=asked.kind,
                     due=asked.due, expires=asked.expires.isoformat())


@router.post("/upload/{token}", status_code=201, openapi_extra=UPLOAD_BODY,
             summary="Upload the return an upload link asks for (no account needed; once)",
             responses={201: {"description": "Recorded"}, 404: ERRORS[404],
                        409: {"description": "Used, expired, or no longer awaited"},
                        **UPLOAD_ERRORS})
async def upload_with_link(token: str, request: Request, built: Built,
                           docs: Documents) -> dict[str, Any]:
    content, content_type, filename = await _uploaded(request, docs.settings.max_bytes)

    def redeem() -> dict[str, Any]:
        done = _content_errors(lambda: docs.redeem(token, content, content_type, filename))
        built.catch_up()
        return {"reference": done.case.reference, "received": True, "document": {
            "version": done.version, "sha256": done.sha256, "size": done.size,
            "content_type": done.content_type}}

    return await run_in_threadpool(redeem)
