"""The access matrix (/work/shared/access.md → application/access_policy.py), table-driven.

Given a principal holding one role in its scope, and a case (own partnership, other partnership,
own hub, other hub, restricted naming it or not) or an agency's deadline (own agency, other
agency), when the policy is asked (visibility, a command, opening a case, a deadline, a return,
audit, reports, administration), then it answers as access.md says. Each row names the line of
access.md it checks.
"""

from __future__ import annotations

from typing import Any

import pytest

from application.access_policy import (
    CaseScope,
    Visibility,
    case_list_partnerships,
    case_visibility,
    may_administer,
    may_audit,
    may_execute,
    may_open,
    may_read_county_reports,
    may_read_reports,
    may_see_deadline,
    may_submit_return,
    visible_cases,
)
from application.commands.asb import DecideThreshold
from application.commands.common import (
    AddNote,
    LiftRestriction,
    MigratePolicy,
    RequestReturn,
    RestrictCase,
    SubmitReturnDocument,
)
from application.commands.dardr import DecideReview
from application.principals import Grant, Principal, PrincipalKind, Role

N, L, D, F = Visibility.NONE, Visibility.LISTING, Visibility.DETAILS, Visibility.FULL


def person(username: str, *grants: Grant) -> Principal:
    return Principal(f"id-{username}", username, PrincipalKind.PERSON, grants)


PRINCIPALS: dict[str, Principal] = {
    "coordinator": person("coordinator", Grant(Role.COORDINATOR, partnership="cumberland")),
    "hub-officer": person("hub-officer",
                          Grant(Role.HUB_OFFICER, partnership="cumberland", hub="allerdale")),
    "agency-contact": person("agency-contact",
                             Grant(Role.AGENCY_CONTACT, agency="cumbria-police")),
    "auditor": person("auditor", Grant(Role.AUDITOR, partnership="cumberland")),
    "board-member": person("board-member", Grant(Role.BOARD_MEMBER, partnership="cumberland")),
    "county-board": person("county-board", Grant(Role.BOARD_MEMBER, county="cumbria")),
    "administrator": person("administrator", Grant(Role.ADMINISTRATOR)),
    "no-grants": person("no-grants"),
    # a coordinator elsewhere who is also a hub officer here: the union of both
    "two-roles": person("two-roles", Grant(Role.COORDINATOR, partnership="westmorland"),
                        Grant(Role.HUB_OFFICER, partnership="cumberland", hub="allerdale")),
    "api-token": Principal("id-sys", "coordinator", PrincipalKind.SYSTEM,
                           (Grant(Role.COORDINATOR, partnership="cumberland"),)),
    "local-operator": Principal("local", "root", PrincipalKind.LOCAL_OPERATOR),
}

EVERYONE = tuple(p.username for p in PRINCIPALS.values())


def case(case_type: str, partnership: str = "cumberland", hub: str | None = None,
         restricted_to: tuple[str, ...] = ()) -> CaseScope:
    code = {"dardr": "DARDR", "asb": "ASB", "encampment": "UE"}[case_type]
    return CaseScope(case_id=f"{case_type}-{partnership}-{hub}", reference=f"CUM-{code}-2026-001",
                     case_type=case_type, partnership=partnership, hub=hub,
                     restricted_to=restricted_to)


CASES: dict[str, CaseScope] = {
    "own dardr": case("dardr"),
    "own-hub asb": case("asb", hub="allerdale"),
    "own-hub encampment": case("encampment", hub="allerdale"),
    "other-hub asb": case("asb", hub="copeland"),
    "hubless encampment": case("encampment"),
    "other-partnership asb": case("asb", "westmorland", "kendal"),
    "other-partnership dardr": case("dardr", "westmorland"),
    "restricted named asb": case("asb", hub="allerdale", restricted_to=EVERYONE),
    "restricted not named asb": case("asb", hub="allerdale", restricted_to=("someone-else",)),
    "restricted not named dardr": case("dardr", restricted_to=("someone-else",)),
}

