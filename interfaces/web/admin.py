"""Pages: the administrator's (access.md, administrator): the set-up and the accounts.

- ``GET /admin``: where to go.
- ``GET /admin/partnerships``: the partnerships with their hubs, chair and coordinator, their
  local policy versions shown as what is in force when ("in force from … to …"), the county
  boards, and the agencies with the partnerships they serve and their contacts. Read from the
  set-up read models and the set-up's own aggregates (``caseledger partnership list``); the set-up
  is changed by importing its TOML file (``caseledger partnership import``), not here.
- ``GET /admin/users``: the accounts with their roles and scopes and status.
- ``GET``/``POST /admin/users/new``: add an account with a first role; the next page shows its
  password and authenticator secret once.
- ``GET /admin/users/{username}``: one account, its roles, its recorded changes; ``POST``
  ``…/disable``, ``…/enable``, ``…/reset``, ``…/grant``, ``…/revoke``.

Every change goes through the server's one ``AccountService`` (``accounts(request)``) with the
checks of ``caseledger users`` (a grant parsed from its role and scope, and what it names found
in the set-up) and is recorded as made by the administrator signed in. Secrets are shown once,
on the page that answers the form that made them (never in a URL, never again).

Administrators hold no case role by it: nothing here reads a case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from application import access_policy as policy
from application.identity import (
    Account,
    AccountService,
    AddedAccount,
    format_grant,
    generate_password,
    parse_grant,
)
from application.principals import Grant, Role
from domain import plain
from domain.errors import CaseledgerError, InvalidInput
from interfaces.bootstrap import Services
from interfaces.http.auth import accounts
from interfaces.http.deps import services
from interfaces.http.problems import ApiProblem
from interfaces.web.render import ROLE_NAMES, Viewer, render
from interfaces.web.session import PostedForm, SignedIn

router = APIRouter(include_in_schema=False)

Built = Annotated[Services, Depends(services)]
Accounts = Annotated[AccountService, Depends(accounts)]

USER_PAGE = "/admin/users/{username}"
SCOPE_FIELDS = {Role.COORDINATOR: "partnership", Role.AUDITOR: "partnership",
                Role.BOARD_MEMBER: "partnership", Role.HUB_OFFICER: "hub",
                Role.AGENCY_CONTACT: "agency"}
FIELDS = {"username": "username", "display_name": "display_name", "email": "email",
          "grant": "role", "password": "username"}
DONE = {"disabled": "Account {u} disabled: it can no longer sign in, and its sessions ended.",
        "enabled": "Account {u} enabled: it can sign in again.",
        "granted": "Role given to {u}.", "revoked": "Role taken away from {u}."}


def administrator(who: SignedIn) -> Viewer:
    """The signed-in administrator; anyone else is refused (403 page)."""
    decision = policy.may_administer(who.principal)
    if not decision:
        raise ApiProblem(403, decision.why, kind="forbidden")
    return who


Admin = Annotated[Viewer, Depends(administrator)]


@router.get("/admin")
def admin_home(request: Request, who: Admin, service: Accounts, built: Built) -> HTMLResponse:
    return render(request, "admin/home.html", title="Administration", viewer=who,
                  accounts=len(service.accounts()), partnerships=len(built.views.partnerships()))


# --------------------------------------------------------------------------- the set-up


@dataclass(frozen=True)
class PolicyVersion:
    case_type: str
    version: str
    starts: str
    ends: str | None  # the day before the next version starts; None: still in force
    settings: tuple[tuple[str, str], ...]
    clocks: tuple[str, ...]
    in_force: bool


def policy_versions(adopted: Sequence[Any], today: str) -> list[PolicyVersion]:
    """Each case type's versions in the order they come into force, each "in force from … to"
    the day before the next one starts (the rule of ``Partnership.policy_in_force``)."""
    found: list[PolicyVersion] = []
    for case_type in sorted({p["case_type"] for p in adopted}):
        versions = sorted((p for p in adopted if p["case_type"] == case_type),
                          key=lambda p: p["effective_from"])
        for index, p in enumerate(versions):
            following = versions[index + 1]["effective_from"][:10] if index + 1 < len(versions) else None
            ends = (date.fromisoformat(following) - timedelta(days=1)).isoformat() if following else None
            starts = p["effective_from"][:10]
            found.append(PolicyVersion(
                plain.case_type_label(case_type), p["version"], starts, ends,
                tuple(sorted((k, str(v)) for k, v in p["settings"].items())),
                tuple(sorted(p["clocks"])),
                starts <= today and (ends is None or today <= ends)))
    return found


def _person(details: Any) -> str:
    if not isinstance(details, dict) or not details:
        return ""
    return ", ".join(str(details[k]) for k in ("name", "email") if details.get(k))


def setup_for_page(built: Services) -> dict[str, Any]:
    """The partnerships (hubs, chair, coordinator, policy versions), counties and agencies."""
    today = built.clock.now().date().isoformat()
    partnerships = []
    for row in built.views.partnerships():
        found = built.cases.partnership(str(row["slug"]))
        partnerships.append({
            "slug": row["slug"], "code": row["code"], "name": row["name"],
            "since": str(row.get("since") or "")[:10],
            "hubs": sorted(found.hubs.items()),
            "chair": _person(getattr(found, "chair", {})),
            "coordinator": _person(getattr(found, "coordinator", {})),
            "policies": policy_versions(found.policies, today)})
    agencies = []
    for row in built.views.agencies():
        contacts = getattr(built.cases.agency(str(row["slug"])), "contacts", {}) or {}
        agencies.append({
            "slug": row["slug"], "name": row["name"], "kind": plain.words(str(row["kind"] or "")),
            "partnerships": [s for s in str(row["partnerships"] or "").split(",") if s],
            "contact": _person(contacts.get("contact")),
            "escalation": _person(contacts.get("escalation"))})
    return {"partnerships": partnerships, "agencies": agencies,
            "counties": list(built.views.counties())}


@router.get("/admin/partnerships")
def partnerships_page(request: Request, who: Admin, built: Built) -> HTMLResponse:
    built.catch_up(wait=False)
    return render(request, "admin/partnerships.html", title="Partnerships and agencies",
                  viewer=who, **setup_for_page(built))


# --------------------------------------------------------------------------- accounts


def grant_label(grant: Grant) -> str:
    """"Coordinator (cumberland)", as the banner names a role."""
    parts = [p for p in (grant.partnership, grant.hub, grant.agency) if p]
    if grant.county:
        parts.append(f"county {grant.county}")
    scope = f" ({', '.join(parts)})" if parts else ""
    return f"{ROLE_NAMES[grant.role]}{scope}"


def status_of(account: Account, service: AccountService) -> str:
    if account.disabled:
        return "Disabled"
    if account.locked_until is not None and account.locked_until > service.clock.now():
        return "Locked"
    return "Active"


def _options(built: Services) -> dict[str, list[tuple[str, str]]]:
    """The choices a grant's scope may name: what the set-up has."""
    partnerships = list(built.views.partnerships())
    return {
        "roles": [("", "Choose a role")] + [(r.value, ROLE_NAMES[r]) for r in Role],
        "partnership": [("", "Choose a partnership")]
        + [(str(p["slug"]), str(p["name"])) for p in partnerships]
        + [(f"county={c['slug']}", f"{c['name']} (county board: board members only)")
           for c in built.views.counties()],
        "hub": [("", "Choose a hub")] + [(f"{p['slug']}/{h}", f"{h} ({p['name']})")
                                         for p in partnerships for h in p["hubs"]],
        "agency": [("", "Choose an agency")] + [(str(a["slug"]), str(a["name"]))
                                               for a in built.views.agencies()],
    }


