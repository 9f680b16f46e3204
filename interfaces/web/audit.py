"""Pages: the auditor's reads (access.md, auditor; product.md capability 4, "Audit and replay").

- ``GET /audit``: find a case by reference; the cases audited; links to the access log and chain.
- ``GET /audit/cases/{ref}``: the case's history, every recorded fact (recorded and effective
  time, actor, what), as the API's ``GET cases/{ref}/history``.
- ``GET /audit/cases/{ref}/as-at?as_known_at=…`` (or ``as_effective_at=…``): the case as known
  at, or as effective at, an instant, beside the case now, each difference highlighted.
- ``GET /audit/access``: the access log, filtered by case, actor and outcome, a page at a time.
- ``GET /audit/chain``: the chain's anchor; ``POST`` verifies the whole chain now.
- ``GET``/``POST /audit/cases/{ref}/export``: the API's export (a zip of the history as JSON and
  CSV, the states, the integrity proof and a checker), with its purpose, recorded; the case's
  personal data only when the form's box asks for it.

Every page of a case needs ``policy.may_audit`` for the case's partnership (and the case seen at
least as DETAILS: no personal data); a refusal is recorded and answered as the API answers it.
Every read of a case is recorded in the access log, with what was read. An auditor writes
nothing but those records: the only POSTs here verify the chain and export, both reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from application import access_policy as policy
from application.audit import ACCESS_OUTCOMES, history_row
from application.principals import Principal, Role
from application.queries import SetupNames, case_to_dict, parse_time
from domain import plain, times
from domain.calendar import LONDON
from domain.errors import InvalidInput, NotFound
from interfaces.bootstrap import Services
from interfaces.http.cases import refused, visible_case
from interfaces.http.deps import services
from interfaces.http.problems import ApiProblem
from interfaces.http.queries import ExportRequest
from interfaces.http.queries import access_log as api_access_log
from interfaces.http.queries import anchor as api_anchor
from interfaces.http.queries import export as api_export
from interfaces.http.queries import verify as api_verify
from interfaces.web.paging import pagination
from interfaces.web.render import Viewer, render
from interfaces.web.session import PostedForm, SignedIn

router = APIRouter(include_in_schema=False)

Built = Annotated[Services, Depends(services)]
Text = Annotated[str | None, Query(max_length=200)]

PER_PAGE = 50
LATEST = 50  # the start page lists the cases opened last; the others are found by reference
LONG = 120  # a fact's value longer than this (a policy, say) is folded away in a details
MAX_PURPOSE = 2000
ONLY_AUDITORS = "These pages are for auditors. Your account does not audit a partnership."
TIME_HINT = ("A date, or a date and time in UK time, for example 2026-11-22 or 2026-11-22T14:30. "
             "A date means the end of that day.")
VIEWS = {"known": "As known at", "effective": "As effective at"}


# --------------------------------------------------------------------------- access


def auditor(who: Principal) -> None:
    """Only auditors (and the local operator) read the audit pages: 403 for anyone else."""
    if not (who.holds(Role.AUDITOR) or policy.is_local_operator(who)):
        raise ApiProblem(403, ONLY_AUDITORS, kind="forbidden")


def audited_case(built: Services, who: Principal, ref: str, attempted: str) -> policy.CaseScope:
    """The case, if the principal audits its partnership; refused (recorded) if not: 404 where
    they may not see it at all, 403 where they see it but do not audit it (a coordinator of
    it, say). ``may_audit`` holds only for an auditor, so no role check comes first: the
    refusal is recorded against the case."""
    scope, _ = visible_case(built, who, ref, attempted, policy.Visibility.DETAILS)
    decision = policy.may_audit(who, scope.partnership)
    if not decision.allowed:
        raise refused(built, who, scope, attempted, decision.why)
    return scope


def _sub_navigation(ref: str, current: str) -> list[tuple[str, str, bool]]:
    items = [("History", f"/audit/cases/{ref}"), ("As at a time", f"/audit/cases/{ref}/as-at"),
             ("Export", f"/audit/cases/{ref}/export"),
             ("Access log", "/audit/access?" + urlencode({"case": ref}))]
    return [(text, href, text == current) for text, href in items]


def _when(text: str | None) -> str:
    """A recorded or effective time as people read it, in UK time."""
    if not text:
        return ""
    if "T" not in text:
        return text
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return f"{moment.astimezone(LONDON):%Y-%m-%d %H:%M:%S %Z}"


# --------------------------------------------------------------------------- start page


@router.get("/audit")
def audit_home(request: Request, who: SignedIn, built: Built) -> HTMLResponse:
    auditor(who.principal)
    audited = [r for r, seen in policy.visible_cases(who.principal, built.views.list_cases(None, None, None))
               if seen >= policy.Visibility.DETAILS and policy.may_audit(who.principal, r["partnership"])]
    latest = sorted(audited, key=lambda r: (r["opened_on"] or "", r["reference"]), reverse=True)
    cases = [{"reference": r["reference"], "type": plain.case_type_label(r["case_type"], short=True),
              "stage": plain.stage_label(r["case_type"], r["stage"] or ""),
              "opened": (r["opened_on"] or "")[:10]} for r in latest[:LATEST]]
    return render(request, "audit/home.html", title="Audit", viewer=who, cases=cases, errors=[],
                  reference="", total=len(audited))


@router.get("/audit/find")
def find_case(request: Request, who: SignedIn, built: Built, reference: Text = None) -> Response:
    """The start page's GET form: to the case's history, or the form again saying what is wrong."""
    auditor(who.principal)
    ref = (reference or "").strip().upper()
    error = "Enter a case reference" if not ref else None
    if ref:
        try:
            built.cases.resolve(ref)
        except NotFound:
            error = "No case has that reference: check it and try again"
    if error is None:
        return RedirectResponse(f"/audit/cases/{ref}", status_code=303)
    return render(request, "audit/home.html", title="Audit", viewer=who, cases=[], total=0,
                  errors=[("reference", error)], reference=ref[:40], status=400)


# --------------------------------------------------------------------------- history


def _what(row: dict[str, Any]) -> dict[str, Any]:
    data = row["data"] if isinstance(row["data"], dict) else {}
    return {"version": row["version"], "event": plain.words(_kebab(str(row["event"]))).capitalize(),
            "recorded": _when(row["recorded"]), "effective": _when(row["effective"]),
            "actor": row["actor"], "reason": row["reason"], "basis": row["basis"],
            "data": [(plain.words(k).capitalize(), _shown(v), len(_shown(v)) > LONG)
                     for k, v in sorted(data.items())]}


def _kebab(name: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@router.get("/audit/cases/{ref}")
def case_history(ref: str, request: Request, who: SignedIn, built: Built) -> HTMLResponse:
    scope = audited_case(built, who.principal, ref, "history")
    rows = [_what(history_row(r)) for r in built.views.history(scope.case_id)]
    built.audit.record_read(scope.case_id, actor=who.principal.actor, what="history",
                            reference=scope.reference)
    return render(request, "audit/history.html", title=f"History of {scope.reference}", viewer=who,
                  reference=scope.reference, rows=rows,
                  tabs=_sub_navigation(scope.reference, "History"))


# --------------------------------------------------------------------------- time travel


@dataclass(frozen=True)
class Compared:
    """One line of the case then and now; ``changed`` when they differ."""

    what: str
    then: str
    now: str

    @property
    def changed(self) -> bool:
        return self.then != self.now


def case_lines(data: dict[str, Any], names: SetupNames) -> dict[str, str]:
    """The case (``case_to_dict`` without personal data) as labelled lines to compare."""
    case_type = str(data["type"])
    lines = {
        "Stage": plain.stage_label(case_type, str(data["stage"])),
        "Version": str(data["version"]),
        "Opened on": str(data.get("opened_on") or "")[:10],
        "Closed on": str(data.get("closed_on") or "")[:10],
        "Paused": "Yes" if data.get("paused") else "No",
        "Policy version": str(data.get("policy_version") or ""),
        "Restricted": "Yes" if data.get("restricted_to") else "No",
    }
    for d in data.get("deadlines", []):
        label = names.deadline(case_type, d["name"], d["responsible"], str(data["partnership"]),
                               data.get("hub"))
        lines[f"Deadline: {label}"] = (f"due {plain.due_label(d['due'])}, "
                                       f"{plain.status_label(d['status'])}")
    for r in data.get("returns", []):
        what = plain.deadline_label(case_type, f"return:{r['agency']}:{r['kind']}", names.agencies)
        lines[f"Return: {what}"] = f"{plain.words(r['status'])}, due {str(r['due'])[:10]}"
    for a in data.get("actions", []):
        lines[f"Action {a['id']} ({names.agencies.get(a['owner'], a['owner'])})"] = (
            f"{a['status']}, RAG {a['rag']}, due {str(a['due'])[:10]}")
    for p in data.get("parallel_processes", []):
        lines[f"Parallel process {p['id']}: {plain.choice_label('process-kind', p['kind'])}"] = (
            str(p["status"]))
    for name, value in (data.get("details") or {}).items():
        if value is None or value == {} or value == []:
            continue  # not recorded (yet): absent, so a detail recorded since shows as a change
        lines[f"Detail: {plain.words(name)}"] = _shown(plain.detail_label(case_type, name, value))
    return lines


def compare(then: dict[str, str], now: dict[str, str]) -> list[Compared]:
    """Every line of either, in the order of now's then then's own, absent shown as "—"."""
    order = list(now) + [k for k in then if k not in now]
    return [Compared(k, then.get(k, "—"), now.get(k, "—")) for k in order]


def _dict_of(built: Services, case_id: str, **chosen: Any) -> dict[str, Any]:
    case, as_at = built.cases.case_as(case_id, **chosen)
    data = case_to_dict(case, as_at)  # without ``personal``: an auditor reads DETAILS
    data.pop("personal", None)
    return data


def _names(built: Services) -> SetupNames:
    return SetupNames(agencies={str(a["slug"]): str(a["name"]) for a in built.views.agencies()},
                      partnerships={str(p["slug"]): str(p["name"]) for p in built.views.partnerships()})


@router.get("/audit/cases/{ref}/as-at")
def case_as_at(ref: str, request: Request, who: SignedIn, built: Built,
               as_known_at: Annotated[str | None, Query(max_length=40)] = None,
               as_effective_at: Annotated[str | None, Query(max_length=40)] = None,
               view: Annotated[str | None, Query(max_length=20)] = None,
               at: Annotated[str | None, Query(max_length=40)] = None) -> HTMLResponse:
    """The form's ``view`` (known or effective) and ``at`` are the same as ``as_known_at=`` or
    ``as_effective_at=``, which links may give directly."""
    scope = audited_case(built, who.principal, ref, "show as at")
    if view in VIEWS and at is not None:
        as_known_at, as_effective_at = (at, None) if view == "known" else (None, at)
    chosen_view = "effective" if as_effective_at is not None else "known"
    given = as_effective_at if as_effective_at is not None else as_known_at
    page: dict[str, Any] = {"reference": scope.reference, "tabs": _sub_navigation(scope.reference, "As at a time"),
            "view": chosen_view, "at": (given or "")[:40], "views": list(VIEWS.items()),
            "hint": TIME_HINT, "lines": [], "then_heading": "", "changes": 0}
    if given is None:
        return render(request, "audit/as_at.html", title=f"{scope.reference} as at a time",
                      viewer=who, errors=[], **page)
    errors: list[tuple[str, str]] = []
    if as_known_at is not None and as_effective_at is not None:
        errors = [("at", "Choose either as known at or as effective at, not both")]
    elif not given.strip():
        errors = [("at", "Enter a date, or a date and time")]
    if not errors:
        try:
            lines, heading, what = _then_and_now(built, scope, chosen_view, given)
        except (InvalidInput, NotFound) as error:
            errors = [("at", error.message)]
    if errors:
        return render(request, "audit/as_at.html", title=f"{scope.reference} as at a time",
                      viewer=who, errors=errors, status=400, **page)
    built.audit.record_read(scope.case_id, actor=who.principal.actor, what=what,
                            reference=scope.reference)
    page.update(lines=lines, then_heading=heading, changes=sum(1 for line in lines if line.changed))
    return render(request, "audit/as_at.html", title=f"{scope.reference} as at a time",
                  viewer=who, errors=[], **page)


def _then_and_now(built: Services, scope: policy.CaseScope, view: str,
                  given: str) -> tuple[list[Compared], str, str]:
    """The lines of the case then beside now, the heading of the "then" column, and what the
    read was (as the API's ``show --as-known-at …`` records it)."""
    moment = parse_time(given, "at") or given
    names = _names(built)
    if view == "known":
        then = _dict_of(built, scope.case_id, as_known_at=times.effective_end(moment))
        heading, what = f"As known at {_when(moment)}", f"show --as-known-at {moment}"
    else:
        then = _dict_of(built, scope.case_id, as_effective_at=moment)
        heading, what = f"As effective at {_when(moment)}", f"show --as-effective-at {moment}"
    now = _dict_of(built, scope.case_id)
    return compare(case_lines(then, names), case_lines(now, names)), heading, what


# --------------------------------------------------------------------------- access log


@router.get("/audit/access")
def access_log(request: Request, who: SignedIn, built: Built, case: Text = None,
               actor: Text = None, outcome: Text = None,
               page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    auditor(who.principal)
    filters = {"case": (case or "").strip().upper(), "actor": (actor or "").strip(),
               "outcome": outcome if outcome in ACCESS_OUTCOMES else ""}
    errors: list[tuple[str, str]] = []
    rows: list[dict[str, Any]] = []
    try:
        rows = api_access_log(built, who.principal, case=filters["case"] or None,
                              actor=filters["actor"] or None, start=None, end=None)
    except NotFound:
        errors = [("case", "No case has that reference: check it and try again")]
    if filters["outcome"]:
        rows = [r for r in rows if r["outcome"] == filters["outcome"]]
    rows.reverse()  # newest first
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(page, pages)
    shown = [{**r, "recorded": _when(r["recorded"])}
             for r in rows[(page - 1) * PER_PAGE:page * PER_PAGE]]
    query = {k: v for k, v in filters.items() if v}
    return render(request, "audit/access.html", title="Access log", viewer=who, rows=shown,
                  total=len(rows), page=page, pages=pages, filters=filters,
                  pagination_links=pagination(page, pages, lambda n: links_to(query, n),
                                              "Pages of the access log"),
                  outcomes=[("", "Any"), ("read", "Read"), ("denied", "Denied")], errors=errors,
                  status=400 if errors else 200)


def links_to(query: dict[str, str], page: int) -> str:
    return "/audit/access?" + urlencode({**query, "page": page})


# --------------------------------------------------------------------------- integrity chain


@router.get("/audit/chain")
def chain(request: Request, who: SignedIn, built: Built) -> HTMLResponse:
    auditor(who.principal)
    return render(request, "audit/chain.html", title="Integrity chain", viewer=who,
                  anchor=api_anchor(built, who.principal), report=None)


@router.post("/audit/chain")
def verify_chain(request: Request, who: SignedIn, form: PostedForm, built: Built) -> HTMLResponse:
    """Verification reads the whole log and writes nothing: its result is this response."""
    auditor(who.principal)
    report = api_verify(built, who.principal)
    return render(request, "audit/chain.html", title="Integrity chain", viewer=who,
                  anchor=report["head"], report=report)


# --------------------------------------------------------------------------- export


def _export_page(request: Request, who: Viewer, scope: policy.CaseScope, *, purpose: str = "",
                 include_personal_data: bool = False,
                 errors: list[tuple[str, str]] | None = None, status: int = 200) -> HTMLResponse:
    return render(request, "audit/export.html", title=f"Export {scope.reference}", viewer=who,
                  reference=scope.reference, tabs=_sub_navigation(scope.reference, "Export"),
                  purpose=purpose, include_personal_data=include_personal_data,
                  errors=errors or [], status=status)


@router.get("/audit/cases/{ref}/export")
def export_form(ref: str, request: Request, who: SignedIn, built: Built) -> HTMLResponse:
    scope = audited_case(built, who.principal, ref, "export")
    return _export_page(request, who, scope)


@router.post("/audit/cases/{ref}/export")
def export(ref: str, request: Request, who: SignedIn, form: PostedForm, built: Built) -> Response:
    """The API's export (``POST /api/v1/cases/{ref}/export``): a zip, recorded with its purpose."""
    scope = audited_case(built, who.principal, ref, "export")
    purpose = str(form.get("purpose") or "")
    personal = form.get("include_personal_data") == "yes"
    error = None
    if not purpose.strip():
        error = "Enter why you are exporting the case"
    elif len(purpose) > MAX_PURPOSE:
        error = f"The purpose must be {MAX_PURPOSE} characters or fewer"
    if error:
        return _export_page(request, who, scope, purpose=purpose[:MAX_PURPOSE],
                            include_personal_data=personal, errors=[("purpose", error)],
                            status=400)
    return api_export(scope.reference,
                      ExportRequest(purpose=purpose, include_personal_data=personal), request,
                      built, who.principal)