COORDINATOR = "access.md roles: coordinator reads their partnerships' cases (all types), never others'"
HUB = "access.md roles: hub officer, ASB and encampment cases of their hubs; never DARDR"
HUB_LIST = "access.md scope: a hub officer may read the partnership's others' list entries, not their details"
AGENCY = "access.md scope: an agency contact sees only what is asked of their agency (module docstring: NONE)"
AUDITOR = "access.md roles: auditor reads histories of their partnerships; personal data only through an export"
BOARD = "access.md roles: board member, never case pages"
ADMIN = "access.md roles: administrator, never case contents"
RESTRICTED = "access.md restricted cases: others in scope see that it exists and no more"
DEFAULT = "access.md: the default is no access"
LOCAL = "access.md identity: the CLI on the server is the local operator"

VISIBILITY: list[tuple[str, str, Visibility, str]] = [
    ("coordinator", "own dardr", F, COORDINATOR),
    ("coordinator", "own-hub asb", F, COORDINATOR),
    ("coordinator", "other-hub asb", F, COORDINATOR),
    ("coordinator", "other-partnership asb", N, COORDINATOR),
    ("coordinator", "other-partnership dardr", N, COORDINATOR),
    ("coordinator", "restricted named asb", F, RESTRICTED),
    ("coordinator", "restricted not named asb", L, RESTRICTED),
    ("coordinator", "restricted not named dardr", L, RESTRICTED),
    ("api-token", "own dardr", F, "access.md identity: systems use API tokens scoped like a person"),
    ("api-token", "restricted not named asb", L, RESTRICTED),
    ("hub-officer", "own-hub asb", F, HUB),
    ("hub-officer", "own-hub encampment", F, HUB),
    ("hub-officer", "other-hub asb", L, HUB_LIST),
    ("hub-officer", "hubless encampment", L, HUB_LIST),
    ("hub-officer", "own dardr", N, HUB),
    ("hub-officer", "other-partnership asb", N, HUB),
    ("hub-officer", "restricted named asb", F, RESTRICTED),
    ("hub-officer", "restricted not named asb", L, RESTRICTED),
    ("hub-officer", "restricted not named dardr", N, HUB),
    ("agency-contact", "own dardr", N, AGENCY),
    ("agency-contact", "own-hub asb", N, AGENCY),
    ("agency-contact", "restricted named asb", N, AGENCY),
    ("auditor", "own dardr", D, AUDITOR),
    ("auditor", "other-hub asb", D, AUDITOR),
    ("auditor", "other-partnership dardr", N, AUDITOR),
    ("auditor", "restricted named asb", D, RESTRICTED),
    ("auditor", "restricted not named asb", L, RESTRICTED),
    ("board-member", "own dardr", N, BOARD),
    ("board-member", "own-hub asb", N, BOARD),
    ("board-member", "restricted named asb", N, BOARD),
    ("county-board", "own-hub asb", N, BOARD),
    ("administrator", "own dardr", N, ADMIN),
    ("administrator", "restricted named asb", N, ADMIN),
    ("no-grants", "own-hub asb", N, DEFAULT),
    ("two-roles", "own-hub asb", F, "access.md: one or more roles, each a scope (the union)"),
    ("two-roles", "other-partnership dardr", F, "access.md: one or more roles (the union)"),
    ("two-roles", "own dardr", N, HUB),
    ("local-operator", "other-partnership dardr", F, LOCAL),
    ("local-operator", "restricted not named asb", F, LOCAL),
]


@pytest.mark.parametrize(("who", "which", "expected", "basis"), VISIBILITY,
                         ids=[f"{w} sees {c}: {e.name}" for w, c, e, _ in VISIBILITY])
def test_case_visibility(who: str, which: str, expected: Visibility, basis: str) -> None:
    """Given a principal and a case, when its visibility is asked, then it is as access.md says."""
    assert case_visibility(PRINCIPALS[who], CASES[which]) is expected, basis


