"""DARDR statutory fidelity: given events -> when command -> then events (or error).

Each rule's test cites its source as read: the Domestic Violence, Crime and Victims Act 2004 s.9
(legislation.gov.uk cross-heading "Domestic homicide reviews"), the Home Office "Multi-agency
Statutory Guidance for the Conduct of Domestic Homicide Reviews" (December 2016) and the 2024
consultation draft, as summarised with their sources in /work/shared/reference/dardr-research.md.
"""

from __future__ import annotations

from domain.dardr import RULES, national_policy
from domain.errors import DateRuleViolated, InvalidInput, NotFound, RuleRefused, WrongStage
from domain.policy import BASIS_KINDS
from tests.unit.dardr_helpers import (
    PSEUDONYM,
    Given,
    event_names,
    notified_review,
    of_type,
    one,
    refused,
)

# --------------------------------------------------------------------------- closing duties


def published() -> Given:
    return Given.notified().up_to("published")


class TestClosingChecksTheDuties:
    def test_closing_without_the_commissioner_copy_is_refused(self) -> None:
        """DVCVA 2004 s.9(3B) (inserted by the Domestic Abuse Act 2021 s.17): the body that
        establishes a review "must send a copy of any report setting out the conclusions" to the
        Domestic Abuse Commissioner "as soon as reasonably practicable after the report is
        completed". Given a published review whose copy was never sent, closing is refused."""
        given = published()
        given.do("notify_home_office", "2026-10-02")
        err = refused(given, "close", "2026-10-10", "review complete", error=RuleRefused,
                      field="reason")
        assert "Domestic Abuse Commissioner (DVCVA 2004 s.9(3B)) has not been sent" in err.message
        assert "Home Office" not in err.message

    def test_closing_when_the_home_office_was_never_told_is_refused(self) -> None:
        """Statutory guidance (2016): the CSP informs the Home Office of its decision whether to
        hold a review. Given a published review whose decision was never notified, closing is
        refused."""
        given = published()
        given.do("send_commissioner_copy", "2026-10-02")
        err = refused(given, "close", "2026-10-10", "review complete", error=RuleRefused,
                      field="reason")
        assert "the Home Office was never told of the decision" in err.message
        assert "Commissioner" not in err.message

    def test_closing_with_a_reason_records_each_duty_left_undone(self) -> None:
        """s.9(3B) and the statutory guidance: with a recorded reason the review closes, and
        each undone duty is recorded (with the reason) rather than cancelled silently."""
        given = published()
        events = given.do("close", "2026-10-10", "review complete",
                          reason="copy sent by the chair's office; not logged here")
        assert event_names(events)[0] == "CaseClosed"
        undone = of_type(events, "DutyOutstandingAtClosure")
        assert [e.duty for e in undone] == ["commissioner-copy", "home-office-notification"]
        assert all(e.reason == "copy sent by the chair's office; not logged here" for e in undone)
        assert undone[0].basis.startswith("statute: DVCVA 2004 s.9(3B)")
        # the fact comes before the deadline's cancellation
        names = event_names(events)
        assert names.index("DutyOutstandingAtClosure") < names.index("DeadlineCancelled")
        assert given.then().deadlines["commissioner-copy"].status == "cancelled"

    def test_closing_with_every_duty_done_records_none(self) -> None:
        """s.9(3B) and the statutory guidance: nothing to record when the duties were done."""
        given = published().duties_done()
        events = given.do("close", "2026-10-10", "review complete")
        assert of_type(events, "DutyOutstandingAtClosure") == []
        review = given.then()
        assert review.stage == "closed"
        assert review.deadlines["commissioner-copy"].status == "met"

    def test_the_refusal_never_repeats_personal_data(self) -> None:
        """Personal data (the pseudonym) never appears in an error."""
        err = refused(published(), "close", "2026-10-10", "review complete", error=RuleRefused)
        assert PSEUDONYM not in err.message


# --------------------------------------------------------------------------- draft labels


