"""Who may see and do what: ``access.md`` as pure functions of a principal and a case's scope.

The default is no access: each function answers from the grants a principal holds, and a
principal with several grants gets the union of what each allows. The local operator (the
command line on the server) may do everything. Nothing here reads a database: the interfaces
give the case's scope (``CaseScope.of`` a ``cases`` read-model row, or ``of_case`` a loaded case)
and answer a refusal themselves (404 where the case is not visible at all, 403 where it is
visible but the act is outside the role), recording it with ``AuditService.record_denied``.

The matrix (access.md, "Roles"; "Restricted cases"):

==============  ============================================  ======================================
role            sees a case of its scope                      may do
==============  ============================================  ======================================
coordinator     FULL: every case type of its partnerships     every case command there, open cases
                                                              there, restrict and lift
hub officer     FULL: ASB and encampment cases of its hubs;   ASB and encampment commands on its
                LISTING: the partnership's other ASB and      hubs' cases (not policy migration or
                encampment cases; NONE: DARDR                 restriction), open them in its hubs
agency contact  NONE (its window is what is asked of its      submit a return asked of its agency
                agency: ``may_see_deadline``)
auditor         DETAILS (no personal data) of its             audit its partnerships; no command
                partnerships' cases
board member    NONE                                          read reports of its partnerships or
                                                              county
administrator   NONE                                          administer accounts and set-up
==============  ============================================  ======================================

A restricted case shows everyone not named (by username) at most LISTING, and takes no command
of theirs, whatever their role; naming someone gives them nothing their role does not.

Two choices access.md leaves open, and why:

- A hub officer does not even see DARDR cases listed (NONE, not LISTING). access.md lets a hub
  officer read "the partnership's others' list entries" beside "DARDR cases" under "Never": the
  list entries are of the other hubs' ASB and encampment cases, their own kind of work. That a
  domestic abuse related death is under review, with its stage, is itself sensitive and nothing
  a hub officer's work needs.
- An agency contact sees no case, not even listed (NONE). What an agency contact reads is what is
  asked of its agency, in any partnership that asked: its return and action deadlines
  (``may_see_deadline``, ``responsible`` is the agency) and the returns it submits
  (``may_submit_return``). A case's own scope cannot tell whether anything is asked of an agency,
  and the case list's stages would say more about a case than its own request does.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from application.commands.common import (
    ErasePersonalData,
    LiftLegalHold,
    LiftRestriction,
    MigratePolicy,
    PlaceLegalHold,
    RestrictCase,
)
from application.commands.personal import CorrectPersonalData
from application.principals import Grant, Principal, PrincipalKind, Role
from domain.case import Case

HUB_CASE_TYPES = frozenset({"asb", "encampment"})
"""The case types a hub officer works on (access.md: "ASB and encampment cases of their hubs")."""

COORDINATOR_ONLY: frozenset[type[object]] = frozenset({MigratePolicy, RestrictCase,
                                                      LiftRestriction, PlaceLegalHold,
                                                      LiftLegalHold, ErasePersonalData,
                                                      CorrectPersonalData})
"""Case commands only a coordinator gives (access.md, coordinator's writes: "policy migration;
restriction"; legal holds and erasure decide what the partnership keeps, as restriction decides
who reads it); a hub officer gives every other command on its hubs' cases."""

LISTING_FIELDS = frozenset({"case_id", "reference", "case_type", "partnership", "hub", "stage",
                            "stage_since", "opened_on", "closed_on", "paused", "version",
                            "second_report", "restricted_to"})
"""What a list entry shows at LISTING: that the case exists, its type and stage (its deadlines
are the deadline rows', ``may_see_deadline``). ``restricted_to`` is kept so that a reader can
tell why the entry says no more."""

LISTING_CASE_FIELDS = ("id", "reference", "type", "partnership", "hub", "stage", "version", "as_at",
                       "deadlines")
"""What a case page shows at LISTING (``case_to_dict``'s names): access.md's "reference, type,
stage, deadlines", and where the case belongs."""


