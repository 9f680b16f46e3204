"""ASB Case Review rules (statutory fidelity), each given/when/then with its source as read.

Sources read: ASBCPA 2014 s.104(1)-(6) on legislation.gov.uk
(https://legislation.gov.uk/ukpga/2014/12/section/104/2017-12-15/data.htm?view=plain) and
Schedule 4 (https://www.legislation.gov.uk/ukpga/2014/12/schedule/4).
"""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.asb import DEFINITION, RULES, AsbCaseReview, national_policy
from domain.errors import InvalidInput, RuleRefused, WrongStage
from tests.unit.dardr_helpers import ctx, event_names, one
from tests.unit.test_asb import G, complaints, received


def cited() -> dict[str, str]:
    return {name: t.basis.reference for name, t in DEFINITION.transitions.items()}


def not_met_and_notified() -> G:
    g = G(received(items=complaints(late=True)))
    g.do("acknowledge", "2026-03-03", ["cumbria-police"])
    g.do("decide_threshold", "2026-03-10", False, None, "no rule met")
    g.do("notify_threshold", "2026-03-12", "letter")  # window until Mon 13 Apr 2026
    return g


# ---------------------------------------------------------------------------


def test_citations_quote_the_subsections_of_s104_and_sch4_para3() -> None:
    """ASBCPA 2014 s.104(4)-(5) (the threshold), s.104(6) (applicant told the decision), s.104(9)
    (applicant told the outcome), Sch.4 para 3 (the applicant dissatisfied with how the application
    was dealt with): each transition cites the subsection that says it."""
    cites = cited()
    assert cites["decide-threshold"].startswith("ASBCPA 2014 s.104(4)-(5)")
    assert cites["notify-threshold"].startswith("ASBCPA 2014 s.104(6)")
    assert cites["notify-outcome"].startswith("ASBCPA 2014 s.104(9)")
    assert cites["lodge-appeal"].startswith("ASBCPA 2014 Sch.4 para 3")
    assert "s.104(10)" not in cites["lodge-appeal"]
    outcome_clock = national_policy().clock_for("outcome-notification").basis.reference
    assert outcome_clock.endswith("s.104(9)")


def test_a_not_met_case_is_not_closed_inside_the_appeal_window_without_a_reason() -> None:
    """ASBCPA 2014 Sch.4 para 3: the procedures provide for an applicant dissatisfied with how the
    application was dealt with; given a not-met notice on 12 Mar 2026 (window to 13 Apr), when the
    case is closed on 20 Mar without a reason, then it is refused; with a reason it closes."""
    g = not_met_and_notified()
    g.refused(RuleRefused, "close", "2026-03-20", "not met", match="record-no-appeal")
    new = g.do("close", "2026-03-20", "not met", reason="applicant has moved away")
    assert one(new, "CaseClosed").stage == "closed"


def test_the_applicant_saying_they_will_not_appeal_lets_the_case_close_in_the_window() -> None:
    """Sch.4 para 3 (as above): given a not-met notice, when the applicant says they will not
    appeal, then the case closes inside the window without a reason; after the window closes no
    waiver is needed."""
    g = not_met_and_notified()
    new = g.do("record_no_appeal", "2026-03-16")
    assert one(new, "AppealWaived").against == "threshold"
    g.refused(RuleRefused, "record_no_appeal", "2026-03-17", match="already")
    g.do("close", "2026-03-20", "not met")
    assert g.load().stage == "closed"
    later = not_met_and_notified()
    later.do("close", "2026-04-14", "not met")
    assert later.load().stage == "closed"


def test_an_outcome_notified_case_is_not_closed_inside_the_window_either() -> None:
    """Sch.4 para 3(b): dissatisfaction with how the review was carried out; given the outcome
    notice on 26 Mar 2026 and every action closed, when closed on 10 Apr without a reason, then it
    is refused."""
    g = G(received()).up_to_outcome()
    g.do("close_action", "2026-04-08", "A1", "Visit done")
    g.refused(RuleRefused, "close", "2026-04-10", "done", match="may still appeal")
    g.do("record_no_appeal", "2026-04-10")
    g.do("close", "2026-04-10", "done")


def test_no_waiver_without_an_open_window() -> None:
    """Sch.4 para 3: there is nothing to waive before a notice opens the window."""
    g = G(received(items=complaints(late=True)))
    g.do("acknowledge", "2026-03-03", ["cumbria-police"])
    g.do("decide_threshold", "2026-03-10", False, None, "no rule met")
    g.refused(RuleRefused, "record_no_appeal", "2026-03-11", match="No appeal window")