class TestDraftGuidanceLabels:
    def test_the_2024_draft_completion_clock_is_labelled_not_in_force(self) -> None:
        """The 2024 DARDR guidance is a consultation draft, not in force (dardr-research.md; the
        2016 guidance is the one s.9(3) requires regard to): its 12-month clock carries the kind
        'draft guidance (not in force)' and says it is adopted only as local policy."""
        clock = national_policy("dardr-2024-draft").clocks["review-completion"]
        assert clock.basis.kind == "draft guidance (not in force)"
        assert "adopted as local policy" in clock.basis.reference
        assert national_policy("dhr-2016").clocks["review-completion"].basis.kind == "statutory guidance"

    def test_the_scoping_review_step_is_labelled_not_in_force(self) -> None:
        """The Scoping Review exists only in the 2024 consultation draft, not in force."""
        from domain.dardr import DEFINITION

        basis = DEFINITION.transitions["complete-scoping-review"].basis
        assert basis.kind == "draft guidance (not in force)"


def test_every_dardr_rule_has_a_known_basis_kind_and_a_unique_name() -> None:
    """Every rule the engine enforces names its source's kind."""
    assert RULES and all(r.case_type == "dardr" for r in RULES)
    assert all(r.basis.kind in BASIS_KINDS for r in RULES)
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))


# --------------------------------------------------------------------------- publication

WITHHELD = "the family's safety: publication would identify the children"


class TestPublicationWithheld:
    def test_an_approved_review_closes_unpublished_with_a_reason(self) -> None:
        """Statutory guidance (2016), publication: reports are published after Home Office
        approval "unless there are exceptional circumstances not to do so" (the Minister,
        Hansard (Lords) 27 January 2021). Given an approved review, when publication is withheld
        with a reason, then it closes from 'approved', recorded as withheld, not deferred."""
        given = Given.notified().up_to("approved").duties_done("2026-09-02")
        events = given.do("withhold_publication", "2026-09-10", reason=WITHHELD)
        assert event_names(events)[0] == "PublicationWithheld"
        assert events[0].stage == "closed" and events[0].closed_from == "approved"
        assert events[0].reason == WITHHELD
        review = given.then()
        assert review.is_closed and review.closed_on == "2026-09-10"
        assert review.publication_withheld == "2026-09-10" and review.published_on is None
        assert review.deadlines["publication"].status == "cancelled"
        assert review.open_deadlines() == []

    def test_withholding_without_a_reason_is_refused(self) -> None:
        """The exceptional circumstances must be recorded (Hansard (Lords) 27 January 2021)."""
        refused(Given.notified().up_to("approved"), "withhold_publication", "2026-09-10",
                error=InvalidInput, field="reason")

    def test_withholding_before_approval_is_refused(self) -> None:
        """Publication follows Home Office approval (statutory guidance 2016): nothing to
        withhold before it."""
        refused(Given.notified().up_to("submitted-to-home-office"), "withhold_publication",
                "2026-08-10", reason=WITHHELD, error=WrongStage)

    def test_withholding_records_the_duties_left_undone(self) -> None:
        """DVCVA 2004 s.9(3B): the Commissioner's copy is owed whether or not the report is
        published; withholding with the copy unsent records it."""
        given = Given.notified().up_to("approved")
        events = given.do("withhold_publication", "2026-09-10", reason=WITHHELD)
        assert [e.duty for e in of_type(events, "DutyOutstandingAtClosure")] == [
            "commissioner-copy", "home-office-notification"]

    def test_a_withheld_review_reopens_at_approved(self) -> None:
        """DVCVA 2004 s.9(2): a later direction may reopen it; it goes back to 'approved'."""
        given = Given.notified().up_to("approved").duties_done("2026-09-02")
        given.do("withhold_publication", "2026-09-10", reason=WITHHELD)
        given.do("reopen", "2026-10-01", reason="Home Office asks for publication")
        assert given.then().stage == "approved"