class Visibility(IntEnum):
    """How much of a case a principal reads; ordered, so that the union of grants is the most."""

    NONE = 0  # not even that it exists: answered as unknown (404)
    LISTING = 1  # reference, type, stage, deadlines
    DETAILS = 2  # the case and its history without personal data
    FULL = 3  # with personal data (victim, applicant, family, group, free text)


@dataclass(frozen=True)
class Decision:
    """An answer of the policy and, in plain words without personal data, why; it is what a
    refusal says and what the access log records."""

    allowed: bool
    why: str

    def __bool__(self) -> bool:
        return self.allowed


def allow(why: str) -> Decision:
    return Decision(True, why)


def deny(why: str) -> Decision:
    return Decision(False, why)


@dataclass(frozen=True)
class CaseScope:
    """What the policy needs to know of a case: where it belongs and whom it is restricted to
    (an empty ``restricted_to``: not restricted)."""

    case_id: str
    reference: str
    case_type: str
    partnership: str
    hub: str | None
    restricted_to: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> CaseScope:
        """From a ``cases`` read-model row (``restricted_to``: a JSON list, or NULL)."""
        return cls(case_id=str(row["case_id"]), reference=str(row["reference"]),
                   case_type=str(row["case_type"]), partnership=str(row["partnership"]),
                   hub=row.get("hub"), restricted_to=restricted_people(row.get("restricted_to")))

    @classmethod
    def of_case(cls, case: Case) -> CaseScope:
        """From a loaded case (as it stands now: a restriction applies to past versions too)."""
        return cls(case_id=str(case.id), reference=case.reference, case_type=case.case_type,
                   partnership=case.partnership, hub=case.hub,
                   restricted_to=tuple(case.restricted_to or ()))

    @property
    def restricted(self) -> bool:
        return bool(self.restricted_to)


def restricted_people(stored: str | Iterable[str] | None) -> tuple[str, ...]:
    """The ``restricted_to`` column (a JSON list, or NULL) as a tuple of usernames."""
    if stored is None:
        return ()
    people = json.loads(stored) if isinstance(stored, str) else stored
    return tuple(str(person) for person in people)


def is_local_operator(principal: Principal) -> bool:
    return principal.kind is PrincipalKind.LOCAL_OPERATOR


def named_on(principal: Principal, scope: CaseScope) -> bool:
    """Whether the case is not restricted, or restricted to this principal among others."""
    return not scope.restricted or principal.username in scope.restricted_to


# --------------------------------------------------------------------------- reading cases


def _grant_visibility(grant: Grant, scope: CaseScope) -> Visibility:
    """What one grant alone shows of the case (before any restriction)."""
    in_partnership = grant.partnership is not None and grant.partnership == scope.partnership
    if grant.role is Role.COORDINATOR and in_partnership:
        return Visibility.FULL
    if grant.role is Role.HUB_OFFICER and in_partnership and scope.case_type in HUB_CASE_TYPES:
        return Visibility.FULL if grant.hub is not None and grant.hub == scope.hub \
            else Visibility.LISTING
    if grant.role is Role.AUDITOR and in_partnership:
        return Visibility.DETAILS
    return Visibility.NONE


def case_visibility(principal: Principal, scope: CaseScope) -> Visibility:
    """How much of the case the principal reads: the most any of its grants shows, at most
    LISTING on a restricted case that does not name it."""
    if is_local_operator(principal):
        return Visibility.FULL
    seen = max((_grant_visibility(g, scope) for g in principal.grants), default=Visibility.NONE)
    if not named_on(principal, scope):
        return min(seen, Visibility.LISTING)
    return seen


def visible_cases(principal: Principal, rows: Iterable[Mapping[str, Any]]
                  ) -> list[tuple[dict[str, Any], Visibility]]:
    """The case list as the principal may read it: each ``cases`` row it sees at all, with its
    visibility, a LISTING entry cut down to ``LISTING_FIELDS``; in the rows' order."""
    shown: list[tuple[dict[str, Any], Visibility]] = []
    for row in rows:
        visibility = case_visibility(principal, CaseScope.of(row))
        if visibility is Visibility.NONE:
            continue
        entry = dict(row) if visibility > Visibility.LISTING else {
            key: value for key, value in row.items() if key in LISTING_FIELDS}
        shown.append((entry, visibility))
    return shown