EXECUTE: list[tuple[str, type[object], str, bool, str]] = [
    ("coordinator", DecideReview, "own dardr", True, "access.md: coordinator, every case command"),
    ("coordinator", DecideThreshold, "other-hub asb", True, "access.md: coordinator, every case command"),
    ("coordinator", MigratePolicy, "own-hub asb", True, "access.md: coordinator, policy migration"),
    ("coordinator", RestrictCase, "own dardr", True, "access.md: coordinator, restriction"),
    ("coordinator", LiftRestriction, "restricted named asb", True, "access.md: coordinator, restriction"),
    ("coordinator", AddNote, "other-partnership asb", False, COORDINATOR),
    ("coordinator", AddNote, "restricted not named asb", False, RESTRICTED),
    ("coordinator", LiftRestriction, "restricted not named dardr", False, RESTRICTED),
    ("hub-officer", DecideThreshold, "own-hub asb", True, "access.md: hub officer, ASB commands on those cases"),
    ("hub-officer", RequestReturn, "own-hub encampment", True, "access.md: hub officer, encampment commands"),
    ("hub-officer", AddNote, "other-hub asb", False, HUB_LIST),
    ("hub-officer", DecideReview, "own dardr", False, HUB),
    ("hub-officer", AddNote, "other-partnership asb", False, HUB),
    ("hub-officer", MigratePolicy, "own-hub asb", False, "access.md: policy migration is the coordinator's"),
    ("hub-officer", RestrictCase, "own-hub asb", False, "access.md: restriction is the coordinator's"),
    ("hub-officer", AddNote, "restricted named asb", True, RESTRICTED),
    ("hub-officer", AddNote, "restricted not named asb", False, RESTRICTED),
    ("agency-contact", AddNote, "own-hub asb", False, "access.md: agency contact writes only returns"),
    ("agency-contact", SubmitReturnDocument, "own-hub asb", False, "access.md: agency contact, returns only"),
    ("auditor", AddNote, "own dardr", False, "access.md: auditor, never any case command"),
    ("auditor", RestrictCase, "restricted named asb", False, "access.md: auditor, never any case command"),
    ("board-member", AddNote, "own dardr", False, "access.md: board member writes nothing"),
    ("administrator", AddNote, "own-hub asb", False, ADMIN),
    ("no-grants", AddNote, "own-hub asb", False, DEFAULT),
    ("two-roles", DecideThreshold, "own-hub asb", True, "access.md: the union of roles"),
    ("two-roles", MigratePolicy, "own-hub asb", False, "access.md: coordinator elsewhere is not coordinator here"),
    ("two-roles", DecideReview, "other-partnership dardr", True, "access.md: the union of roles"),
    ("local-operator", RestrictCase, "restricted not named dardr", True, LOCAL),
]


@pytest.mark.parametrize(("who", "command", "which", "allowed", "basis"), EXECUTE,
                         ids=[f"{w} {c.__name__} on {s}: {a}" for w, c, s, a, _ in EXECUTE])
def test_may_execute(who: str, command: type[object], which: str, allowed: bool, basis: str) -> None:
    """Given a principal, a command and a case, when it would be given, then it is allowed or
    refused as access.md says, with a reason in words that names no person on the case."""
    decision = may_execute(PRINCIPALS[who], command, CASES[which])
    assert decision.allowed is allowed, basis
    assert bool(decision) is allowed and decision.why.endswith(".")


def test_a_refusal_says_why_in_words() -> None:
    """Given a coordinator not named on a restricted case and a hub officer asked for a
    coordinator's command, when refused, then each says which rule refused it."""
    not_named = may_execute(PRINCIPALS["coordinator"], AddNote, CASES["restricted not named asb"])
    assert "restricted to named people" in not_named.why
    hub_only = may_execute(PRINCIPALS["hub-officer"], RestrictCase, CASES["own-hub asb"])
    assert "RestrictCase is a coordinator's command" in hub_only.why
    outside = may_execute(PRINCIPALS["auditor"], AddNote, CASES["own dardr"])
    assert "outside your role" in outside.why and "coordinator of cumberland" in outside.why


