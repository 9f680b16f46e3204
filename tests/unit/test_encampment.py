"""Encampment stage machine, clocks and rules: given events -> when command -> then events."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain import times
from domain.case import CommandContext
from domain.encampment import (
    DEFINITION,
    EncampmentCase,
    location_key,
    national_policy,
    risk_score,
)
from domain.errors import DateRuleViolated, InvalidInput, RuleRefused, WrongStage
from tests.unit import dardr_helpers
from tests.unit.dardr_helpers import deadline_set, event_names, one, replay

REF = "CUM-UE-2026-031"


def ctx(on: str) -> CommandContext:
    """A context effective ``on`` (a London date-time), with E&W bank holidays 2025-2027."""
    return dardr_helpers.ctx(times.parse_effective(on))


def reported(on: str = "2026-03-02T14:30", **kw) -> EncampmentCase:
    args = {"location": "Verge by the A595 (test)", "grid_ref": "NY 123 456", "caravans": 4,
            "vehicles": 3, "group": "GRP-1", "reporter": "Zephyrine Quillfeather"}
    args.update(kw)
    return EncampmentCase.report(ctx(on), case_id=uuid4(), reference=REF, partnership="cumberland",
                                 hub="allerdale", policy=national_policy(), **args)


def assessed(on_day: str = "2026-03-03") -> EncampmentCase:
    case = reported()
    case.establish_ownership(ctx(f"{on_day}T09:00"), land="council", landowner="Cumberland Council")
    case.visit(ctx(f"{on_day}T10:00"), caravans=5, adults=6, children=2, officer="Officer X")
    case.assess_welfare(ctx(f"{on_day}T11:00"), needs=["education"], referrals=["school"])
    case.assess_impact(ctx(f"{on_day}T11:30"), threat=2, likelihood=3, factors=["access"])
    return case


def enforcing(power: str = "s77") -> EncampmentCase:
    case = assessed()
    case.decide(ctx("2026-03-03T14:00"), decision="not-allow", power=power, reasons="proportionate")
    return case


def test_definition_every_transition_has_a_basis_and_the_type_code_is_ue():
    assert DEFINITION.reference_code == "UE"
    assert all(t.basis.reference for t in DEFINITION.transitions.values())


def test_report_in_working_hours_gives_24_hours_for_the_initial_visit():
    case = reported("2026-03-02T14:30")  # Monday, in working hours
    events = case.collect_events()
    assert event_names(events)[:2] == ["EncampmentReported", "DeadlineSet"]
    assert deadline_set(events, "initial-visit").due == "2026-03-03T14:30:00+00:00"
    opened = one(events, "EncampmentReported")
    assert opened.location_key == "grid:NY123456"
    assert opened.within_no_return_window is None
    assert "Quillfeather" in str(opened.personal) and "Quillfeather" not in str(
        {k: v for k, v in vars(opened).items() if k != "personal"})


def test_the_location_description_stays_in_the_event_not_the_case_state() -> None:
    case = reported()
    again = replay(case.collect_events())
    for state in (case, again):
        assert "Quillfeather" not in repr({k: v for k, v in vars(state).items()
                                           if k != "_pending_events"})


def test_weekend_or_out_of_hours_report_is_due_end_of_next_working_day():
    # Saturday 7 March 2026 -> Monday 9 March, 23:59:59.
    assert reported("2026-03-07T11:00").deadlines["initial-visit"].due == "2026-03-09T23:59:59+00:00"
    # Friday 3 April 2026 is Good Friday, Monday 6 April Easter Monday -> Tuesday 7 April (BST).
    assert reported("2026-04-02T20:00").deadlines["initial-visit"].due == "2026-04-07T23:59:59+01:00"


def test_stages_through_assessment_to_deciding_with_clocks():
    case = assessed()
    assert case.stage == "deciding"
    assert case.deadlines["initial-visit"].status == "met"
    assert case.deadlines["welfare-assessment"].status == "met"
    # decision: 1 working day from the welfare assessment on Tuesday 3 March -> Wednesday.
    assert case.deadlines["decision"].due == "2026-03-04T23:59:59+00:00"
    assert case.risk == 6
    assert replay(case.collect_events()).stage == "deciding"


def test_risk_matrix_and_invalid_threat():
    assert risk_score(1, 1) == 1 and risk_score(3, 3) == 9
    case = reported()
    case.establish_ownership(ctx("2026-03-02T15:00"), land="council")
    case.visit(ctx("2026-03-02T16:00"))
    with pytest.raises(InvalidInput, match="threat must be 1, 2 or 3"):
        case.assess_impact(ctx("2026-03-02T16:30"), threat=4, likelihood=1)


def test_tolerate_sets_the_leaving_date():
    case = assessed()
    case.decide(ctx("2026-03-03T14:00"), decision="tolerate", leave_by="2026-03-16")
    assert case.stage == "tolerated"
    assert case.deadlines["leaving-date"].due == "2026-03-16T23:59:59+00:00"
    assert case.deadlines["decision"].status == "met"


def test_no_direction_before_a_welfare_assessment():
    case = reported()
    case.establish_ownership(ctx("2026-03-02T15:00"), land="council")
    with pytest.raises(RuleRefused, match="welfare assessment"):
        case.serve_direction(ctx("2026-03-02T16:00"), power="s77")


def test_direction_stores_its_no_return_window_and_compliance_clock():
    case = enforcing()
    case.serve_direction(ctx("2026-03-03T15:00"), power="s77")
    served = one(case.collect_events(), "DirectionServed")
    assert (served.no_return_from, served.no_return_until) == ("2026-03-03", "2026-06-02")
    assert served.compliance_due == "2026-03-04T15:00:00+00:00"
    assert case.view_extra()["no_return_windows"] == [
        {"power": "s77", "from": "2026-03-03", "until": "2026-06-02"}]


def test_s78_summons_needs_24_hours_notice():
    case = enforcing()
    with pytest.raises(DateRuleViolated, match="24 hours"):
        case.issue_summons(ctx("2026-03-04T10:00"), hearing="2026-03-05T09:00")
    case.issue_summons(ctx("2026-03-04T10:00"), hearing="2026-03-05T10:00")
    assert case.summonses == 1


def test_cpr55_clear_days_exclude_service_and_hearing_days():
    case = enforcing("cpr55")
    # Served Wed 4 March; hearing Sat 7 March leaves 5 and 6 March: 2 clear days.
    with pytest.raises(DateRuleViolated, match="2 clear days"):
        case.issue_claim(ctx("2026-03-04T10:00"), hearing="2026-03-06T10:00")
    with pytest.raises(DateRuleViolated, match="5 clear days"):
        case.issue_claim(ctx("2026-03-04T10:00"), hearing="2026-03-09T10:00", premises="residential")
    case.issue_claim(ctx("2026-03-04T10:00"), hearing="2026-03-07T10:00", method="stakes")
    assert case.claims == 1


def test_court_route_to_closure_with_costs():
    case = enforcing()
    case.serve_direction(ctx("2026-03-03T15:00"), power="s77")
    case.check_compliance(ctx("2026-03-04T16:00"), still_present=True)
    case.issue_summons(ctx("2026-03-04T17:00"), hearing="2026-03-06T10:00")
    case.record_hearing(ctx("2026-03-06T12:00"), result="order-granted")
    case.grant_order(ctx("2026-03-06T12:30"), order="s78")
    case.serve_order(ctx("2026-03-06T14:00"))
    assert case.deadlines["order-compliance"].due == "2026-03-07T14:00:00+00:00"
    case.enforce(ctx("2026-03-09T07:00"))
    case.vacate(ctx("2026-03-09T09:00"), enforced=True)
    assert case.stage == "vacated" and case.deadlines["cleanup"].due == "2026-03-16T23:59:59+00:00"
    case.clear_site(ctx("2026-03-11T10:00"), cleanup_cost=1200.5, legal_cost=800, damage=100)
    names = event_names(case.collect_events())
    assert names.index("SiteCleared") < names.index("CaseClosed")
    assert case.stage == "closed" and case.cleanup_cost == 120050 and case.legal_cost == 80000


def test_wrong_stage_and_invalid_choices():
    case = reported()
    with pytest.raises(WrongStage):
        case.decide(ctx("2026-03-02T15:00"), decision="tolerate", leave_by="2026-03-10")
    with pytest.raises(InvalidInput):
        case.establish_ownership(ctx("2026-03-02T15:00"), land="moon")
    with pytest.raises(InvalidInput):
        assessed().decide(ctx("2026-03-03T14:00"), decision="not-allow", reasons="x")


def test_location_keys():
    assert location_key(lat=54.60012, lon=-3.1349) == "latlon:54.600,-3.135"
    a = location_key(description="Lay-by, A66  near Keswick")
    assert a == location_key(description="lay by a66 near keswick") and a.startswith("desc:")
    with pytest.raises(InvalidInput):
        location_key()