def case_list_partnerships(principal: Principal) -> frozenset[str] | None:
    """The partnerships whose cases the principal may list at all (None: every partnership),
    to narrow the case list's query before ``visible_cases`` decides row by row."""
    if is_local_operator(principal):
        return None
    return frozenset(g.partnership for g in principal.grants
                     if g.role in (Role.COORDINATOR, Role.HUB_OFFICER, Role.AUDITOR)
                     and g.partnership is not None)


# --------------------------------------------------------------------------- commands


def _works_as(grant: Grant, scope: CaseScope) -> Role | None:
    """The role by which the grant works on the case (coordinator, hub officer), if any."""
    if grant.partnership is None or grant.partnership != scope.partnership:
        return None
    if grant.role is Role.COORDINATOR:
        return grant.role
    if (grant.role is Role.HUB_OFFICER and scope.case_type in HUB_CASE_TYPES
            and grant.hub is not None and grant.hub == scope.hub):
        return grant.role
    return None


def _works_case(principal: Principal, scope: CaseScope) -> tuple[Decision, frozenset[Role]]:
    """Whether the principal works on the case (as its coordinator or hub officer) and is named
    on it if it is restricted; and the roles it works on it by."""
    roles = frozenset(role for g in principal.grants if (role := _works_as(g, scope)) is not None)
    if not roles:
        return deny(f"Working on {scope.reference} is outside your role: it needs a coordinator "
                    f"of {scope.partnership}"
                    + (" or a hub officer of its hub." if scope.case_type in HUB_CASE_TYPES
                       else ".")), roles
    if not named_on(principal, scope):
        return deny(f"{scope.reference} is restricted to named people, and you are not one "
                    "of them."), roles
    as_what = " and ".join(sorted(role.value.replace("-", " ") for role in roles))
    return allow(f"You work on {scope.reference} as its {as_what}."), roles


def may_execute(principal: Principal, command_class: type[object], scope: CaseScope) -> Decision:
    """Whether the principal may give the command on the case: a coordinator of its partnership
    any command; a hub officer of its hub, for an ASB or encampment case, any but the
    coordinator's own (``COORDINATOR_ONLY``); nobody not named on a restricted case."""
    if is_local_operator(principal):
        return allow("The local operator may give every command.")
    works, roles = _works_case(principal, scope)
    if works and Role.COORDINATOR not in roles and command_class in COORDINATOR_ONLY:
        return deny(f"{command_class.__name__} is a coordinator's command; a hub officer may "
                    "not give it.")
    return works


def may_open(principal: Principal, case_type: str, partnership: str,
             hub: str | None) -> Decision:
    """Whether the principal may open a case of the type in the partnership (and hub): a
    coordinator of the partnership any type; a hub officer an ASB or encampment case in its
    hub."""
    if is_local_operator(principal):
        return allow("The local operator may open any case.")
    for grant in principal.grants:
        if grant.partnership != partnership:
            continue
        if grant.role is Role.COORDINATOR:
            return allow(f"You coordinate {partnership}.")
        if (grant.role is Role.HUB_OFFICER and case_type in HUB_CASE_TYPES
                and hub is not None and grant.hub == hub):
            return allow(f"You are a hub officer of {partnership}/{hub}.")
    return deny(f"Opening a {case_type} case in {partnership}"
                + (f" (hub {hub})" if hub else "") + " is outside your role: it needs a "
                "coordinator of the partnership"
                + (" or a hub officer of the hub." if case_type in HUB_CASE_TYPES else "."))


# --------------------------------------------------------------------------- agencies