class TestDeferralPausesThePublicationClock:
    def test_deferring_pauses_the_publication_clock(self) -> None:
        """Statutory guidance (2016): publication waits for criminal proceedings; a lawful
        deferral must not escalate. Given an approved review (publication clock open), when
        publication is deferred, then the clock is paused."""
        given = Given.notified().up_to("approved")
        assert given.then().deadlines["publication"].status == "open"
        events = given.do("defer_publication", "2026-09-02", "inquest")
        assert event_names(events) == ["PublicationDeferred", "DeadlinePaused"]
        assert events[1].name == "publication"
        assert given.then().deadlines["publication"].status == "paused"

    def test_ending_the_deferral_resumes_it_moved_on_by_the_pause(self) -> None:
        """The clock resumes when the deferral ends; its due time moves on by the working days
        it was stopped. Approved Tue 1 Sep 2026: 20 working days -> due Tue 29 Sep (31 Aug is the
        summer bank holiday, before the start). Paused Wed 2 Sep, resumed Wed 16 Sep: 10 working
        days stopped -> due Tue 13 Oct."""
        given = Given.notified().up_to("approved")
        due_before = given.then().deadlines["publication"].due
        assert due_before.startswith("2026-09-29")
        given.do("defer_publication", "2026-09-02", "inquest")
        events = given.do("end_publication_deferral", "2026-09-16")
        assert event_names(events) == ["PublicationDeferralEnded", "DeadlineResumed"]
        review = given.then()
        assert review.publication_deferred is None
        assert review.deadlines["publication"].status == "open"
        assert review.deadlines["publication"].due.startswith("2026-10-13")

    def test_ending_a_deferral_that_does_not_exist_is_refused(self) -> None:
        """Nothing to end: the engine says so rather than recording a fact that is not true."""
        refused(Given.notified().up_to("approved"), "end_publication_deferral", "2026-09-16",
                error=RuleRefused, match="not deferred")

    def test_a_clock_set_while_deferred_starts_paused(self) -> None:
        """Deferred before approval: the publication clock set at approval starts paused."""
        given = Given.notified().up_to("submitted-to-home-office")
        given.do("defer_publication", "2026-08-01", "criminal-proceedings")
        events = given.do("record_qa_outcome", "2026-09-01", "approved", [])
        assert event_names(events)[-2:] == ["DeadlineSet", "DeadlinePaused"]
        assert given.then().deadlines["publication"].status == "paused"

    def test_publishing_while_deferred_meets_the_paused_clock(self) -> None:
        """Publication ends the deferral (statutory guidance 2016): the paused clock is met."""
        given = Given.notified().up_to("approved")
        given.do("defer_publication", "2026-09-02", "inquest")
        given.published("2026-11-01")
        review = given.then()
        assert review.deadlines["publication"].status == "met"
        assert review.publication_deferred is None


# --------------------------------------------------------------------------- age, other reviews


def scoping(age_band: str = "35-44") -> Given:
    return Given.notified(age_band=age_band).scoping()


class TestAgedSixteenOrOver:
    def test_deciding_to_review_an_under_16_death_is_refused_with_a_pointer_to_a_cspr(self) -> None:
        """DVCVA 2004 s.9(1): a review of the death of "a person aged 16 or over"; a child's
        death is for a Child Safeguarding Practice Review (Children Act 2004 s.16F, Working
        Together to Safeguard Children 2023)."""
        err = refused(scoping("under-16"), "decide", "2026-02-20", "review", "s.9 criteria",
                      error=RuleRefused, field="outcome")
        assert "aged 16 or over (DVCVA 2004 s.9(1))" in err.message
        assert "Child Safeguarding Practice Review" in err.message
        assert "--other-review cspr" in err.message

    def test_an_under_16_death_may_be_referred_to_a_cspr(self) -> None:
        """s.9(1) and Working Together 2023: referred to the CSPR, recorded as such; the Home
        Office is told like a no-review decision (assumed local practice)."""
        given = scoping("under-16")
        events = given.do("decide", "2026-02-20", "referred", "child death: CSPR",
                          other_review="cspr")
        decided = events[0]
        assert type(decided).__name__ == "ReviewDecidedWithOtherReview"
        assert (decided.outcome, decided.other_review, decided.stage) == (
            "referred", "cspr", "decided-no-review")
        given.do("notify_home_office", "2026-02-23")
        assert given.then().stage == "awaiting-home-office-view"

    def test_an_under_16_death_may_have_a_joint_review_with_a_cspr(self) -> None:
        """Working Together 2023 / statutory guidance (2016): reviews may be held jointly; the
        review is commissioned and its clocks start."""
        given = scoping("under-16")
        events = given.do("decide", "2026-02-20", "joint-review", "joint with the CSPR",
                          other_review="cspr")
        assert events[0].stage == "commissioning"
        review = given.then()
        assert review.decision == "joint-review" and review.other_review == "cspr"
        assert "review-completion" in review.deadlines

    def test_an_under_16_death_cannot_be_referred_to_a_sar(self) -> None:
        """s.9(1) and Care Act 2014 s.44 (adults): only a CSPR fits a child under 16."""
        refused(scoping("under-16"), "decide", "2026-02-20", "referred", "x",
                other_review="sar", error=RuleRefused)

    def test_a_16_year_old_s_death_is_reviewed(self) -> None:
        """s.9(1): aged 16 or over includes 16 and 17."""
        events = scoping("16-17").do("decide", "2026-02-20", "review", "s.9 criteria met")
        assert events[0].stage == "commissioning"


