"""Cases over HTTP: list, open, show (with time travel), history, and every command.

One route per command model, generated from the registry the command line is generated from
(``DecideReview`` → ``POST /api/v1/cases/{ref}/decide-review``), so the OpenAPI schema documents
each body with its fields, types, limits and help. A write returns once the read models include it
(read-your-writes), with the case's new version as its ``ETag``; ``If-Match`` with the version the
caller read makes the write conditional (412, nothing recorded, if the case has moved on).

Access (``access.md``, ``application/access_policy.py``): a case the caller may not see at all is
404, as if it did not exist; one they may see listed but not open, or a command outside their role,
is 403. Both are recorded in the access log as denied attempts, and every read of a case is
recorded as a read, with its purpose.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError, create_model

from application import access_policy as policy
from application.audit import history_row
from application.commands import REGISTRY, CaseCommand, MigratePolicy, OpeningCommand
from application.commands.common import SubmitReturnDocument
from application.ports import DeadlineFilter
from application.principals import Principal
from application.queries import (
    case_list_entry,
    case_to_dict,
    deadline_rows,
    due_within_limit,
    parse_as_at,
    parse_time,
    personal_events_needed,
    shown_personal,
)
from application.service import CaseResult, Meta
from domain import times
from domain.case import Case
from domain.errors import InvalidInput, NotFound
from domain.process import ProcessDefinition
from interfaces.bootstrap import Services
from interfaces.http.auth import current_principal
from interfaces.http.deps import services
from interfaces.http.problems import ApiProblem

router = APIRouter(prefix="/api/v1")

# Reads do not catch the views up: every writer (this API, the command line, the scheduler)
# returns only once the views include what it recorded, and `caseledger projections run` keeps
# them current beside the API. What a read leaves behind (its access-log fact) is applied by the
# next write, or by the auditor's read of the access log, which catches up first.

Built = Annotated[Services, Depends(services)]
Caller = Annotated[Principal, Depends(current_principal)]
IfMatch = Annotated[str | None, Header(
    description="The case version you read (its ETag): the command is refused with 412, "
                "recording nothing, if the case has changed since.")]
PurposeQuery = Annotated[str | None, Query(max_length=2000, description=(
    "Why you are reading the case (kept in the access log)."))]

MAX_PAGE = 500


# --------------------------------------------------------------------------- the case types


def _definitions() -> dict[str, ProcessDefinition]:
    classes: set[type[Case]] = {*REGISTRY.case_commands().values(), *REGISTRY.opening_commands().values()}
    return {c.definition.case_type: c.definition for c in classes if hasattr(c, "definition")}


DEFINITIONS = _definitions()


def route_name(command: type[BaseModel]) -> str:
    """``DecideReview`` → ``decide-review``: the command's name in a URL."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", command.__name__).lower()


def _summary(command: type[BaseModel]) -> str:
    return (command.__doc__ or command.__name__).strip().splitlines()[0]


def _request_model(command: type[BaseModel]) -> type[BaseModel]:
    """The command's fields plus what every command carries: when it happened and why. A model
    of its own (not a subclass: the commands are a closed set the registry checks)."""
    fields: dict[str, Any] = {name: (info.annotation, info) for name, info in command.model_fields.items()}
    return create_model(
        f"{command.__name__}Request", __config__=command.model_config, __doc__=command.__doc__,
        on=(str | None, Field(default=None, max_length=40, description=(
            "When it happened (effective time): YYYY-MM-DD or YYYY-MM-DDTHH:MM, Europe/London "
            "unless an offset is given. Default: now."))),
        reason=(str | None, Field(default=None, max_length=2000, description=(
            "Why (kept with the recorded fact)."))),
        **fields,
    )


def _command_of(command: type[BaseModel], body: BaseModel) -> tuple[Any, str | None, str | None]:
    fields = body.model_dump(exclude={"on", "reason"})
    try:
        made = command.model_validate(fields)
    except ValidationError as error:  # the same fields, so the body's check caught it first
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in error.errors()]) from None
    return made, getattr(body, "on", None), getattr(body, "reason", None)


