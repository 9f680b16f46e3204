"""ASB Case Review stage machine (processes/asb-case-review.md): given events -> when command ->
then events (or error). Due times are worked out by hand against the England and Wales bank
holidays (tests/unit/dardr_helpers.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.asb import DEFINITION, AsbCaseReview, national_policy
from domain.errors import DateRuleViolated, InvalidInput, RuleRefused, WrongStage
from tests.unit.dardr_helpers import ctx, deadline_set, event_names, one, replay

NAME = "Ottoline Brackenwhistle"  # unusual on purpose: easy to spot if it leaks


def complaints(late: bool = False) -> list[dict[str, Any]]:
    third = ("2026-01-05", "2026-02-09") if late else ("2026-02-01", "2026-02-01")
    return [
        {"behaviour": "2026-01-05", "reported": "2026-01-06", "agency": "cumbria-police",
         "reference": "INC-1", "description": "Shouting at night"},
        {"behaviour": "2026-01-20", "reported": "2026-02-10", "agency": "home-group"},
        {"behaviour": third[0], "reported": third[1], "agency": "cumberland-council"},
    ]


def received(on: str = "2026-03-02", items: list[dict[str, Any]] | None = None,
             applicant_type: str = "individual", policy: Any = None) -> AsbCaseReview:
    return AsbCaseReview.receive(
        ctx(on), case_id=uuid4(), reference="CUM-ASB-2026-001", partnership="cumberland",
        hub="allerdale", policy=policy or national_policy(), channel="online",
        applicant_type=applicant_type, applicant_name=NAME, applicant_contact="07700 900000",
        consent=True, complaints=complaints() if items is None else items,
    )


class G:
    def __init__(self, review: AsbCaseReview) -> None:
        self.history = list(review.collect_events())

    def load(self) -> Any:
        return replay(self.history)

    def do(self, command: str, on: str, *args: Any, reason: str | None = None, **kw: Any) -> list[Any]:
        case = self.load()
        getattr(case, command)(ctx(on, reason), *args, **kw)
        new = list(case.collect_events())
        self.history.extend(new)
        return new

    def refused(self, error: type[Exception], command: str, on: str, *args: Any,
                match: str | None = None, reason: str | None = None, **kw: Any) -> None:
        case = self.load()
        with pytest.raises(error, match=match):
            getattr(case, command)(ctx(on, reason), *args, **kw)
        assert case.collect_events() == []

    def up_to_met(self) -> G:
        self.do("acknowledge", "2026-03-03", ["cumbria-police", "home-group"])
        self.do("decide_threshold", "2026-03-10", True, None, "three qualifying complaints")
        return self

    def up_to_outcome(self) -> G:
        self.up_to_met()
        self.do("notify_threshold", "2026-03-11", "letter")
        self.do("hold_meeting", "2026-03-20", "Chair Person", independent_chair=True,
                victim_invited=True, victim_attended=True, agencies=["cumbria-police"])
        self.do("recommend", "2026-03-20", ["Joint visit", "Mediation referral"])
        self.do("add_action", "2026-03-23", "Joint visit", "cumbria-police", "multi-agency", "2026-05-01")
        self.do("share_action_plan", "2026-03-23")
        self.do("record_victim_comments", "2026-03-25", "Happy with the plan")
        self.do("notify_outcome", "2026-03-26", "email")
        return self


def test_every_stage_has_a_transition_with_a_basis() -> None:
    for t in DEFINITION.transitions.values():
        assert t.basis.kind and t.basis.reference
    reached = {s for t in DEFINITION.transitions.values() for s in t.leads_to}
    assert set(DEFINITION.stages) - {"received"} <= reached
    assert DEFINITION.reference_code == "ASB"


def test_received_easter_acknowledgement_is_two_working_days() -> None:
    review = received("2026-04-02", items=[])
    events = review.collect_events()
    assert event_names(events) == ["ApplicationReceived", "DeadlineSet", "DeadlineSet"]
    # Thu 2 Apr 2026; Fri 3 Good Friday, Mon 6 Easter Monday -> Tue 7 (1), Wed 8 (2).
    assert deadline_set(events, "acknowledgement").due == "2026-04-08T23:59:59+01:00"
    # Not a made-up document: the legacy Carlisle and Eden timescale, marked illustrative.
    assert deadline_set(events, "acknowledgement").basis.startswith(
        "illustrative local practice: illustrative: the legacy Carlisle and Eden CSP")
    # 10 working days: 7,8,9,10,13,14,15,16,17,20 April.
    assert deadline_set(events, "threshold-decision").due == "2026-04-20T23:59:59+01:00"


def test_personal_data_only_in_personal_fields() -> None:
    opened = received().collect_events()[0]
    assert opened.personal["applicant_name"] == NAME
    assert NAME not in repr({k: v for k, v in vars(opened).items() if k != "personal"})
    assert "Shouting" not in repr(opened.complaints)


def test_the_applicant_and_descriptions_stay_in_the_events_not_the_case_state() -> None:
    review = received()
    again = replay(review.collect_events())
    for case in (review, again):
        state = repr({k: v for k, v in vars(case).items() if k != "_pending_events"})
        assert NAME not in state and "07700 900000" not in state and "Shouting" not in state


def test_complaint_reported_before_behaviour_is_refused() -> None:
    with pytest.raises(DateRuleViolated, match="before the behaviour"):
        received(items=[{"behaviour": "2026-01-10", "reported": "2026-01-09", "agency": "x"}])


def test_statutory_rule_met_and_not_met_refused() -> None:
    g = G(received())
    g.do("acknowledge", "2026-03-03", ["cumbria-police"])
    assert g.load().evaluate_threshold().rule == "statutory-minimum"
    g.refused(RuleRefused, "decide_threshold", "2026-03-10", False, None, "no", match="s.104")
    new = g.do("decide_threshold", "2026-03-10", True)
    decided = one(new, "ThresholdDecided")
    assert decided.stage == "review-pending" and decided.rule == "statutory-minimum"
    # 2 working days from Tue 10 Mar: Thu 12 Mar (GMT)
    assert deadline_set(new, "threshold-notification").due == "2026-03-12T23:59:59+00:00"
    assert deadline_set(new, "review-meeting").due == "2026-03-24T23:59:59+00:00"


def test_late_complaint_means_no_rule_and_discretion_needs_reasons() -> None:
    g = G(received(items=complaints(late=True)))
    g.do("acknowledge", "2026-03-03", ["cumbria-police"])
    assert not g.load().evaluate_threshold().met
    g.refused(InvalidInput, "decide_threshold", "2026-03-10", True, None, "", match="reasons")
    g.refused(RuleRefused, "decide_threshold", "2026-03-10", True, "statutory-minimum", "x")
    new = g.do("decide_threshold", "2026-03-10", True, None, "persistent, harm to a vulnerable victim")
    assert one(new, "ThresholdDecided").rule == "discretion"


def test_duplicate_recorded_by_coordinator_counts_once() -> None:
    g = G(received())
    g.do("mark_duplicate", "2026-03-03", ["C1", "C3"], "same night, same address")
    assert not g.load().evaluate_threshold().met
    g.do("add_complaint", "2026-03-03", "2026-02-15", "2026-02-16", "cumbria-police")
    assert g.load().evaluate_threshold().met


def test_meeting_needs_the_threshold_notice_first() -> None:
    g = G(received()).up_to_met()
    g.refused(RuleRefused, "hold_meeting", "2026-03-20", "Chair", match="notify-threshold")
    g.do("notify_threshold", "2026-03-11", "letter")
    g.refused(InvalidInput, "hold_meeting", "2026-03-20", "Chair", victim_invited=False,
              match="not invited")
    new = g.do("hold_meeting", "2026-03-20", "Chair", victim_invited=False, reason="safety")
    assert one(new, "CaseReviewMeetingHeld").stage == "review-held"


def test_not_met_closes_only_after_notice_and_appeal_window() -> None:
    g = G(received(items=complaints(late=True)))
    g.do("acknowledge", "2026-03-03", ["cumbria-police"])
    g.do("decide_threshold", "2026-03-10", False, None, "no rule met")
    g.refused(RuleRefused, "close", "2026-03-12", "not met", match="notify-threshold")
    g.do("notify_threshold", "2026-03-12", "letter")
    # 20 working days from Thu 12 Mar: 13 Mar (1), 16-20 (6), 23-27 (11), 30 Mar-2 Apr (15),
    # Good Friday 3 Apr and Easter Monday 6 Apr skipped, 7-10 Apr (19), Mon 13 Apr (20).
    assert g.load().appeal_until == "2026-04-13T23:59:59+01:00"
    g.refused(RuleRefused, "lodge_appeal", "2026-04-14", "late", match="window closed")
    new = g.do("lodge_appeal", "2026-04-13", "Not all complaints counted")
    assert one(new, "AppealLodged").stage == "appeal"
    new = g.do("determine_appeal", "2026-04-20", True)
    assert one(new, "AppealDetermined").stage == "review-pending"
    assert {e.name for e in new if type(e).__name__ == "DeadlineSet"} == {
        "threshold-notification", "review-meeting"}


def test_appeal_after_outcome_not_upheld_goes_back() -> None:
    g = G(received()).up_to_outcome()
    case = g.load()
    assert case.stage == "monitoring-actions" and case.recommendations == 2
    g.do("lodge_appeal", "2026-04-01", "Actions too weak")
    g.refused(WrongStage, "close", "2026-04-02", "x")
    new = g.do("determine_appeal", "2026-04-08", False)
    assert one(new, "AppealDetermined").stage == "monitoring-actions"
    g.refused(RuleRefused, "lodge_appeal", "2026-04-09", "again", match="No appeal window")
    g.refused(RuleRefused, "close", "2026-04-09", "done", match="open actions")
    g.do("close_action", "2026-04-20", "A1", "Visit done")
    g.do("close", "2026-04-21", "Actions complete")
    assert g.load().stage == "closed"


def test_outcome_needs_the_action_plan_shared_with_the_victim() -> None:
    g = G(received()).up_to_met()
    g.do("notify_threshold", "2026-03-11", "letter")
    g.do("hold_meeting", "2026-03-20", "Chair")
    g.do("recommend", "2026-03-20", ["Mediation"])
    g.refused(RuleRefused, "notify_outcome", "2026-03-26", "email", match="share the action plan")
    g.refused(RuleRefused, "record_victim_comments", "2026-03-26", "ok")
    g.do("share_action_plan", "2026-03-23")
    new = g.do("notify_outcome", "2026-03-26", "email")
    assert one(new, "OutcomeNotified").stage == "monitoring-actions"


def test_no_recommendations_needs_a_reason() -> None:
    g = G(received()).up_to_met()
    g.do("notify_threshold", "2026-03-11", "letter")
    g.do("hold_meeting", "2026-03-20", "Chair")
    g.refused(InvalidInput, "recommend", "2026-03-20", none=True)
    new = g.do("recommend", "2026-03-20", none=True, reason="Response already adequate")
    assert one(new, "NoRecommendationsMade").stage == "outcome-pending"


def test_local_lower_number_via_policy_setting() -> None:
    policy = national_policy({"threshold_minimum": "2"})
    g = G(received(items=complaints(late=True), policy=policy))
    assert g.load().evaluate_threshold().rule == "statutory-minimum"


# --------------------------------------------------------------------------- the threshold's inputs

APPLIED = date(2026, 6, 1)
ALL_VARIANTS = {"variant_five_complaints_from": "2020-01-01",
                "variant_hate_incident_from": "2020-01-01"}

complaint_draws = st.fixed_dictionaries({
    "behaviour": st.dates(date(2025, 10, 1), date(2026, 5, 31)),
    "delay": st.integers(0, 40),
    "agency": st.sampled_from(["cumbria-police", "home-group", "cumberland-council"]),
    "reference": st.sampled_from([None, "INC-1", "inc-1 ", "INC-2"]),
    "hate": st.booleans(),
    "complainant": st.sampled_from([None, "n1", "n2", "n3", "n4", "n5", "n6"]),
})


def _raw(draw: dict[str, Any]) -> dict[str, Any]:
    reported = min(draw["behaviour"] + timedelta(days=draw["delay"]), APPLIED)
    return {"behaviour": draw["behaviour"].isoformat(), "reported": reported.isoformat(),
            "agency": draw["agency"], "reference": draw["reference"], "hate": draw["hate"],
            "complainant": draw["complainant"], "description": "free text"}


def _outcome(case: AsbCaseReview) -> tuple[Any, ...]:
    ev = case.evaluate_threshold()
    counted = sorted((f.complaint.reported, f.complaint.complainant or "", f.qualifying)
                     for f in ev.complaints if f.counted)
    return ev.met, ev.rule, [(r.rule, r.met) for r in ev.rules], counted


@settings(max_examples=80, deadline=None)
@given(draws=st.lists(complaint_draws, max_size=8), order=st.randoms(use_true_random=False),
       in_application=st.integers(0, 8), later=st.integers(1, 3))
def test_the_threshold_does_not_depend_on_the_order_or_time_complaints_were_recorded(
        draws: list[dict[str, Any]], order: Any, in_application: int, later: int) -> None:
    # Given the same complaints, all in the application in one order, ...
    raws = [_raw(d) for d in draws]
    policy = national_policy(ALL_VARIANTS)
    all_at_once = received(APPLIED.isoformat(), items=raws, policy=policy)
    # ... or shuffled, some in the application and the rest added on later days,
    shuffled = list(raws)
    order.shuffle(shuffled)
    g = G(received(APPLIED.isoformat(), items=shuffled[:in_application], policy=policy))
    for raw in shuffled[in_application:]:
        g.do("add_complaint", (APPLIED + timedelta(days=later)).isoformat(), raw["behaviour"],
             raw["reported"], raw["agency"], reference=raw["reference"], hate=raw["hate"],
             description=raw["description"], complainant=raw["complainant"])
    # then the evaluation is the same, and replaying the events does not change it.
    assert _outcome(g.load()) == _outcome(all_at_once) == _outcome(replay(g.history))


def test_a_complaint_added_later_keeps_its_complainant() -> None:
    policy = national_policy(ALL_VARIANTS)
    items = [{"behaviour": "2026-05-01", "reported": "2026-05-02", "agency": "cumbria-police",
              "complainant": f"n{i}"} for i in range(1, 5)]
    g = G(received("2026-06-01", items=items, policy=policy))
    assert g.load().evaluate_threshold().met_rules == ["statutory-minimum"]
    g.do("add_complaint", "2026-06-03", "2026-05-10", "2026-05-11", "home-group",
         complainant="n5", description="Shouting")
    case = g.load()
    assert case.complaints[-1]["complainant"] == "n5"
    assert case.evaluate_threshold().met_rules == ["statutory-minimum", "five-complaints"]
    added = g.history[-1]
    assert added.complaint["complainant"] == "n5" and added.personal == {"description": "Shouting"}