def grant_from_form(form: Any) -> Grant:
    """The grant a role select and its scope field name, parsed as ``--grant ROLE:SCOPE`` is."""
    role_text = str(form.get("role") or "").strip()
    if not role_text:
        raise InvalidInput("Choose a role", field="role")
    try:
        role = Role(role_text)
    except ValueError:
        raise InvalidInput("Choose a role from the list", field="role") from None
    if role is Role.ADMINISTRATOR:
        return parse_grant(role.value)
    scope_field = SCOPE_FIELDS[role]
    scope = str(form.get(scope_field) or "").strip()
    if not scope:
        raise InvalidInput(f"Choose the {scope_field} of the {ROLE_NAMES[role].lower()}",
                              field=scope_field)
    if scope.startswith("county=") and role is not Role.BOARD_MEMBER:
        raise InvalidInput("Only a board member can have a county board as their scope",
                              field=scope_field)
    try:
        return parse_grant(f"{role.value}:{scope}")
    except CaseledgerError as wrong:
        raise InvalidInput(wrong.message, field=scope_field) from None


def _field(error: CaseledgerError) -> str:
    return FIELDS.get(error.field or "", error.field or "role")


@router.get("/admin/users")
def users_page(request: Request, who: Admin, service: Accounts) -> HTMLResponse:
    rows = [{"account": a, "roles": [grant_label(g) for g in a.all_grants],
             "status": status_of(a, service)} for a in service.accounts()]
    return render(request, "admin/users.html", title="Users", viewer=who, rows=rows)