def test_the_body_hearing_the_appeal_is_recorded() -> None:
    """Sch.4 para 3 leaves the route to the review procedures: given an appeal, then the body that
    hears it is recorded (named on the appeal, else the policy's appeal_body, else 'not named')."""
    g = not_met_and_notified()
    new = g.do("lodge_appeal", "2026-03-20", "Not all complaints counted",
               heard_by="Neighbouring CSP review panel")
    assert one(new, "AppealBodyRecorded").body == "Neighbouring CSP review panel"
    assert g.load().appeal_heard_by == "Neighbouring CSP review panel"

    policy = national_policy({"appeal_body": "Police, Fire and Crime Commissioner"})
    h = G(received(items=complaints(late=True), policy=policy))
    h.do("acknowledge", "2026-03-03", ["cumbria-police"])
    h.do("decide_threshold", "2026-03-10", False, None, "no rule met")
    h.do("notify_threshold", "2026-03-12", "letter")
    new = h.do("lodge_appeal", "2026-03-20", "Not all complaints counted")
    assert one(new, "AppealBodyRecorded").body == "Police, Fire and Crime Commissioner"

    unnamed = not_met_and_notified()
    recorded = one(unnamed.do("lodge_appeal", "2026-03-20", "grounds"), "AppealBodyRecorded")
    assert recorded.named is False and unnamed.load().appeal_heard_by is None


