"""The common mechanics of processes/common.md, exercised through a DARDR review.

Deadlines and their status as at an instant; closing cancels open deadlines; actions and their
RAG status; personal data only ever in an event's ``personal`` field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.case import Deadline
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
    deadline_set,
    event_names,
    refused,
    replay,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --------------------------------------------------------------------------- Deadline.status_at


class TestDeadlineStatus:
    def deadline(self, **fields: Any) -> Deadline:
        base: dict[str, Any] = {
            "name": "decision",
            "due": "2026-02-28T23:59:59+00:00",
            "starts": "2026-01-31",
            "responsible": "partnership",
            "basis": "statutory guidance",
            "clock": None,
            "calendar": "fixed list",
        }
        return Deadline(**{**base, **fields})

    def test_open_until_the_end_of_the_due_day(self) -> None:
        d = self.deadline()
        assert d.status_at(at("2026-02-28T23:59:59+00:00")) == "open"
        assert d.status_at(at("2026-02-01T00:00:00+00:00")) == "open"

    def test_overdue_once_the_due_time_has_passed(self) -> None:
        d = self.deadline()
        assert d.status_at(at("2026-03-01T00:00:00+00:00")) == "overdue"
        # the same instant written in another offset is still overdue
        assert d.status_at(at("2026-03-01T01:00:00+01:00")) == "overdue"

    def test_met_and_met_late(self) -> None:
        on_time = self.deadline(status="met", met_on="2026-02-20", met_on_time=True)
        late = self.deadline(status="met", met_on="2026-03-02", met_on_time=False)
        assert on_time.status_at(at("2026-12-01T00:00:00+00:00")) == "met"
        assert late.status_at(at("2026-12-01T00:00:00+00:00")) == "met-late"

    def test_paused_and_cancelled_are_never_overdue(self) -> None:
        paused = self.deadline(status="paused", paused_at="2026-02-10")
        cancelled = self.deadline(status="cancelled")
        assert paused.status_at(at("2026-12-01T00:00:00+00:00")) == "paused"
        assert cancelled.status_at(at("2026-12-01T00:00:00+00:00")) == "cancelled"

    def test_status_of_deadlines_on_a_review(self) -> None:
        given = Given.notified("2026-01-31").up_to("scoping")  # scoping returns due 16 Feb
        given.do("receive_return", "2026-02-10", "police", "scoping")
        given.do("withdraw_return", "2026-02-11", "nhs-trust", "scoping")
        given.do("pause", "2026-02-12", ["decision"], reason="inquest")
        review = given.then()
        as_at = at("2026-03-15T12:00:00+00:00")
        assert review.deadlines["return:police:scoping"].status_at(as_at) == "met"
        assert review.deadlines["return:nhs-trust:scoping"].status_at(as_at) == "cancelled"
        assert review.deadlines["decision"].status_at(as_at) == "paused"
        given.do("request_return", "2026-02-12", "fire", "information", due="2026-02-13")
        assert given.then().deadlines["return:fire:information"].status_at(as_at) == "overdue"

    def test_due_at_is_an_aware_instant(self) -> None:
        d = self.deadline()
        assert d.due_at == datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC)


# --------------------------------------------------------------------------- closing


class TestClosing:
    def test_closing_cancels_every_open_and_paused_deadline(self) -> None:
        given = Given.notified().up_to("published")
        given.do("pause", "2026-10-02", ["home-office-notification"], reason="awaiting the inquest")
        before = given.then()
        still_open = {d.name for d in before.deadlines.values() if d.status in ("open", "paused")}
        assert "home-office-notification" in still_open and "commissioner-copy" in still_open

        events = given.do("close", "2026-10-10", "review complete",
                          reason="the copy and the notification are logged elsewhere")

        assert event_names(events)[0] == "CaseClosed"
        cancelled = [e for e in events[1:] if type(e).__name__ == "DeadlineCancelled"]
        assert {e.name for e in cancelled} == still_open
        review = given.then()
        assert review.open_deadlines() == []
        assert all(d.status in ("met", "cancelled") for d in review.deadlines.values())
        assert review.paused is False and review.paused_since is None
        assert review.closed_on == "2026-10-10" and review.closed_from == "published"

    def test_a_met_deadline_stays_met_when_the_case_closes(self) -> None:
        given = Given.notified().up_to("published").duties_done()
        given.do("close", "2026-10-10", "review complete")
        review = given.then()
        assert review.deadlines["publication"].status == "met"
        assert review.deadlines["decision"].status == "met"

    def test_days_open_stops_at_the_closure(self) -> None:
        given = Given.notified("2026-01-31").up_to("published")
        assert given.then().days_open(date(2026, 3, 2)) == 30
        given.duties_done()
        given.do("close", "2026-10-10", "review complete")
        assert given.then().days_open(date(2027, 1, 1)) == 252  # 31 Jan -> 10 Oct 2026


# --------------------------------------------------------------------------- actions


def drafting() -> Given:
    return Given.notified().up_to("drafting")  # first draft 1 Jun 2026


class TestActions:
    def test_actions_are_numbered_a1_a2_with_a_deadline_each(self) -> None:
        given = drafting()

        first = given.do(
            "add_action", "2026-06-05", "Train staff", "police", "single-agency", "2026-12-31"
        )
        second = given.do(
            "add_action", "2026-06-05", "Joint protocol", "council", "multi-agency", "2027-03-31"
        )

        assert event_names(first) == ["DeadlineSet", "ActionAdded"]
        assert (first[1].action_id, second[1].action_id) == ("A1", "A2")
        assert first[1].owner == "police" and first[1].level == "single-agency"
        assert first[1].personal == {"recommendation": "Train staff"}
        d = deadline_set(first, "action:A1")
        assert d.due == "2026-12-31T23:59:59+00:00" and d.responsible == "police"
        assert deadline_set(second, "action:A2").due == "2027-03-31T23:59:59+01:00"
        review = given.then()
        assert sorted(review.actions) == ["A1", "A2"]
        assert review.actions["A1"].rag == "amber" and review.actions["A1"].status == "open"
        assert [a.id for a in review.open_actions()] == ["A1", "A2"]

    def test_actions_cannot_be_added_before_drafting(self) -> None:
        err = refused(
            Given.notified().up_to("evidence-gathering"),
            "add_action",
            "2026-04-01",
            "x",
            "police",
            "local",
            "2026-12-31",
            error=WrongStage,
        )
        assert err.stage == "evidence-gathering" and "add-action" not in err.allowed

    @pytest.mark.parametrize(
        ("args", "error", "match"),
        [
            (
                ("Train staff", "police", "international", "2026-12-31"),
                InvalidInput,
                "Unknown action level",
            ),
            (("  ", "police", "local", "2026-12-31"), InvalidInput, "recommendation text is empty"),
            (
                ("Train staff", "police", "local", "2026-06-01"),
                DateRuleViolated,
                "before the date it runs from",
            ),
        ],
    )
    def test_invalid_actions_are_refused(
        self, args: tuple[str, ...], error: type[Exception], match: str | None
    ) -> None:
        refused(drafting(), "add_action", "2026-06-05", *args, error=error, match=match)

    @pytest.mark.parametrize(
        ("command", "args", "kwargs"),
        [
            ("add_action", ("Train staff", "police", "local", "31/12/2026"), {}),
            ("request_return", ("police", "information"), {"due": "next week"}),
            ("extend_deadline", ("action:A1", "2026-13-01"), {"reason": "agreed"}),
        ],
    )
    def test_a_malformed_due_date_is_invalid_input(
        self, command: str, args: tuple[str, ...], kwargs: dict[str, str]
    ) -> None:
        given = drafting()
        given.do("add_action", "2026-06-05", "Train staff", "police", "local", "2026-12-31")
        refused(given, command, "2026-06-05", *args, error=InvalidInput, **kwargs)

    def test_rag_updates_are_validated(self) -> None:
        given = drafting()
        given.do("add_action", "2026-06-05", "Train staff", "police", "local", "2026-12-31")
        refused(
            given,
            "update_action",
            "2026-06-10",
            "A1",
            "purple",
            "note",
            error=InvalidInput,
            match="Unknown RAG status 'purple'; use one of red, amber, green",
        )
        refused(given, "update_action", "2026-06-04", "A1", "red", "note", error=DateRuleViolated)
        refused(
            given,
            "update_action",
            "2026-06-10",
            "A9",
            "red",
            "note",
            error=NotFound,
            match="no action 'A9'; actions: A1",
        )

        events = given.do("update_action", "2026-06-10", "A1", "red", "no trainer yet")

        assert event_names(events) == ["ActionUpdated"]
        assert events[0].rag == "red" and events[0].personal == {"note": "no trainer yet"}
        action = given.then().actions["A1"]
        assert (action.rag, action.updates) == ("red", 1)

    def test_closing_an_action_meets_its_deadline_and_turns_it_green(self) -> None:
        given = drafting()
        given.do("add_action", "2026-06-05", "Train staff", "police", "local", "2026-09-30")
        refused(
            given, "close_action", "2026-09-01", "A1", " ", error=InvalidInput, match="evidence"
        )

        events = given.do("close_action", "2026-09-01", "A1", "120 staff trained")

        assert event_names(events) == ["ActionClosed", "DeadlineMet"]
        assert events[0].personal == {"evidence": "120 staff trained"}
        assert (events[1].name, events[1].on_time) == ("action:A1", True)
        review = given.then()
        a = review.actions["A1"]
        assert (a.status, a.rag, a.closed_on) == ("closed", "green", "2026-09-01")
        assert review.open_actions() == []
        refused(
            given,
            "close_action",
            "2026-09-02",
            "A1",
            "again",
            error=RuleRefused,
            match="already closed",
        )
        refused(given, "update_action", "2026-09-02", "A1", "red", "x", error=RuleRefused)

    def test_an_action_closed_after_its_due_date_is_met_late(self) -> None:
        given = drafting()
        given.do("add_action", "2026-06-05", "Train staff", "police", "local", "2026-07-31")
        events = given.do("close_action", "2026-08-03", "A1", "done")
        assert events[1].on_time is False
        assert (
            given.then().deadlines["action:A1"].status_at(at("2026-08-04T00:00:00+00:00"))
            == "met-late"
        )


# --------------------------------------------------------------------------- pauses


class TestPauses:
    def test_a_working_day_clock_moves_on_by_the_working_days_paused(self) -> None:
        given = Given.notified("2026-01-31").up_to("scoping")  # scoping returns due Mon 16 Feb
        given.do("pause", "2026-02-06", ["return:police:scoping"], reason="records seized")
        events = given.do("resume", "2026-02-13")
        assert event_names(events) == ["ReviewResumed", "DeadlineResumed"]
        # working days d with Fri 6 Feb < d <= Fri 13 Feb: 9-13 Feb = 5; 16 Feb + 5 = 23 Feb.
        assert events[1].due == "2026-02-23T23:59:59+00:00"
        assert events[1].paused_days == 7
        review = given.then()
        assert review.deadlines["return:police:scoping"].status == "open"
        assert review.deadlines["return:nhs-trust:scoping"].due == "2026-02-16T23:59:59+00:00"

    def test_an_explicit_due_date_moves_on_by_the_calendar_days_paused(self) -> None:
        given = Given.notified()
        given.do("request_return", "2026-02-02", "police", "information", due="2026-02-20")
        given.do("pause", "2026-02-05", reason="records seized")
        events = given.do("resume", "2026-02-15")
        resumed = next(e for e in events if getattr(e, "name", "") == "return:police:information")
        assert resumed.due == "2026-03-02T23:59:59+00:00"

    def test_an_explicit_due_date_moved_across_the_clock_change_ends_at_midnight_london(
        self,
    ) -> None:
        given = Given.notified().up_to("scoping")
        given.do("request_return", "2026-10-01", "police", "information", due="2026-10-20")
        given.do("pause", "2026-10-10", reason="records seized")
        events = given.do("resume", "2026-10-20")
        resumed = next(e for e in events if getattr(e, "name", "") == "return:police:information")
        # 20 Oct + 10 days = 30 Oct, after the clocks go back on 25 Oct: GMT.
        assert resumed.due == "2026-10-30T23:59:59+00:00"


# --------------------------------------------------------------------------- personal data


NOTE = "Neighbour Ottoline Brackenbury heard shouting on 3 January"
FAMILY_TEXT = "Sister Wilhelmina Strathcona says the victim feared him"
RECOMMENDATION = "Retrain Gwendolyn Farthingale's team on DASH risk assessment"
CHAIR = "Professor Aurelius Pemberton-Quayle"
SECRETS = (PSEUDONYM, NOTE, FAMILY_TEXT, RECOMMENDATION, CHAIR, "CRIME/4471/26")


def full_history() -> list[Any]:
    given = Given.notified("2026-01-31")
    given.do("add_note", "2026-02-01", NOTE)
    given.do("record_family_contact", "2026-02-01", FAMILY_TEXT)
    given.do("link_process", "2026-02-01", "criminal", "CRIME/4471/26")
    given.up_to("scoping")
    given.decided("review", "2026-02-20")
    given.do("appoint_chair", "2026-03-10", CHAIR)
    given.do("add_panel_member", "2026-03-10", "police", CHAIR + " junior", "member")
    given.terms_agreed().drafted()
    given.do("add_action", "2026-06-05", RECOMMENDATION, "police", "local", "2026-12-31")
    given.do("update_action", "2026-06-06", "A1", "red", NOTE)
    given.do("agree_pseudonyms", "2026-06-07", f"'{PSEUDONYM}' agreed with the family")
    given.agreed().signed_off().submitted()
    given.do("record_qa_outcome", "2026-09-01", "approved-subject-to-amendments", [FAMILY_TEXT])
    given.do("complete_amendments", "2026-09-08")
    given.do("conclude_process", "2026-09-10", "P1", "convicted")
    given.published("2026-10-01")
    given.do("close_action", "2026-10-02", "A1", RECOMMENDATION + " - done")
    given.duties_done("2026-10-03")
    given.do("close", "2026-10-10", "review complete")
    return given.history


def non_personal_text(event: Any) -> str:
    return repr({k: v for k, v in vars(event).items() if k != "personal"})


class TestPersonalData:
    def test_personal_data_is_only_in_personal_fields(self) -> None:
        history = full_history()
        assert "CaseClosed" in {type(e).__name__ for e in history}  # the story ran to its end
        for event in history:
            text = non_personal_text(event)
            for secret in SECRETS:
                assert secret not in text, (
                    f"{secret!r} leaked outside 'personal' in {type(event).__name__}"
                )

    def test_the_personal_fields_do_hold_it(self) -> None:
        history = full_history()
        personal = repr([getattr(e, "personal", None) for e in history])
        for secret in SECRETS:
            assert secret in personal

    def test_error_messages_do_not_contain_personal_data(self) -> None:
        given = Given.notified()
        err = refused(given, "decide", "2026-02-01", "review", "x", error=WrongStage)
        assert PSEUDONYM not in err.message
        review = replay(full_history())
        assert PSEUDONYM not in repr(vars(review)["reference"])
