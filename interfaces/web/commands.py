"""Pages: every command as a form, and opening a case of each type.

- ``GET /cases/{ref}/do/{command}`` (``command``: the API's route name, ``decide-review``): the
  command's form, made from its model (``interfaces/web/forms.py``). Access as the API's command
  route: the case seen at LISTING at least (``visible_case``: 404 or 403, recorded as denied), then
  ``policy.may_execute`` (``refused``). A command the case's stage does not allow is explained
  instead (the stage, and links to what can be done now). ``POST`` the same URL runs it with the
  case version the form was shown with (someone else's change meanwhile is refused, nothing
  recorded); a problem re-renders the form with the GOV.UK error summary; success catches the
  views up and redirects (303) to the case page with ``?recorded={command}``.
- ``GET /cases/new``: which type of case to open (radios, a GET form); ``GET``/``POST``
  ``/cases/new/{dardr|asb|encampment}``: the opening command's form, the partnership (and hub)
  chosen from those the person may open cases in (``policy.may_open``); success redirects to the
  new case's page.

``SubmitReturnDocument`` is not here: a document's facts are recorded with its content, by the
upload page. Titles carry the command and the case reference, never personal data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from application import access_policy as policy
from application.asb import evaluate_threshold
from application.commands import REGISTRY, CaseCommand, DecideThreshold, MigratePolicy, OpeningCommand
from application.commands.common import SubmitReturnDocument
from application.principals import Principal, Role
from application.service import Meta, StaleVersion
from domain import plain
from domain.case import Case
from domain.errors import CaseledgerError, NotFound
from interfaces.bootstrap import Services
from interfaces.http.cases import DEFINITIONS, listed_case, refused, require_visibility, route_name
from interfaces.http.deps import services
from interfaces.http.problems import ApiProblem
from interfaces.web.forms import (
    CommandForm,
    FormField,
    FormProblems,
    Values,
    command_form,
    domain_problem,
    errors_by_field,
    initial_values,
    posted_values,
    validate,
    when_and_why,
)
from interfaces.web.render import Viewer, render
from interfaces.web.session import PostedForm, SignedIn
from interfaces.web.steps import PREFILLED, STEP_OF

router = APIRouter(include_in_schema=False)

Built = Annotated[Services, Depends(services)]

# --------------------------------------------------------------------------- the commands


_ON_CASES: list[type[CaseCommand]] = [*REGISTRY.case_commands(), MigratePolicy]
COMMANDS: dict[str, type[CaseCommand]] = {
    route_name(c): c for c in sorted(_ON_CASES, key=lambda c: c.__name__) if c is not SubmitReturnDocument}
"""Every command on a case with a form, by its name in a URL (``decide-review``)."""


OPENINGS: dict[str, type[BaseModel]] = {
    case_class.definition.case_type: command
    for command, case_class in REGISTRY.opening_commands().items()}

CASE_TYPE_HINTS = {
    "dardr": "A death that may need a Domestic Abuse Related Death Review.",
    "asb": "An application for an ASB Case Review (the community trigger).",
    "encampment": "An unauthorised encampment reported on land in the partnership's area.",
}


def summary_of(command: type[BaseModel]) -> str:
    """The command's summary in a few words: ``DecideReview`` → "Decide whether to hold a review"."""
    first = " ".join((command.__doc__ or command.__name__).strip().split("\n\n")[0].split())
    sentence = first.split(". ")[0].rstrip(".")
    while re.search(r"\([^()]*\)", sentence):  # asides, and section numbers such as s.78(3)
        sentence = re.sub(r"\s*\([^()]*\)", "", sentence)
    for cut in re.finditer(r"[:;(]", sentence):  # the first cut that leaves a few words
        if len(sentence[:cut.start()].split()) >= 3:
            return sentence[:cut.start()].strip()
    return sentence


def lede_of(command: type[BaseModel]) -> str:
    """The command's first paragraph, as it explains itself to the command line."""
    return " ".join((command.__doc__ or "").strip().split("\n\n")[0].split())


def applies_to(command: type[BaseModel], case_type: str) -> bool:
    """Whether the command is one of the case type's (or of every case's)."""
    if command is MigratePolicy:
        return True
    case_class = REGISTRY.case_commands().get(command) if issubclass(command, CaseCommand) else None
    if case_class is None:
        return False
    return case_class is Case or getattr(case_class, "definition", None) is DEFINITIONS.get(case_type)


