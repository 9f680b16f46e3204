"""``caseledger case submit-document`` and ``caseledger case upload-link``: a return as a document,
and a single-use link for an agency without an account (application/documents.py).

    caseledger case submit-document REF --agency A --kind K --file PATH [--type MEDIA-TYPE]
    caseledger case upload-link REF --agency A --kind K [--hours 72]

The document's type is taken from its file name's extension unless ``--type`` gives it; either
way its content must be what that type is. The link's URL is shown once: only its hash is kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from application.documents import (
    DEFAULT_LINK_HOURS,
    EXTENSIONS,
    MAX_LINK_HOURS,
    DocumentService,
    upload_url,
)
from domain.errors import InvalidInput
from infrastructure.documents import document_service
from interfaces.cli.case import app
from interfaces.cli.common import Invocation, Ref, command

BY_EXTENSION = {extension: media for media, extension in EXTENSIONS.items()}

Agency = Annotated[str, typer.Option("--agency", metavar="AGENCY", help="The agency's short id.")]
Kind = Annotated[str, typer.Option("--kind", metavar="KIND", help=(
    "The kind of return (DARDR: scoping, chronology, imr, short-report, information)."))]


def documents(inv: Invocation) -> DocumentService:
    services = inv.services
    return document_service(services.cases, services.engine, services.clock,
                            services.settings.environment)


def read_document(path: Path, given_type: str | None) -> tuple[bytes, str]:
    """The file's bytes and media type (``--type``, else from its extension)."""
    media = given_type or BY_EXTENSION.get(path.suffix.lower().lstrip("."))
    if media is None:
        raise InvalidInput(f"Cannot tell the type of '{path.name}' from its extension; use a .pdf, "
                           ".docx, .odt or .txt file, or give the type.", field="type")
    try:
        return path.read_bytes(), media
    except OSError as error:
        raise InvalidInput(f"Cannot read the file ({error.strerror or type(error).__name__}).",
                           field="file") from None


@command(app, "submit-document", "case")
def submit_document(
    inv: Invocation, ref: Ref, agency: Agency, kind: Kind,
    file: Annotated[Path, typer.Option("--file", metavar="PATH", help=(
        "The return: a PDF, Word (.docx), OpenDocument text (.odt) or UTF-8 text file."))],
    media_type: Annotated[str | None, typer.Option("--type", metavar="MEDIA-TYPE", help=(
        "Its media type, if its extension does not say (e.g. application/pdf)."))] = None,
) -> None:
    """Submit an agency's return as a document: a requested return is received with it, a
    received one gets a new version."""
    content, media = read_document(file, media_type)
    done = documents(inv).submit(ref, agency, kind, content, media, file.name, inv.meta())
    inv.case_id = done.case.id
    inv.refresh_views()
    inv.emit(done.to_dict(), f"{done.case.reference} → {done.case.stage} (version "
                             f"{done.case.version}); {agency} {kind} return document version "
                             f"{done.version} ({done.size} bytes, sha256 {done.sha256[:12]}…)")


@command(app, "upload-link", "case")
def upload_link(
    inv: Invocation, ref: Ref, agency: Agency, kind: Kind,
    hours: Annotated[int, typer.Option("--hours", min=1, max=MAX_LINK_HOURS, help=(
        "How long the link works."))] = DEFAULT_LINK_HOURS,
) -> None:
    """Issue a single-use link for one outstanding return, so that the agency can upload it
    without an account; the link is shown this once."""
    service = documents(inv)
    issued = service.issue_link(ref, agency, kind, hours, inv.meta())
    public = service.settings.public_url
    data = {"link_id": issued.link_id, "reference": issued.reference, "agency": issued.agency,
            "kind": issued.kind, "expires": issued.expires.isoformat(),
            "url": upload_url(public, issued.token) if public else None,
            "path": f"/api/v1/upload/{issued.token}"}
    where = data["url"] or (f"{data['path']} on the API's address (set CASELEDGER_PUBLIC_URL to "
                            "show the whole link)")
    inv.emit(data, f"Upload link for the {kind} return from {agency} on {issued.reference}, "
                   f"once, until {data['expires']} (shown only now):\n{where}")
