"""DARDR stage machine (processes/dardr.md): given events -> when command -> then events (or error).

Every expected due time is worked out by hand against the England and Wales bank holidays and
written out literally (the working is in the comments).
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from domain.dardr import (
    DEFINITION,
    DardrReview,
    Guidance,
    national_policy,
)
from domain.errors import (
    DateRuleViolated,
    InvalidInput,
    NotFound,
    RuleRefused,
    WrongStage,
)
from tests.unit.dardr_helpers import (
    PSEUDONYM,
    Given,
    ctx,
    deadline_set,
    event_names,
    notified_review,
    of_type,
    one,
    refused,
    replay,
)

# --------------------------------------------------------------------------- 1 notified


class TestNotification:
    def test_death_notified_opens_the_review_and_starts_the_one_month_decision_clock(self) -> None:
        review = notified_review("2026-01-31", date_of_death="2026-01-20")
        events = review.collect_events()

        assert event_names(events) == ["DeathNotified", "DeadlineSet"]
        notified = events[0]
        assert notified.stage == "notified"
        assert notified.effective == "2026-01-31"
        assert notified.guidance == "dhr-2016"
        assert notified.relationship == "intimate-partner"
        assert notified.death_type == "homicide"
        assert notified.personal == {"victim_pseudonym": PSEUDONYM, "date_of_death": "2026-01-20"}
        assert notified.policy["version"] == "national-dhr-2016"
        # 31 Jan + 1 calendar month: 31 Feb does not exist -> the last day of February (GMT).
        decision = deadline_set(events, "decision")
        assert decision.due == "2026-02-28T23:59:59+00:00"
        assert decision.starts == "2026-01-31"
        assert decision.responsible == "partnership"
        assert decision.basis.startswith("statutory guidance")
        assert review.stage == "notified"
        assert review.deadlines["decision"].status == "open"

    def test_the_notified_review_replays_to_the_same_state(self) -> None:
        review = notified_review()
        events = review.collect_events()
        again = replay(events)
        assert again.stage == "notified"
        assert again.deadlines == review.deadlines
        assert again.relationship == review.relationship == "intimate-partner"
        assert again.version == review.version == 2

    def test_the_pseudonym_and_date_of_death_stay_in_the_event_not_the_state(self) -> None:
        review = notified_review(date_of_death="2026-01-20")
        again = replay(review.collect_events())
        for case in (review, again):
            state = repr({k: v for k, v in vars(case).items() if k != "_pending_events"})
            assert PSEUDONYM not in state and "2026-01-20" not in state

    def test_the_guidance_version_is_kept_on_the_case(self) -> None:
        review = notified_review(guidance=Guidance.DARDR_2024_DRAFT)
        assert review.guidance == Guidance.DARDR_2024_DRAFT
        assert review.policy.version == "national-dardr-2024-draft"

    @pytest.mark.parametrize(
        ("field", "value", "words"),
        [
            ("relationship", "neighbour", "Unknown relationship 'neighbour'"),
            ("death_type", "accident", "Unknown death type 'accident'"),
            ("age_band", "40s", "Unknown age band '40s'"),
        ],
    )
    def test_unknown_choices_are_refused_with_the_allowed_values(
        self, field: str, value: str, words: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            kwargs: dict[str, Any] = {field: value}
            notified_review(**kwargs)
        assert words in caught.value.message
        assert "use one of" in caught.value.message

    def test_the_relationship_error_lists_the_relationships(self) -> None:
        with pytest.raises(
            InvalidInput, match="intimate-partner, former-partner, family, household"
        ):
            notified_review(relationship="stranger")

    def test_a_notification_before_the_date_of_death_is_refused(self) -> None:
        with pytest.raises(DateRuleViolated, match="before the date of death"):
            notified_review("2026-01-19", date_of_death="2026-01-20")

    def test_a_notification_on_the_day_of_death_is_accepted(self) -> None:
        review = notified_review("2026-01-20", date_of_death="2026-01-20")
        assert review.stage == "notified"

    def test_a_notification_in_the_future_is_refused(self) -> None:
        with pytest.raises(DateRuleViolated, match="in the future"):
            notified_review("2026-11-23", date_of_death="2026-01-20")

    def test_a_date_of_death_in_the_future_is_refused(self) -> None:
        with pytest.raises(DateRuleViolated, match="in the future"):
            notified_review("2026-11-22", date_of_death="2026-11-30")

    def test_a_malformed_date_of_death_is_refused(self) -> None:
        with pytest.raises(InvalidInput, match="not a date"):
            notified_review(date_of_death="20/01/2026")

    def test_an_empty_pseudonym_is_refused(self) -> None:
        with pytest.raises(InvalidInput, match="pseudonym"):
            notified_review(victim_pseudonym="   ")

    def test_an_unknown_guidance_version_is_refused(self) -> None:
        with pytest.raises(InvalidInput, match="Unknown guidance 'dhr-2011'"):
            national_policy("dhr-2011")

    def test_a_policy_naming_an_unknown_guidance_is_refused_at_notification(self) -> None:
        policy = national_policy().with_overrides(
            "local-1", "2026-01-01", {}, {"guidance": "dhr-1999"}
        )
        with pytest.raises(InvalidInput, match="Unknown guidance 'dhr-1999'"):
            DardrReview.notify(
                ctx("2026-01-31"),
                case_id=uuid4(),
                reference="CUM-DARDR-2026-009",
                partnership="cumberland",
                policy=policy,
                date_of_death="2026-01-20",
                victim_pseudonym=PSEUDONYM,
                notified_by="police",
                relationship="family",
                death_type="homicide",
            )


# --------------------------------------------------------------------------- 2 scoping


class TestScoping:
    def test_scoping_asks_each_agency_for_a_scoping_return_due_in_ten_working_days(self) -> None:
        given = Given.notified("2026-01-31")

        events = given.do("start_scoping", "2026-02-02", ["police", "nhs-trust"])

        assert event_names(events) == [
            "ScopingStarted",
            "DeadlineSet",
            "ReturnRequested",
            "DeadlineSet",
            "ReturnRequested",
        ]
        assert events[0].agencies == ["police", "nhs-trust"]
        # Monday 2 Feb 2026 + 10 working days (no bank holidays) = Monday 16 Feb.
        for agency in ("police", "nhs-trust"):
            d = deadline_set(events, f"return:{agency}:scoping")
            assert d.due == "2026-02-16T23:59:59+00:00"
            assert d.responsible == agency
            assert d.clock["unit"] == "working-days" and d.clock["amount"] == 10
        review = given.then()
        assert review.stage == "scoping"
        assert review.returns["return:police:scoping"].status == "requested"

    def test_scoping_without_agencies_is_refused(self) -> None:
        refused(
            Given.notified(),
            "start_scoping",
            "2026-02-02",
            [],
            error=InvalidInput,
            match="Name the agencies",
        )

    def test_scoping_dated_before_the_notification_is_refused(self) -> None:
        refused(
            Given.notified("2026-01-31"),
            "start_scoping",
            "2026-01-30",
            ["police"],
            error=DateRuleViolated,
            match="earlier than the opening of the case",
        )

    def test_scoping_dated_in_the_future_is_refused(self) -> None:
        refused(
            Given.notified(),
            "start_scoping",
            "2026-12-01",
            ["police"],
            error=DateRuleViolated,
            match="in the future",
        )

    def test_scoping_cannot_start_twice(self) -> None:
        err = refused(
            Given.notified().up_to("scoping"),
            "start_scoping",
            "2026-02-03",
            ["police"],
            error=WrongStage,
        )
        assert err.stage == "scoping"


# --------------------------------------------------------------------------- 3/4 decision


class TestDecision:
    def test_decision_to_review_starts_the_review_clocks(self) -> None:
        given = Given.notified("2026-01-31").up_to("scoping")

        events = given.do("decide", "2026-03-02", "review", "s.9 criteria met")

        assert event_names(events) == [
            "ReviewDecided",
            "DeadlineMet",
            "DeadlineSet",
            "DeadlineSet",
            "DeadlineSet",
        ]
        decided = events[0]
        assert decided.outcome == "review" and decided.stage == "commissioning"
        assert decided.personal == {"rationale": "s.9 criteria met"}
        # The decision was due on 28 Feb; 2 March is late.
        met = one(events, "DeadlineMet")
        assert (met.name, met.on_time) == ("decision", False)
        # Monday 2 Mar + 5 working days = Monday 9 Mar.
        assert deadline_set(events, "home-office-notification").due == "2026-03-09T23:59:59+00:00"
        # + 20 working days: 3-6 (4), 9-13 (9), 16-20 (14), 23-27 (19), 30 Mar (20).
        assert (
            deadline_set(events, "chair-appointment").due == "2026-03-30T23:59:59+01:00"
        )  # BST from 29 Mar
        # 2 Mar + 6 calendar months = 2 Sep, British Summer Time.
        assert deadline_set(events, "review-completion").due == "2026-09-02T23:59:59+01:00"
        review = given.then()
        assert review.stage == "commissioning"
        assert review.deadlines["decision"].status_at(ctx("2026-03-02").now) == "met-late"

    def test_a_decision_within_the_month_is_met_on_time(self) -> None:
        given = Given.notified("2026-01-31").up_to("scoping")
        events = given.do("decide", "2026-02-28", "review", "criteria met")
        assert one(events, "DeadlineMet").on_time is True
        assert given.then().deadlines["decision"].met_on == "2026-02-28"

    def test_a_pause_moves_review_completion_on_by_the_calendar_days_paused(self) -> None:
        given = Given.notified("2026-01-31").up_to("scoping")
        given.decided("review", "2026-03-02")

        paused = given.do("pause", "2026-04-01", reason="criminal trial")
        resumed = given.do("resume", "2026-05-01")

        assert event_names(paused)[0] == "ReviewPaused"
        assert "review-completion" in paused[0].clocks
        completion = next(e for e in resumed if getattr(e, "name", None) == "review-completion")
        assert type(completion).__name__ == "DeadlineResumed"
        # Paused 1 Apr -> 1 May = 30 days: 2 Sep + 30 days = 2 Oct.
        assert completion.previous_due == "2026-09-02T23:59:59+01:00"
        assert completion.due == "2026-10-02T23:59:59+01:00"
        assert completion.paused_days == 30
        # chair-appointment (working days): the working days d with 1 Apr < d <= 1 May are
        # 2 Apr, 7-10, 13-17, 20-24, 27-30 Apr, 1 May = 20 (3 and 6 Apr are bank holidays);
        # 30 Mar + 20 working days = 31 Mar, 1, 2, 7-10, 13-17, 20-24, 27, 28, 29 Apr.
        chair = next(e for e in resumed if getattr(e, "name", None) == "chair-appointment")
        assert chair.due == "2026-04-29T23:59:59+01:00"
        review = given.then()
        assert review.deadlines["review-completion"].due == "2026-10-02T23:59:59+01:00"
        assert review.deadlines["review-completion"].paused_days == 30
        assert review.paused is False

    def test_decision_not_to_review_awaits_the_home_office(self) -> None:
        given = Given.notified().up_to("scoping")

        events = given.do("decide", "2026-02-20", "no-review", "no domestic abuse context")

        assert event_names(events) == ["ReviewDecided", "DeadlineMet", "DeadlineSet"]
        assert events[0].stage == "decided-no-review"
        # Friday 20 Feb + 5 working days = Friday 27 Feb.
        assert deadline_set(events, "home-office-notification").due == "2026-02-27T23:59:59+00:00"
        review = given.then()
        assert review.stage == "decided-no-review"
        assert "chair-appointment" not in review.deadlines
        assert "review-completion" not in review.deadlines

    def test_a_decision_at_notified_is_refused_naming_the_stage_and_what_is_allowed(self) -> None:
        err = refused(
            Given.notified(), "decide", "2026-02-20", "review", "criteria met", error=WrongStage
        )
        assert err.stage == "notified"
        assert err.command == "decide"
        assert err.allowed == DEFINITION.allowed_commands("notified")
        assert "start-scoping" in err.allowed and "decide" not in err.allowed
        assert "stage 'notified'" in err.message
        assert "Allowed at 'notified':" in err.message and "start-scoping" in err.message

    def test_a_decision_dated_before_the_notification_is_refused(self) -> None:
        given = Given.notified("2026-01-31").up_to("scoping")
        refused(
            given,
            "decide",
            "2026-01-30",
            "review",
            "criteria met",
            error=DateRuleViolated,
            match="2026-01-31",
        )

    def test_a_decision_dated_before_scoping_started_is_refused(self) -> None:
        given = Given.notified("2026-01-31").up_to("scoping")  # scoping on 2 Feb
        refused(
            given,
            "decide",
            "2026-02-01",
            "review",
            "criteria met",
            error=DateRuleViolated,
            match="the start of the current stage 'scoping'",
        )

    def test_a_decision_in_the_future_is_refused(self) -> None:
        refused(
            Given.notified().up_to("scoping"),
            "decide",
            "2026-11-23",
            "review",
            "x",
            error=DateRuleViolated,
            match="in the future",
        )

    def test_an_unknown_outcome_is_refused(self) -> None:
        refused(
            Given.notified().up_to("scoping"),
            "decide",
            "2026-02-20",
            "maybe",
            "x",
            error=InvalidInput,
            match="Unknown outcome 'maybe'; use one of review, no-review",
        )

    @pytest.mark.parametrize("rationale", ["", "   "])
    def test_an_empty_rationale_is_refused(self, rationale: str) -> None:
        refused(
            Given.notified().up_to("scoping"),
            "decide",
            "2026-02-20",
            "review",
            rationale,
            error=InvalidInput,
            match="rationale",
        )

    def test_a_second_decision_is_refused(self) -> None:
        err = refused(
            Given.notified().up_to("commissioning"),
            "decide",
            "2026-02-21",
            "review",
            "again",
            error=WrongStage,
        )
        assert err.stage == "commissioning"


# --------------------------------------------------------------------------- 3a Home Office


def no_review_awaiting_view() -> Given:
    given = Given.notified("2026-01-31").up_to("scoping")
    given.decided("no-review", "2026-02-20")
    given.do("notify_home_office", "2026-02-23")
    return given


class TestHomeOffice:
    def test_notifying_the_home_office_of_no_review_awaits_its_view(self) -> None:
        given = Given.notified().up_to("scoping")
        given.decided("no-review", "2026-02-20")

        events = given.do("notify_home_office", "2026-02-23")

        assert event_names(events) == ["HomeOfficeNotified", "DeadlineMet"]
        assert events[0].decision == "no-review"
        assert events[0].stage == "awaiting-home-office-view"
        assert (events[1].name, events[1].on_time) == ("home-office-notification", True)
        assert given.then().stage == "awaiting-home-office-view"

    def test_notifying_the_home_office_of_a_review_keeps_the_stage(self) -> None:
        given = Given.notified().up_to("commissioning")
        events = given.do("notify_home_office", "2026-02-24")
        assert event_names(events) == ["HomeOfficeNotified", "DeadlineMet"]
        assert events[0].decision == "review" and events[0].stage == "commissioning"
        assert given.then().stage == "commissioning"

    def test_home_office_notification_after_five_working_days_is_late(self) -> None:
        given = Given.notified().up_to("commissioning")  # decided Fri 20 Feb: due Fri 27 Feb
        events = given.do("notify_home_office", "2026-03-02")
        assert events[1].on_time is False
        assert (
            given.then().deadlines["home-office-notification"].status_at(ctx("2026-03-02").now)
            == "met-late"
        )

    def test_notifying_the_home_office_before_the_decision_is_refused(self) -> None:
        given = Given.notified().up_to("commissioning")  # decided 20 Feb
        refused(
            given,
            "notify_home_office",
            "2026-02-19",
            error=DateRuleViolated,
            match="earlier than the decision",
        )

    def test_notifying_the_home_office_twice_is_refused(self) -> None:
        given = Given.notified().up_to("commissioning")
        given.do("notify_home_office", "2026-02-24")
        refused(
            given,
            "notify_home_office",
            "2026-02-25",
            error=RuleRefused,
            match="already notified on 2026-02-24",
        )

    def test_the_home_office_cannot_be_notified_before_a_decision(self) -> None:
        err = refused(
            Given.notified().up_to("scoping"), "notify_home_office", "2026-02-10", error=WrongStage
        )
        assert err.stage == "scoping"

    def test_no_review_agreed_closes_the_review_and_cancels_its_deadlines(self) -> None:
        given = no_review_awaiting_view()

        events = given.do("record_home_office_view", "2026-03-10", "no-review-agreed")

        assert event_names(events) == [
            "HomeOfficeViewReceived",
            "DeadlineCancelled",
            "DeadlineCancelled",
        ]
        assert events[0].view == "no-review-agreed" and events[0].stage == "closed"
        assert {e.name for e in events[1:]} == {"return:police:scoping", "return:nhs-trust:scoping"}
        review = given.then()
        assert review.stage == "closed" and review.is_closed
        assert review.closed_on == "2026-03-10"
        assert review.open_deadlines() == []

    def test_a_review_closed_by_no_review_agreed_reopens_awaiting_the_view(self) -> None:
        given = no_review_awaiting_view()
        given.do("record_home_office_view", "2026-03-10", "no-review-agreed")

        events = given.do("reopen", "2026-06-01", reason="new information from the coroner")

        assert event_names(events) == ["CaseReopened"]
        assert events[0].stage == "awaiting-home-office-view"
        assert given.then().stage == "awaiting-home-office-view"

    def test_reconsider_goes_back_to_scoping_with_a_new_decision_clock(self) -> None:
        given = no_review_awaiting_view()

        events = given.do("record_home_office_view", "2026-03-10", "reconsider")

        assert event_names(events) == ["HomeOfficeViewReceived", "DeadlineSet"]
        assert events[0].stage == "scoping"
        # 10 Mar + 1 calendar month = 10 Apr (BST).
        assert deadline_set(events, "decision").due == "2026-04-10T23:59:59+01:00"
        review = given.then()
        assert review.stage == "scoping"
        assert review.deadlines["decision"].status == "open"

        decided = given.do("decide", "2026-03-20", "review", "the Home Office's points accepted")
        assert one(decided, "DeadlineMet").on_time is True
        assert given.then().stage == "commissioning"

    def test_after_reconsider_the_new_decision_can_be_notified_to_the_home_office(self) -> None:
        given = no_review_awaiting_view()
        given.do("record_home_office_view", "2026-03-10", "reconsider")
        given.do("decide", "2026-03-20", "review", "the Home Office's points accepted")
        assert given.then().deadlines["home-office-notification"].status == "open"

        events = given.do("notify_home_office", "2026-03-23")

        assert event_names(events) == ["HomeOfficeNotified", "DeadlineMet"]

    def test_a_direction_commissions_the_review_and_starts_its_clocks(self) -> None:
        given = no_review_awaiting_view()

        events = given.do("record_home_office_view", "2026-03-10", "direction")

        assert event_names(events) == ["HomeOfficeViewReceived", "DeadlineSet", "DeadlineSet"]
        assert events[0].stage == "commissioning" and events[0].view == "direction"
        # Tue 10 Mar + 20 working days: 11-13 (3), 16-20 (8), 23-27 (13), 30 Mar-2 Apr (17),
        # 3 and 6 Apr bank holidays, 7, 8, 9 Apr (20).
        assert deadline_set(events, "chair-appointment").due == "2026-04-09T23:59:59+01:00"
        assert deadline_set(events, "review-completion").due == "2026-09-10T23:59:59+01:00"
        assert given.then().stage == "commissioning"

    def test_an_unknown_view_is_refused(self) -> None:
        refused(
            no_review_awaiting_view(),
            "record_home_office_view",
            "2026-03-10",
            "maybe",
            error=InvalidInput,
            match="Unknown view 'maybe'",
        )

    def test_a_view_dated_before_the_notification_to_the_home_office_is_refused(self) -> None:
        refused(
            no_review_awaiting_view(),
            "record_home_office_view",
            "2026-02-22",
            "no-review-agreed",
            error=DateRuleViolated,
        )

    def test_a_view_is_refused_when_none_is_awaited(self) -> None:
        err = refused(
            Given.notified().up_to("commissioning"),
            "record_home_office_view",
            "2026-03-10",
            "direction",
            error=WrongStage,
        )
        assert err.stage == "commissioning"


# --------------------------------------------------------------------------- 4/5 commissioning


class TestCommissioning:
    def test_appointing_the_chair_meets_the_chair_appointment_deadline(self) -> None:
        given = Given.notified().up_to("commissioning")  # decided 20 Feb: chair due 20 Mar
        events = given.do("appoint_chair", "2026-03-10", "A. Chair")
        assert event_names(events) == ["ChairAppointed", "DeadlineMet"]
        assert events[0].independent is True and events[0].personal == {"name": "A. Chair"}
        assert (events[1].name, events[1].on_time) == ("chair-appointment", True)
        assert given.then().chair_appointed == "2026-03-10"

    def test_a_chair_without_a_name_is_refused(self) -> None:
        refused(
            Given.notified().up_to("commissioning"),
            "appoint_chair",
            "2026-03-10",
            " ",
            error=InvalidInput,
            match="chair's name",
        )

    def test_panel_members_and_meetings_are_recorded(self) -> None:
        given = Given.notified().up_to("commissioning")
        added = given.do("add_panel_member", "2026-03-05", "probation", "M. Member", "panel member")
        met = given.do("record_panel_meeting", "2026-03-06")
        assert event_names(added) == ["PanelMemberAdded"]
        assert added[0].agency == "probation" and added[0].personal == {"name": "M. Member"}
        assert event_names(met) == ["PanelMeetingHeld"]
        review = given.then()
        assert review.panel == ["probation"] and review.panel_meetings == 1

    def test_terms_of_reference_need_a_chair(self) -> None:
        given = Given.notified().up_to("commissioning")
        given.do("add_panel_member", "2026-03-05", "police", "M. Member", "panel member")
        refused(
            given,
            "agree_terms",
            "2026-03-20",
            "2021-01-01",
            "2026-01-20",
            ["police"],
            error=RuleRefused,
            match="Appoint the independent chair",
        )

    def test_terms_of_reference_need_a_panel(self) -> None:
        given = Given.notified().up_to("commissioning")
        given.do("appoint_chair", "2026-03-05", "A. Chair")
        refused(
            given,
            "agree_terms",
            "2026-03-20",
            "2021-01-01",
            "2026-01-20",
            ["police"],
            error=RuleRefused,
            match="Constitute the panel",
        )

    def test_agreeing_the_terms_requests_an_imr_from_each_agency_in_scope(self) -> None:
        given = Given.notified().up_to("commissioned")

        events = given.do("agree_terms", "2026-03-20", "2021-01-01", "2026-01-20", ["police", "gp"])

        assert event_names(events) == [
            "TermsOfReferenceAgreed",
            "DeadlineSet",
            "ReturnRequested",
            "DeadlineSet",
            "ReturnRequested",
        ]
        terms = events[0]
        assert terms.stage == "evidence-gathering"
        assert (terms.period_from, terms.period_to, terms.agencies) == (
            "2021-01-01",
            "2026-01-20",
            ["police", "gp"],
        )
        # Fri 20 Mar + 40 working days: 23-27 Mar (5), 30 Mar-2 Apr (9), 7-10 Apr (13),
        # 13-17 (18), 20-24 (23), 27 Apr-1 May (28), 5-8 May (32), 11-15 (37), 18, 19, 20 May (40)
        # (3 Apr, 6 Apr and 4 May are bank holidays).
        for agency in ("police", "gp"):
            assert deadline_set(events, f"return:{agency}:imr").due == "2026-05-20T23:59:59+01:00"
        review = given.then()
        assert review.stage == "evidence-gathering"
        assert review.returns["return:gp:imr"].kind == "imr"

    def test_a_review_period_ending_before_it_starts_is_refused(self) -> None:
        refused(
            Given.notified().up_to("commissioned"),
            "agree_terms",
            "2026-03-20",
            "2026-01-20",
            "2021-01-01",
            ["police"],
            error=DateRuleViolated,
            match="ends .* before it starts",
        )

    def test_terms_without_agencies_are_refused(self) -> None:
        refused(
            Given.notified().up_to("commissioned"),
            "agree_terms",
            "2026-03-20",
            "2021-01-01",
            "2026-01-20",
            [],
            error=InvalidInput,
            match="agencies in scope",
        )

    def test_terms_dated_before_the_decision_are_refused(self) -> None:
        refused(
            Given.notified().up_to("commissioned"),
            "agree_terms",
            "2026-02-19",
            "2021-01-01",
            "2026-01-20",
            ["police"],
            error=DateRuleViolated,
        )

    def test_the_chair_may_be_appointed_until_sign_off_but_not_after_submission(self) -> None:
        given = Given.notified().up_to("signed-off")
        assert event_names(given.do("appoint_chair", "2026-07-11", "B. Chair")) == [
            "ChairAppointed"
        ]
        given.submitted("2026-07-15")
        err = refused(given, "appoint_chair", "2026-07-16", "C. Chair", error=WrongStage)
        assert err.stage == "submitted-to-home-office"
        refused(given, "add_panel_member", "2026-07-16", "police", "X", "member", error=WrongStage)
        refused(given, "record_panel_meeting", "2026-07-16", error=WrongStage)


# --------------------------------------------------------------------------- 6/7 report


class TestDraftingAndSignOff:
    def test_the_first_draft_moves_to_drafting_and_later_drafts_are_versions(self) -> None:
        given = Given.notified().up_to("evidence-gathering")

        first = given.do("circulate_draft", "2026-06-01")
        second = given.do("circulate_draft", "2026-06-15")
        fifth = given.do("circulate_draft", "2026-06-20", 5)

        assert event_names(first) == ["DraftReportCirculated"]
        assert (first[0].stage, first[0].version_number) == ("drafting", 1)
        assert (second[0].stage, second[0].version_number) == ("drafting", 2)
        assert fifth[0].version_number == 5
        assert given.then().draft_version == 5

    def test_a_draft_version_not_after_the_last_is_refused(self) -> None:
        given = Given.notified().up_to("drafting")
        given.do("circulate_draft", "2026-06-10")  # version 2
        refused(
            given,
            "circulate_draft",
            "2026-06-11",
            2,
            error=RuleRefused,
            match="Draft version 2 is not after the last one \\(2\\)",
        )

    def test_a_draft_cannot_be_circulated_during_commissioning(self) -> None:
        err = refused(
            Given.notified().up_to("commissioned"),
            "circulate_draft",
            "2026-03-15",
            error=WrongStage,
        )
        assert err.stage == "commissioning" and "agree-terms" in err.allowed

    def test_the_panel_agreeing_the_report_meets_review_completion(self) -> None:
        given = Given.notified().up_to("drafting")  # decided 20 Feb: completion due 20 Aug

        events = given.do("agree_report", "2026-07-01")

        assert event_names(events) == ["ReportAgreedByPanel", "DeadlineMet"]
        assert (events[0].stage, events[0].version_number) == ("local-sign-off", 1)
        assert (events[1].name, events[1].on_time) == ("review-completion", True)
        assert given.then().stage == "local-sign-off"

    def test_a_report_agreed_after_six_months_misses_the_completion_target(self) -> None:
        given = Given.notified().up_to("drafting")
        events = given.do("agree_report", "2026-08-21")  # due 20 Aug 23:59:59
        assert events[1].on_time is False
        review = given.then()
        assert review.deadlines["review-completion"].met_on_time is False
        assert review.deadlines["review-completion"].status_at(ctx("2026-08-21").now) == "met-late"

    def test_sign_off_starts_the_commissioner_copy_clock(self) -> None:
        given = Given.notified().up_to("local-sign-off")

        events = given.do("sign_off", "2026-07-10")

        assert event_names(events) == ["PartnershipSignedOff", "DeadlineSet"]
        # Fri 10 Jul + 10 working days = Fri 24 Jul.
        copy = deadline_set(events, "commissioner-copy")
        assert copy.due == "2026-07-24T23:59:59+01:00"
        assert copy.basis.startswith("statute")
        review = given.then()
        assert review.signed_off == "2026-07-10" and review.stage == "local-sign-off"

    def test_sign_off_twice_is_refused(self) -> None:
        refused(
            Given.notified().up_to("signed-off"),
            "sign_off",
            "2026-07-11",
            error=RuleRefused,
            match="already signed off",
        )

    def test_sign_off_before_the_panel_agreed_is_refused(self) -> None:
        refused(
            Given.notified().up_to("local-sign-off"),
            "sign_off",
            "2026-06-30",
            error=DateRuleViolated,
            match="panel's agreement",
        )

    def test_a_late_home_office_notification_does_not_move_the_panels_agreement(self) -> None:
        given = Given.notified().up_to("local-sign-off")  # agreed 1 Jul
        given.do("notify_home_office", "2026-07-08")
        events = given.do("sign_off", "2026-07-05")
        assert event_names(events) == ["PartnershipSignedOff", "DeadlineSet"]

    def test_submission_needs_sign_off(self) -> None:
        refused(
            Given.notified().up_to("local-sign-off"),
            "submit",
            "2026-07-15",
            error=RuleRefused,
            match="must sign off the report",
        )

    def test_the_commissioner_copy_meets_its_deadline(self) -> None:
        given = Given.notified().up_to("signed-off")
        events = given.do("send_commissioner_copy", "2026-07-20")
        assert event_names(events) == ["CopySentToDomesticAbuseCommissioner", "DeadlineMet"]
        assert (events[1].name, events[1].on_time) == ("commissioner-copy", True)
        refused(
            given,
            "send_commissioner_copy",
            "2026-07-21",
            error=RuleRefused,
            match="already sent on 2026-07-20",
        )

    def test_the_commissioner_copy_needs_sign_off(self) -> None:
        refused(
            Given.notified().up_to("local-sign-off"),
            "send_commissioner_copy",
            "2026-07-05",
            error=RuleRefused,
            match="signed off",
        )

    def test_the_commissioner_copy_cannot_precede_the_sign_off(self) -> None:
        given = Given.notified().up_to("signed-off")  # signed off 10 Jul
        refused(given, "send_commissioner_copy", "2026-07-05", error=DateRuleViolated)

    def test_an_action_plan_is_adopted_once_from_sign_off(self) -> None:
        refused(
            Given.notified().up_to("drafting"), "adopt_action_plan", "2026-06-02", error=WrongStage
        )
        given = Given.notified().up_to("local-sign-off")
        assert event_names(given.do("adopt_action_plan", "2026-07-02")) == ["ActionPlanAdopted"]
        assert given.then().action_plan_adopted == "2026-07-02"
        refused(
            given, "adopt_action_plan", "2026-07-03", error=RuleRefused, match="already adopted"
        )


# ---------------------------------------------------------------------- 8-11 QA and publication


class TestQualityAssurance:
    def test_submission_moves_to_the_home_office(self) -> None:
        given = Given.notified().up_to("signed-off")
        events = given.do("submit", "2026-07-15")
        assert event_names(events) == ["SubmittedToHomeOffice"]
        assert (events[0].stage, events[0].version_number) == ("submitted-to-home-office", 1)
        assert given.then().submissions == 1

    def test_approval_starts_the_publication_clock(self) -> None:
        given = Given.notified().up_to("submitted-to-home-office")

        events = given.do("record_qa_outcome", "2026-09-01", "approved", [])

        assert event_names(events) == ["QualityAssuranceOutcomeReceived", "DeadlineSet"]
        assert (events[0].stage, events[0].outcome) == ("approved", "approved")
        # Tue 1 Sep + 20 working days: 2-4 (3), 7-11 (8), 14-18 (13), 21-25 (18), 28, 29 Sep (20).
        assert deadline_set(events, "publication").due == "2026-09-29T23:59:59+01:00"
        review = given.then()
        assert review.stage == "approved" and review.approved_on == "2026-09-01"

    def test_approved_subject_to_amendments_then_amendments_completed(self) -> None:
        given = Given.notified().up_to("submitted-to-home-office")

        outcome = given.do(
            "record_qa_outcome",
            "2026-09-01",
            "approved-subject-to-amendments",
            ["tighten the chronology"],
        )
        assert event_names(outcome) == ["QualityAssuranceOutcomeReceived", "QaPointRecorded"]
        assert outcome[0].stage == "amending"
        assert outcome[0].personal == {"points": ["tighten the chronology"]}
        refused(given, "submit", "2026-09-05", error=RuleRefused, match="complete-amendments")

        done = given.do("complete_amendments", "2026-09-08")

        assert event_names(done) == ["AmendmentsCompleted", "DeadlineSet"]
        assert done[0].stage == "approved"
        # Tue 8 Sep + 20 working days = Tue 6 Oct.
        assert deadline_set(done, "publication").due == "2026-10-06T23:59:59+01:00"
        assert given.then().approved_on == "2026-09-08"

    def test_resubmission_required_means_submit_again(self) -> None:
        given = Given.notified().up_to("submitted-to-home-office")

        outcome = given.do(
            "record_qa_outcome", "2026-09-01", "resubmission-required", ["the analysis is missing"]
        )
        assert outcome[0].stage == "amending"
        refused(
            given,
            "complete_amendments",
            "2026-09-05",
            error=RuleRefused,
            match="Resubmission is required",
        )

        given.do("address_qa_point", "2026-09-15", "Q1", "analysis added")
        given.do("close_qa_point", "2026-09-15", "Q1")
        again = given.do("submit", "2026-09-20", 2)

        assert event_names(again) == ["SubmittedToHomeOffice"]
        assert (again[0].stage, again[0].version_number) == ("submitted-to-home-office", 2)
        review = given.then()
        assert review.submissions == 2 and review.qa_outcome is None
        approved = given.do("record_qa_outcome", "2026-10-20", "approved", [])
        assert event_names(approved) == ["QualityAssuranceOutcomeReceived", "DeadlineSet"]

    def test_an_outcome_other_than_approved_needs_the_panels_points(self) -> None:
        refused(
            Given.notified().up_to("submitted-to-home-office"),
            "record_qa_outcome",
            "2026-09-01",
            "resubmission-required",
            [],
            error=InvalidInput,
            match="points",
        )

    def test_an_unknown_qa_outcome_is_refused(self) -> None:
        refused(
            Given.notified().up_to("submitted-to-home-office"),
            "record_qa_outcome",
            "2026-09-01",
            "rejected",
            ["x"],
            error=InvalidInput,
            match="Unknown QA outcome 'rejected'",
        )

    def test_a_qa_outcome_before_the_submission_is_refused(self) -> None:
        refused(
            Given.notified().up_to("submitted-to-home-office"),
            "record_qa_outcome",
            "2026-07-14",
            "approved",
            [],
            error=DateRuleViolated,
        )

    def test_complete_amendments_outside_amending_is_refused(self) -> None:
        err = refused(
            Given.notified().up_to("submitted-to-home-office"),
            "complete_amendments",
            "2026-09-01",
            error=WrongStage,
        )
        assert err.allowed == DEFINITION.allowed_commands("submitted-to-home-office")


class TestPublication:
    def test_publication_is_refused_before_qa_approval(self) -> None:
        err = refused(
            Given.notified().up_to("submitted-to-home-office"),
            "publish",
            "2026-09-01",
            "https://example.org/r",
            error=WrongStage,
        )
        assert err.stage == "submitted-to-home-office" and "publish" not in err.allowed

    def test_publishing_meets_the_publication_deadline(self) -> None:
        given = Given.notified().up_to("approved")
        events = given.do("publish", "2026-09-25", "https://example.org/dardr")
        assert event_names(events) == ["ReportPublished", "DeadlineMet"]
        assert events[0].stage == "published"
        assert events[0].url == "https://example.org/dardr"
        assert events[0].overridden_open_criminal_process is False
        assert (events[1].name, events[1].on_time) == ("publication", True)
        assert given.then().published_on == "2026-09-25"

    def test_a_publication_url_must_be_a_web_address(self) -> None:
        refused(
            Given.notified().up_to("approved"),
            "publish",
            "2026-09-25",
            "report.pdf",
            error=InvalidInput,
            match="not a web address",
        )

    def test_publication_can_be_deferred(self) -> None:
        given = Given.notified().up_to("approved")
        events = given.do("defer_publication", "2026-09-02", "inquest")
        assert event_names(events) == ["PublicationDeferred", "DeadlinePaused"]
        assert events[0].deferral == "inquest"
        assert given.then().publication_deferred == "inquest"
        given.published("2026-10-01")
        assert given.then().publication_deferred is None

    def test_an_unknown_deferral_reason_is_refused(self) -> None:
        refused(
            Given.notified().up_to("approved"),
            "defer_publication",
            "2026-09-02",
            "holiday",
            error=InvalidInput,
            match="Unknown deferral reason 'holiday'",
        )

    def test_deferral_is_refused_before_submission(self) -> None:
        refused(
            Given.notified().up_to("drafting"),
            "defer_publication",
            "2026-06-02",
            "criminal-proceedings",
            error=WrongStage,
        )

    def test_publication_is_refused_while_a_linked_criminal_process_is_open(self) -> None:
        given = Given.notified().up_to("submitted-to-home-office")
        given.do("link_process", "2026-08-01", "criminal", "CRIME/123/26")
        given.approved("2026-09-01")

        refused(
            given,
            "publish",
            "2026-10-01",
            "https://example.org/r",
            error=RuleRefused,
            match="criminal process \\(P1\\) is still open",
        )
        # override without a reason: still refused
        refused(
            given,
            "publish",
            "2026-10-01",
            "https://example.org/r",
            override=True,
            error=RuleRefused,
            match="override",
        )
        events = given.do(
            "publish",
            "2026-10-01",
            "https://example.org/r",
            override=True,
            reason="family and CPS agree; the trial will not be prejudiced",
        )

        assert event_names(events) == ["ReportPublished"]  # no publication clock was running
        assert events[0].overridden_open_criminal_process is True
        assert events[0].reason.startswith("family and CPS agree")

    def test_an_open_inquest_does_not_block_publication(self) -> None:
        given = Given.notified().up_to("submitted-to-home-office")
        given.do("link_process", "2026-08-01", "inquest", "CORONER/1")
        events = given.approved("2026-09-01").do("publish", "2026-09-20", "https://example.org/r")
        assert event_names(events) == ["ReportPublished", "DeadlineMet"]

    def test_the_publication_clock_starts_when_the_criminal_process_concludes(self) -> None:
        given = Given.notified().up_to("submitted-to-home-office")
        given.do("link_process", "2026-08-01", "criminal", "CRIME/123/26")

        approved = given.do("record_qa_outcome", "2026-09-01", "approved", [])
        assert event_names(approved) == ["QualityAssuranceOutcomeReceived"]
        assert "publication" not in given.then().deadlines

        concluded = given.do("conclude_process", "2026-10-02", "P1", "convicted")

        assert event_names(concluded) == ["ParallelProcessConcluded", "DeadlineSet"]
        # Fri 2 Oct + 20 working days: 5-9 (5), 12-16 (10), 19-23 (15), 26-30 Oct (20).
        publication = deadline_set(concluded, "publication")
        assert publication.starts == "2026-10-02"
        assert publication.due == "2026-10-30T23:59:59+00:00"
        published = given.do("publish", "2026-10-20", "https://example.org/r")
        assert event_names(published) == ["ReportPublished", "DeadlineMet"]

    def test_a_criminal_process_concluded_before_approval_leaves_the_clock_at_approval(
        self,
    ) -> None:
        given = Given.notified().up_to("submitted-to-home-office")
        given.do("link_process", "2026-08-01", "criminal", "CRIME/1")
        concluded = given.do("conclude_process", "2026-08-20", "P1", "convicted")
        assert event_names(concluded) == ["ParallelProcessConcluded"]
        approved = given.do("record_qa_outcome", "2026-09-01", "approved", [])
        assert deadline_set(approved, "publication").due == "2026-09-29T23:59:59+01:00"


# --------------------------------------------------------------------------- 12 closing


def published_with_action() -> Given:
    given = Given.notified().up_to("drafting")
    given.do(
        "add_action",
        "2026-06-05",
        "Train staff on coercive control",
        "police",
        "single-agency",
        "2026-12-31",
    )
    return given.agreed().signed_off().submitted().approved().published()


class TestClosing:
    def test_closing_with_open_actions_is_refused_and_lists_them(self) -> None:
        err = refused(
            published_with_action(), "close", "2026-10-10", "review complete", error=RuleRefused
        )
        assert "open actions: A1 (police, due 2026-12-31)" in err.message
        assert err.field == "reason"

    def test_closing_with_open_actions_and_a_reason(self) -> None:
        given = published_with_action()
        events = given.do(
            "close",
            "2026-10-10",
            "review complete",
            reason="the action plan moves to the board's tracker",
        )
        assert event_names(events)[0] == "CaseClosed"
        assert events[0].closed_from == "published" and events[0].outcome == "review complete"
        review = given.then()
        assert review.stage == "closed"
        assert review.open_deadlines() == []
        assert review.deadlines["action:A1"].status == "cancelled"

    def test_closing_once_every_action_is_closed(self) -> None:
        given = published_with_action()
        given.do("close_action", "2026-10-05", "A1", "training delivered to 120 staff")
        given.duties_done()
        events = given.do("close", "2026-10-10", "review complete")
        assert event_names(events)[0] == "CaseClosed"
        # cancelled: only the returns never received (the duties were done and met)
        cancelled = {e.name for e in of_type(events, "DeadlineCancelled")}
        assert cancelled == {
            "return:police:scoping",
            "return:nhs-trust:scoping",
            "return:police:imr",
            "return:gp:imr",
        }
        assert of_type(events, "DutyOutstandingAtClosure") == []
        review = given.then()
        assert review.open_deadlines() == []
        assert review.deadlines["commissioner-copy"].status == "met"
        assert review.deadlines["home-office-notification"].status == "met"

    def test_closing_before_publication_is_refused(self) -> None:
        err = refused(
            Given.notified().up_to("approved"), "close", "2026-09-10", "done", error=WrongStage
        )
        assert err.stage == "approved" and "close" not in err.allowed

    def test_closing_without_an_outcome_is_refused(self) -> None:
        refused(
            Given.notified().up_to("published"),
            "close",
            "2026-10-10",
            " ",
            error=InvalidInput,
            match="outcome",
        )

    def test_a_closed_review_accepts_only_reopen(self) -> None:
        given = Given.notified().up_to("published")
        given.duties_done()
        given.do("close", "2026-10-10", "review complete")
        for command, args in [
            ("add_note", ("x",)),
            ("pause", ()),
            ("record_family_declined", ()),
            ("request_return", ("police", "information")),
        ]:
            err = refused(given, command, "2026-10-11", *args, reason="r", error=WrongStage)
            assert err.stage == "closed" and err.allowed == ["reopen"]
            assert "Allowed at 'closed': reopen." in err.message

    def test_reopen_goes_back_to_the_stage_closed_from(self) -> None:
        given = Given.notified().up_to("published")
        given.duties_done()
        given.do("close", "2026-10-10", "review complete")

        refused(given, "reopen", "2026-11-01", error=InvalidInput, field="reason")
        events = given.do("reopen", "2026-11-01", reason="Home Office direction")

        assert event_names(events) == ["CaseReopened"]
        assert events[0].stage == "published"
        review = given.then()
        assert review.stage == "published" and review.closed_on is None
        assert event_names(given.do("add_note", "2026-11-02", "re-opened")) == ["NoteAdded"]

    def test_reopen_is_refused_while_open(self) -> None:
        err = refused(
            Given.notified().up_to("published"),
            "reopen",
            "2026-10-10",
            reason="x",
            error=WrongStage,
        )
        assert "reopen" not in err.allowed

    def test_reopen_dated_before_the_closure_is_refused(self) -> None:
        given = Given.notified().up_to("published")
        given.duties_done()
        given.do("close", "2026-10-10", "review complete")
        refused(given, "reopen", "2026-10-05", reason="direction", error=DateRuleViolated)


# --------------------------------------------------------------------------- family thread


class TestFamily:
    @pytest.mark.parametrize(
        ("command", "args", "event"),
        [
            ("record_family_contact", ("spoke to the victim's sister",), "FamilyContactRecorded"),
            (
                "record_family_contribution",
                ("a statement about her life",),
                "FamilyContributionReceived",
            ),
            ("agree_pseudonyms", ("'Anna' agreed with the family",), "PseudonymsAgreed"),
            ("offer_advocacy", ("AAFDA",), "AdvocacyOffered"),
            ("give_family_leaflet", (), "FamilyLeafletGiven"),
            ("record_family_terms_input", ("her work as a nurse",), "FamilyTermsInputReceived"),
            ("record_family_declined", (), "FamilyDeclinedInvolvement"),
        ],
    )
    def test_family_facts_are_recorded_at_any_open_stage(
        self, command: str, args: tuple[str, ...], event: str
    ) -> None:
        for milestone in ("notified", "scoping", "drafting", "published"):
            given = Given.notified().up_to(milestone)
            events = given.do(command, "2026-10-05", *args)
            assert event_names(events) == [event]
            assert events[0].basis.startswith("statutory guidance")

    def test_free_text_of_the_family_thread_is_personal(self) -> None:
        given = Given.notified()
        events = given.do("record_family_contact", "2026-02-01", "spoke to the victim's sister")
        assert events[0].personal == {"text": "spoke to the victim's sister"}

    def test_the_family_is_shown_the_current_draft(self) -> None:
        given = Given.notified().up_to("drafting")
        given.do("circulate_draft", "2026-06-10")
        assert given.do("show_family_draft", "2026-06-11")[0].version_number == 2
        assert given.do("show_family_draft", "2026-06-12", 1)[0].version_number == 1
        assert given.do("offer_advocacy", "2026-06-12", "AAFDA")[0].provider == "AAFDA"

    def test_family_facts_are_refused_once_closed(self) -> None:
        given = Given.notified().up_to("published")
        given.duties_done()
        given.do("close", "2026-10-10", "complete")
        refused(given, "record_family_contact", "2026-10-11", "x", error=WrongStage)


# --------------------------------------------------------------------------- guidance versions


class TestGuidanceVersions:
    def test_draft_2024_guidance_needs_the_scoping_review_before_the_decision(self) -> None:
        given = Given.notified("2026-01-31", guidance=Guidance.DARDR_2024_DRAFT).up_to("scoping")

        refused(
            given,
            "decide",
            "2026-02-20",
            "review",
            "criteria met",
            error=RuleRefused,
            match="Scoping Review must be completed",
        )
        done = given.do("complete_scoping_review", "2026-02-18", "early learning: housing")

        assert event_names(done) == ["ScopingReviewCompleted"]
        assert done[0].personal == {"summary": "early learning: housing"}
        assert given.then().scoping_review_done == "2026-02-18"

    def test_draft_2024_guidance_gives_twelve_months_to_complete(self) -> None:
        given = Given.notified("2026-01-31", guidance=Guidance.DARDR_2024_DRAFT).up_to("scoping")
        given.do("complete_scoping_review", "2026-02-18", "summary")

        events = given.do("decide", "2026-03-02", "review", "criteria met")

        # 2 Mar 2026 + 12 calendar months = 2 Mar 2027 (GMT).
        completion = deadline_set(events, "review-completion")
        assert completion.due == "2027-03-02T23:59:59+00:00"
        assert "2024" in completion.basis

    def test_dhr_2016_refuses_the_scoping_review(self) -> None:
        err = refused(
            Given.notified().up_to("scoping"),
            "complete_scoping_review",
            "2026-02-18",
            "summary",
            error=RuleRefused,
        )
        assert "dardr-2024-draft" in err.message and "runs under dhr-2016" in err.message

    def test_the_scoping_review_belongs_to_scoping(self) -> None:
        err = refused(
            Given.notified(guidance=Guidance.DARDR_2024_DRAFT),
            "complete_scoping_review",
            "2026-02-01",
            "summary",
            error=WrongStage,
        )
        assert err.stage == "notified"


# --------------------------------------------------------------------------- returns


class TestReturns:
    def test_a_chronology_requested_before_easter_skips_the_bank_holidays(self) -> None:
        given = Given.notified().up_to("evidence-gathering")

        events = given.do("request_return", "2026-04-02", "probation", "chronology")

        assert event_names(events) == ["DeadlineSet", "ReturnRequested"]
        # Thu 2 Apr + 20 working days, skipping Good Friday 3 Apr, Easter Monday 6 Apr and the
        # Early May bank holiday 4 May: 7-10 (4), 13-17 (9), 20-24 (14), 27-30 Apr (18),
        # 1 May (19), 5 May (20).
        assert events[0].due == "2026-05-05T23:59:59+01:00"
        assert events[1].due == "2026-05-05T23:59:59+01:00"
        assert events[0].calendar.startswith("test: England and Wales")
        r = given.then().returns["return:probation:chronology"]
        assert (r.status, r.requested, r.due) == (
            "requested",
            "2026-04-02",
            "2026-05-05T23:59:59+01:00",
        )

    def test_a_return_with_an_explicit_due_date(self) -> None:
        given = Given.notified()
        events = given.do("request_return", "2026-02-01", "police", "information", due="2026-02-10")
        d = deadline_set(events, "return:police:information")
        assert d.due == "2026-02-10T23:59:59+00:00" and d.clock is None
        assert d.basis.startswith("agreement")

    def test_an_explicit_due_date_before_the_request_is_refused(self) -> None:
        refused(
            Given.notified(),
            "request_return",
            "2026-02-10",
            "police",
            "information",
            due="2026-02-01",
            error=DateRuleViolated,
            match="before the date it runs from",
        )

    def test_an_unknown_return_kind_is_refused(self) -> None:
        refused(
            Given.notified(),
            "request_return",
            "2026-02-01",
            "police",
            "gossip",
            error=InvalidInput,
            match="Unknown return kind 'gossip'",
        )

    def test_a_return_already_requested_cannot_be_requested_again(self) -> None:
        refused(
            Given.notified().up_to("scoping"),
            "request_return",
            "2026-02-05",
            "police",
            "scoping",
            error=RuleRefused,
            match="already requested",
        )

    def test_receiving_a_return_meets_its_deadline(self) -> None:
        given = Given.notified().up_to("scoping")  # scoping returns due 16 Feb
        on_time = given.do("receive_return", "2026-02-16", "police", "scoping")
        late = given.do("receive_return", "2026-02-17", "nhs-trust", "scoping")
        assert event_names(on_time) == ["ReturnReceived", "DeadlineMet"]
        assert on_time[1].on_time is True and late[1].on_time is False
        review = given.then()
        assert review.returns["return:police:scoping"].status == "received"
        assert (
            review.deadlines["return:nhs-trust:scoping"].status_at(ctx("2026-03-01").now)
            == "met-late"
        )

    def test_a_return_received_before_it_was_requested_is_refused(self) -> None:
        given = Given.notified().up_to("scoping")
        refused(given, "receive_return", "2026-02-01", "police", "scoping", error=DateRuleViolated)

    def test_a_received_return_can_be_accepted(self) -> None:
        given = Given.notified().up_to("scoping")
        refused(
            given,
            "accept_return",
            "2026-02-10",
            "police",
            "scoping",
            error=RuleRefused,
            match="'requested'; this needs it to be received",
        )
        given.do("receive_return", "2026-02-10", "police", "scoping")
        events = given.do("accept_return", "2026-02-11", "police", "scoping")
        assert event_names(events) == ["ReturnAccepted"]
        assert given.then().returns["return:police:scoping"].status == "accepted"

    def test_a_challenged_return_opens_its_deadline_again(self) -> None:
        given = Given.notified().up_to("scoping")
        given.do("receive_return", "2026-02-10", "police", "scoping")
        refused(
            given,
            "challenge_return",
            "2026-02-11",
            "police",
            "scoping",
            due="2026-02-20",
            error=InvalidInput,
            match="why",
        )

        events = given.do(
            "challenge_return",
            "2026-02-11",
            "police",
            "scoping",
            due="2026-02-20",
            reason="no records for 2024",
        )

        assert event_names(events) == ["DeadlineSet", "ReturnQualityChallenged"]
        assert events[1].due == "2026-02-20T23:59:59+00:00"
        review = given.then()
        assert review.deadlines["return:police:scoping"].status == "open"
        assert review.deadlines["return:police:scoping"].due == "2026-02-20T23:59:59+00:00"
        r = review.returns["return:police:scoping"]
        assert (r.status, r.challenges, r.received_on) == ("challenged", 1, None)
        again = given.do("receive_return", "2026-02-19", "police", "scoping")
        assert again[1].on_time is True

    def test_a_challenge_without_a_due_date_runs_the_policy_clock_from_the_challenge(self) -> None:
        given = Given.notified().up_to("scoping")
        given.do("receive_return", "2026-02-10", "police", "scoping")
        events = given.do("challenge_return", "2026-02-11", "police", "scoping", reason="gaps")
        # Wed 11 Feb + 10 working days = Wed 25 Feb.
        assert events[1].due == "2026-02-25T23:59:59+00:00"

    def test_withdrawing_a_return_cancels_its_deadline(self) -> None:
        given = Given.notified().up_to("scoping")
        events = given.do("withdraw_return", "2026-02-05", "police", "scoping")
        assert event_names(events) == ["ReturnWithdrawn", "DeadlineCancelled"]
        review = given.then()
        assert review.returns["return:police:scoping"].status == "withdrawn"
        assert review.deadlines["return:police:scoping"].status == "cancelled"
        refused(given, "receive_return", "2026-02-06", "police", "scoping", error=RuleRefused)
        # withdrawn: it may be requested afresh
        assert event_names(given.do("request_return", "2026-02-07", "police", "scoping")) == [
            "DeadlineSet",
            "ReturnRequested",
        ]

    def test_an_unrequested_return_is_not_found(self) -> None:
        refused(
            Given.notified().up_to("scoping"),
            "receive_return",
            "2026-02-05",
            "fire",
            "scoping",
            error=NotFound,
            match="No scoping return has been requested from fire",
        )


# --------------------------------------------------------------------------- deadlines


class TestDeadlines:
    def test_extending_a_deadline_needs_a_reason(self) -> None:
        refused(
            Given.notified(),
            "extend_deadline",
            "2026-02-01",
            "decision",
            "2026-03-15",
            error=InvalidInput,
            match="why",
        )

    def test_an_extension_must_move_the_deadline_later(self) -> None:
        refused(
            Given.notified(),
            "extend_deadline",
            "2026-02-01",
            "decision",
            "2026-02-28",
            reason="agreed",
            error=DateRuleViolated,
            match="not later than the current one",
        )

    def test_an_extension_records_the_new_and_previous_due(self) -> None:
        given = Given.notified()
        events = given.do(
            "extend_deadline",
            "2026-02-01",
            "decision",
            "2026-03-31",
            reason="agreed with the chair of the CSP",
        )
        assert event_names(events) == ["DeadlineExtended"]
        assert events[0].due == "2026-03-31T23:59:59+01:00"
        assert events[0].previous_due == "2026-02-28T23:59:59+00:00"
        d = given.then().deadlines["decision"]
        assert d.due == "2026-03-31T23:59:59+01:00" and d.extensions == 1

    def test_an_unknown_deadline_is_not_found(self) -> None:
        refused(
            Given.notified(),
            "extend_deadline",
            "2026-02-01",
            "nope",
            "2026-03-31",
            reason="x",
            error=NotFound,
            match="no deadline 'nope'; its deadlines: decision",
        )

    def test_a_met_deadline_cannot_be_extended(self) -> None:
        refused(
            Given.notified().up_to("commissioning"),
            "extend_deadline",
            "2026-02-21",
            "decision",
            "2026-04-30",
            reason="x",
            error=RuleRefused,
            match="is met",
        )

    def test_a_pause_needs_a_reason(self) -> None:
        refused(Given.notified(), "pause", "2026-02-01", error=InvalidInput, match="why")

    def test_resume_when_not_paused_is_refused(self) -> None:
        refused(Given.notified(), "resume", "2026-02-01", error=RuleRefused, match="is not paused")

    def test_pausing_twice_is_refused(self) -> None:
        given = Given.notified()
        given.do("pause", "2026-02-01", reason="trial")
        refused(
            given,
            "pause",
            "2026-02-02",
            reason="again",
            error=RuleRefused,
            match="already paused since 2026-02-01",
        )

    def test_pausing_chosen_clocks_only(self) -> None:
        given = Given.notified().up_to("scoping")
        events = given.do("pause", "2026-02-05", ["decision"], reason="inquest")
        assert event_names(events) == ["ReviewPaused", "DeadlinePaused"]
        review = given.then()
        assert review.deadlines["decision"].status_at(ctx("2026-11-22").now) == "paused"
        assert review.deadlines["return:police:scoping"].status == "open"

    def test_pausing_a_clock_that_is_not_open_is_refused(self) -> None:
        refused(
            Given.notified(),
            "pause",
            "2026-02-05",
            ["review-completion"],
            reason="x",
            error=InvalidInput,
            match="'review-completion' is not an open deadline",
        )

    def test_resuming_before_the_pause_is_refused(self) -> None:
        given = Given.notified()
        given.do("pause", "2026-02-05", reason="trial")
        refused(given, "resume", "2026-02-04", error=DateRuleViolated, match="start of the pause")

    def test_linking_a_process_with_pause_pauses_and_concluding_resumes(self) -> None:
        given = Given.notified().up_to("scoping")

        linked = given.do("link_process", "2026-02-05", "criminal", "CRIME/123/26", pause=True)

        assert event_names(linked) == [
            "ParallelProcessLinked",
            "ReviewPaused",
            "DeadlinePaused",
            "DeadlinePaused",
            "DeadlinePaused",
        ]
        assert linked[0].process_id == "P1" and linked[0].pauses_case is True
        assert linked[0].personal == {"reference": "CRIME/123/26"}
        assert given.then().paused is True

        updated = given.do(
            "update_process", "2026-03-01", "P1", "trial listed", {"trial": "2026-06-01"}
        )
        assert event_names(updated) == ["ParallelProcessUpdated"]
        assert given.then().processes["P1"].key_dates == {"trial": "2026-06-01"}

        concluded = given.do("conclude_process", "2026-03-07", "P1", "convicted")

        assert event_names(concluded) == [
            "ParallelProcessConcluded",
            "ReviewResumed",
            "DeadlineResumed",
            "DeadlineResumed",
            "DeadlineResumed",
        ]
        decision = next(e for e in concluded if getattr(e, "name", None) == "decision")
        # paused 5 Feb -> 7 Mar = 30 days: 28 Feb + 30 days = 30 Mar.
        assert decision.due == "2026-03-30T23:59:59+01:00"
        review = given.then()
        assert review.paused is False and review.processes["P1"].status == "concluded"

    def test_linking_without_pause_does_not_pause(self) -> None:
        given = Given.notified()
        events = given.do("link_process", "2026-02-05", "inquest", "CORONER/1")
        assert event_names(events) == ["ParallelProcessLinked"]
        assert given.then().paused is False

    def test_an_unknown_process_kind_is_refused(self) -> None:
        refused(
            Given.notified(),
            "link_process",
            "2026-02-05",
            "tribunal",
            "T/1",
            error=InvalidInput,
            match="Unknown parallel process kind 'tribunal'",
        )

    def test_a_concluded_process_cannot_be_concluded_again(self) -> None:
        given = Given.notified()
        given.do("link_process", "2026-02-05", "inquest", "CORONER/1")
        given.do("conclude_process", "2026-02-06", "P1", "narrative verdict")
        refused(
            given,
            "conclude_process",
            "2026-02-07",
            "P1",
            "again",
            error=RuleRefused,
            match="already concluded",
        )
        refused(
            given,
            "update_process",
            "2026-02-07",
            "P9",
            "x",
            {},
            error=NotFound,
            match="no linked process 'P9'; linked: P1",
        )

    def test_a_process_concluded_before_it_was_linked_is_refused(self) -> None:
        given = Given.notified()
        given.do("link_process", "2026-02-05", "inquest", "CORONER/1")
        refused(
            given,
            "conclude_process",
            "2026-02-04",
            "P1",
            "x",
            error=DateRuleViolated,
            match="the link",
        )

    def test_a_deadline_met_while_its_clock_is_stopped_is_on_time(self) -> None:
        given = Given.notified().up_to("drafting")  # review-completion due 20 Aug
        given.do("pause", "2026-08-01", reason="criminal trial")  # 19 days left
        events = given.do("agree_report", "2026-08-25")
        assert one(events, "DeadlineMet").on_time is True


# ---------------------------------------------------------------------- refusals record nothing


REFUSALS = [
    ("notified", "decide", ("review", "x"), {}, WrongStage),
    ("notified", "start_scoping", ([],), {}, InvalidInput),
    ("notified", "start_scoping", (["police"],), {"on": "2026-01-01"}, DateRuleViolated),
    ("scoping", "decide", ("sideways", "x"), {}, InvalidInput),
    ("scoping", "decide", ("review", ""), {}, InvalidInput),
    ("scoping", "decide", ("review", "x"), {"on": "2027-01-01"}, DateRuleViolated),
    ("commissioning", "agree_terms", ("2021-01-01", "2026-01-01", ["police"]), {}, RuleRefused),
    ("commissioned", "agree_terms", ("2021-01-01", "2026-01-01", []), {}, InvalidInput),
    ("local-sign-off", "submit", (), {}, RuleRefused),
    ("submitted-to-home-office", "publish", ("https://x.org",), {}, WrongStage),
    ("approved", "publish", ("ftp://x",), {}, InvalidInput),
    ("published", "close", ("done",), {"on": "2026-09-30"}, DateRuleViolated),
    ("notified", "pause", (), {}, InvalidInput),
    ("notified", "resume", (), {}, RuleRefused),
    ("notified", "extend_deadline", ("decision", "2026-03-31"), {}, InvalidInput),
    ("notified", "request_return", ("police", "imr"), {"due": "2026-01-01"}, DateRuleViolated),
    ("drafting", "add_action", ("rec", "police", "global", "2026-12-31"), {}, InvalidInput),
]


@pytest.mark.parametrize(
    ("milestone", "command", "args", "kwargs", "error"),
    REFUSALS,
    ids=[f"{r[0]}-{r[1]}" for r in REFUSALS],
)
def test_a_refused_command_records_nothing(
    milestone: str,
    command: str,
    args: tuple[object, ...],
    kwargs: dict[str, str],
    error: type[Exception],
) -> None:
    given = Given.notified().up_to(milestone)
    history = list(given.history)
    on = kwargs.pop("on", "2026-11-01")
    refused(given, command, on, *args, error=error, **kwargs)
    assert given.history == history
    assert replay(given.history).version == len(history)


# --------------------------------------------------------------------------- known partial records


def test_linking_with_pause_when_already_paused_records_nothing() -> None:
    given = Given.notified()
    given.do("pause", "2026-02-01", reason="inquest")
    refused(
        given,
        "link_process",
        "2026-02-02",
        "criminal",
        "CRIME/1",
        pause=True,
        error=RuleRefused,
        match="already paused",
    )


def test_scoping_with_a_repeated_agency_records_nothing() -> None:
    refused(
        Given.notified(), "start_scoping", "2026-02-02", ["police", "police"], error=InvalidInput
    )


def test_terms_naming_an_agency_with_an_open_imr_record_nothing() -> None:
    given = Given.notified().up_to("commissioned")
    given.do("request_return", "2026-03-12", "police", "imr")
    refused(
        given,
        "agree_terms",
        "2026-03-20",
        "2021-01-01",
        "2026-01-20",
        ["police"],
        error=RuleRefused,
    )


def test_resuming_on_the_day_of_a_timed_pause_is_accepted_or_refused_cleanly() -> None:
    given = Given.notified()
    given.do("pause", "2026-02-05T15:00:00+00:00", reason="trial")
    review = given.load()
    try:
        review.resume(ctx("2026-02-05"))
    except DateRuleViolated:
        assert review.collect_events() == []
    else:
        assert event_names(review.collect_events())[0] == "ReviewResumed"


def test_concluding_before_a_later_pause_records_nothing() -> None:
    given = Given.notified().up_to("scoping")
    given.do("link_process", "2026-02-05", "criminal", "CRIME/1", pause=True)
    given.do("resume", "2026-02-10")
    given.do("pause", "2026-02-20", reason="inquest opened")
    refused(given, "conclude_process", "2026-02-15", "P1", "charged", error=DateRuleViolated)


def test_a_review_closed_by_no_review_agreed_is_not_left_paused() -> None:
    given = no_review_awaiting_view()
    given.do("pause", "2026-02-24", reason="inquest")
    given.do("record_home_office_view", "2026-03-10", "no-review-agreed")
    assert given.then().paused is False