class TestOtherReviews:
    def test_a_joint_review_with_a_sar(self) -> None:
        """Care Act 2014 s.44: a Safeguarding Adults Review may be held jointly."""
        given = scoping()
        events = given.do("decide", "2026-02-20", "joint-review", "care and support needs",
                          other_review="sar")
        assert (events[0].outcome, events[0].other_review) == ("joint-review", "sar")

    def test_a_referral_to_an_owhr_is_refused_for_a_person_under_18(self) -> None:
        """PCSC Act 2022 s.24 (OWHR); the Home Office factsheet: victims aged 18 or over."""
        err = refused(scoping("16-17"), "decide", "2026-02-20", "referred", "knife",
                      other_review="owhr", error=RuleRefused, field="other_review")
        assert "aged 18 or over" in err.message

    def test_a_joint_or_referred_decision_names_the_other_review(self) -> None:
        """The other review is part of the decision: without it the input is incomplete."""
        refused(scoping(), "decide", "2026-02-20", "referred", "x", error=InvalidInput,
                field="other_review")
        refused(scoping(), "decide", "2026-02-20", "referred", "x", other_review="criminal",
                error=InvalidInput, field="other_review")

    def test_a_plain_review_names_no_other_review(self) -> None:
        """Only joint-review and referred carry another review."""
        refused(scoping(), "decide", "2026-02-20", "review", "x", other_review="mhhr",
                error=InvalidInput, field="other_review")

    def test_a_plain_decision_is_still_recorded_as_before(self) -> None:
        """DVCVA 2004 s.9(1): review / no review keep their stored shape (ReviewDecided)."""
        events = scoping().do("decide", "2026-02-20", "review", "s.9 criteria met")
        assert type(events[0]).__name__ == "ReviewDecided"


# --------------------------------------------------------------------------- QA Panel points

POINTS = ["Clarify the chronology", "Add the GP's contact"]


def resubmission_required() -> Given:
    given = Given.notified().up_to("submitted-to-home-office")
    given.do("record_qa_outcome", "2026-09-01", "resubmission-required", POINTS,
             letter_dated="2026-08-28")
    return given