OPEN: list[tuple[str, str, str, str | None, bool, str]] = [
    ("coordinator", "dardr", "cumberland", None, True, "access.md: coordinator, every case command"),
    ("coordinator", "asb", "cumberland", "copeland", True, COORDINATOR),
    ("coordinator", "dardr", "westmorland", None, False, COORDINATOR),
    ("hub-officer", "asb", "cumberland", "allerdale", True, HUB),
    ("hub-officer", "encampment", "cumberland", "allerdale", True, HUB),
    ("hub-officer", "encampment", "cumberland", None, False, HUB),
    ("hub-officer", "asb", "cumberland", "copeland", False, HUB),
    ("hub-officer", "dardr", "cumberland", None, False, HUB),
    ("agency-contact", "asb", "cumberland", "allerdale", False, AGENCY),
    ("auditor", "dardr", "cumberland", None, False, AUDITOR),
    ("board-member", "dardr", "cumberland", None, False, BOARD),
    ("administrator", "asb", "cumberland", "allerdale", False, ADMIN),
    ("local-operator", "dardr", "westmorland", None, True, LOCAL),
]


@pytest.mark.parametrize(("who", "case_type", "partnership", "hub", "allowed", "basis"), OPEN,
                         ids=[f"{w} opens {t} in {p}/{h}: {a}" for w, t, p, h, a, _ in OPEN])
def test_may_open(who: str, case_type: str, partnership: str, hub: str | None, allowed: bool,
                  basis: str) -> None:
    """Given a principal, when it would open a case of a type in a partnership (and hub), then it
    may or may not as access.md says."""
    assert may_open(PRINCIPALS[who], case_type, partnership, hub).allowed is allowed, basis


def deadline(case_type: str, responsible: str, partnership: str = "cumberland",
             hub: str | None = "allerdale") -> dict[str, Any]:
    """A row as ``deadline_rows`` gives it."""
    return {"case": "CUM-ASB-2026-001", "name": f"return:{responsible}:scoping",
            "type": case_type, "partnership": partnership, "hub": hub, "responsible": responsible}


DEADLINES: list[tuple[str, dict[str, Any], bool, str]] = [
    ("coordinator", deadline("dardr", "probation", hub=None), True, COORDINATOR),
    ("coordinator", deadline("asb", "cumbria-police", "westmorland", "kendal"), False, COORDINATOR),
    ("hub-officer", deadline("asb", "probation"), True, "access.md: hub officer reads deadlines for them"),
    ("hub-officer", deadline("asb", "probation", hub="copeland"), False, "access.md: hub officer, their hubs"),
    ("hub-officer", deadline("dardr", "probation", hub=None), False, HUB),
    ("agency-contact", deadline("dardr", "cumbria-police", hub=None), True, "access.md: requested returns"),
    ("agency-contact", deadline("asb", "cumbria-police", "westmorland", "kendal"), True,
     "access.md: any partnership that asked"),
    ("agency-contact", deadline("dardr", "probation", hub=None), False, "access.md: never other agencies' returns"),
    ("auditor", deadline("dardr", "probation", hub=None), True, AUDITOR),
    ("auditor", deadline("dardr", "probation", "westmorland", None), False, AUDITOR),
    ("board-member", deadline("dardr", "probation", hub=None), False, BOARD),
    ("administrator", deadline("asb", "probation"), False, ADMIN),
    ("no-grants", deadline("asb", "probation"), False, DEFAULT),
    ("local-operator", deadline("asb", "probation", "westmorland"), True, LOCAL),
]


@pytest.mark.parametrize(("who", "row", "seen", "basis"), DEADLINES,
                         ids=[f"{w} sees {r['type']} {r['partnership']}/{r['hub']} "
                              f"{r['responsible']}: {s}" for w, r, s, _ in DEADLINES])
def test_may_see_deadline(who: str, row: dict[str, Any], seen: bool, basis: str) -> None:
    """Given a principal and a deadline row, when the deadlines are listed, then it sees the row
    or not as access.md says (an agency contact by the agency responsible, in any partnership)."""
    assert may_see_deadline(PRINCIPALS[who], row) is seen, basis