def test_every_rule_has_a_source() -> None:
    """Every rule states its basis kind and citation."""
    assert {r.name for r in RULES} >= {
        "asb.close.appeal-window", "asb.appeal.body-recorded", "asb.threshold.not-met-reasons",
        "asb.receive.third-party-consent", "asb.acknowledge.passed-on",
        "asb.threshold.complainant-keys", "asb.threshold.hate-incident-window",
        "asb.threshold.senior-manager", "asb.victim.involvement",
        "asb.victim.single-point-of-contact", "asb.victim.told-of-closure",
        "asb.victim.second-report-flag", "asb.threshold.statutory-minimum",
        "asb.threshold.discretion-reasons", "asb.complaint.qualifying"}
    assert len({r.name for r in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.case_type == "asb" and rule.basis.reference and rule.says


@pytest.mark.parametrize("command", ["lodge-appeal", "record-no-appeal"])
def test_appeal_commands_cite_schedule_4(command: str) -> None:
    """Sch.4 para 3 is the basis of the appeal route (not s.104(10), the annual figures)."""
    assert "Sch.4 para 3" in cited()[command]


# ---------------------------------------------------------------------------


def gathering(items: list[dict[str, object]] | None = None) -> G:
    g = G(received(items=complaints(late=True) if items is None else items))
    g.do("acknowledge", "2026-03-03", ["cumbria-police"])
    return g


def test_not_met_needs_reasons() -> None:
    """ASBCPA 2014 s.104(6): the applicant is informed of the decision; given no rule met, when
    'not met' is recorded without reasons, then it is refused (the reasons go to the applicant)."""
    g = gathering()
    g.refused(InvalidInput, "decide_threshold", "2026-03-10", False, None, " ", match="reasons")


def test_not_met_records_its_category_and_the_notice_tells_it() -> None:
    """s.104(6) and the guidance's vexatious/malicious refusals (as summarised; see RULES): given
    'not met' as vexatious with reasons, then the category is recorded with the decision and the
    notice records that the applicant was told the category and reasons."""
    g = gathering()
    new = g.do("decide_threshold", "2026-03-10", False, None, "repeated unfounded reports",
               category="vexatious")
    assert one(new, "ThresholdNotMetCategorised").category == "vexatious"
    told = one(g.do("notify_threshold", "2026-03-12", "letter"), "NotMetReasonsNotified")
    assert told.category == "vexatious"
    case = g.load()
    assert case.view_details()["not_met_category"] == "vexatious"
    assert case.not_met_told is not None


def test_below_threshold_is_the_default_only_when_no_rule_is_met() -> None:
    """s.104(5): a local rule met still leaves the decision to the bodies, but its category must
    then be chosen; when no rule is met the category is below-threshold."""
    g = gathering()
    new = g.do("decide_threshold", "2026-03-10", False, None, "no rule met")
    assert one(new, "ThresholdNotMetCategorised").category == "below-threshold"
    hate = [{"behaviour": "2026-02-20", "reported": "2026-02-21", "agency": "cumbria-police",
             "hate": True}]
    policy = national_policy({"variant_hate_incident_from": "2020-01-01"})
    h = G(received(items=hate, policy=policy))
    h.do("acknowledge", "2026-03-03", ["cumbria-police"])
    h.refused(InvalidInput, "decide_threshold", "2026-03-10", False, None, "x", match="category")
    h.refused(InvalidInput, "decide_threshold", "2026-03-10", False, None, "x", category="bogus",
              match="category")
    new = h.do("decide_threshold", "2026-03-10", False, None, "malicious report",
               category="malicious")
    assert one(new, "ThresholdNotMetCategorised").category == "malicious"


def test_a_category_does_not_override_the_statutory_rule_or_attach_to_met() -> None:
    """s.104(4): with three qualifying complaints the bodies 'must decide that the threshold for a
    review is met', whatever the category; and a 'met' decision has no not-met category."""
    g = G(received())
    g.do("acknowledge", "2026-03-03", ["cumbria-police"])
    g.refused(RuleRefused, "decide_threshold", "2026-03-10", False, None, "x",
              category="vexatious", match="s.104")
    g.refused(InvalidInput, "decide_threshold", "2026-03-10", True, None, "x",
              category="vexatious", match="only for")


# ---------------------------------------------------------------------------


def third_party(victim_consent: bool, channel: str = "online",
                applicant_type: str = "third-party-with-consent") -> AsbCaseReview:
    return AsbCaseReview.receive(
        ctx("2026-03-02"), case_id=uuid4(), reference="CUM-ASB-2026-001", partnership="cumberland",
        hub="allerdale", policy=national_policy(), channel=channel, applicant_type=applicant_type,
        applicant_name="A Councillor", applicant_contact="", consent=True,
        complaints=complaints(), victim_consent=victim_consent)


def test_a_third_party_without_the_victims_consent_is_refused() -> None:
    """Cumberland and Westmorland and Furness ASB case review pages (published procedure): 'a third
    party who can make an application for a case review on behalf of a victim, with their
    consent'. Given a councillor applying without consent, then the application is refused and
    nothing is recorded; on the victim's behalf by the on-behalf channel, likewise."""
    with pytest.raises(RuleRefused, match="consent"):
        third_party(victim_consent=False)
    with pytest.raises(RuleRefused, match="consent"):
        third_party(victim_consent=False, channel="on-behalf", applicant_type="individual")


def test_a_third_party_with_consent_records_it() -> None:
    """As above: with the victim's consent the application opens and the consent is recorded."""
    review = third_party(victim_consent=True)
    assert "VictimConsentConfirmed" in event_names(review.collect_events())
    assert review.victim_consent is not None
    victim = received()
    assert "VictimConsentConfirmed" not in event_names(victim.collect_events())


# ---------------------------------------------------------------------------


def test_the_application_is_passed_on_to_the_bodies_named() -> None:
    """ASBCPA 2014 s.104(3)(b): the procedures 'ensure that applications made to that point of
    contact are passed on to all the relevant bodies'; given an acknowledgement naming two bodies,
    then the application is recorded as passed on to both."""
    g = G(received())
    new = g.do("acknowledge", "2026-03-03", ["cumbria-police", "cumberland-council"])
    assert one(new, "ApplicationPassedOn").bodies == ["cumbria-police", "cumberland-council"]
    assert g.load().passed_to == ["cumberland-council", "cumbria-police"]


def test_an_acknowledgement_passing_the_application_to_no_body_is_refused() -> None:
    """ASBCPA 2014 s.104(3)(b): applications are 'passed on to all the relevant bodies'; given an
    application, when it is acknowledged naming no body, then it is refused and nothing is
    recorded."""
    g = G(received())
    g.refused(RuleRefused, "acknowledge", "2026-03-03", [], match="at least one")
    g.do("acknowledge", "2026-03-03", ["cumbria-police"])


def test_the_victims_social_landlord_must_be_passed_the_application() -> None:
    """s.104(3)(b) with s.105 and Sch.4 para 5 (co-opted local providers of social housing are
    relevant bodies): given a victim who is a tenant of Home Group, when the application is
    passed on without Home Group, then it is refused; with it, it is accepted."""
    review = AsbCaseReview.receive(
        ctx("2026-03-02"), case_id=uuid4(), reference="CUM-ASB-2026-001", partnership="cumberland",
        hub="allerdale", policy=national_policy(), channel="online", applicant_type="individual",
        applicant_name="A Tenant", applicant_contact="", consent=True, complaints=complaints(),
        victim_landlord="home-group")
    g = G(review)
    assert "VictimTenancyRecorded" in event_names(g.history)
    g.refused(RuleRefused, "acknowledge", "2026-03-03", ["cumbria-police"], match="home-group")
    g.do("acknowledge", "2026-03-03", ["cumbria-police", "home-group"])
    assert g.load().victim_landlord == "home-group"


# ---------------------------------------------------------------------------


def test_the_meeting_follows_the_victims_chosen_involvement() -> None:
    """2025 ASB statutory guidance (as summarised by ASB Help and Cobb Warren; text not verified):
    the victim chooses their level of involvement. Given the victim chose written views only,
    when the meeting is held without saying, then the victim is recorded as not invited (no reason
    needed); inviting them against their choice needs a reason."""
    g = G(received())
    g.refused(InvalidInput, "choose_involvement", "2026-03-02", "maybe", match="level")
    g.do("choose_involvement", "2026-03-02", "written-views")
    g.up_to_met()
    g.do("notify_threshold", "2026-03-11", "letter")
    g.refused(RuleRefused, "hold_meeting", "2026-03-20", "Chair", victim_invited=True,
              match="written-views")
    held = one(g.do("hold_meeting", "2026-03-20", "Chair"), "CaseReviewMeetingHeld")
    assert held.victim_invited is False


def test_without_a_choice_the_victim_is_invited_and_a_choice_to_attend_is_followed() -> None:
    """As above: a victim who chose to attend is invited; with no recorded choice the meeting
    still invites the victim (the earlier default)."""
    for choice in ("attend-meeting", None):
        g = G(received())
        if choice:
            g.do("choose_involvement", "2026-03-02", choice)
        g.up_to_met()
        g.do("notify_threshold", "2026-03-11", "letter")
        held = one(g.do("hold_meeting", "2026-03-20", "Chair"), "CaseReviewMeetingHeld")
        assert held.victim_invited is True


def test_a_single_point_of_contact_for_the_victim() -> None:
    """2025 ASB statutory guidance ('should ensure ... a single point of contact', as quoted by
    ASB Help; text not verified): the contact's agency is kept, the name only in personal."""
    g = G(received())
    new = one(g.do("assign_victim_contact", "2026-03-02", "cumberland-council", "Officer Quill"),
              "VictimContactAssigned")
    assert new.agency == "cumberland-council" and new.personal == {"name": "Officer Quill"}
    assert "Quill" not in repr(g.load().view_details())
    g.refused(InvalidInput, "assign_victim_contact", "2026-03-02", "cumberland-council", " ")


def test_the_victim_told_when_and_why_the_case_closed_is_recorded_once_per_closure() -> None:
    """2025 ASB statutory guidance (as summarised by ASB Help; text not verified): the victim is
    told when and why the case closes. Given a closed case, then telling the victim is recorded
    (the words stay personal), only after the closure and once per closure."""
    g = G(received())
    g.refused(WrongStage, "tell_victim_closure", "2026-03-05", "letter", "why")  # not closed
    g.do("close", "2026-03-05", "withdrawn", reason="applicant withdrew")
    g.refused(InvalidInput, "tell_victim_closure", "2026-03-06", "letter", " ")
    told = one(g.do("tell_victim_closure", "2026-03-06", "letter", "You withdrew the application"),
               "VictimToldOfClosure")
    assert told.personal == {"why": "You withdrew the application"}
    assert "withdrew the application" not in repr(g.load().view_details())
    g.refused(RuleRefused, "tell_victim_closure", "2026-03-07", "letter", "again", match="already")


def test_a_second_report_within_six_months_is_flagged() -> None:
    """2025 ASB statutory guidance (as summarised by Cobb Warren and ASB Help; text not
    verified): a victim who makes a second report within six months is told about the case
    review. Given two complaints by the same complainant key four weeks apart, then the case is
    flagged; by different or unknown complainants, it is not."""
    same = [{"behaviour": "2026-01-05", "reported": "2026-01-06", "agency": "cumbria-police",
             "complainant": "k1"},
            {"behaviour": "2026-02-01", "reported": "2026-02-03", "agency": "home-group",
             "complainant": "k1"}]
    assert received(items=same).view_details()["second_report_within_six_months"] is True
    different = [{**same[0]}, {**same[1], "complainant": "k2"}]
    assert received(items=different).second_report_within_six_months() is False
    unknown = [{**same[0], "complainant": None}, {**same[1], "complainant": None}]
    assert received(items=unknown).second_report_within_six_months() is False
