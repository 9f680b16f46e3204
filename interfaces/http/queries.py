"""The command line's other queries over HTTP: the rules catalogue, the set-up, the board report
and the ASB statutory figures, and the auditor's reads (integrity chain, access log, export).

Each answers only within the caller's role and scope (``access.md``): reports for board members,
coordinators and auditors of the partnership (or a county board member's county); the chain, the
access log and exports for auditors; the set-up for anyone who works cases or administers it.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from application import access_policy as policy
from application.audit import recorded_window
from application.principals import Principal, Role
from application.queries import parse_instant, parse_time
from application.reporting.render_csv import render_zip
from application.reporting.render_html import render_html
from application.reporting.render_json import render_json
from application.rules import as_json, catalogue
from domain.errors import InvalidInput
from interfaces.bootstrap import Services
from interfaces.http.auth import current_principal
from interfaces.http.cases import visible_case
from interfaces.http.deps import services
from interfaces.http.problems import ApiProblem

router = APIRouter(prefix="/api/v1")

Built = Annotated[Services, Depends(services)]
Caller = Annotated[Principal, Depends(current_principal)]
Slug = Annotated[str | None, Query(max_length=64, pattern="^[a-z0-9][a-z0-9-]*$")]


def _forbidden(why: str) -> ApiProblem:
    return ApiProblem(403, why, kind="forbidden")


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"'{text}' is not a date; use YYYY-MM-DD.", field=field) from None


# --------------------------------------------------------------------------- catalogue, set-up


@router.get("/rules", tags=["rules"], summary="The rules catalogue: each rule, its source and link")
def rules(who: Caller, case_type: Annotated[Literal["dardr", "asb", "encampment"] | None,
                                            Query(alias="type")] = None) -> list[dict[str, str]]:
    return as_json(catalogue(case_type))


@router.get("/partnerships", tags=["set-up"], summary="Partnerships, their hubs, and the agencies")
def partnerships(built: Built, who: Caller) -> dict[str, Any]:
    if not (who.grants or policy.is_local_operator(who)):
        raise _forbidden("Your account has no role yet: ask an administrator.")
    built.catch_up(wait=False)
    return {"partnerships": list(built.views.partnerships()), "agencies": list(built.views.agencies())}


# --------------------------------------------------------------------------- reports


@router.get("/reports/board", tags=["reports"],
            summary="The board report for a partnership or a county, as known at a time",
            responses={200: {"content": {"application/json": {}, "text/html": {},
                                         "application/zip": {}}}})
def board_report(
    built: Built, who: Caller,
    date_from: Annotated[str, Query(alias="from", max_length=10, description="YYYY-MM-DD")],
    date_to: Annotated[str, Query(alias="to", max_length=10, description="YYYY-MM-DD")],
    partnership: Slug = None, county: Slug = None,
    as_known_at: Annotated[str | None, Query(max_length=40)] = None,
    publishable: bool = False,
    report_format: Annotated[Literal["json", "html", "csv"], Query(alias="format")] = "json",
) -> Response:
    if (partnership is None) == (county is None):
        raise InvalidInput("Give a partnership or a county (one of them).", field="partnership")
    decision = (policy.may_read_reports(who, partnership, _counties_of(built, partnership))
                if partnership else policy.may_read_county_reports(who, county or ""))
    if not decision:
        raise _forbidden(decision.why)
    built.catch_up(wait=False)
    report = built.reports.board(
        partnership=partnership, county=county, date_from=_day(date_from, "from"),
        date_to=_day(date_to, "to"), as_known_at=(parse_instant(as_known_at, "as_known_at") if as_known_at else None),
        publishable=publishable)
    if report_format == "html":
        return Response(render_html(report), media_type="text/html; charset=utf-8")
    if report_format == "csv":
        return Response(render_zip(report), media_type="application/zip", headers={
            "Content-Disposition": 'attachment; filename="board-report.zip"'})
    return Response(render_json(report), media_type="application/json")


def _counties_of(built: Services, partnership: str) -> list[str]:
    """The counties the set-up puts the partnership in (their board members read its reports)."""
    return [c["slug"] for c in built.views.counties() if partnership in c.get("partnerships", ())]


@router.get("/reports/asb-annual", tags=["reports"],
            summary="The statutory annual ASB Case Review figures for a financial year")
def asb_annual(
    built: Built, who: Caller,
    partnership: Annotated[str, Query(max_length=64, pattern="^[a-z0-9][a-z0-9-]*$")],
    year: Annotated[int, Query(ge=2014, le=2199, description="Financial year from 1 April")],
    as_known_at: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    decision = policy.may_read_reports(who, partnership, _counties_of(built, partnership))
    if not decision:
        raise _forbidden(decision.why)
    built.catch_up(wait=False)
    known = parse_instant(as_known_at, "as_known_at") if as_known_at else None
    figures: dict[str, Any] = built.reports.asb_annual(partnership, year, known)
    return figures


# --------------------------------------------------------------------------- the auditor's reads


def _auditor(who: Principal) -> None:
    if not (who.holds(Role.AUDITOR) or policy.is_local_operator(who)):
        raise _forbidden("Only an auditor may read the integrity chain and the access log.")


@router.get("/audit/verify", tags=["audit"],
            summary="Recompute the integrity chain over the whole event log")
def verify(built: Built, who: Caller) -> dict[str, Any]:
    _auditor(who)
    report: dict[str, Any] = built.integrity.verify().to_dict()
    return report


@router.get("/audit/anchor", tags=["audit"], summary="The chain's head, to keep as an anchor")
def anchor(built: Built, who: Caller) -> dict[str, Any]:
    _auditor(who)
    head: dict[str, Any] = built.integrity.head()
    return head


@router.get("/audit/access", tags=["audit"],
            summary="Who read which case, when and what (reads and denied attempts)")
def access_log(
    built: Built, who: Caller,
    case: Annotated[str | None, Query(max_length=80)] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
) -> list[dict[str, Any]]:
    _auditor(who)
    built.catch_up(wait=False)
    lo, hi = recorded_window(parse_time(start, "from"), parse_time(end, "to"))
    rows = built.audit.access(case=case, actor=actor, recorded_from=lo, recorded_before=hi)
    listed = {r["reference"]: r for r in built.views.list_cases(None, None, None)}
    return [r for r in rows if r.get("case") in listed
            and policy.may_audit(who, listed[r["case"]]["partnership"])]


class ExportRequest(BaseModel):
    purpose: str = Field(min_length=1, max_length=2000,
                         description="Why the case is exported (kept in the access log).")
    include_personal_data: bool = Field(
        default=False,
        description="Add personal.json, the case's personal data decrypted, only when the "
                    "purpose requires it (recorded in the access log). Without it the export "
                    "holds no readable personal data.")


@router.post("/cases/{ref}/export", tags=["audit"],
             summary="Export a case with its integrity proof (a zip); recorded with its purpose",
             responses={200: {"content": {"application/zip": {}}}})
def export(ref: str, body: ExportRequest, request: Request, built: Built, who: Caller,
           include_personal_data: Annotated[bool | None, Query(
               description="The same as the body's include_personal_data.")] = None) -> Response:
    scope, _ = visible_case(built, who, ref, "export", policy.Visibility.DETAILS)
    decision = policy.may_audit(who, scope.partnership)
    if not decision:
        raise _forbidden(decision.why)
    personal = body.include_personal_data or bool(include_personal_data)
    result = built.audit.export(scope.case_id, actor=who.actor, purpose=body.purpose,
                                include_personal_data=personal)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(result.files.items()):
            archive.writestr(f"{result.reference}/{name}", text)
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{result.reference}-export.zip"'})