def test_the_deadlines_view_rows_use_case_type() -> None:
    """Given a row of the deadlines view itself (``case_type``, not ``type``), when a hub officer
    is asked, then the case type is read from it all the same."""
    row = {**deadline("asb", "probation"), "case_type": "dardr"}
    del row["type"]
    assert may_see_deadline(PRINCIPALS["hub-officer"], row) is False
    assert may_see_deadline(PRINCIPALS["hub-officer"], {**row, "case_type": "asb"}) is True


RETURNS: list[tuple[str, str, str, bool, str]] = [
    ("agency-contact", "own dardr", "cumbria-police", True, "access.md: agency contact uploads a return"),
    ("agency-contact", "other-partnership asb", "cumbria-police", True, "access.md: any partnership that asked"),
    ("agency-contact", "restricted not named asb", "cumbria-police", True, "an upload shows nothing"),
    ("agency-contact", "own dardr", "probation", False, "access.md: never other agencies' returns"),
    ("coordinator", "own dardr", "probation", True, "access.md: coordinator, returns requested"),
    ("coordinator", "other-partnership dardr", "probation", False, COORDINATOR),
    ("coordinator", "restricted not named asb", "probation", False, RESTRICTED),
    ("hub-officer", "own-hub asb", "probation", True, HUB),
    ("hub-officer", "other-hub asb", "probation", False, HUB_LIST),
    ("auditor", "own dardr", "probation", False, "access.md: auditor, nothing but the reads"),
    ("board-member", "own dardr", "probation", False, BOARD),
    ("administrator", "own dardr", "probation", False, ADMIN),
    ("local-operator", "restricted not named dardr", "probation", True, LOCAL),
]


@pytest.mark.parametrize(("who", "which", "agency", "allowed", "basis"), RETURNS,
                         ids=[f"{w} submits {a}'s return on {c}: {ok}" for w, c, a, ok, _ in RETURNS])
def test_may_submit_return(who: str, which: str, agency: str, allowed: bool, basis: str) -> None:
    """Given a principal and a return asked of an agency on a case, when a document is
    submitted for it, then it is allowed or refused as access.md says."""
    assert may_submit_return(PRINCIPALS[who], CASES[which], agency).allowed is allowed, basis


def test_another_agencys_return_is_refused_naming_the_agency_asked() -> None:
    """Given a police contact, when it submits probation's return, then the refusal says the
    return is asked of probation, not of its agency."""
    refusal = may_submit_return(PRINCIPALS["agency-contact"], CASES["own dardr"], "probation")
    assert "asked of probation, not of your agency" in refusal.why


AUDIT_REPORTS_ADMIN: list[tuple[str, str, bool, bool, bool, str]] = [
    # who, partnership, audit, reports, administer
    ("coordinator", "cumberland", False, True, False, "access.md: coordinator reads reports"),
    ("coordinator", "westmorland", False, False, False, COORDINATOR),
    ("hub-officer", "cumberland", False, False, False, HUB),
    ("agency-contact", "cumberland", False, False, False, AGENCY),
    ("auditor", "cumberland", True, True, False, "access.md: auditor, the access log and reports"),
    ("auditor", "westmorland", False, False, False, AUDITOR),
    ("board-member", "cumberland", False, True, False, "access.md: board member, reports for their partnerships"),
    ("board-member", "westmorland", False, False, False, BOARD),
    ("county-board", "cumberland", False, True, False, "access.md: board member, reports for their county"),
    ("county-board", "lancashire", False, False, False, "access.md: only the county's partnerships"),
    ("administrator", "cumberland", False, False, True, "access.md: administrator, accounts, roles, set-up"),
    ("no-grants", "cumberland", False, False, False, DEFAULT),
    ("local-operator", "westmorland", True, True, True, LOCAL),
]
COUNTIES = {"cumberland": ("cumbria",), "westmorland": ("cumbria",), "lancashire": ()}


@pytest.mark.parametrize(("who", "partnership", "audit", "reports", "administer", "basis"),
                         AUDIT_REPORTS_ADMIN,
                         ids=[f"{w} in {p}: audit {a}, reports {r}, administer {ad}"
                              for w, p, a, r, ad, _ in AUDIT_REPORTS_ADMIN])
