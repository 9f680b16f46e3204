"""The reminder email (processes/common.md, "Reminders and escalation"): what is due, for which
case, when, how it stands, which step, whom to contact; and no personal data of the case."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from application.reminder_email import (
    Addressee,
    ReminderFacts,
    StaffContact,
    describe_deadline,
    facts_from,
    long_date,
    render,
    step_kind,
    step_phrase,
    timing,
)
from domain.calendar import LONDON
from domain.case import Deadline
from tests.unit import test_asb
from tests.unit.dardr_helpers import PSEUDONYM, Given

NAMES = {"cumbria-police": "Cumbria Constabulary", "probation": "Probation Service"}
COORDINATOR = StaffContact("Charlie Example", "csp.coordinator@cumberland.example.org")
RECIPIENT_NAME, RECIPIENT_EMAIL = "Wilhelmina Stonecrop", "w.stonecrop@police.example.org"


def facts(**changes: Any) -> ReminderFacts:
    base: dict[str, Any] = {
        "reference": "CUM-DARDR-2026-003", "case_type": "dardr", "partnership": "Cumberland CSP",
        "deadline": "return:cumbria-police:imr", "step": "5wd-before", "at": "-5wd",
        "due": datetime(2026, 5, 5, 23, 59, 59, tzinfo=LONDON), "responsible": "cumbria-police",
        "recipients": ("contact",), "basis": "local procedure: local DARDR procedure",
    }
    return ReminderFacts(**{**base, **changes})


def row(label: str, value: str) -> str:
    """A line of the email's table, as ``flat`` gives it."""
    return f"{label}: {value}"


def flat(text: str) -> str:
    """The text with its line wrapping and alignment undone."""
    return " ".join(text.split())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


# --------------------------------------------------------------------------- wording


@pytest.mark.parametrize(("deadline", "case_type", "responsible", "expected"), [
    ("return:cumbria-police:imr", "dardr", "cumbria-police",
     "Individual Management Review (IMR) from Cumbria Constabulary"),
    ("return:probation:scoping", "dardr", "probation", "Scoping response from Probation Service"),
    ("return:home-group:information", "asb", "home-group", "Information return from home-group"),
    ("action:A1", "dardr", "probation", "Action A1 of the action plan (Probation Service)"),
    ("decision", "dardr", "partnership", "Decision on whether to hold a review"),
    ("decision", "encampment", "council",
     "Decision on the encampment (tolerate, or not allow and by which power)"),
    ("threshold-decision", "asb", "partnership", "Decision on whether the threshold for a review is met"),
    ("something-new", "dardr", "partnership", "Something new"),
])
def test_the_deadline_is_described_readably(deadline, case_type, responsible, expected) -> None:
    described = describe_deadline(facts(deadline=deadline, case_type=case_type,
                                        responsible=responsible), NAMES)
    assert described == expected


@pytest.mark.parametrize(("now", "expected"), [
    ("2026-04-28T07:00", "due in 7 days"),
    ("2026-05-04T07:00", "due tomorrow"),
    ("2026-05-05T07:00", "due today"),
    ("2026-05-05T23:59", "due today"),
    ("2026-05-06T07:00", "overdue by 1 day"),
    ("2026-05-08T07:00", "overdue by 3 days"),
])
def test_timing_in_days_europe_london(now: str, expected: str) -> None:
    assert timing(at("2026-05-05T23:59:59"), at(now)) == expected


def test_timing_of_an_hour_clock_that_ran_out_today() -> None:
    assert timing(at("2026-06-10T14:00"), at("2026-06-10T16:30")) == "overdue since 14:00 BST today"