def stages_allowing(command: type[BaseModel], case_type: str) -> list[str] | None:
    """The stages the command may be given at, in the table's order (None: any stage)."""
    definition = DEFINITIONS[case_type]
    transition = definition.transitions.get(STEP_OF.get(command, ""))
    if transition is None:
        return None
    return [s for s in definition.stages if s in transition.allowed_in]


def doable_now(who: Principal, scope: policy.CaseScope, stage: str) -> list[tuple[str, str]]:
    """(label, link) of each step of the process the person may take at the case's stage."""
    found: list[tuple[str, str]] = []
    for name, command in COMMANDS.items():
        stages = stages_allowing(command, scope.case_type)
        if (stages is None or stage not in stages or not applies_to(command, scope.case_type)
                or not policy.may_execute(who, command, scope)):
            continue
        found.append((summary_of(command), f"/cases/{scope.reference}/do/{name}"))
    return sorted(found)


def _command(name: str) -> type[CaseCommand]:
    found = COMMANDS.get(name)
    if found is None:
        raise ApiProblem(404, f"There is no step called '{name[:60]}'.", kind="not-found")
    return found


# --------------------------------------------------------------------------- a command on a case


def _case_for(built: Services, who: Principal, ref: str, name: str,
              command: type[BaseModel]) -> tuple[policy.CaseScope, dict[str, Any]]:
    """The case, if the person may give the command on it: as the API's command route."""
    row = listed_case(built, ref)
    scope = policy.CaseScope.of(row)
    require_visibility(built, who, scope, name, policy.Visibility.LISTING)
    if not applies_to(command, scope.case_type):
        raise ApiProblem(404, f"{plain.case_type_label(scope.case_type)} cases have no step "
                              f"called '{name}'.", kind="not-found")
    decision = policy.may_execute(who, command, scope)
    if not decision.allowed:
        raise refused(built, who, scope, name, decision.why)
    return scope, row


@router.get("/cases/{ref}/do/{command}")
def command_page(ref: str, command: str, request: Request, who: SignedIn, built: Built) -> Response:
    model = _command(command)
    scope, row = _case_for(built, who.principal, ref, command, model)
    stage = str(row.get("stage") or "")
    if not _allowed_at(model, scope.case_type, stage):
        return _not_allowed(request, who, scope, model, stage)
    form = command_form(model)
    values = initial_values(form)
    for name in PREFILLED.get(model, ()):
        given = request.query_params.get(name)
        if given is not None and len(given) <= 200:
            values[name] = given
    return _form_page(request, who, built, scope, stage, model, form, values,
                      version=row.get("version"), problems=[])


@router.post("/cases/{ref}/do/{command}")
def run_command(ref: str, command: str, request: Request, who: SignedIn, built: Built,
                posted: PostedForm) -> Response:
    model = _command(command)
    scope, row = _case_for(built, who.principal, ref, command, model)
    stage = str(row.get("stage") or "")
    # No stage check of our own: the domain's refusal (WrongStage, or a rule such as the
    # welfare assessment before any notice) is the message the form shows.
    form = command_form(model)
    values = posted_values(form, posted)
    version = _version(posted.get("case_version"))
    try:
        made = validate(form, values)
        assert isinstance(made, CaseCommand)
        on, reason, _ = when_and_why(values)
        built.cases.execute(scope.case_id, made, Meta(actor=who.principal.actor, on=on, reason=reason,
                                                      expected_version=version))
    except FormProblems as problems:
        found = problems.problems
    except StaleVersion as stale:
        found = [("", f"Someone else changed {scope.reference} since you opened this form, so "
                      f"nothing was recorded. Go to the case to see what changed (it is now at "
                      f"version {stale.current}), then open this form again.")]
    except CaseledgerError as error:
        found = [domain_problem(form, error)]
    else:
        built.catch_up()  # read-your-writes: the case page shows what was just recorded
        return RedirectResponse(f"/cases/{scope.reference}?recorded={command}", status_code=303)
    return _form_page(request, who, built, scope, stage, model, form, values, version=version,
                      problems=found, status=400)


def _allowed_at(command: type[BaseModel], case_type: str, stage: str) -> bool:
    stages = stages_allowing(command, case_type)
    return stages is None or stage in stages


def _version(value: object) -> int | None:
    """The case version the form was shown with (a form without one is not conditional). Its
    field is ``case_version``: a command may have a field named ``version`` of its own."""
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 10 else None


def _caption(scope: policy.CaseScope, stage: str) -> str:
    return f"{scope.reference} – {plain.stage_label(scope.case_type, stage)}"


