"""Pages: an agency contact's window on what is asked of their agency (access.md, agency contact).

- ``GET /agency``: the returns requested of their agency in any partnership that asked (case
  reference, case type, what is asked, due date, status, reminders sent), the actions it owns and
  its other deadlines. Nothing about the victim, applicant, family or group: a case is named by
  its reference alone.
- ``GET /agency/returns/{ref}/{agency}/{kind}``: one return, its documents, and the upload form.
- ``POST`` the same: upload a return document (``multipart/form-data``), with the API's checks,
  limits and recording (``DocumentService.submit``), then back to the return with a banner.

Who may open a return's page is the API's rule for its documents
(``policy.may_submit_return``): a contact of the agency it is asked of, or whoever works on the
case on the agency's behalf; anyone else is refused as the API refuses them (404 where they may
not see the case at all, 403 otherwise), and the refusal is in the access log. Reading a return's
page is a read of the case, recorded as the API's document list records it.

What an agency contact reads comes from the deadlines their agency is responsible for
(``policy.may_see_deadline``) and, for those cases only, the case's returns and actions asked of
that agency: never its stage, details or personal data. An action's recommendation text is kept
in the event's personal field and is not shown here (access.md: free text is never shown to
agency contacts).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from application import access_policy as policy
from application.documents import DocumentService, DocumentTooLarge, UnsupportedDocument
from application.ports import DeadlineFilter
from application.principals import Principal, Role
from application.service import Meta
from domain import plain
from domain.case import AgencyReturn, Case
from domain.errors import InvalidInput, RuleRefused, WrongStage
from interfaces.bootstrap import Services
from interfaces.http.cases import case_scope, refused
from interfaces.http.deps import services
from interfaces.http.documents import FORM_OVERHEAD, documents
from interfaces.http.problems import ApiProblem
from interfaces.web.render import Viewer, render
from interfaces.web.session import PostedForm, SignedIn

router = APIRouter(include_in_schema=False)

Built = Annotated[Services, Depends(services)]
Documents = Annotated[DocumentService, Depends(documents)]

RETURN_PAGE = "/agency/returns/{ref}/{agency}/{kind}"
OUTSTANDING = ("requested", "challenged")
TAKES_DOCUMENTS = ("requested", "challenged", "received")
NOT_AN_AGENCY = ("This page is for agency contacts: it shows what is asked of an agency. Your "
                 "account does not act for an agency.")
RETURN_STATUSES = {"requested": "Requested", "challenged": "Asked for again", "received": "Submitted",
                   "accepted": "Accepted", "withdrawn": "Withdrawn", "overdue": "Overdue"}
STATUS_COLOURS = {"Requested": "blue", "Asked for again": "orange", "Submitted": "green",
                  "Accepted": "green", "Withdrawn": "grey", "Overdue": "red"}
SELECT_A_FILE = "Select the return document to upload"


# --------------------------------------------------------------------------- what is asked


@dataclass(frozen=True)
class ReturnAsked:
    """A return asked of an agency, as its contact reads it: no case detail beyond the reference."""

    reference: str
    case_type: str
    partnership: str
    agency: str
    kind: str
    what: str
    requested: str
    due: str
    status: str  # the words shown (RETURN_STATUSES)
    reminders: int
    last_reminder_day: str | None
    documents: int

    @property
    def href(self) -> str:
        return RETURN_PAGE.format(ref=self.reference, agency=self.agency, kind=self.kind)

    @property
    def kind_label(self) -> str:
        """What is asked without whom of: "Scoping response"."""
        return plain.RETURN_KINDS.get(self.kind) or plain.words(self.kind).capitalize()

    @property
    def colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "grey")


@dataclass(frozen=True)
class ActionOwned:
    reference: str
    action_id: str
    level: str
    due: str
    rag: str
    status: str


@dataclass(frozen=True)
class OtherDeadline:
    reference: str
    what: str
    due: str
    status: str


@dataclass
class AgencyWork:
    """What is asked of one agency, across the partnerships that asked."""

    slug: str
    name: str
    returns: list[ReturnAsked] = field(default_factory=list)
    actions: list[ActionOwned] = field(default_factory=list)
    others: list[OtherDeadline] = field(default_factory=list)

    @property
    def outstanding(self) -> int:
        return sum(1 for r in self.returns if r.status in ("Requested", "Asked for again", "Overdue"))


def contact_agencies(principal: Principal) -> list[str]:
    """The agencies the principal is a contact of (in the order of their grants)."""
    return list(dict.fromkeys(g.agency for g in principal.grants_of(Role.AGENCY_CONTACT) if g.agency))


def _day(text: str | None) -> str:
    return plain.due_label(text) if text and "T" in text else (text or "")[:10]


def return_status(r: AgencyReturn, now: datetime) -> str:
    """The return's status in words; an outstanding one past its due time is overdue."""
    if r.status in OUTSTANDING and datetime.fromisoformat(r.due) < now:
        return RETURN_STATUSES["overdue"]
    return RETURN_STATUSES.get(r.status, plain.words(r.status).capitalize())