def test_due_dates_read_as_a_day_in_london() -> None:
    assert long_date(at("2026-05-05T23:59:59")) == "Tuesday 5 May 2026"
    # a date-based due time stored in UTC is still the London day (BST)
    assert long_date(datetime(2026, 5, 5, 22, 59, 59, tzinfo=UTC)) == "Tuesday 5 May 2026"
    assert long_date(at("2026-06-10T14:00")) == "Wednesday 10 June 2026 at 14:00 BST"
    assert long_date(at("2026-12-10T09:30")) == "Thursday 10 December 2026 at 09:30 GMT"


@pytest.mark.parametrize(("offset", "role", "kind", "phrase"), [
    ("-5wd", "contact", "Reminder", "5 working days before the due date"),
    ("0", "contact", "Reminder", "on the due date"),
    ("+1wd", "contact", "Overdue reminder", "1 working day after the due date"),
    ("+3wd", "escalation", "Escalation", "3 working days after the due date"),
    ("+10wd", "chair", "Escalation", "10 working days after the due date"),
    ("+7d", "contact", "Overdue reminder", "7 days after the due date"),
])
def test_the_step_says_reminder_or_escalation(offset, role, kind, phrase) -> None:
    assert step_kind(offset, role) == kind
    assert step_phrase(offset) == phrase


# --------------------------------------------------------------------------- the email


def test_a_first_reminder_to_an_agency_contact() -> None:
    email = render(facts(), Addressee("contact", "agency:cumbria-police"), at("2026-04-28T07:00"),
                   COORDINATOR, NAMES)
    assert email.subject == ("[CUM-DARDR-2026-003] Reminder: Individual Management Review (IMR) "
                             "from Cumbria Constabulary - due in 7 days")
    assert all(len(line) <= 76 for line in email.body.splitlines())
    body = flat(email.body)
    assert body.startswith("Reminder: Individual Management Review (IMR) from Cumbria Constabulary "
                           "is due in 7 days. ")
    for line in (
        row("Case", "CUM-DARDR-2026-003 (Domestic Abuse Related Death Review (DARDR))"),
        row("Partnership", "Cumberland CSP"),
        row("Responsible", "Cumbria Constabulary"),
        row("Due date", "Tuesday 5 May 2026"),
        row("Status", "due in 7 days"),
        row("Reminder step", "Reminder, 5 working days before the due date"),
        row("Basis", "local procedure: local DARDR procedure"),
        row("Sent to you as", "the contact at Cumbria Constabulary"),
        "What to do Please send the return by the due date.",
        "Who to contact Charlie Example (Coordinator, Cumberland CSP) "
        "csp.coordinator@cumberland.example.org Please quote the case reference CUM-DARDR-2026-003.",
        "No personal details of the people involved in the case are included in this email, by design.",
    ):
        assert line in body, line


def test_an_escalation_says_who_else_has_it_and_how_late_it_is() -> None:
    overdue = facts(step="3wd-overdue", at="+3wd", recipients=("contact", "escalation"))
    email = render(overdue, Addressee("escalation", "agency:cumbria-police"),
                   at("2026-05-12T07:00"), COORDINATOR, NAMES)
    assert email.subject.endswith("Escalation: Individual Management Review (IMR) from Cumbria "
                                  "Constabulary - overdue by 7 days")
    assert row("Sent to you as", "the escalation contact (strategic lead) at Cumbria Constabulary") in flat(email.body)
    assert row("This step goes to", "the contact at Cumbria Constabulary and the escalation contact "
               "(strategic lead) at Cumbria Constabulary") in flat(email.body)
    assert "Please send the return now, or tell the coordinator when it will come." in flat(email.body)


def test_the_partnerships_own_deadline_goes_to_its_coordinator_and_chair() -> None:
    decision = facts(deadline="decision", responsible="partnership", at="+10wd", step="10wd-overdue",
                     recipients=("escalation", "chair"), due=at("2026-02-28T23:59:59"))
    email = render(decision, Addressee("chair", "partnership:cumberland"), at("2026-03-14T07:00"),
                   None, NAMES)
    assert row("Responsible", "Cumberland CSP") in flat(email.body)
    assert row("This step goes to", "the chair of Cumberland CSP") in flat(email.body)
    assert "The coordinator of Cumberland CSP (no contact details are on record)." in flat(email.body)