# --------------------------------------------------------------------------- access


def listed_case(built: Services, ref: str) -> dict[str, Any]:
    """The case's row of the case list (NotFound for an unknown reference).

    A case's id follows from its reference, so the row is read first; the event store is asked
    only when the row is missing. Every writer (this API, the command line, the scheduler)
    returns only once the views include what it recorded, so a case that exists is on the list;
    only a writer that stopped between saving and catching up leaves one off, and then this
    catches up for it."""
    case_id = str(built.cases.case_id_of(ref))
    row = built.views.case_row(case_id)
    if row is None:
        built.cases.resolve(ref)  # NotFound for a reference no case was opened with
        built.catch_up(wait=False)
        row = built.views.case_row(case_id)
    if row is None:
        raise NotFound(f"No case {ref.strip()}.")
    return row


def case_scope(built: Services, ref: str) -> policy.CaseScope:
    """The case's scope from the case list (NotFound for an unknown reference)."""
    return policy.CaseScope.of(listed_case(built, ref))


def refused(built: Services, who: Principal, scope: policy.CaseScope, attempted: str,
            why: str) -> ApiProblem:
    """A refusal, recorded in the access log as denied: 404 if the caller may not see the case at
    all (as if it did not exist), else 403 saying why."""
    built.audit.record_denied(scope.case_id, actor=who.actor, what=attempted, why=why,
                              reference=scope.reference)
    if policy.case_visibility(who, scope) is policy.Visibility.NONE:
        return ApiProblem(404, f"No case {scope.reference}.", kind="not-found")
    return ApiProblem(403, why, kind="forbidden")


def visible_case(built: Services, who: Principal, ref: str, attempted: str,
                 needed: policy.Visibility) -> tuple[policy.CaseScope, policy.Visibility]:
    """The case if the caller may see it as ``needed``: 404 when they may not see it at all, 403
    when they may see only less (both recorded as denied)."""
    scope = case_scope(built, ref)
    return scope, require_visibility(built, who, scope, attempted, needed)


def require_visibility(built: Services, who: Principal, scope: policy.CaseScope, attempted: str,
                       needed: policy.Visibility) -> policy.Visibility:
    """How much of the case the caller may see, if at least ``needed``: else 404 or 403 (both
    recorded as denied), as ``visible_case``."""
    seen = policy.case_visibility(who, scope)
    if seen is policy.Visibility.NONE:
        raise refused(built, who, scope, attempted, "The case is outside your role and scope.")
    if seen < needed:
        raise refused(built, who, scope, attempted,
                      f"You may see only that {scope.reference} exists (its reference, type, stage "
                      "and deadlines): it is restricted to named people, or outside your role.")
    return seen


def _etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ApiProblem(400, "If-Match must be the case version you read, e.g. \"7\".",
                         kind="bad-if-match")
    return int(value)


def _result(built: Services, response: Response, result: CaseResult) -> dict[str, Any]:
    built.catch_up()  # read-your-writes: the lists and deadlines include this change
    response.headers["ETag"] = _etag(result.version)
    return result.to_dict()


# --------------------------------------------------------------------------- list and open


class CasePage(BaseModel):
    items: list[dict[str, Any]]
    page: int
    per_page: int
    total: int


@router.get("/cases", tags=["cases"], summary="The cases you may see, oldest first",
            response_model=CasePage)