def _form_page(request: Request, who: Viewer, built: Services, scope: policy.CaseScope, stage: str,
               model: type[BaseModel], form: CommandForm, values: Values, *, version: Any,
               problems: Sequence[tuple[str, str]], status: int = 200) -> Response:
    summary = summary_of(model)
    threshold = _threshold(built, who.principal, scope) if model is DecideThreshold else None
    return render(
        request, "commands/form.html", title=f"{summary} – {scope.reference}", viewer=who,
        status=status, caption=_caption(scope, stage), heading=summary, lede=lede_of(model),
        back=f"/cases/{scope.reference}", action=f"/cases/{scope.reference}/do/{route_name(model)}",
        version=version, fields=form.every, values=values, errors=list(problems),
        field_errors=errors_by_field(problems), submit="Record", threshold=threshold)


def _threshold(built: Services, who: Principal, scope: policy.CaseScope) -> dict[str, Any]:
    """The threshold evaluation, complaint by complaint, to decide with (a read of the case,
    recorded in the access log)."""
    data = evaluate_threshold(built.cases, scope.reference)
    built.audit.record_read(scope.case_id, actor=who.actor, what="show", purpose=None,
                            reference=scope.reference)

    def rule_words(rule: str | None) -> str:
        return plain.choice_label("threshold-rule", rule) if rule else ""

    return {
        "met": data["met"], "rule_words": rule_words(data["rule"]),
        "rules": [{"words": plain.choice_label("threshold-rule", r["rule"]).capitalize(),
                   "met": r["met"], "explanation": r["explanation"]} for r in data["rules"]],
        "complaints": [{"id": c["id"], "behaviour": c["behaviour"], "reported": c["reported"],
                        "agency": c["agency"], "counts": c["qualifying"] and c["counted"],
                        "reason": c["reason"]} for c in data["complaints"]],
    }


def _not_allowed(request: Request, who: Viewer, scope: policy.CaseScope, model: type[BaseModel],
                 stage: str) -> Response:
    stages = stages_allowing(model, scope.case_type) or []
    words = [f"“{plain.stage_label(scope.case_type, s)}”" for s in stages]
    where = f"only at {'the stage' if len(words) == 1 else 'the stages'} {plain.listed(words)}" \
        if words else "at no stage of this kind of case"
    return render(
        request, "commands/not_allowed.html", title=f"{summary_of(model)} – {scope.reference}",
        viewer=who, caption=_caption(scope, stage), back=f"/cases/{scope.reference}",
        reference=scope.reference, stage=plain.stage_label(scope.case_type, stage),
        summary=summary_of(model), where=where, can=doable_now(who.principal, scope, stage))


# --------------------------------------------------------------------------- opening a case


def _opens(who: Principal, case_type: str) -> list[str]:
    """The partnerships the person may open a case of the type in (as a coordinator, or as a
    hub officer of one of its hubs for the types hubs work on)."""
    found: list[str] = []
    for grant in who.grants:
        if grant.partnership is None or grant.partnership in found:
            continue
        if grant.role is Role.COORDINATOR or (
                grant.role is Role.HUB_OFFICER and case_type in policy.HUB_CASE_TYPES):
            found.append(grant.partnership)
    return found


def _hubs(who: Principal, built: Services, partnerships: Sequence[str]) -> list[tuple[str, str]]:
    """(hub, "Hub name (Partnership name)") the person may open a case in."""
    options: list[tuple[str, str]] = []
    for slug in partnerships:
        coordinator = any(g.role is Role.COORDINATOR and g.partnership == slug for g in who.grants)
        mine = {g.hub for g in who.grants if g.role is Role.HUB_OFFICER and g.partnership == slug}
        setup = built.cases.partnership(slug)
        for hub, name in sorted(setup.hubs.items()):
            if coordinator or hub in mine:
                options.append((hub, name if len(partnerships) == 1 else f"{name} ({setup.name})"))
    return options


def _partnership_names(built: Services, slugs: Sequence[str]) -> dict[str, str]:
    """Each partnership's name, for those of ``slugs`` that are set up."""
    names: dict[str, str] = {}
    for slug in slugs:
        try:
            names[slug] = built.cases.partnership(slug).name
        except NotFound:
            continue
    return names