def may_see_deadline(principal: Principal, deadline_row: Mapping[str, Any]) -> bool:
    """Whether the principal sees a deadline row (``deadline_rows`` or the ``deadlines`` view
    joined with its case: case type, partnership, hub, responsible): its coordinators and
    auditors; a hub officer its hubs' ASB and encampment cases' ("deadlines for them"); an
    agency contact the deadlines its agency is responsible for, in any partnership (its returns
    and the actions it owns). A restriction hides no deadline: access.md lets everyone in scope
    see a restricted case's deadlines."""
    if is_local_operator(principal):
        return True
    case_type = deadline_row.get("type", deadline_row.get("case_type"))
    partnership, hub = deadline_row.get("partnership"), deadline_row.get("hub")
    for grant in principal.grants:
        if grant.role is Role.AGENCY_CONTACT:
            if grant.agency is not None and grant.agency == deadline_row.get("responsible"):
                return True
            continue
        if grant.partnership is None or grant.partnership != partnership:
            continue
        if grant.role in (Role.COORDINATOR, Role.AUDITOR):
            return True
        if (grant.role is Role.HUB_OFFICER and case_type in HUB_CASE_TYPES
                and grant.hub is not None and grant.hub == hub):
            return True
    return False


def may_submit_return(principal: Principal, scope: CaseScope,
                      responsible_agency: str) -> Decision:
    """Whether the principal may submit (upload and mark submitted) the return the case asked of
    ``responsible_agency``: a contact of that agency, even on a restricted case (an upload
    shows nothing of the case); or whoever may give commands on the case, on the agency's behalf.
    Whether the return was asked for at all is the case's to say."""
    if is_local_operator(principal):
        return allow("The local operator may record every return.")
    for grant in principal.grants:
        if grant.role is Role.AGENCY_CONTACT and grant.agency == responsible_agency:
            return allow(f"You are a contact of {responsible_agency}, which the return is asked of.")
    on_behalf, _ = _works_case(principal, scope)
    if on_behalf:
        return allow(f"{on_behalf.why} You may record a return on the agency's behalf.")
    if principal.holds(Role.AGENCY_CONTACT):
        return deny(f"The return on {scope.reference} is asked of {responsible_agency}, not of "
                    "your agency.")
    return deny(f"Submitting {responsible_agency}'s return on {scope.reference} is outside your "
                "role.")


# --------------------------------------------------------------------------- audit, reports, set-up


def may_audit(principal: Principal, partnership: str) -> Decision:
    """The auditor's reads of the partnership (histories, time travel, the access log, integrity
    verification, exports with a purpose): its auditors."""
    if is_local_operator(principal):
        return allow("The local operator may audit every partnership.")
    if any(g.role is Role.AUDITOR and g.partnership == partnership for g in principal.grants):
        return allow(f"You audit {partnership}.")
    return deny(f"Auditing {partnership} is outside your role: it needs an auditor of it.")


def may_read_reports(principal: Principal, partnership: str,
                     counties: Collection[str] = ()) -> Decision:
    """The partnership's reports and statutory figures: its coordinators, auditors and board
    members, and the board members of a county it belongs to (``counties``: the county slugs the
    set-up puts the partnership in)."""
    if is_local_operator(principal):
        return allow("The local operator may read every report.")
    for grant in principal.grants:
        if (grant.role in (Role.COORDINATOR, Role.AUDITOR, Role.BOARD_MEMBER)
                and grant.partnership == partnership):
            return allow(f"You are a {grant.role.value.replace('-', ' ')} of {partnership}.")
        if grant.role is Role.BOARD_MEMBER and grant.county is not None and grant.county in counties:
            return allow(f"You are a board member of {grant.county}, which {partnership} is in.")
    return deny(f"The reports of {partnership} are outside your role.")


def may_read_county_reports(principal: Principal, county: str) -> Decision:
    """A county's reports (its partnerships together, figures only): its board members."""
    if is_local_operator(principal):
        return allow("The local operator may read every report.")
    if any(g.role is Role.BOARD_MEMBER and g.county == county for g in principal.grants):
        return allow(f"You are a board member of {county}.")
    return deny(f"The reports of {county} are outside your role: they need a board member of it.")


def may_administer(principal: Principal) -> Decision:
    """Accounts, roles, scopes and set-up: administrators (who hold no case role by it)."""
    if is_local_operator(principal):
        return allow("The local operator may administer.")
    if principal.holds(Role.ADMINISTRATOR):
        return allow("You are an administrator.")
    return deny("Administration is outside your role: it needs an administrator.")