class TestQaPanelPoints:
    def test_each_point_is_recorded_and_the_letter_dated(self) -> None:
        """Statutory guidance (2016): the Home Office Quality Assurance Panel; its letter lists
        "areas for final development" (Home Office outcome letters, dardr-research.md Stage 9).
        Given a submitted review, when the outcome is recorded, then each point is trackable and
        the letter's date is kept."""
        given = Given.notified().up_to("submitted-to-home-office")
        events = given.do("record_qa_outcome", "2026-09-01", "resubmission-required", POINTS,
                          letter_dated="2026-08-28")
        assert event_names(events) == ["QualityAssuranceOutcomeReceived", "QaPanelLetterDated",
                                       "QaPointRecorded", "QaPointRecorded"]
        assert events[1].letter_dated == "2026-08-28"
        assert [(e.point_id, e.index) for e in events[2:]] == [("Q1", 0), ("Q2", 1)]
        assert given.then().qa_points == {"Q1": "open", "Q2": "open"}

    def test_a_letter_dated_after_it_was_received_is_refused(self) -> None:
        """A letter cannot be received before it is dated."""
        refused(Given.notified().up_to("submitted-to-home-office"), "record_qa_outcome",
                "2026-09-01", "approved", [], letter_dated="2026-09-05", error=DateRuleViolated)

    def test_resubmission_with_open_points_is_refused(self) -> None:
        """QA Panel feedback is addressed before resubmission (statutory guidance 2016; the
        refusal itself is assumed local practice)."""
        err = refused(resubmission_required(), "submit", "2026-09-20", error=RuleRefused,
                      field="reason")
        assert "Q1, Q2 are not closed" in err.message

    def test_resubmission_once_every_point_is_addressed_and_closed(self) -> None:
        """Each point addressed, then closed: the report may go back to the panel."""
        given = resubmission_required()
        for point in ("Q1", "Q2"):
            given.do("address_qa_point", "2026-09-10", point, "done in version 2")
            given.do("close_qa_point", "2026-09-11", point)
        events = given.do("submit", "2026-09-20")
        assert events[0].stage == "submitted-to-home-office"
        assert given.then().qa_points == {"Q1": "closed", "Q2": "closed"}

    def test_resubmission_with_open_points_and_a_reason(self) -> None:
        """With a recorded reason the report goes back with points open."""
        events = resubmission_required().do("submit", "2026-09-20",
                                             reason="the panel agreed to see Q2 next time")
        assert events[0].stage == "submitted-to-home-office"

    def test_closing_a_point_not_addressed_is_refused(self) -> None:
        """A point is closed once addressed (or with a reason)."""
        refused(resubmission_required(), "close_qa_point", "2026-09-11", "Q1",
                error=RuleRefused, field="reason")

    def test_an_unknown_point_is_not_found(self) -> None:
        """Only the panel's points can be addressed."""
        refused(resubmission_required(), "address_qa_point", "2026-09-11", "Q9", "x",
                error=NotFound)

    def test_points_of_a_second_letter_number_on(self) -> None:
        """Points are numbered across letters, so each keeps its id."""
        given = resubmission_required()
        given.do("submit", "2026-09-20", reason="resubmitted in full")
        events = given.do("record_qa_outcome", "2026-10-20", "approved-subject-to-amendments",
                          ["One more point"])
        assert [e.point_id for e in of_type(events, "QaPointRecorded")] == ["Q3"]


class TestHomeOfficeToldOfPublication:
    def test_the_home_office_is_told_of_publication_once(self) -> None:
        """Statutory guidance (2016): the Home Office is told when the report is published
        (paragraph not verified)."""
        given = Given.notified().up_to("published")
        events = given.do("notify_home_office_of_publication", "2026-10-02")
        assert event_names(events) == ["HomeOfficeToldOfPublication"]
        assert given.then().home_office_told_of_publication == "2026-10-02"
        refused(given, "notify_home_office_of_publication", "2026-10-03", error=RuleRefused)

    def test_not_before_publication(self) -> None:
        """Nothing to tell before the report is published."""
        refused(Given.notified().up_to("approved"), "notify_home_office_of_publication",
                "2026-09-10", error=WrongStage)


# --------------------------------------------------------------------------- terms, chair, panel

KEY_LINES = ["Was coercive control recognised?", "How was risk shared at MARAC?"]