def return_asked(case: Case, r: AgencyReturn, names: dict[str, str], now: datetime) -> ReturnAsked:
    deadline = case.deadlines.get(r.deadline)
    reminded = deadline.last_reminder_day() if deadline is not None else None
    return ReturnAsked(
        reference=case.reference, case_type=plain.case_type_label(case.case_type, short=True),
        partnership=case.partnership, agency=r.agency, kind=r.kind,
        what=plain.deadline_label(case.case_type, r.deadline, names),
        requested=_day(r.requested), due=_day(r.due), status=return_status(r, now),
        reminders=deadline.reminders if deadline is not None else 0,
        last_reminder_day=reminded.isoformat() if reminded else None,
        documents=len(r.documents))


def agency_work(built: Services, who: Principal, agency: str, names: dict[str, str]) -> AgencyWork:
    """The returns, actions and other deadlines asked of ``agency``, from the deadlines it is
    responsible for (each one the principal may see) and those cases' returns and actions."""
    now = built.clock.now()
    rows = [r for r in built.views.open_deadlines(DeadlineFilter(agency=agency,
                                                                 include_closed_statuses=True))
            if policy.may_see_deadline(who, r)]
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_case[str(row["case_id"])].append(row)
    work = AgencyWork(agency, names.get(agency, agency))
    for case_id, case_rows in by_case.items():
        case = built.cases.load_case(case_id)
        for r in case.returns.values():
            if r.agency == agency:
                work.returns.append(return_asked(case, r, names, now))
        for a in case.actions.values():
            if a.owner == agency:
                work.actions.append(ActionOwned(case.reference, a.id,
                                                plain.ACTION_LEVELS.get(a.level, a.level),
                                                _day(a.due), a.rag, a.status))
        for row in case_rows:
            if not str(row["name"]).startswith(("return:", "action:")):
                work.others.append(OtherDeadline(
                    case.reference, plain.deadline_label(str(row["case_type"]), str(row["name"]), names),
                    _day(row["due"]), plain.status_label(str(row["status"]))))
    order = {"Overdue": 0, "Requested": 1, "Asked for again": 1}
    work.returns.sort(key=lambda r: (order.get(r.status, 2), r.due, r.reference))
    work.actions.sort(key=lambda a: (a.status != "open", a.due, a.reference))
    return work


def agency_names(built: Services) -> dict[str, str]:
    return {str(a["slug"]): str(a["name"]) for a in built.views.agencies()}


@router.get("/agency")
def agency_home(request: Request, who: SignedIn, built: Built) -> HTMLResponse:
    agencies = contact_agencies(who.principal)
    if not agencies:
        raise ApiProblem(403, NOT_AN_AGENCY, kind="forbidden")
    names = agency_names(built)
    work = [agency_work(built, who.principal, agency, names) for agency in agencies]
    return render(request, "agency/home.html", title="Requests to your agency", viewer=who,
                  work=work)


# --------------------------------------------------------------------------- one return


def _return_of(built: Services, docs: DocumentService, who: Principal, ref: str, agency: str,
               kind: str, attempted: str) -> tuple[policy.CaseScope, Case, AgencyReturn]:
    """The return, if the principal may submit it (the API's rule); refused (recorded) if not."""
    scope = case_scope(built, ref)
    decision = policy.may_submit_return(who, scope, agency)
    if not decision.allowed:
        raise refused(built, who, scope, attempted, decision.why)
    case, found = docs.documents(scope.case_id, agency, kind)
    return scope, case, found