def test_an_hour_based_deadline_shows_its_time_and_zone() -> None:
    """An encampment's initial visit is due 24 hours after the report: the email gives the hour
    (Europe/London, with GMT or BST), not just the day."""
    visit = facts(reference="CUM-UE-2026-001", case_type="encampment", deadline="initial-visit",
                  due=datetime(2026, 3, 3, 14, 30, tzinfo=UTC), responsible="council",
                  at="0", step="due-day", basis="local procedure: local protocol")
    email = render(visit, Addressee("contact", "partnership:"), at("2026-03-03T07:00"),
                   COORDINATOR, NAMES)
    body = flat(email.body)
    assert email.subject == ("[CUM-UE-2026-001] Reminder: Initial visit to the encampment - "
                             "due today")
    assert row("Due date", "Tuesday 3 March 2026 at 14:30 GMT") in body
    assert row("Responsible", "the council") in body
    assert row("Case", "CUM-UE-2026-001 (Unauthorised encampment)") in body


# --------------------------------------------------------------------------- no personal data


def people(deadline: Deadline, roles: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"role": r, "of": f"agency:{deadline.responsible}", "name": RECIPIENT_NAME,
             "email": RECIPIENT_EMAIL} for r in roles]


def personal_values(events: list[Any]) -> set[str]:
    """Every string held in any event's ``personal`` fields (names, contacts, free text)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k not in ("role", "of"):  # a recipient's role and whose: not personal
                    walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)
        elif isinstance(value, str) and len(value) > 3:
            found.add(value)

    for event in events:
        walk(getattr(event, "personal", None))
    return found


def emails_for(case: Any, issued: list[Any], now: datetime) -> list[str]:
    texts = []
    for event in issued:
        for person in event.personal["to"]:
            email = render(facts_from(case, event, "Cumberland CSP", "Allerdale Local Focus Hub"),
                           Addressee(person["role"], person["of"]), now, COORDINATOR, NAMES)
            texts.append(email.subject + "\n" + email.body)
    return texts


def test_a_dardr_reminder_contains_none_of_the_cases_personal_data() -> None:
    given = Given.notified("2026-01-31").scoping("2026-02-02")
    given.do("decide", "2026-02-20", "review", "Zebedee Marchbanks told us everything")
    given.do("appoint_chair", "2026-02-21", "Perpetua Inglethorpe")
    given.do("request_return", "2026-02-23", "cumbria-police", "imr")
    issued = given.do("issue_due_reminders", "2026-11-20", people)
    assert {e.name for e in issued} >= {"return:cumbria-police:imr"}
    values = personal_values(given.history)
    assert {PSEUDONYM, "Zebedee Marchbanks told us everything", "Perpetua Inglethorpe",
            RECIPIENT_NAME, RECIPIENT_EMAIL} <= values

    texts = emails_for(given.then(), issued, datetime(2026, 11, 20, 9, tzinfo=UTC))

    assert texts and all("CUM-DARDR-2026-001" in t for t in texts)
    for text in texts:
        for value in values:
            assert value not in text


def test_an_asb_reminder_contains_none_of_the_applicants_data() -> None:
    g = test_asb.G(test_asb.received("2026-03-02"))
    issued = g.do("issue_due_reminders", "2026-04-30", people)
    assert issued, "the acknowledgement and threshold decision are overdue"
    values = personal_values(g.history)
    assert {test_asb.NAME, "07700 900000", "Shouting at night"} <= values

    texts = emails_for(g.load(), issued, datetime(2026, 4, 30, 9, tzinfo=UTC))

    assert any("ASB Case Review" in t and "Acknowledgement of the application" in t for t in texts)
    for text in texts:
        for value in values:
            assert value not in text