def list_cases(
    built: Built, who: Caller, response: Response,
    case_type: Annotated[str | None, Query(alias="type", pattern="^(dardr|asb|encampment)$")] = None,
    stage: Annotated[str | None, Query(max_length=40)] = None,
    partnership: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> CasePage:
    rows = [r for r, _ in policy.visible_cases(who, built.views.list_cases(partnership, case_type, stage))]
    start = (page - 1) * per_page
    items = [case_list_entry(r) for r in rows[start:start + per_page]]
    if start + per_page < len(rows):
        response.headers["Link"] = f'</api/v1/cases?page={page + 1}&per_page={per_page}>; rel="next"'
    return CasePage(items=items, page=page, per_page=per_page, total=len(rows))


def _opening_route(command: type[OpeningCommand], case_type: str) -> None:
    body_model = _request_model(command)

    def open_case(body: BaseModel, built: Built, who: Caller, response: Response) -> dict[str, Any]:
        opening, on, reason = _command_of(command, body)
        hub = opening.hub_named() if hasattr(opening, "hub_named") else None
        decision = policy.may_open(who, case_type, opening.partnership, hub)
        if not decision.allowed:
            raise ApiProblem(403, decision.why, kind="forbidden")
        result = built.cases.open(opening, Meta(actor=who.actor, on=on, reason=reason), views=built.views)
        response.status_code = 201
        response.headers["Location"] = f"/api/v1/cases/{result.reference}"
        return _result(built, response, result)

    open_case.__annotations__["body"] = body_model
    router.add_api_route(
        f"/cases/{case_type}", open_case, methods=["POST"], status_code=201, tags=[case_type],
        summary=_summary(command), name=f"open-{case_type}", operation_id=f"open_{case_type}",
        responses={201: {"description": "Opened; Location names the new case"},
                   **_COMMON_ERRORS},
    )


# --------------------------------------------------------------------------- one case


@router.get("/cases/{ref}", tags=["cases"], summary="A case: stage, deadlines, returns, actions",
            responses={404: {"description": "No such case, or not one you may see"}})
def show_case(
    ref: str, request: Request, response: Response, built: Built, who: Caller,
    at_version: Annotated[int | None, Query(ge=1, le=10**9)] = None,
    as_known_at: Annotated[str | None, Query(max_length=40, description=(
        "Only facts recorded by then (a date means the end of that day)."))] = None,
    as_effective_at: Annotated[str | None, Query(max_length=40, description=(
        "Facts that happened by then, as known now."))] = None,
    purpose: PurposeQuery = None,
) -> dict[str, Any]:
    chosen = [n for n, v in (("at_version", at_version), ("as_known_at", as_known_at),
                             ("as_effective_at", as_effective_at)) if v is not None]
    if len(chosen) > 1:
        raise InvalidInput(f"Use only one of at_version, as_known_at and as_effective_at "
                           f"(got {' and '.join(chosen)}).", field=chosen[1])
    row = listed_case(built, ref)
    scope = policy.CaseScope.of(row)
    seen = require_visibility(built, who, scope, "show", policy.Visibility.LISTING)
    known = parse_time(as_known_at, "as_known_at")
    effective = parse_time(as_effective_at, "as_effective_at")
    case, as_at = built.cases.case_as(
        scope.case_id, at_version=at_version,
        as_known_at=times.effective_end(known) if known else None, as_effective_at=effective,
        known_version=row.get("version"))
    personal = None
    if seen is policy.Visibility.FULL:
        personal = shown_personal(built.cases.app.repository.event_store.get(
            case.id, lte=personal_events_needed(case)))
    data = case_to_dict(case, as_at, personal=personal)
    if seen is policy.Visibility.LISTING:
        data = {k: data[k] for k in policy.LISTING_CASE_FIELDS if k in data}
    what = " ".join(["show", *(f"--{n.replace('_', '-')} {v}" for n, v in (
        ("at_version", at_version), ("as_known_at", known), ("as_effective_at", effective))
        if v is not None)])
    built.audit.record_read(scope.case_id, actor=who.actor, what=what, purpose=purpose,
                            reference=scope.reference)
    response.headers["ETag"] = _etag(case.version)
    return data


@router.get("/cases/{ref}/history", tags=["cases"], summary="Every recorded fact of a case",
            responses={404: {"description": "No such case, or not one you may see"}})
def case_history(ref: str, request: Request, built: Built, who: Caller,
                 purpose: PurposeQuery = None) -> list[dict[str, Any]]:
    scope, _ = visible_case(built, who, ref, "history", policy.Visibility.DETAILS)
    rows = [history_row(r) for r in built.views.history(scope.case_id)]
    built.audit.record_read(scope.case_id, actor=who.actor, what="history", purpose=purpose,
                            reference=scope.reference)
    return rows


def _command_route(command: type[CaseCommand]) -> None:
    body_model = _request_model(command)

    def run(ref: str, body: BaseModel, request: Request, response: Response, built: Built,
            who: Caller, if_match: IfMatch = None) -> dict[str, Any]:
        expected = expected_version(if_match)
        case_command, on, reason = _command_of(command, body)
        row = listed_case(built, ref)
        scope = policy.CaseScope.of(row)
        require_visibility(built, who, scope, route_name(command), policy.Visibility.LISTING)
        decision = policy.may_execute(who, command, scope)
        if not decision.allowed:
            raise refused(built, who, scope, route_name(command), decision.why)
        definition = DEFINITIONS.get(scope.case_type)
        request.state.case_stage = row.get("stage")
        request.state.case_allowed = definition.allowed_commands(row.get("stage") or "") if definition else []
        meta = Meta(actor=who.actor, on=on, reason=reason, expected_version=expected)
        return _result(built, response, built.cases.execute(scope.case_id, case_command, meta))

    run.__annotations__["body"] = body_model
    router.add_api_route(
        f"/cases/{{ref}}/{route_name(command)}", run, methods=["POST"],
        tags=list[str | Enum](sorted(_types_of(command))), summary=_summary(command),
        operation_id=route_name(command).replace("-", "_"),
        responses={200: {"description": "Recorded; ETag is the case's new version"},
                   412: {"description": "The case changed since the version in If-Match"},
                   **_COMMON_ERRORS},
    )


def _types_of(command: type[CaseCommand]) -> set[str]:
    case_class = REGISTRY.case_commands().get(command)
    definition = getattr(case_class, "definition", None)
    return {definition.case_type} if definition else {"cases"}


_COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Outside your role or scope"},
    404: {"description": "No such case, or not one you may see"},
    409: {"description": "Refused by a rule, with the current stage and the commands allowed"},
    422: {"description": "Invalid input, with each field as a JSON pointer"},
}


