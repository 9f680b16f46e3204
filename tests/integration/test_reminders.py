"""Issuing reminders on SQLite and PostgreSQL (processes/common.md, "Reminders and escalation").

Every step is recorded on its case as ``ReminderIssued`` exactly once: when the run is repeated,
when two runs race, when the plan comes from a stale view. Pauses stop the ladder and a resume
restarts it from the moved due date. Delivery is tested in test_reminder_delivery.py.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest

from application.commands import PauseCase, ResumeCase, StartScoping
from application.ports import DeadlineFilter
from application.service import Meta
from domain.errors import DateRuleViolated
from domain.setup import Agency, Partnership, PolicyVersionAdopted, agency_id, partnership_id
from tests.integration.support import notify, seed, services_for

# A death notified Sat 31 Jan 2026: the decision is due Sat 28 Feb 2026 (one calendar month);
# its ladder (national): -5wd Mon 23 Feb, 0 Sat 28 Feb, +3wd Wed 4 Mar, +10wd Fri 13 Mar.
APRIL = datetime(2026, 4, 30, 12, 0, tzinfo=UTC)
CHAIR = {"name": "Chair Person", "email": "chair@csp.example.org"}
COORDINATOR = {"name": "Coord Inator", "email": "coordinator@csp.example.org"}
POLICE = {"contact": {"name": "Spoc", "email": "spoc@police.example.org"},
          "escalation": {"name": "Lead", "email": "lead@police.example.org"}}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def contacts(services) -> None:
    ctx = services.cases.context(Meta(actor="admin", on="2024-04-01"))
    p: Partnership = services.app.repository.get(partnership_id("cumberland"))
    p.change_chair(ctx, CHAIR)
    p.change_coordinator(ctx, COORDINATOR)
    police: Agency = services.app.repository.get(agency_id("cumbria-police"))
    police.change_contacts(ctx, POLICE)
    services.app.save(p, police)


@pytest.fixture
def services(database_url):
    s = services_for(database_url, now=APRIL)
    seed(s)
    contacts(s)
    yield s
    s.close()


def issued_events(services, ref: str) -> list:
    case_id = services.cases.resolve(ref)
    return [e for e in services.app.repository.event_store.get(case_id)
            if type(e).__name__ == "ReminderIssued"]


def test_a_run_issues_each_due_step_once_and_a_second_run_nothing(services):
    ref = notify(services, on="2026-01-31")
    first = services.reminders.run(Meta(actor="system:scheduler"), as_at=at("2026-03-04T07:00:00+00:00"))
    assert [(i["deadline"], i["step"]) for i in first.issued] == [("decision", "3wd-overdue")]
    again = services.reminders.run(Meta(actor="system:scheduler"), as_at=at("2026-03-04T09:00:00+00:00"))
    assert again.issued == [] and again.planned == []
    later = services.reminders.run(Meta(actor="system:scheduler"))
    assert [(i["deadline"], i["step"]) for i in later.issued] == [("decision", "10wd-overdue")]
    events = issued_events(services, ref)
    assert [(e.step, e.step_day, e.actor) for e in events] == [
        ("3wd-overdue", "2026-03-04", "system:scheduler"),
        ("10wd-overdue", "2026-03-13", "system:scheduler"),
    ]
    # the partnership's own deadline: contact = coordinator, escalation = chair (deduplicated)
    assert events[0].personal["to"] == [
        {"role": "contact", "of": "partnership:cumberland", **COORDINATOR},
        {"role": "escalation", "of": "partnership:cumberland", **CHAIR},
    ]
    assert events[1].personal["to"] == [{"role": "escalation", "of": "partnership:cumberland", **CHAIR}]
    row = services.views.open_deadlines(DeadlineFilter(case_id=str(services.cases.resolve(ref))))[0]
    assert (row["last_reminder"], row["reminded_day"]) == ("10wd-overdue", "2026-03-13")


def test_a_dry_run_records_nothing(services):
    notify(services, on="2026-01-31")
    before = services.app.recorder.max_notification_id()
    report = services.reminders.run(Meta(actor="c"), dry_run=True)
    assert [(p.step, p.recipients) for p in report.planned] == [
        ("10wd-overdue", ("contact", "escalation", "chair"))]
    assert services.app.recorder.max_notification_id() == before


def test_agency_returns_go_to_the_agency_contacts_and_the_chair(services):
    ref = notify(services, on="2026-01-31")
    # scoping requested Mon 2 Feb 2026: 10 working days (national) → due Mon 16 Feb
    services.cases.execute(ref, StartScoping(agencies=["cumbria-police", "probation"]),
                           Meta(actor="c", on="2026-02-02"))
    services.reminders.run(Meta(actor="c"), as_at=at("2026-03-02T07:00:00+00:00"))
    police = [e for e in issued_events(services, ref) if e.name == "return:cumbria-police:scoping"]
    # +3wd Thu 19 Feb and +10wd Mon 2 Mar are both due: one escalation, to everyone both would
    # have reached (no escalation lost, nobody chased twice)
    assert [(e.step, e.step_day, e.covers) for e in police] == [("10wd-overdue", "2026-03-02", ["3wd-overdue"])]
    assert police[0].recipients == ["contact", "escalation", "chair"]
    assert police[0].personal["to"] == [
        {"role": "contact", "of": "agency:cumbria-police", **POLICE["contact"]},
        {"role": "escalation", "of": "agency:cumbria-police", **POLICE["escalation"]},
        {"role": "chair", "of": "partnership:cumberland", **CHAIR},
    ]
    probation = [e for e in issued_events(services, ref) if e.name == "return:probation:scoping"]
    # probation has no contacts on record: the step is still issued, without an address
    assert probation[0].personal["to"][0] == {"role": "contact", "of": "agency:probation",
                                              "name": None, "email": None}


def test_two_runs_at_once_issue_each_step_once(database_url):
    first, second = services_for(database_url, now=APRIL), services_for(database_url, now=APRIL)
    try:
        seed(first)
        refs = [notify(first, on=on) for on in ("2026-01-31", "2026-02-02", "2026-02-03")]
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def run(services) -> None:
            try:
                barrier.wait()
                services.reminders.run(Meta(actor="system:scheduler"))
            except BaseException as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        for ref in refs:
            steps = [(e.name, e.step) for e in issued_events(first, ref)]
            assert len(steps) == len(set(steps)) == 1, steps
    finally:
        first.close()
        second.close()


def test_a_stale_plan_issues_nothing_twice(services):
    """The plan comes from the view; the case decides. A step issued after the view was read
    (by another scheduler) is not issued again."""
    ref = notify(services, on="2026-01-31")
    services.catch_up()
    stale = services.views.reminder_candidates()
    services.reminders.run(Meta(actor="other"))
    services.views.reminder_candidates = lambda due_until=None: stale  # type: ignore[method-assign]
    services.reminders.catch_up = lambda: 0  # type: ignore[method-assign]
    report = services.reminders.run(Meta(actor="second"))
    assert len(report.planned) == 1 and report.issued == []
    assert len(issued_events(services, ref)) == 1


def test_pause_stops_reminders_and_resume_restarts_them_from_the_moved_date(services):
    ref = notify(services, on="2026-01-31")
    services.cases.execute(ref, PauseCase(), Meta(actor="c", on="2026-02-20", reason="police request"))
    services.reminders.run(Meta(actor="c"), as_at=at("2026-03-20T07:00:00+00:00"))
    assert issued_events(services, ref) == []
    # paused Fri 20 Feb, resumed Fri 27 Mar: 35 days; a calendar-month clock moves on by the
    # days paused: Sat 28 Feb + 35 days = Sat 4 Apr 2026
    services.cases.execute(ref, ResumeCase(), Meta(actor="c", on="2026-03-27"))
    assert services.cases.load_case(ref).deadlines["decision"].due == "2026-04-04T23:59:59+01:00"
    services.reminders.run(Meta(actor="c"), as_at=at("2026-03-27T12:00:00+00:00"))
    # -5wd before Sat 4 Apr: Fri 3 Apr is Good Friday: Thu 2, Wed 1, Tue 31, Mon 30, Fri 27 Mar
    assert [(e.step, e.due, e.step_day) for e in issued_events(services, ref)] == [
        ("5wd-before", "2026-04-04T23:59:59+01:00", "2026-03-27")]


def test_reminders_are_not_run_as_at_the_future(services):
    with pytest.raises(DateRuleViolated, match="future"):
        services.reminders.run(Meta(actor="c"), as_at=at("2026-05-01T07:00:00+00:00"))


def test_a_partnership_ladder_is_used_and_an_empty_one_switches_reminders_off(services):
    ctx = services.cases.context(Meta(actor="admin", on="2025-04-01"))
    p: Partnership = services.app.repository.get(partnership_id("cumberland"))
    p.adopt_policy(ctx, "dardr", "cumberland-dardr-2025", {}, {},
                   {"decision": [{"at": "+1wd", "to": ["chair"]}], "return": []})
    services.app.save(p)
    ref = notify(services, on="2026-01-31")
    services.cases.execute(ref, StartScoping(agencies=["cumbria-police"]), Meta(actor="c", on="2026-02-02"))
    services.reminders.run(Meta(actor="c"))
    # +1wd after Sat 28 Feb is Mon 2 Mar; the scoping return has no ladder
    assert [(e.name, e.step, e.step_day) for e in issued_events(services, ref)] == [
        ("decision", "1wd-overdue", "2026-03-02")]
    services.catch_up()
    row = next(r for r in services.views.list_cases(None, None, None) if r["reference"] == ref)
    assert json.loads(row["reminder_ladders"])["return"] == []


def test_a_policy_version_stored_before_ladders_existed_still_replays(services):
    """Schema evolution: PolicyVersionAdopted v1 had no `reminders`; it is upcast when read."""
    ctx = services.cases.context(Meta(actor="admin", on="2025-04-01"))
    p: Partnership = services.app.repository.get(partnership_id("cumberland"))
    p.adopt_policy(ctx, "dardr", "old-version", {"guidance": "dhr-2016"}, {})
    pending = p.collect_events()
    assert [type(e) for e in pending] == [PolicyVersionAdopted]
    stored = services.app.mapper.to_stored_event(pending[0])
    state = json.loads(stored.state)
    assert state.pop("reminders") == {} and state.pop("class_version") == 2
    old = type(stored)(originator_id=stored.originator_id, originator_version=stored.originator_version,
                       topic=stored.topic, state=json.dumps(state).encode())
    services.app.recorder.insert_events([old])
    reloaded: Partnership = services.app.repository.get(partnership_id("cumberland"))
    assert reloaded.policies[-1]["version"] == "old-version"
    assert reloaded.policies[-1]["reminders"] == {}
    # and a case opened under it runs the national ladder
    ref = notify(services, on="2026-01-31")
    assert services.cases.load_case(ref).policy.version == "old-version"
    services.reminders.run(Meta(actor="c"))
    assert [e.step for e in issued_events(services, ref)] == ["10wd-overdue"]