def test_audit_reports_and_administration(who: str, partnership: str, audit: bool,
                                          reports: bool, administer: bool, basis: str) -> None:
    """Given a principal and a partnership, when it audits, reads reports or administers, then
    each is allowed or refused as access.md says."""
    principal = PRINCIPALS[who]
    assert may_audit(principal, partnership).allowed is audit, basis
    assert may_read_reports(principal, partnership, COUNTIES[partnership]).allowed is reports, basis
    assert may_administer(principal).allowed is administer, basis


def test_county_reports_are_for_the_countys_board_members() -> None:
    """Given a county board member and a partnership's board member, when the county's report is
    asked for, then only the county's board member (and the local operator) may read it."""
    assert may_read_county_reports(PRINCIPALS["county-board"], "cumbria").allowed
    assert not may_read_county_reports(PRINCIPALS["county-board"], "lancashire").allowed
    assert not may_read_county_reports(PRINCIPALS["board-member"], "cumbria").allowed
    assert may_read_county_reports(PRINCIPALS["local-operator"], "cumbria").allowed


def row(reference: str, case_type: str, partnership: str, hub: str | None,
        restricted_to: str | None = None) -> dict[str, Any]:
    """A ``cases`` read-model row (``restricted_to`` stored as a JSON list)."""
    return {"case_id": reference.lower(), "reference": reference, "case_type": case_type,
            "partnership": partnership, "hub": hub, "stage": "received", "version": 3,
            "policy_version": "national-2025", "reminder_ladders": None, "second_report": False,
            "restricted_to": restricted_to}


def test_the_case_list_as_each_role_sees_it() -> None:
    """Given the case list's rows of two partnerships, when a hub officer lists them, then it
    sees its hub's case in full, another hub's as a list entry cut to the listing fields, a
    restricted case not naming it as a list entry, and no DARDR case nor the other
    partnership's; a board member sees none; the query can be narrowed to the partnerships a
    principal may list."""
    rows = [
        row("CUM-ASB-2026-001", "asb", "cumberland", "allerdale"),
        row("CUM-ASB-2026-002", "asb", "cumberland", "copeland"),
        row("CUM-ASB-2026-003", "asb", "cumberland", "allerdale", '["someone-else"]'),
        row("CUM-DARDR-2026-001", "dardr", "cumberland", None),
        row("WES-ASB-2026-001", "asb", "westmorland", "kendal"),
    ]
    seen = visible_cases(PRINCIPALS["hub-officer"], rows)
    assert [(entry["reference"], visibility) for entry, visibility in seen] == [
        ("CUM-ASB-2026-001", F), ("CUM-ASB-2026-002", L), ("CUM-ASB-2026-003", L)]
    assert seen[0][0] == rows[0]
    assert "policy_version" not in seen[1][0] and seen[1][0]["stage"] == "received"
    assert seen[2][0]["restricted_to"] == '["someone-else"]'
    assert visible_cases(PRINCIPALS["board-member"], rows) == []
    assert [e["reference"] for e, _ in visible_cases(PRINCIPALS["coordinator"], rows)] == [
        r["reference"] for r in rows[:4]]
    assert case_list_partnerships(PRINCIPALS["two-roles"]) == {"cumberland", "westmorland"}
    assert case_list_partnerships(PRINCIPALS["agency-contact"]) == frozenset()
    assert case_list_partnerships(PRINCIPALS["local-operator"]) is None


def test_a_scope_from_a_read_model_row() -> None:
    """Given a ``cases`` row restricted to two people, when its scope is built, then it holds
    them as a tuple; a row with NULL is not restricted."""
    scope = CaseScope.of(row("CUM-ASB-2026-003", "asb", "cumberland", "allerdale",
                             '["amy", "bob"]'))
    assert scope.restricted_to == ("amy", "bob") and scope.restricted
    assert not CaseScope.of(row("CUM-ASB-2026-001", "asb", "cumberland", "allerdale")).restricted