# --------------------------------------------------------------------------- deadlines


@router.get("/deadlines", tags=["deadlines"], summary="Open deadlines you may see, as at a time")
def deadlines(
    built: Built, who: Caller,
    as_at: Annotated[str | None, Query(max_length=40, description=(
        "Judge statuses as at this time (a date means the end of that day). Default: now."))] = None,
    overdue: bool = False,
    due_within: Annotated[str | None, Query(max_length=10, description="e.g. 10wd or 14d")] = None,
    partnership: Annotated[str | None, Query(max_length=64)] = None,
    hub: Annotated[str | None, Query(max_length=64)] = None,
    agency: Annotated[str | None, Query(max_length=64)] = None,
    case_type: Annotated[str | None, Query(alias="type", pattern="^(dardr|asb|encampment)$")] = None,
) -> list[dict[str, Any]]:
    moment = parse_as_at(parse_time(as_at, "as_at"), built.clock.now())
    due_by = due_within_limit(due_within, moment, built.calendar) if due_within else None
    where = DeadlineFilter(partnership=partnership, hub=hub, agency=agency, case_type=case_type)
    rows = deadline_rows(built.views, where, moment, overdue_only=overdue, due_by=due_by)
    return [r for r in rows if policy.may_see_deadline(who, r)]


# --------------------------------------------------------------------------- the routes


def _register() -> None:
    for opening, case_class in sorted(REGISTRY.opening_commands().items(), key=lambda i: i[0].__name__):
        _opening_route(opening, case_class.definition.case_type)
    # A document's facts are recorded with its content, by the documents routes only.
    registered: list[type[CaseCommand]] = [*REGISTRY.case_commands(), MigratePolicy]
    commands = [c for c in registered if c is not SubmitReturnDocument]
    for command in sorted(commands, key=lambda c: c.__name__):
        _command_route(command)


_register()
