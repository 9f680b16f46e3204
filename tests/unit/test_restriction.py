"""Restricted cases (access.md, "Restricted cases"): given events -> when restrict / lift ->
then events (or error, recording nothing)."""

from __future__ import annotations

import pytest

from domain.case import CaseRestricted, CaseRestrictionLifted
from domain.errors import DateRuleViolated, InvalidInput, RuleRefused
from tests.unit.dardr_helpers import Given, event_names, given_notified, one, refused, replay, state

WHY = "A panel member knows the family of Zephyrine Quillfeather"


def restricted(people: list[str] | None = None) -> Given:
    given = given_notified()
    given.do("restrict", "2026-02-01", people or ["amy.coordinator", "bob.hub"], WHY)
    return given


def test_restricting_names_the_people_and_keeps_why_personal() -> None:
    """Given a notified review, when a coordinator restricts it to two people (named twice, out
    of order), then CaseRestricted names them once each, sorted, with why only in ``personal``;
    the case is restricted to them, on replay too."""
    given = given_notified()
    new = given.do("restrict", "2026-02-01", ["bob.hub", "amy.coordinator", " bob.hub "], WHY)
    event = one(new, "CaseRestricted")
    assert isinstance(event, CaseRestricted)
    assert event.people == ["amy.coordinator", "bob.hub"]
    assert event.personal == {"why": WHY}
    assert WHY not in repr({k: v for k, v in vars(event).items() if k != "personal"})
    assert given.then().restricted_to == ["amy.coordinator", "bob.hub"]
    assert state(replay(given.history)) == state(given.then())


def test_a_restriction_needs_people() -> None:
    """Given a notified review, when it is restricted to nobody (or blanks), then it is refused
    as invalid input about the people, recording nothing."""
    for people in ([], ["  "]):
        refused(given_notified(), "restrict", "2026-02-01", people, WHY, error=InvalidInput,
                field="people", match="Name the people")


def test_a_restriction_needs_a_reason() -> None:
    """Given a notified review, when it is restricted without saying why, then it is refused."""
    refused(given_notified(), "restrict", "2026-02-01", ["amy"], "  ", error=InvalidInput,
            field="why")


def test_a_username_is_one_line() -> None:
    """Given a notified review, when a username holds a line break, then it is refused without
    quoting more than its start."""
    refused(given_notified(), "restrict", "2026-02-01", ["amy\nbob"], WHY, error=InvalidInput,
            field="people", match="one-line")


def test_restricting_again_replaces_the_people_but_not_with_the_same() -> None:
    """Given a case restricted to amy and bob, when it is restricted to carol, then carol alone
    is named; when restricted to amy and bob again in another order, it is refused."""
    given = restricted()
    refused(given, "restrict", "2026-02-02", ["bob.hub", "amy.coordinator"], WHY,
            error=RuleRefused, match="already restricted")
    given.do("restrict", "2026-02-02", ["carol"], WHY)
    assert given.then().restricted_to == ["carol"]


def test_lifting_an_unrestricted_case_is_refused() -> None:
    """Given a case never restricted, when its restriction is lifted, then it is refused."""
    refused(given_notified(), "lift_restriction", "2026-02-01", "no longer needed",
            error=RuleRefused, match="not restricted")


def test_lifting_a_restriction() -> None:
    """Given a restricted case, when the restriction is lifted with a reason, then
    CaseRestrictionLifted is recorded (why personal) and the case is not restricted; lifting it
    again is refused."""
    given = restricted()
    new = given.do("lift_restriction", "2026-03-01", "The panel member stood down")
    lifted = one(new, "CaseRestrictionLifted")
    assert isinstance(lifted, CaseRestrictionLifted)
    assert lifted.personal == {"why": "The panel member stood down"}
    assert given.then().restricted_to is None
    refused(given, "lift_restriction", "2026-03-02", "again", error=RuleRefused)
    refused(restricted(), "lift_restriction", "2026-03-01", "", error=InvalidInput, field="why")


def test_restriction_at_any_stage_but_not_before_the_case() -> None:
    """Given a closed case, when it is restricted, then it is (its records stay as sensitive);
    given a case opened 2026-01-31, a restriction effective the day before is refused."""
    given = Given.notified("2026-01-31").up_to("scoping")
    given.decided("no-review", "2026-02-20")
    given.do("notify_home_office", "2026-02-23")
    given.do("record_home_office_view", "2026-03-10", "no-review-agreed")
    assert given.then().stage == "closed"
    assert event_names(given.do("restrict", "2026-03-11", ["amy"], WHY)) == ["CaseRestricted"]
    with pytest.raises(DateRuleViolated):
        given_notified().do("restrict", "2026-01-30", ["amy"], WHY)