def _opening_form(built: Services, who: Principal, case_type: str) -> CommandForm:
    model = OPENINGS[case_type]
    names = _partnership_names(built, _opens(who, case_type))
    known = list(names)
    replace = {"partnership": FormField(
        "partnership", "Partnership", "select", key="partnership", required=True,
        hint="The Community Safety Partnership the case belongs to.",
        options=tuple((p, names[p]) for p in known), default=known[0] if known else "")}
    if "hub" in model.model_fields:
        required = model.model_fields["hub"].is_required()
        hubs = tuple(_hubs(who, built, known))
        replace["hub"] = FormField(
            "hub", "Local focus hub", "select", key="hub", required=required,
            hint="The hub whose officers work on the case.",
            options=hubs if required else (("", "No hub"), *hubs),
            default=hubs[0][0] if required and hubs else "")
    when = FormField("on", _opening_when(case_type), "date", key="on", hint=(
        "Leave it empty if it is today. For example, 2026-03-27, or 2026-03-27T14:30 for a time "
        "(UK time)."))
    return command_form(model, replace=replace, when=when)


def _opening_when(case_type: str) -> str:
    return {"dardr": "When was the partnership notified?", "asb": "When was the application received?",
            "encampment": "When was it reported?"}.get(case_type, "When did it happen?")


def _case_types(who: Principal) -> list[str]:
    return [t for t in OPENINGS if _opens(who, t)]


@router.get("/cases/new")
def choose_case_type(request: Request, who: SignedIn, type: str | None = None,
                     chosen: str | None = None) -> Response:
    types = _case_types(who.principal)
    if not types:
        raise ApiProblem(403, "Opening a case needs a coordinator of a partnership, or a hub "
                              "officer for ASB Case Reviews and encampments.", kind="forbidden")
    if type in types:
        return RedirectResponse(f"/cases/new/{type}", status_code=303)
    problems = [("type", "Select the kind of case you are opening")] if chosen else []
    options = [(t, plain.case_type_label(t)) for t in types]
    return render(request, "commands/choose_type.html", title="Open a case", viewer=who,
                  options=options, errors=problems, field_errors=errors_by_field(problems),
                  status=400 if problems else 200)


@router.get("/cases/new/{case_type}")
def opening_page(case_type: str, request: Request, who: SignedIn, built: Built) -> Response:
    _may_open_some(who.principal, case_type)
    form = _opening_form(built, who.principal, case_type)
    return _opening_page(request, who, case_type, form, initial_values(form), [])


@router.post("/cases/new/{case_type}")
def open_case(case_type: str, request: Request, who: SignedIn, built: Built,
              posted: PostedForm) -> Response:
    _may_open_some(who.principal, case_type)
    form = _opening_form(built, who.principal, case_type)
    values = posted_values(form, posted)
    try:
        made = validate(form, values)
        assert isinstance(made, OpeningCommand)
        decision = policy.may_open(who.principal, case_type, made.partnership, made.hub_named())
        if not decision.allowed:
            raise ApiProblem(403, decision.why, kind="forbidden")
        on, reason, _ = when_and_why(values)
        result = built.cases.open(made, Meta(actor=who.principal.actor, on=on, reason=reason),
                                  views=built.views)
    except FormProblems as problems:
        found = problems.problems
    except CaseledgerError as error:
        found = [domain_problem(form, error)]
    else:
        built.catch_up()
        return RedirectResponse(f"/cases/{result.reference}?recorded={route_name(form.model)}",
                                status_code=303)
    return _opening_page(request, who, case_type, form, values, found, status=400)


def _may_open_some(who: Principal, case_type: str) -> None:
    if case_type not in OPENINGS:
        raise ApiProblem(404, f"There is no kind of case called '{case_type[:40]}'.", kind="not-found")
    if not _opens(who, case_type):
        raise ApiProblem(403, f"Opening {plain.case_type_label(case_type)} cases is outside your "
                              "role: it needs a coordinator of the partnership"
                              + (" or a hub officer." if case_type in policy.HUB_CASE_TYPES else "."),
                         kind="forbidden")


def _opening_page(request: Request, who: Viewer, case_type: str, form: CommandForm, values: Values,
                  problems: Sequence[tuple[str, str]], status: int = 200) -> Response:
    label = plain.case_type_label(case_type)
    return render(
        request, "commands/form.html", title=f"Open a case: {label}", viewer=who, status=status,
        caption="Open a case", heading=label, lede=CASE_TYPE_HINTS.get(case_type, ""),
        back="/cases/new", action=f"/cases/new/{case_type}", version=None, fields=form.every,
        values=values, errors=list(problems), field_errors=errors_by_field(problems),
        submit="Open the case", threshold=None)