def _new_user_page(request: Request, who: Viewer, built: Services, form: Any,
                   errors: list[tuple[str, str]], status: int = 200) -> HTMLResponse:
    values = {k: str(form.get(k) or "") for k in ("username", "display_name", "email", "role",
                                                  "partnership", "hub", "agency")}
    return render(request, "admin/new_user.html", title="Add a user", viewer=who,
                  values=values, options=_options(built), errors=errors, status=status)


@router.get("/admin/users/new")
def new_user(request: Request, who: Admin, built: Built) -> HTMLResponse:
    built.catch_up(wait=False)
    return _new_user_page(request, who, built, {}, [])


def _secrets_page(request: Request, who: Viewer, added: AddedAccount, password: str,
                  heading: str) -> HTMLResponse:
    """The secrets, shown once: this page answers the form; nothing can show them again."""
    return render(request, "admin/secrets.html", title=heading, viewer=who, added=added,
                  password=password, heading=heading)


@router.post("/admin/users/new")
def add_user(request: Request, who: Admin, form: PostedForm, built: Built,
             service: Accounts) -> Response:
    errors: list[tuple[str, str]] = []
    for name, message in (("username", "Enter a username"), ("display_name", "Enter their name")):
        if not str(form.get(name) or "").strip():
            errors.append((name, message))
    grants: list[Grant] = []
    try:
        grants.append(grant_from_form(form))
        service.check_setup(grants)
    except CaseledgerError as wrong:
        errors.append((_field(wrong), wrong.message))
    if errors:
        return _new_user_page(request, who, built, form, errors, status=400)
    password = generate_password()
    try:
        added = service.add(str(form.get("username")), display_name=str(form.get("display_name")),
                            email=str(form.get("email") or "") or None, grants=grants,
                            password=password, by=who.principal.actor)
    except CaseledgerError as refused:
        return _new_user_page(request, who, built, form, [(_field(refused), refused.message)],
                              status=409 if refused.field == "username" else 400)
    return _secrets_page(request, who, added, password, f"Account {added.username} added")


def _user_page(request: Request, who: Viewer, built: Services, service: AccountService,
               username: str, *, done: str | None = None, form: Any = None,
               errors: Sequence[tuple[str, str]] = (), status: int = 200) -> HTMLResponse:
    account = service.get(username)
    values = {k: str((form or {}).get(k) or "") for k in ("role", "partnership", "hub", "agency")}
    message = DONE.get(done or "", "").format(u=account.username) or None
    return render(request, "admin/user.html", title=f"Account {account.username}", viewer=who,
                  account=account, status_text=status_of(account, service),
                  grants=[(format_grant(g), grant_label(g)) for g in account.grants],
                  sso=[grant_label(g) for g in account.sso_grants],
                  changes=list(reversed(service.changes(account.username)))[:20],
                  own=account.username == who.username, done=message,
                  values=values, options=_options(built), errors=list(errors), status=status)


@router.get(USER_PAGE)
def user_page(username: str, request: Request, who: Admin, built: Built, service: Accounts,
              done: str | None = None) -> HTMLResponse:
    return _user_page(request, who, built, service, username, done=done)


def _back(username: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{USER_PAGE.format(username=username)}?done={done}", status_code=303)


@router.post(USER_PAGE + "/disable")
def disable(username: str, who: Admin, form: PostedForm, service: Accounts) -> Response:
    if service.get(username).username == who.username:
        raise ApiProblem(409, "You cannot disable your own account: ask another administrator.",
                         kind="conflict")
    account = service.disable(username, by=who.principal.actor)
    return _back(account.username, "disabled")


@router.post(USER_PAGE + "/enable")
def enable(username: str, who: Admin, form: PostedForm, service: Accounts) -> Response:
    account = service.enable(username, by=who.principal.actor)
    return _back(account.username, "enabled")


@router.post(USER_PAGE + "/reset")
def reset(username: str, request: Request, who: Admin, form: PostedForm,
          service: Accounts) -> Response:
    password = generate_password()
    added = service.reset(username, password=password, by=who.principal.actor)
    return _secrets_page(request, who, added, password,
                         f"Account {added.username}: new password and authenticator")


@router.post(USER_PAGE + "/grant")
def grant(username: str, request: Request, who: Admin, form: PostedForm, built: Built,
          service: Accounts) -> Response:
    try:
        given = grant_from_form(form)
        service.check_setup([given])
    except CaseledgerError as wrong:
        return _user_page(request, who, built, service, username, form=form,
                          errors=[(_field(wrong), wrong.message)], status=400)
    account = service.grant(username, [given], by=who.principal.actor)
    return _back(account.username, "granted")


@router.post(USER_PAGE + "/revoke")
def revoke(username: str, who: Admin, form: PostedForm, service: Accounts) -> Response:
    given = parse_grant(str(form.get("grant") or ""))
    account = service.revoke(username, [given], by=who.principal.actor)
    return _back(account.username, "revoked")
