"""Subject access over HTTP (UK GDPR Art. 15; application/subject_access.py).

``POST /api/v1/subject-access/search`` and ``POST /api/v1/subject-access/export`` take the text
searched for and the purpose in the JSON body: personal data never goes in a URL, and the request
log records the route and status only, never a body. A coordinator searches the cases of their
partnerships (those they may see in full); anyone else is refused (403, recorded in the access log
as denied). Each case found is recorded as read, with the purpose. Rectification is a case
command like any other: ``POST /api/v1/cases/{ref}/correct-personal-data``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from application.principals import Principal
from application.subject_access import (
    MAX_SEARCH,
    SubjectAccessService,
    may_search_at_all,
)
from domain.errors import InvalidInput
from domain.limits import MAX_REASON
from interfaces.bootstrap import Services
from interfaces.http.auth import current_principal
from interfaces.http.deps import services
from interfaces.http.problems import ApiProblem

router = APIRouter(prefix="/api/v1/subject-access", tags=["subject access"])

Built = Annotated[Services, Depends(services)]
Caller = Annotated[Principal, Depends(current_principal)]


class SubjectAccessRequest(BaseModel):
    """What to search for, and why (kept in the access log)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=MAX_SEARCH, description=(
        "A name, contact detail or phrase: up to three words are found as they are; a longer "
        "text where every run of three of its words appears."))
    purpose: str = Field(min_length=1, max_length=MAX_REASON, description=(
        "Why you are searching (e.g. the subject access request's reference)."))


def _service(built: Services, who: Principal, what: str) -> SubjectAccessService:
    decision = may_search_at_all(who)
    if not decision:
        built.audit.record_denied(None, actor=who.actor, what=what, why=decision.why)
        raise ApiProblem(403, decision.why, kind="forbidden")
    if built.subject_access is None:
        raise InvalidInput("This server keeps no subject index: it was started without its keys.")
    return built.subject_access


@router.post("/search", summary="The cases you may see in full where a person appears")
def search(body: SubjectAccessRequest, built: Built, who: Caller) -> list[dict[str, Any]]:
    found = _service(built, who, "subject-access search").find(body.text, who, body.purpose)
    return [case.to_dict() for case in found]


@router.post("/export", summary="What is held about a person, readable (contains personal data)")
def export(body: SubjectAccessRequest, built: Built, who: Caller) -> dict[str, str]:
    """The export's files by name: README.txt, subject.json and subject.txt."""
    return _service(built, who, "subject-access export").export(body.text, who, body.purpose)
