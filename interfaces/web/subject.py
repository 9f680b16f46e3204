"""Pages: subject access for coordinators (UK GDPR Art. 15; application/subject_access.py).

- ``GET /subject-access``: the form: the name or words to search for, and the purpose (both
  required; the purpose is kept in the access log with every case found).
- ``POST /subject-access``: the cases where the words appear that the coordinator may see in
  full (reference linked to the case page, type, partnership, stage), or "No case found"; and a
  form that posts the same text and purpose to the download.
- ``POST /subject-access/export``: the export's files (README.txt, subject.json, subject.txt) as
  a zip, attachment, under a neutral name (``subject-access-<date>.zip``), never cached.

The text searched for is personal data: it travels only in POST bodies (never a URL, so never
the request log, a browser's history or a referrer), and no title names it. Only coordinators
(``may_search_at_all``) reach these pages; anyone else gets the 403 page, the attempt recorded in
the access log as the API records it. Each case found is recorded as read, with the purpose
(``SubjectAccessService.find``).
"""

from __future__ import annotations

import io
import zipfile
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from application.principals import Principal
from application.subject_access import MAX_SEARCH, SubjectAccessService, may_search_at_all
from domain import plain
from domain.calendar import LONDON
from domain.errors import InvalidInput
from domain.limits import MAX_REASON
from interfaces.bootstrap import Services
from interfaces.http.deps import services
from interfaces.http.problems import ApiProblem
from interfaces.web.render import Viewer, render
from interfaces.web.session import PostedForm, SignedIn

router = APIRouter(include_in_schema=False)

Built = Annotated[Services, Depends(services)]

TITLE = "Subject access"
SEARCH = "subject-access search"
EXPORT = "subject-access export"
MISSING = {"text": "Enter the name or words to search for",
           "purpose": "Enter the purpose of the search"}


def _service(built: Services, who: Principal, what: str) -> SubjectAccessService:
    """The service, for a coordinator (or the local operator): for anyone else a 403 page, the
    attempt recorded as denied."""
    decision = may_search_at_all(who)
    if not decision:
        built.audit.record_denied(None, actor=who.actor, what=what, why=decision.why)
        raise ApiProblem(403, decision.why, kind="forbidden")
    if built.subject_access is None:
        raise InvalidInput("This server keeps no subject index: it was started without its keys.")
    return built.subject_access


def _page(request: Request, who: Viewer, *, text: str = "", purpose: str = "",
          errors: list[tuple[str, str]] | None = None, found: list[dict[str, Any]] | None = None,
          status: int = 200) -> HTMLResponse:
    """The form, and the cases found (``found`` None: no search made yet)."""
    return render(request, "subject/search.html", title=TITLE, viewer=who, text=text,
                  purpose=purpose, errors=errors or [], found=found, max_text=MAX_SEARCH,
                  status=status)


def _posted(form: Any) -> tuple[str, str, list[tuple[str, str]]]:
    """The text and purpose posted (cut to a length the page shows again), and what is wrong
    with them, as GOV.UK error messages."""
    text, purpose = (str(form.get(name) or "") for name in ("text", "purpose"))
    errors: list[tuple[str, str]] = []
    if not text.strip():
        errors.append(("text", MISSING["text"]))
    elif len(text) > MAX_SEARCH:
        errors.append(("text", f"The name or words must be {MAX_SEARCH} characters or fewer"))
    if not purpose.strip():
        errors.append(("purpose", MISSING["purpose"]))
    elif len(purpose) > MAX_REASON:
        errors.append(("purpose", f"The purpose must be {MAX_REASON:,} characters or fewer"))
    return text[:MAX_REASON], purpose[:MAX_REASON], errors


@router.get("/subject-access")
def search_form(request: Request, who: SignedIn, built: Built) -> HTMLResponse:
    _service(built, who.principal, SEARCH)
    return _page(request, who)


@router.post("/subject-access")
def search(request: Request, who: SignedIn, form: PostedForm, built: Built) -> HTMLResponse:
    service = _service(built, who.principal, SEARCH)
    text, purpose, errors = _posted(form)
    if not errors:
        try:
            found = service.find(text, who.principal, purpose)
        except InvalidInput as wrong:
            errors = [(wrong.field or "text", wrong.message)]
    if errors:
        return _page(request, who, text=text, purpose=purpose, errors=errors, status=400)
    names = {str(p["slug"]): str(p["name"]) for p in built.views.partnerships()}
    rows = [{"reference": f.reference, "type": plain.case_type_label(f.case_type, short=True),
             "partnership": names.get(f.partnership, f.partnership),
             "stage": plain.stage_label(f.case_type, f.stage or "")} for f in found]
    return _page(request, who, text=text, purpose=purpose, found=rows)


@router.post("/subject-access/export")
def export(request: Request, who: SignedIn, form: PostedForm, built: Built) -> Response:
    """The export as a zip; the form again, with its errors, if the text or purpose is wrong."""
    service = _service(built, who.principal, EXPORT)
    text, purpose, errors = _posted(form)
    if not errors:
        try:
            files = service.export(text, who.principal, purpose)
        except InvalidInput as wrong:
            errors = [(wrong.field or "text", wrong.message)]
    if errors:
        return _page(request, who, text=text, purpose=purpose, errors=errors, status=400)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(name, content)
    # a neutral name: the date only, never who it is about (it lands in a downloads folder)
    today = built.clock.now().astimezone(LONDON).date().isoformat()
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="subject-access-{today}.zip"',
        "Cache-Control": "no-store"})