class TestChairAndTerms:
    def test_a_chair_who_is_not_independent_needs_a_reason(self) -> None:
        """Statutory guidance (2016): the review is led by an independent chair (as the
        partnership pages describing it say; paragraph not verified)."""
        given = Given.notified().up_to("commissioning")
        refused(given, "appoint_chair", "2026-03-10", "Internal Chair", independent=False,
                error=RuleRefused, field="reason")
        events = given.do("appoint_chair", "2026-03-10", "Internal Chair", independent=False,
                          reason="no independent chair available within the timescale")
        assert events[0].independent is False and events[0].reason

    def test_the_terms_hold_their_key_lines_of_enquiry(self) -> None:
        """Statutory guidance (2016), terms of reference: review period, agencies in scope and
        key lines of enquiry. The lines are free text, kept in the personal field."""
        given = Given.notified().up_to("commissioned")
        events = given.do("agree_terms", "2026-03-20", "2021-01-01", "2026-01-20", ["police"],
                          key_lines=KEY_LINES)
        kloe = one(events, "KeyLinesOfEnquiryAgreed")
        assert kloe.count == 2 and kloe.personal == {"key_lines": KEY_LINES}
        assert "coercive" not in repr({k: v for k, v in vars(kloe).items() if k != "personal"})
        assert given.then().view_details()["key_lines_of_enquiry"] == 2


def with_core_panel(core: str) -> Given:
    policy = national_policy().with_overrides(
        version="cumberland-test", effective_from="2026-01-01", clocks={},
        settings={"core-panel": core})
    return Given(notified_review(policy=policy)).up_to("commissioned")  # panel: police


class TestCorePanel:
    def test_terms_are_refused_while_a_core_member_is_missing(self) -> None:
        """The partnership's policy names its core panel (local procedure; the statutory
        guidance asks for senior representatives of the agencies involved and a specialist
        domestic abuse service but fixes no list)."""
        err = refused(with_core_panel("police, idva-service"), "agree_terms", "2026-03-20",
                      "2021-01-01", "2026-01-20", ["police"], error=RuleRefused, field="reason")
        assert "missing idva-service" in err.message

    def test_with_a_reason_the_gap_is_recorded(self) -> None:
        """Local procedure: a recorded reason lets the terms go ahead; the gap is a fact."""
        given = with_core_panel("police,idva-service")
        events = given.do("agree_terms", "2026-03-20", "2021-01-01", "2026-01-20", ["police"],
                          reason="the IDVA service joins at the next meeting")
        assert one(events, "CorePanelIncomplete").missing == ["idva-service"]

    def test_a_complete_core_panel_agrees_the_terms(self) -> None:
        """Local procedure: every core agency on the panel, nothing to record."""
        given = with_core_panel("police,idva-service")
        given.do("add_panel_member", "2026-03-15", "idva-service", "An Advocate", "IDVA lead")
        events = given.do("agree_terms", "2026-03-20", "2021-01-01", "2026-01-20", ["police"])
        assert events[0].stage == "evidence-gathering"
        assert of_type(events, "CorePanelIncomplete") == []

    def test_the_national_policy_names_no_core_panel(self) -> None:
        """The statutory guidance fixes no list: nationally nothing is checked."""
        assert "core-panel" not in national_policy().settings
        events = Given.notified().up_to("commissioned").do(
            "agree_terms", "2026-03-20", "2021-01-01", "2026-01-20", ["police"])
        assert events[0].stage == "evidence-gathering"


# --------------------------------------------------------------------------- family involvement


