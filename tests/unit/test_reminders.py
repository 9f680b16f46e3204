"""The reminder ladder (processes/common.md, "Reminders and escalation").

Step days are hand-computed from the England and Wales bank holidays typed out in
``dardr_helpers`` (Early May bank holiday Mon 4 May 2026; Christmas Fri 25 Dec 2026 and the
Boxing Day substitute Mon 28 Dec 2026).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from domain.calendar import LONDON
from domain.case import Deadline
from domain.errors import DateRuleViolated, InvalidInput
from domain.reminders import (
    NATIONAL_LADDER,
    ReminderStep,
    check_reminders,
    folded,
    ladder_for,
    ladder_keys,
    parse_ladder,
    step_day,
    steps_due,
)
from tests.unit.dardr_helpers import (
    ENGLAND_AND_WALES_2025_2027,
    NO_HOLIDAYS,
    Given,
    ctx,
    event_names,
    replay,
    state,
)

CAL = ENGLAND_AND_WALES_2025_2027
EMAIL = "zz.contact@agency.example.org"


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def people(deadline: Deadline, roles: tuple[str, ...]) -> list[dict[str, Any]]:
    """The recipients resolver the application supplies: here, one address per role."""
    return [{"role": r, "of": f"agency:{deadline.responsible}", "name": f"{r} person",
             "email": f"{r}.{EMAIL}"} for r in roles]


def ids(steps: list[ReminderStep]) -> list[str]:
    return [s.id for s in steps]


# --------------------------------------------------------------------------- step days


class TestStepDays:
    @pytest.mark.parametrize(("offset", "expected"), [
        (-5, date(2026, 4, 27)),   # Fri 1, Thu 30, Wed 29, Tue 28, Mon 27 Apr (Mon 4 May is a bank holiday)
        (0, date(2026, 5, 5)),     # the due day itself
        (3, date(2026, 5, 8)),     # Wed 6, Thu 7, Fri 8 May
        (10, date(2026, 5, 19)),   # 6, 7, 8, 11, 12, 13, 14, 15, 18, 19 May
    ])
    def test_working_days_around_the_early_may_bank_holiday(self, offset: int, expected: date) -> None:
        assert step_day(date(2026, 5, 5), offset, "working-days", CAL) == expected

    def test_overdue_steps_skip_christmas_and_the_boxing_day_substitute(self) -> None:
        # due Wed 23 Dec 2026: Thu 24 (1); Fri 25 Christmas; Sat, Sun; Mon 28 substitute; Tue 29 (2); Wed 30 (3)
        assert step_day(date(2026, 12, 23), 3, "working-days", CAL) == date(2026, 12, 30)

    def test_a_deadline_due_on_a_saturday(self) -> None:
        # decision due Sat 28 Feb 2026 (one calendar month after 31 Jan)
        assert step_day(date(2026, 2, 28), -5, "working-days", CAL) == date(2026, 2, 23)
        assert step_day(date(2026, 2, 28), 3, "working-days", CAL) == date(2026, 3, 4)
        assert step_day(date(2026, 2, 28), 10, "working-days", CAL) == date(2026, 3, 13)

    def test_calendar_days_across_a_leap_day(self) -> None:
        assert step_day(date(2028, 3, 1), -2, "days", NO_HOLIDAYS) == date(2028, 2, 28)
        assert step_day(date(2028, 2, 28), 1, "days", NO_HOLIDAYS) == date(2028, 2, 29)
        assert step_day(date(2027, 2, 28), 1, "days", NO_HOLIDAYS) == date(2027, 3, 1)

    def test_without_bank_holidays_the_same_offset_is_a_different_day(self) -> None:
        assert step_day(date(2026, 5, 5), -5, "working-days", NO_HOLIDAYS) == date(2026, 4, 28)


# --------------------------------------------------------------------------- ladders as policy


class TestLadderPolicy:
    def test_offsets_are_parsed_and_named(self) -> None:
        ladder = parse_ladder([{"at": "+3wd", "to": ["contact", "escalation"]},
                               {"at": "-5wd", "to": ["contact"]}, {"at": "0", "to": ["contact"]},
                               {"at": "+7d", "to": ["chair"]}])
        assert [s.at for s in ladder] == ["-5wd", "0", "+3wd", "+7d"]
        assert ids(list(ladder)) == ["5wd-before", "due-day", "3wd-overdue", "7d-overdue"]

    @pytest.mark.parametrize(("steps", "says"), [
        ([{"at": "5 days", "to": ["contact"]}], "not understood"),
        ([{"at": "+3", "to": ["contact"]}], "needs a unit"),
        ([{"at": "0", "to": ["the-mayor"]}], "Unknown reminder recipient"),
        ([{"at": "0", "to": []}], "at least one recipient"),
        ([{"at": "0", "to": ["contact"]}, {"at": "0", "to": ["chair"]}], "more than once"),
    ])
    def test_malformed_ladders_are_refused_with_what_is_allowed(self, steps: list[dict[str, Any]],
                                                                says: str) -> None:
        with pytest.raises(InvalidInput, match=says):
            check_reminders({"return": steps})

    def test_the_most_specific_kind_wins_then_the_national_ladder(self) -> None:
        assert ladder_keys("return:cumbria-police:imr") == ["return:imr", "return", "default"]
        assert ladder_keys("action:A2") == ["action", "default"]
        assert ladder_keys("decision") == ["decision", "default"]
        policy = {"return": [{"at": "0", "to": ["contact"]}],
                  "return:imr": [{"at": "-10wd", "to": ["contact"]}]}
        assert ids(list(ladder_for(policy, "return:police:imr"))) == ["10wd-before"]
        assert ids(list(ladder_for(policy, "return:police:chronology"))) == ["due-day"]
        assert ladder_for(policy, "decision") == NATIONAL_LADDER
        assert ladder_for({"decision": []}, "decision") == ()

    def test_the_national_ladder_is_the_example_of_the_guidance(self) -> None:
        assert [(s.at, s.to) for s in NATIONAL_LADDER] == [
            ("-5wd", ("contact",)), ("0", ("contact",)), ("+3wd", ("contact", "escalation")),
            ("+10wd", ("escalation", "chair")),
        ]


# --------------------------------------------------------------------------- which steps are due


class TestStepsDue:
    DUE = london("2026-05-05T23:59:59")

    def due(self, as_at: str, reminded: date | None = None) -> tuple[str, tuple[str, ...], list[str]] | None:
        """The one reminder to issue: (step, recipients, steps it covers)."""
        found = folded(steps_due(NATIONAL_LADDER, self.DUE, london(as_at), reminded, CAL))
        return None if found is None else (found[0].id, found[0].to, found[1])

    def test_nothing_before_the_first_step_day(self) -> None:
        assert self.due("2026-04-26T23:00:00") is None

    def test_each_step_from_the_start_of_its_day(self) -> None:
        assert self.due("2026-04-27T00:00:00") == ("5wd-before", ("contact",), [])
        assert self.due("2026-05-05T07:00:00", reminded=date(2026, 4, 27)) == ("due-day", ("contact",), [])
        assert self.due("2026-05-08T07:00:00", reminded=date(2026, 5, 5)) == (
            "3wd-overdue", ("contact", "escalation"), [])
        assert self.due("2026-05-19T07:00:00", reminded=date(2026, 5, 8)) == (
            "10wd-overdue", ("escalation", "chair"), [])

    def test_an_issued_step_is_not_due_again(self) -> None:
        assert self.due("2026-04-28T07:00:00", reminded=date(2026, 4, 27)) is None

    def test_steps_due_at_once_are_folded_into_the_latest(self) -> None:
        # first run on the due day (e.g. a deadline set three days earlier): one "due today"
        assert self.due("2026-05-05T07:00:00") == ("due-day", ("contact",), ["5wd-before"])

    def test_due_soon_steps_lapse_once_overdue(self) -> None:
        assert self.due("2026-05-06T07:00:00") is None
        assert steps_due(NATIONAL_LADDER, self.DUE, london("2026-05-06T07:00:00"), None, CAL) == []

    def test_after_downtime_one_escalation_reaches_everyone_the_missed_steps_would_have(self) -> None:
        assert self.due("2026-05-20T07:00:00") == (
            "10wd-overdue", ("contact", "escalation", "chair"), ["3wd-overdue"])


# --------------------------------------------------------------------------- on a case


class TestIssuingOnACase:
    """The decision deadline of a death notified Sat 31 Jan 2026 is due Sat 28 Feb 2026."""

    def test_steps_are_recorded_once_each_as_facts(self) -> None:
        given = Given.notified("2026-01-31")
        first = given.do("issue_due_reminders", "2026-02-23T07:00:00+00:00", people)
        assert event_names(first) == ["ReminderIssued"]
        issued = first[0]
        assert (issued.name, issued.step, issued.at, issued.step_day) == (
            "decision", "5wd-before", "-5wd", "2026-02-23")
        assert issued.due == "2026-02-28T23:59:59+00:00"
        assert issued.recipients == ["contact"] and issued.responsible == "partnership"
        assert issued.personal == {"to": [{"role": "contact", "of": "agency:partnership",
                                           "name": "contact person", "email": f"contact.{EMAIL}"}]}
        assert issued.basis and issued.effective == "2026-02-23T07:00:00+00:00"
        assert given.do("issue_due_reminders", "2026-02-23T18:00:00+00:00", people) == []
        assert given.do("issue_due_reminders", "2026-02-27T07:00:00+00:00", people) == []
        for as_at, step in (("2026-02-28T07:00:00+00:00", "due-day"), ("2026-03-04T07:00:00+00:00", "3wd-overdue"),
                            ("2026-03-13T07:00:00+00:00", "10wd-overdue")):
            assert [e.step for e in given.do("issue_due_reminders", as_at, people)] == [step]
        assert given.do("issue_due_reminders", "2026-04-30T07:00:00+00:00", people) == []
        review = given.then()
        assert review.deadlines["decision"].reminders == 4
        assert state(review) == state(replay(given.history))

    def test_personal_data_only_in_the_personal_field(self) -> None:
        given = Given.notified("2026-01-31")
        issued = given.do("issue_due_reminders", "2026-03-04T07:00:00+00:00", people)
        public = {k: v for k, v in vars(issued[0]).items() if k != "personal"}
        assert EMAIL not in repr(public) and "person" not in repr(public)

    def test_a_met_deadline_is_not_chased(self) -> None:
        given = Given.notified("2026-01-31").up_to("commissioning")  # decided on 20 Feb
        assert given.then().deadlines["decision"].status == "met"
        for as_at in ("2026-02-28T07:00:00+00:00", "2026-03-04T07:00:00+00:00"):
            events = given.do("issue_due_reminders", as_at, people)
            assert "decision" not in [e.name for e in events]

    def test_a_paused_deadline_is_not_chased_and_resuming_restarts_the_ladder(self) -> None:
        given = Given.notified("2026-01-31").up_to("scoping")  # scoping returns due Mon 16 Feb
        given.do("pause", "2026-02-06", ["return:police:scoping"], reason="records seized")
        # Mon 9 Feb is 5 working days before 16 Feb: only the running clock is chased
        events = given.do("issue_due_reminders", "2026-02-09T07:00:00+00:00", people)
        assert [(e.name, e.step) for e in events] == [("return:nhs-trust:scoping", "5wd-before")]
        given.do("resume", "2026-02-13")  # police scoping now due Mon 23 Feb
        events = given.do("issue_due_reminders", "2026-02-16T07:00:00+00:00", people)
        assert sorted((e.name, e.step, e.due, e.step_day) for e in events) == [
            ("return:nhs-trust:scoping", "due-day", "2026-02-16T23:59:59+00:00", "2026-02-16"),
            ("return:police:scoping", "5wd-before", "2026-02-23T23:59:59+00:00", "2026-02-16"),
        ]

    def test_an_extension_restarts_the_ladder_from_the_new_due_date(self) -> None:
        given = Given.notified("2026-01-31").up_to("scoping")
        name = "return:police:scoping"
        assert [e.step for e in given.do("issue_due_reminders", "2026-02-19T07:00:00+00:00", people)
                if e.name == name] == ["3wd-overdue"]
        given.do("extend_deadline", "2026-02-19", name, "2026-03-06", reason="agreed with the DCI")
        # Fri 6 Mar − 5 working days = Fri 27 Feb; nothing for it the day before
        assert name not in [e.name for e in given.do("issue_due_reminders", "2026-02-26T07:00:00+00:00", people)]
        events = [e for e in given.do("issue_due_reminders", "2026-02-27T07:00:00+00:00", people) if e.name == name]
        assert [(e.step, e.due) for e in events] == [("5wd-before", "2026-03-06T23:59:59+00:00")]

    def test_a_closed_case_is_not_chased(self) -> None:
        given = Given.notified("2026-01-31").up_to("published")
        review = given.then()
        review.add_action(ctx("2026-10-02"), "Train reception staff", "police", "local", "2026-12-31")
        review.close(ctx("2026-10-05", "closed early for the test"), "action plan handed over")
        assert review.reminder_steps_due("action:A1", london("2026-11-20T07:00:00"), CAL) == []
        given = Given.notified("2026-01-31").up_to("published")
        review = given.then()
        review.add_action(ctx("2026-10-02"), "Train reception staff", "police", "local", "2026-12-31")
        assert ids(review.reminder_steps_due("action:A1", london("2026-11-20T07:00:00"), CAL)) == []
        assert ids(review.reminder_steps_due("action:A1", london("2026-12-24T07:00:00"), CAL)) == ["5wd-before"]

    def test_reminders_cannot_be_issued_as_at_a_future_time(self) -> None:
        given = Given.notified("2026-01-31")
        with pytest.raises(DateRuleViolated, match="future"):
            given.do("issue_due_reminders", "2026-12-01T07:00:00+00:00", people)