def _return_page(request: Request, who: Viewer, built: Built, docs: DocumentService,
                 scope: policy.CaseScope, case: Case, found: AgencyReturn, *,
                 errors: list[tuple[str, str]] | None = None, submitted: int | None = None,
                 status: int = 200) -> HTMLResponse:
    names = agency_names(built)
    asked = return_asked(case, found, names, built.clock.now())
    shown = [{**d, "submitted_day": _day(str(d.get("submitted") or "")),
              "href": f"/api/v1/cases/{case.reference}/documents/{d['id']}"}
             for d in reversed(found.documents)]
    return render(request, "agency/return.html", title=f"{asked.kind_label} for {case.reference}",
                  viewer=who,
                  asked=asked, agency_name=names.get(found.agency, found.agency),
                  documents=shown, takes_documents=found.status in TAKES_DOCUMENTS,
                  max_words=docs.settings.max_words, errors=errors or [], submitted=submitted,
                  file_error=next((m for f, m in errors or [] if f == "file"), None),
                  status=status)


@router.get(RETURN_PAGE)
def return_page(ref: str, agency: str, kind: str, request: Request, who: SignedIn, built: Built,
                docs: Documents, submitted: int | None = None) -> HTMLResponse:
    scope, case, found = _return_of(built, docs, who.principal, ref, agency, kind,
                                    f"show return {agency} {kind}")
    built.audit.record_read(scope.case_id, actor=who.principal.actor,
                            what=f"show documents of {agency} {kind}", reference=scope.reference)
    return _return_page(request, who, built, docs, scope, case, found, submitted=submitted)


def not_too_large(request: Request, docs: Documents) -> None:
    """A body far over the limit is refused before it is read (as the API's upload is); one
    just over it is read, so that the form can say so in the GOV.UK pattern."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > 2 * docs.settings.max_bytes + FORM_OVERHEAD:
        raise ApiProblem(413, f"The file is larger than {docs.settings.max_words}, the most "
                              "accepted. Go back and choose a smaller file.", kind="too-large")


@router.post(RETURN_PAGE, dependencies=[Depends(not_too_large)])
def upload_return(ref: str, agency: str, kind: str, request: Request, who: SignedIn,
                  form: PostedForm, built: Built, docs: Documents) -> Response:
    scope, case, found = _return_of(built, docs, who.principal, ref, agency, kind,
                                    f"submit document {agency} {kind}")
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _return_page(request, who, built, docs, scope, case, found,
                            errors=[("file", SELECT_A_FILE)], status=400)
    content = upload.file.read(docs.settings.max_bytes + 1)
    try:
        done = docs.submit(scope.case_id, agency, kind, content, upload.content_type or "",
                           upload.filename, Meta(actor=who.principal.actor))
    except (InvalidInput, RuleRefused) as error:
        return _return_page(request, who, built, docs, scope, case, found,
                            errors=[("file", _upload_error(error, docs))],
                            status=_upload_status(error))
    built.catch_up()  # read-your-writes: the agency's page shows the return as submitted
    target = RETURN_PAGE.format(ref=done.case.reference, agency=agency, kind=kind)
    return RedirectResponse(f"{target}?submitted={done.version}", status_code=303)


def _upload_error(error: InvalidInput | RuleRefused, docs: DocumentService) -> str:
    """The document service's refusal in the GOV.UK file upload's words."""
    if isinstance(error, DocumentTooLarge):
        return f"The selected file must be smaller than {docs.settings.max_words}"
    if isinstance(error, UnsupportedDocument) and "not accepted" in error.message:
        return ("The selected file must be a PDF, Word document (.docx), OpenDocument text (.odt) "
                "or plain text file")
    if error.message == "The document is empty.":
        return "The selected file is empty"
    if isinstance(error, WrongStage):  # its message names the stage: not the agency's to read
        return ("The case is not taking returns at the moment: contact the partnership that "
                "asked for it")
    return error.message


def _upload_status(error: InvalidInput | RuleRefused) -> int:
    if isinstance(error, DocumentTooLarge):
        return 413
    if isinstance(error, UnsupportedDocument):
        return 415
    return 409 if isinstance(error, RuleRefused) else 400