class TestFamilyInvolvement:
    def test_a_draft_is_shown_only_once_one_exists(self) -> None:
        """Statutory guidance (2016), involving family and friends; AAFDA practice: the family
        reviews the draft report. Before any draft is circulated there is nothing to show."""
        err = refused(Given.notified().up_to("commissioned"), "show_family_draft", "2026-03-12",
                      error=RuleRefused)
        assert "No draft has been circulated" in err.message

    def test_only_a_version_that_exists_is_shown(self) -> None:
        """Drafts are shown by version: a version not yet circulated is refused."""
        given = Given.notified().up_to("drafting")  # version 1
        refused(given, "show_family_draft", "2026-06-05", 2, error=RuleRefused, field="version")
        assert given.do("show_family_draft", "2026-06-05")[0].version_number == 1

    def test_advocacy_offered_then_accepted_or_declined(self) -> None:
        """Statutory guidance (2016) section 6: families are entitled to specialist advocacy
        (as quoted by Clare Walker Consultancy); the offer is accepted or declined."""
        given = Given.notified()
        refused(given, "record_advocacy_response", "2026-02-02", error=RuleRefused,
                match="not been offered")
        given.do("offer_advocacy", "2026-02-02", "AAFDA")
        assert given.then().advocacy == "offered"
        events = given.do("record_advocacy_response", "2026-02-09", accepted=False)
        assert events[0].accepted is False
        assert given.then().view_details()["advocacy"] == "declined"

    def test_the_home_office_leaflet_and_the_family_s_input_to_the_terms(self) -> None:
        """Home Office family leaflets (Croydon and Hounslow pages); AAFDA: the family helps set
        the terms of reference. The input is free text, kept in the personal field."""
        given = Given.notified().up_to("commissioning")
        given.do("give_family_leaflet", "2026-02-21")
        events = given.do("record_family_terms_input", "2026-02-25", "her time at college")
        assert events[0].personal == {"text": "her time at college"}
        assert given.then().family_leaflet_given == "2026-02-21"

    def test_the_family_is_told_the_publication_date_once_signed_off(self) -> None:
        """Family told of publication (dardr-research.md, roles: 'are told of publication')."""
        refused(Given.notified().up_to("drafting"), "tell_family_publication_date", "2026-06-05",
                "2026-10-01", error=RuleRefused)
        events = Given.notified().up_to("approved").do(
            "tell_family_publication_date", "2026-09-02", "2026-10-01")
        assert events[0].publication_date == "2026-10-01"


class TestFamilyEngagementBeforeSignOff:
    @staticmethod
    def agreed_without_family() -> Given:
        given = Given.notified().up_to("commissioning")
        given.do("appoint_chair", "2026-03-10", "Independent Chair")
        given.do("add_panel_member", "2026-03-10", "police", "Panel Member", "SIO")
        return given.terms_agreed().drafted().agreed()

    def test_sign_off_without_family_engagement_is_refused(self) -> None:
        """Statutory guidance (2016), involving family and friends; AAFDA: the family is integral
        to the review. Given no family engagement recorded, sign-off is refused."""
        err = refused(self.agreed_without_family(), "sign_off", "2026-07-10", error=RuleRefused,
                      field="reason")
        assert "No family engagement is recorded" in err.message

    def test_with_a_reason_the_sign_off_without_engagement_is_recorded(self) -> None:
        """With the reason why not, the sign-off goes ahead and the gap is a fact."""
        given = self.agreed_without_family()
        events = given.do("sign_off", "2026-07-10", reason="no family could be traced")
        assert event_names(events)[:2] == ["PartnershipSignedOff",
                                           "SignedOffWithoutFamilyEngagement"]

    def test_the_family_declining_is_engagement_enough(self) -> None:
        """The family's recorded choice not to take part is their involvement decision."""
        given = self.agreed_without_family()
        given.do("record_family_declined", "2026-07-05")
        events = given.do("sign_off", "2026-07-10")
        assert of_type(events, "SignedOffWithoutFamilyEngagement") == []


def test_a_version_2_snapshot_state_is_upcast_with_the_new_facts() -> None:
    """Stored snapshots keep loading: the new state fields get their defaults."""
    from domain.dardr import DardrReview

    state: dict = {}
    DardrReview.upcast_v2_v3(state)
    assert state["qa_points"] == {} and state["family_engaged"] is None


def test_resuming_the_case_leaves_a_deferred_publication_clock_paused() -> None:
    """Statutory guidance (2016): publication waits while deferred; a case pause ending does not
    restart the publication clock, the end of the deferral does."""
    given = Given.notified().up_to("approved")
    given.do("defer_publication", "2026-09-02", "inquest")
    given.do("pause", "2026-09-03", reason="awaiting the inquest")
    events = given.do("resume", "2026-09-10")
    assert all(e.name != "publication" for e in of_type(events, "DeadlineResumed"))
    assert given.then().deadlines["publication"].status == "paused"
    given.do("end_publication_deferral", "2026-09-16")
    assert given.then().deadlines["publication"].status == "open"
